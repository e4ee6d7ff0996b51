/**
 * A card-server card module (devices/emulator/card-server.ts `--cards`) for the UI tests of a
 * torn top-up: an emulated card that loses power at its CREDIT FOR LOAD, wherever that falls in
 * the station's APDU sequence (the lab's `fault` counts APDUs, and how many the station sends
 * before CREDIT changes with its reads). JSON: `{ kind: 'torn-load', fault, card: <card JSON> }`;
 * `fault` is 'tear-after-commit' (the card loaded, the answer lost) or 'tear-before-commit'
 * (the card did not load). With `at: 'm1-decrement'` an M1 card loses power at its first purse
 * decrement instead (an upgrade zeroing the old card: CARD-PROTOCOL.md §9.6 step 2b).
 * Its toJSON is the inner card's, so the card placed again is plain.
 */
import { cardFromJSON as emulatorCard } from '../../devices/emulator/index.ts';
import type { FaultKind, VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { faultAt, IS_CREDIT_FOR_LOAD } from './card-faults.ts';

export interface TornLoadCardJSON {
  kind: 'torn-load';
  fault: Extract<FaultKind, 'tear-after-commit' | 'tear-before-commit'>;
  card: unknown;
  /** Where the power goes: CREDIT FOR LOAD (default), or an M1 card's first ACS decrement (FF D7 … 05 02). */
  at?: 'credit-for-load' | 'm1-decrement';
}

const IS_M1_DECREMENT = (apdu: Uint8Array): boolean => apdu[0] === 0xff && apdu[1] === 0xd7 && apdu[4] === 0x05 && apdu[5] === 0x02;

export const TORN_LOAD_CARDS = import.meta.filename;

export function cardFromJSON(json: unknown): VirtualCard | undefined {
  if (typeof json !== 'object' || json === null || (json as { kind?: unknown }).kind !== 'torn-load') return undefined;
  const j = json as TornLoadCardJSON;
  return faultAt(emulatorCard(j.card), j.at === 'm1-decrement' ? IS_M1_DECREMENT : IS_CREDIT_FOR_LOAD, j.fault);
}
