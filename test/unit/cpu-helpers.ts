// Shared fixtures for the cpu-* tests: emulated cards personalised from the training keys,
// a scripted channel and a seeded PRNG.
import { fromHex, toHex } from '../../common/hex.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { createCpuCard, type CreateCpuCardOptions } from '../../devices/emulator/cpu-card-factory.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { loadTrainingKeys } from '../../devices/sam/key-file.ts';

export const trainingKeys = loadTrainingKeys();
export const TERMINAL = '310000000123';

export function trainingCard(extra: Partial<CreateCpuCardOptions> = {}): CpuCard {
  return createCpuCard({
    asn: '3100000000000042', cityCode: '3100', balanceFen: 1000, issueDate: '2024-01-01', expiryDate: '2034-12-31', cardType: 1,
    keySet: trainingKeys, onlineAtc: 7, ...extra,
  });
}

export { seededRandom as prng } from '../harness/seeded-random.ts';

/** Answers from a table keyed by command hex (prefix match on the longest key). */
export class ScriptedChannel implements CardChannel {
  readonly readerName = 'scripted';
  readonly atr = fromHex('3B8180018080');
  readonly sent: string[] = [];
  constructor(private readonly script: Record<string, string>) {}
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const hex = toHex(command);
    this.sent.push(hex);
    const key = Object.keys(this.script).filter((k) => hex.startsWith(k)).sort((a, b) => b.length - a.length)[0];
    return fromHex(key === undefined ? '6D00' : this.script[key]!);
  }
}
