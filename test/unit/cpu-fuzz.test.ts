// Fuzz of the station-side CPU client: a CardChannel that answers every command with seeded
// random bytes (short answers, wrong SWs, random and corrupted TLV, random and plausible
// lengths). Over ≥ 10,000 answers across select/readCpuCard/initializeForLoad/readLog and
// friends, every failure must be a StationError of the card kinds — never a TypeError or
// RangeError — and every operation must finish within a bounded number of APDUs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardMalformedError, CardStatusError, CardUnsupportedError, StationError } from '../../common/errors.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { transmitWithRules } from '../../devices/transmit-rules.ts';
import { CpuClient, detectCardApplication, readCpuCard, settleLoad, type PendingLoad } from '../../devices/cpu/index.ts';
import { prng } from './cpu-helpers.ts';

/** FUZZ_ANSWERS raises it (`npm run campaign:fuzz`: 100,000; docs/RELIABILITY.md). */
const TARGET_ANSWERS = Number(process.env.FUZZ_ANSWERS ?? 12_000);
/** No client operation may need more APDUs than this (10 log records + selects + rules' GET RESPONSE rounds). */
const MAX_APDUS_PER_OPERATION = 60;

const SWS = [0x9000, 0x9000, 0x9000, 0x6a83, 0x6a82, 0x6a81, 0x9303, 0x6283, 0x6c1e, 0x6c17, 0x6104, 0x6110, 0x9406, 0x9402, 0x6985, 0x6700, 0x6e00];
const LENGTHS = [0, 1, 2, 4, 8, 15, 16, 22, 23, 24, 29, 30, 31, 55];

class RandomCard implements CardChannel {
  readonly readerName = 'fuzz';
  readonly atr = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  answers = 0;
  constructor(private readonly rnd: () => number) {}

