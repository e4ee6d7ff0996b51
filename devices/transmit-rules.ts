/**
 * T=0 style answer handling shared by every transport: 61xx means "xx more bytes, ask with
 * GET RESPONSE", 6Cxx means "wrong Le, re-issue with Le = xx". Both the PC/SC reader service
 * and the in-process emulator channel use this, so a card client sees the same behaviour on
 * every path. Bounded: a card that keeps answering 61xx cannot loop us forever.
 */
import { CardMalformedError } from '../common/errors.ts';
import { concatBytes } from '../common/hex.ts';

export const MAX_GET_RESPONSE_ROUNDS = 16;

export type RawTransmit = (command: Uint8Array) => Promise<Uint8Array>;

export async function transmitWithRules(raw: RawTransmit, command: Uint8Array): Promise<Uint8Array> {
  let answer = await raw(command);
  if (answer.length < 2) return answer; // the card client reports the malformed answer with context
  let sw1 = answer[answer.length - 2] as number;
  let sw2 = answer[answer.length - 1] as number;

  if (sw1 === 0x6c && command.length >= 4) {
    // Re-issue the same command with the Le the card asked for (case 2: header + Le).
    const fixed = command.length === 5 || command.length === 4
      ? Uint8Array.from([...command.subarray(0, 4), sw2])
      : Uint8Array.from([...command.subarray(0, command.length - 1), sw2]);
    answer = await raw(fixed);
    if (answer.length < 2) return answer;
    sw1 = answer[answer.length - 2] as number;
    sw2 = answer[answer.length - 1] as number;
  }

  let data = answer.subarray(0, answer.length - 2);
  for (let round = 0; sw1 === 0x61; round++) {
    if (round >= MAX_GET_RESPONSE_ROUNDS) throw new CardMalformedError('card keeps answering 61xx (more data) without end');
    const next = await raw(Uint8Array.from([0x00, 0xc0, 0x00, 0x00, sw2]));
    if (next.length < 2) return next;
    data = concatBytes(data, next.subarray(0, next.length - 2));
    sw1 = next[next.length - 2] as number;
    sw2 = next[next.length - 1] as number;
  }
  return concatBytes(data, Uint8Array.from([sw1, sw2]));
}
