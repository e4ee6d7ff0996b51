// Fuzz: the station's M1 code against answers it cannot trust. Whatever comes back (random
// bytes, half-plausible blocks, mutated answers of a real emulated card, transport errors),
// readM1Card and normaliseM1Card must end with a result or a StationError subclass: never a
// TypeError/RangeError, never an endless exchange. Seeded, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardRemovedError, StationError } from '../../common/errors.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { encodeValueBlock } from '../../devices/m1/value-block.ts';
import { normaliseM1Card, readM1Card } from '../../devices/m1/operations.ts';
import { AT, channel, keys, layout, makeCard } from './m1-fixtures.ts';
import { seededRandom as rng } from '../harness/seeded-random.ts';


const MAX_APDUS_PER_OPERATION = 400;

class FuzzChannel implements CardChannel {
  readonly readerName = 'fuzz';
  readonly atr = new Uint8Array(0);
  responses = 0;
  perOp = 0;
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = rng(seed);
  }
  #int(n: number): number {
    return Math.floor(this.#r() * n);
  }
  #bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.#int(256));
  }
  #plausibleBlock(): Uint8Array {
    switch (this.#int(5)) {
      case 0: return encodeValueBlock(this.#int(2) === 0 ? this.#int(100000) : (this.#int(2 ** 32) | 0), this.#int(256));
      case 1: {
        const info = { pointer: this.#int(12), txCount: this.#int(70000), progress: (['none', 'in-progress', 'complete'] as const)[this.#int(3)]!, blacklisted: this.#int(2) === 0, monthlyCount: 0, fileFlag: 0 };
        try {
          const { primary, backup } = layout.encodePublicInfo(info);
          return this.#int(2) === 0 ? primary : backup;
        } catch {
          return Uint8Array.from(this.#bytes(16));
        }
      }
      case 2: return layout.encodeIssuance({ cardNo: String(10000000 + this.#int(89999999)), cityCode: '2150', cardType: '01', issueDate: null, expiryDate: null });
      case 3: return layout.encodeRecord({ type: 1 + this.#int(255), amountFen: this.#int(100000), terminal: '00000001', at: AT });
      default: return Uint8Array.from(this.#bytes(16));
    }
  }
  transmit(command: Uint8Array): Promise<Uint8Array> {
    this.responses++;
    this.perOp++;
    if (this.perOp > MAX_APDUS_PER_OPERATION) return Promise.reject(new Error(`runaway: ${this.perOp} APDUs in one operation`));
    const roll = this.#r();
    if (roll < 0.02) return Promise.reject(new CardRemovedError());
    if (roll < 0.03) return Promise.reject(new TypeError('transport bug'));
    const ok = [0x90, 0x00];
    if (roll < 0.75) {
      // The right shape for the instruction, random content.
      switch (command[1]) {
        case 0xca: return Promise.resolve(Uint8Array.from([...this.#bytes(this.#int(8) === 0 ? 7 : 4), ...ok]));
        case 0xb0: return Promise.resolve(Uint8Array.from([...this.#plausibleBlock(), ...ok]));
        case 0xb1: return Promise.resolve(Uint8Array.from([...this.#bytes(4), ...ok]));
        default: return Promise.resolve(Uint8Array.from(ok));
      }
    }
    if (roll < 0.85) return Promise.resolve(Uint8Array.from(this.#int(2) === 0 ? [0x63, 0x00] : this.#bytes(2)));
    return Promise.resolve(Uint8Array.from(this.#bytes(this.#int(40))));
  }
}

function assertTyped(e: unknown, where: string): void {
  assert.ok(e instanceof StationError, `${where}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  assert.ok(!/runaway/.test(e.message), `${where}: ${e.message}`);
}

/** FUZZ_ANSWERS raises it (`npm run campaign:fuzz`: 100,000; docs/RELIABILITY.md). */
const TARGET_ANSWERS = Number(process.env.FUZZ_ANSWERS ?? 12_000);

test(`fuzz: ${TARGET_ANSWERS} random answers across readM1Card/normaliseM1Card, only StationErrors`, async (t) => {
  const ch = new FuzzChannel(0x5eed_0001);
  let ops = 0;
  const outcomes = { ok: 0, failed: 0 };
  while (ch.responses < TARGET_ANSWERS) {
    ch.perOp = 0;
    const op = ops++ % 2 === 0 ? readM1Card(ch, layout, keys) : normaliseM1Card(ch, layout, keys, { valueMode: ops % 4 === 1 ? 'acs' : 'update' });
    try {
      await op;
      outcomes.ok++;
    } catch (e) {
      assertTyped(e, `op ${ops}`);
      outcomes.failed++;
    }
    assert.ok(ch.perOp <= MAX_APDUS_PER_OPERATION, `op ${ops} sent ${ch.perOp} APDUs`);
  }
  assert.ok(ch.responses >= TARGET_ANSWERS);
  t.diagnostic(`${ch.responses} answers, ${ops} operations: ${outcomes.ok} ok, ${outcomes.failed} failed with a StationError`);
  assert.ok(outcomes.failed > 0);
  assert.ok(ops > 100, `${ops} operations`);
});

test('fuzz: a real emulated card with 5% of answers mutated, only StationErrors', async () => {
  const r = rng(0x5eed_0002);
  let responses = 0;
  let ops = 0;
  let succeeded = 0;
  while (responses < 10_000) {
    const card = makeCard({ balanceFen: Math.floor(r() * 100000), inProgress: r() < 0.5, backupFen: r() < 0.5 ? undefined : Math.floor(r() * 100000) });
    const inner = channel(card);
    let perOp = 0;
    const mutated: CardChannel = {
      readerName: 'mutating',
      atr: inner.atr,
      async transmit(command: Uint8Array): Promise<Uint8Array> {
        responses++;
        if (++perOp > MAX_APDUS_PER_OPERATION) throw new Error('runaway');
        const answer = Uint8Array.from(await inner.transmit(command));
        if (r() >= 0.05) return answer;
        const how = Math.floor(r() * 4);
        if (how === 0) return answer.subarray(0, Math.floor(r() * answer.length));
        if (how === 1 && answer.length > 0) {
          const i = Math.floor(r() * answer.length);
          answer[i] = (answer[i] as number) ^ (1 << Math.floor(r() * 8));
          return answer;
        }
        if (how === 2) return Uint8Array.from([...answer, Math.floor(r() * 256)]);
        return Uint8Array.from([0x6a, 0x82]);
      },
    };
    ops++;
    try {
      if (ops % 2 === 0) await readM1Card(mutated, layout, keys);
      else await normaliseM1Card(mutated, layout, keys, { valueMode: ops % 3 === 0 ? 'update' : 'acs' });
      succeeded++;
    } catch (e) {
      assertTyped(e, `op ${ops}`);
    }
  }
  assert.ok(succeeded > 0, 'some operations get through the noise');
});