  #int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  #bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.#int(256));
  }
  #sw(): number[] {
    const sw = this.rnd() < 0.85 ? SWS[this.#int(SWS.length)]! : this.#int(0x10000);
    return [sw >> 8, sw & 0xff];
  }
  #bcdish(n: number): number[] {
    // Mostly valid BCD digits so the date/time parsers get both outcomes.
    return Array.from({ length: n }, () => (this.rnd() < 0.8 ? ((this.#int(10) << 4) | this.#int(10)) : this.#int(256)));
  }
  #tlv(tag: number[], value: number[]): number[] {
    return [...tag, ...(value.length < 0x80 ? [value.length] : [0x81, value.length]), ...value];
  }
  #fci(): number[] {
    const ef15 = this.rnd() < 0.7 ? [...this.#bytes(20), ...this.#bcdish(8), ...this.#bytes(2)] : this.#bytes(this.#int(40));
    const a5: number[] = [];
    if (this.rnd() < 0.8) a5.push(...this.#tlv([0x9f, 0x08], this.#bytes(this.rnd() < 0.9 ? 1 : this.#int(3))));
    if (this.rnd() < 0.8) a5.push(...this.#tlv([0x9f, 0x0c], ef15));
    const inner = [...this.#tlv([0x84], this.#bytes(this.rnd() < 0.8 ? 9 : this.#int(20))), ...(this.rnd() < 0.9 ? this.#tlv([0xa5], a5) : [])];
    const fci = this.#tlv([0x6f], inner);
    // Corrupt some: flip a byte, truncate, or append junk.
    const r = this.rnd();
    if (r < 0.15 && fci.length > 0) fci[this.#int(fci.length)] = this.#int(256);
    else if (r < 0.25) fci.length = this.#int(fci.length);
    else if (r < 0.3) fci.push(...this.#bytes(1 + this.#int(4)));
    return fci;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.answers++;
    const r = this.rnd();
    if (r < 0.1) return Uint8Array.from(this.#bytes(this.#int(3))); // shorter than a status word, or just one
    if (r < 0.25) return Uint8Array.from([...this.#bytes(this.#int(64)), ...this.#sw()]);
    if (r < 0.5) {
      // Plausible length with OK, random or date-like content.
      const n = LENGTHS[this.#int(LENGTHS.length)]!;
      const body = n === 23 ? [...this.#bytes(16), ...this.#bcdish(7)] : this.#bytes(n);
      return Uint8Array.from([...body, 0x90, 0x00]);
    }
    if (r < 0.7 && command[1] === 0xa4) return Uint8Array.from([...this.#fci(), ...(this.rnd() < 0.8 ? [0x90, 0x00] : this.#sw())]);
    if (r < 0.8) return Uint8Array.of(0x6a, 0x83);
    return Uint8Array.from([...this.#bytes(LENGTHS[this.#int(LENGTHS.length)]!), ...this.#sw()]);
  }
}

/** Counts APDUs per operation on top of the random card, optionally through the shared 61xx/6Cxx rules. */
class CountingChannel implements CardChannel {
  readonly readerName = 'fuzz';
  readonly atr = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  apdus = 0;
  constructor(private readonly card: RandomCard, private readonly withRules: boolean) {}
  transmit(command: Uint8Array): Promise<Uint8Array> {
    const raw = (c: Uint8Array): Promise<Uint8Array> => {
      this.apdus++;
      if (this.apdus > MAX_APDUS_PER_OPERATION) throw new Error(`operation exceeded ${MAX_APDUS_PER_OPERATION} APDUs`);
      return this.card.transmit(c);
    };
    return this.withRules ? transmitWithRules(raw, command) : raw(command);
  }
}

const pending: PendingLoad = {
  asn: '3100000000000042', cityCode: '3100', amountFen: 2000, terminalId: '310000000123', keyIndex: 1,
  init: { oldBalanceFen: 1000, onlineAtc: 7, keyVersion: 1, algorithmId: 0, random: '11223344', mac1: '01020304', raw: '000003E80007010011223344' + '01020304' },
  hostDateTime: { date: '20260301', time: '100304' }, mac2: 'AABBCCDD',
};

const OPERATIONS: Array<[string, (ch: CardChannel) => Promise<unknown>]> = [
  ['select', (ch) => new CpuClient(ch).select()],
  ['readCpuCard', (ch) => readCpuCard(ch)],
  ['initializeForLoad', (ch) => new CpuClient(ch).initializeForLoad({ amountFen: 100, terminalId: '310000000123' })],
  ['readLog', (ch) => new CpuClient(ch).readLog()],
  ['detectCardApplication', (ch) => detectCardApplication(ch)],
  ['readEf0015', (ch) => new CpuClient(ch).readEf0015()],
  ['readEf0016', (ch) => new CpuClient(ch).readEf0016()],
  ['getTransactionProve', (ch) => new CpuClient(ch).getTransactionProve(2, 8)],
  ['settleLoad', (ch) => settleLoad(new CpuClient(ch), pending)],
];

function allowed(err: unknown): boolean {
  if (err instanceof CardMalformedError || err instanceof CardStatusError || err instanceof CardUnsupportedError) return true;
  // settleLoad's "in doubt" verdict.
  return err instanceof StationError && err.code === 'CARD_MISMATCH';
}

test(`fuzz: ${TARGET_ANSWERS} random card answers never escape as anything but card StationErrors`, async (t) => {
  const rnd = prng(0xc0ffee);
  const card = new RandomCard(rnd);
  const outcomes = new Map<string, number>();
  const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  let operations = 0;
  while (card.answers < TARGET_ANSWERS) {
    const [name, op] = OPERATIONS[operations % OPERATIONS.length]!;
    const channel = new CountingChannel(card, operations % 2 === 1);
    operations++;
    try {
      await op(channel);
      note(`${name}:ok`);
    } catch (err) {
      if (!allowed(err)) {
        assert.fail(`${name} (operation ${operations}) threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}`);
      }
      note(err instanceof StationError ? err.name : 'other');
    }
    assert.ok(channel.apdus <= MAX_APDUS_PER_OPERATION, `${name} used ${channel.apdus} APDUs`);
  }
  assert.ok(card.answers >= TARGET_ANSWERS, `only ${card.answers} answers`);
  t.diagnostic(`${card.answers} answers, ${operations} operations: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  // The fuzz must reach both failure kinds and, sometimes, success: otherwise it tests nothing.
  assert.ok((outcomes.get('CardMalformedError') ?? 0) > 100, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('CardStatusError') ?? 0) > 100, JSON.stringify([...outcomes]));
  const successes = [...outcomes].filter(([k]) => k.endsWith(':ok')).reduce((n, [, v]) => n + v, 0);
  assert.ok(successes > 50, JSON.stringify([...outcomes]));
  for (const name of ['select', 'readLog', 'detectCardApplication']) assert.ok((outcomes.get(`${name}:ok`) ?? 0) > 0, `${name} never succeeded`);
});

test('fuzz: a different seed, full 256-byte random answers, still only card StationErrors', async () => {
  const rnd = prng(42);
  let answers = 0;
  const channel: CardChannel = {
    readerName: 'fuzz', atr: new Uint8Array(0),
    async transmit() {
      answers++;
      return Uint8Array.from({ length: Math.floor(rnd() * 260) }, () => Math.floor(rnd() * 256));
    },
  };
  for (let i = 0; answers < 2000; i++) {
    const [name, op] = OPERATIONS[i % OPERATIONS.length]!;
    try {
      await op(channel);
    } catch (err) {
      assert.ok(allowed(err), `${name} threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
  }
});
