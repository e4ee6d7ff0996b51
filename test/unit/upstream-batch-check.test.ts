// The fast path for entry batches (upstream/entry-batch-check.ts, common/entry-digest.ts — the host's
// and since migration 4 the station's append too)
// must answer exactly as the shared definitions do: the zod schema for shape, canonicalJson
// and entryHash for the hash. Seeded random batches, and mutations of them, compared both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, type Json } from '../../common/canonical-json.ts';
import { entryHash, GENESIS_HASH } from '../../common/ledger-hash.ts';
import { EntryBatchSchema, type WireEntry } from '../../common/upstream-protocol.ts';
import { fastCheckBatch } from '../../upstream/entry-batch-check.ts';
import { canonicalJsonFast, entryDigest } from '../../common/entry-digest.ts';
import { seededRandom } from '../harness/seeded-random.ts';

const rnd = seededRandom(0x5eed7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const ODD_STRINGS = ['', 'a', '充值', '"\\', '\n\t\u0001', '\u2028', 'é', '😀', 'x'.repeat(70), '10', '9', '__proto__', 'constructor', 'Z', 'a b'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e21, 1e-7, -123456789, 9007199254740991, 2 ** 53 + 2, 3.14159, 100_000_000, 100_000_001];

function randomJson(depth: number): Json {
  const r = rnd();
  if (depth > 3 || r < 0.3) return pick<Json>([null, true, false, pick(NUMBERS), pick(ODD_STRINGS)]);
  if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomJson(depth + 1));
  const o: Record<string, Json> = {};
  for (let i = Math.floor(rnd() * 6); i > 0; i--) o[pick([...ODD_STRINGS, 'tac', 'asn', 'balanceAfterFen', 'amountFen', '2', '11'])] = randomJson(depth + 1);
  return o;
}

/** Parsed back from text, as the host sees it (own "__proto__" keys, integer-like keys first). */
const viaWire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('canonicalJsonFast equals canonicalJson on random JSON (odd keys and strings, numbers, nesting)', () => {
  for (let i = 0; i < 3000; i++) {
    const v = viaWire(randomJson(0));
    assert.equal(canonicalJsonFast(v), canonicalJson(v));
  }
  // Keys arriving unsorted and integer-like keys (JSON.parse puts those first) are sorted.
  const v = JSON.parse('{"b":1,"a":{"10":0,"9":1,"x":2},"__proto__":3}') as Json;
  assert.equal(canonicalJsonFast(v), canonicalJson(v));
  assert.equal(canonicalJsonFast(v), '{"__proto__":3,"a":{"10":0,"9":1,"x":2},"b":1}');
  assert.throws(() => canonicalJsonFast(JSON.parse('{"x":1e999}')), /NaN\/Infinity/);
});

let seqCounter = 0;
function randomEntry(prevHash: string): WireEntry {
  seqCounter++;
  const amountFen = pick([0, 1000, -500, 100_000_000, 123]);
  const base = {
    seq: seqCounter,
    entryId: '01M832XB3SRY6ZQT2Q7EH8' + String(1000 + (seqCounter % 9000)).replace(/[ILOU]/g, 'A'),
    kind: pick(['topup', 'lost.report', 'refund:card', 'Issue_2']),
    at: new Date(Date.UTC(2026, 10, 23) + seqCounter * 1000).toISOString(),
    stationId: 'A1B2C3D4E5F6',
    operatorId: pick([null, 'op1', '操作员', 'x'.repeat(64)]),
    shiftId: pick([null, 'SHIFT1']),
    cardRef: pick([null, 'cpu:3100000000012345']),
    amountFen,
    payload: randomJson(1),
    postings: amountFen === 0 ? [] : [{ account: 'cash_drawer', debitFen: Math.abs(amountFen), creditFen: 0 }, { account: 'card_float', debitFen: 0, creditFen: Math.abs(amountFen) }],
    prevHash,
  };
  return { ...base, hash: entryHash(base) };
}

test('entryDigest equals entryHash for random entries (as received over the wire)', () => {
  let prev = GENESIS_HASH;
  for (let i = 0; i < 2000; i++) {
    const e = viaWire(randomEntry(prev));
    prev = e.hash;
    assert.equal(entryDigest(e, canonicalJsonFast(e.payload)), e.hash);
  }
});

/** One change that may or may not keep the batch valid. */
const MUTATIONS: ((b: Record<string, unknown>, e: Record<string, unknown>) => void)[] = [
  (_b, e) => { e.extra = 1; },
  (_b, e) => { Reflect.deleteProperty(e, pick(Object.keys(e))); },
  (_b, e) => { e[pick(Object.keys(e))] = pick<unknown>([null, 0, -1, 1.5, '', 'x', [], {}, true, 2 ** 60, '0'.repeat(64), 'A1B2C3D4E5F6']); },
  (_b, e) => { e.seq = pick([0, -1, 1.5, '1', 2 ** 53]); },
  (_b, e) => { e.entryId = pick(['01M832XB3SRY6ZQT2Q7EH8MAQI', '01m832xb3sry6zqt2q7eh8maq7', '01M832XB3SRY6ZQT2Q7EH8MAQ', '01M832XB3SRY6ZQT2Q7EH8MAQ77']); },
  (_b, e) => { e.kind = pick(['1topup', '', 'a'.repeat(64), 'a'.repeat(65), 'top up', 'top/up']); },
  (_b, e) => { e.at = pick(['2026-11-2', '2026-11-23', 'x'.repeat(40), 'x'.repeat(41)]); },
  (_b, e) => { e.stationId = pick(['a1b2c3d4e5f6', 'A1B2C3D4E5F', 'A1B2C3D4E5F67']); },
  (_b, e) => { e[pick(['operatorId', 'shiftId', 'cardRef'])] = pick(['', 'x'.repeat(64), 'x'.repeat(65), 5]); },
  (_b, e) => { e.amountFen = pick([1.5, 2 ** 53, -(2 ** 53), '5', null]); },
  (_b, e) => { e.payload = pick<unknown>([JSON.parse('1e999'), { a: JSON.parse('-1e999') }, [1, [2, [JSON.parse('1e400')]]], undefined]); },
  (_b, e) => { e.hash = pick(['A'.repeat(64), '0'.repeat(63), 'g'.repeat(64)]); },
  (_b, e) => { e.prevHash = pick(['0'.repeat(65), 5]); },
  (_b, e) => { e.postings = pick<unknown>([{}, null, [null], [{ account: 'Cash', debitFen: 1, creditFen: 0 }], [{ account: 'cash', debitFen: -1, creditFen: 0 }],
    [{ account: 'cash', debitFen: 100_000_001, creditFen: 0 }], [{ account: 'cash', debitFen: 1, creditFen: 0, x: 1 }], [{ account: 'cash', debitFen: 1 }],
    [{ account: 'a'.repeat(40), debitFen: 1.5, creditFen: 0 }], [{ account: 'a'.repeat(41), debitFen: 1, creditFen: 0 }], Array(65).fill({ account: 'c', debitFen: 0, creditFen: 0 }),
    Array(64).fill({ account: 'c', debitFen: 0, creditFen: 0 })]); },
  (b) => { b.stationId = pick(['A1B2C3D4E5F6', 'nope', undefined]); },
  (b) => { b.extra = true; },
  (b) => { b.entries = pick<unknown>([[], {}, null, Array(1001).fill(null)]); },
];

test('the fast check accepts every valid batch and nothing the zod schema refuses', () => {
  let prev = GENESIS_HASH;
  let refusedByBoth = 0;
  for (let i = 0; i < 1500; i++) {
    const entries = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
      const e = randomEntry(prev);
      prev = e.hash;
      return e;
    });
    const valid = viaWire({ stationId: 'A1B2C3D4E5F6', entries });
    const fast = fastCheckBatch(valid);
    assert.ok(EntryBatchSchema.safeParse(valid).success, 'the generator makes valid batches');
    assert.ok(fast !== null, `fast check refused a valid batch: ${JSON.stringify(valid).slice(0, 300)}`);
    assert.deepEqual(fast.payloadJson, valid.entries.map((e) => canonicalJson(e.payload)));

    const bad = viaWire(valid) as unknown as Record<string, unknown>;
    const entry = (bad.entries as Record<string, unknown>[])[0]!;
    const n = 1 + Math.floor(rnd() * 2);
    for (let m = 0; m < n; m++) pick(MUTATIONS)(bad, entry);
    // As the host receives it: text parsed (JSON.parse may turn 1e999 into Infinity).
    const wire = JSON.parse(JSON.stringify(bad, (_k, v: unknown) => (v === Infinity ? '__INF__' : v === -Infinity ? '__NINF__' : v))
      .replace(/"__INF__"/g, '1e999').replace(/"__NINF__"/g, '-1e999')) as unknown;
    const zodOk = EntryBatchSchema.safeParse(wire).success;
    const fastOk = fastCheckBatch(wire) !== null;
    if (fastOk) assert.ok(zodOk, `fast check accepted what zod refuses: ${JSON.stringify(wire).slice(0, 400)}`);
    if (!zodOk) refusedByBoth++;
  }
  assert.ok(refusedByBoth > 700, `the mutations exercise refusals (${refusedByBoth})`);
});

test('the teller\'s cash entries (issue 17 item 4: accounts safe and cash_in_transit) pass the host\'s entry checks and its money check', async () => {
  const { moneyProblem } = await import('../../upstream/entries.ts');
  const { SAMPLE_PAYLOADS } = await import('../harness/ledger-samples.ts');
  const moves: Array<[string, number, [string, string]]> = [
    ['shift_open', 50_000, ['cash_drawer', 'safe']], ['cash_handover', 20_000, ['safe', 'cash_drawer']],
    ['cash_transfer_out', 10_000, ['cash_in_transit', 'cash_drawer']], ['cash_transfer_in', 10_000, ['cash_drawer', 'cash_in_transit']],
    ['float_return', 50_000, ['safe', 'cash_drawer']],
  ];
  let prev = GENESIS_HASH;
  const entries: WireEntry[] = moves.map(([kind, fen, [dr, cr]], i) => {
    const base = {
      seq: i + 1, entryId: `01M832XB3SRY6ZQT2Q7EH8MA${String(i).padStart(2, '0')}`, kind, at: new Date(Date.UTC(2026, 10, 23) + i * 1000).toISOString(), stationId: 'A1B2C3D4E5F6',
      operatorId: 'op1', shiftId: 'SHIFT1', cardRef: null, amountFen: fen, payload: SAMPLE_PAYLOADS[kind as keyof typeof SAMPLE_PAYLOADS] as Json,
      postings: [{ account: dr, debitFen: fen, creditFen: 0 }, { account: cr, debitFen: 0, creditFen: fen }], prevHash: prev,
    };
    const e = { ...base, hash: entryHash(base) };
    prev = e.hash;
    return e;
  });
  const batch = viaWire({ stationId: 'A1B2C3D4E5F6', entries });
  assert.equal(EntryBatchSchema.safeParse(batch).success, true);
  const fast = fastCheckBatch(batch);
  assert.ok(fast !== null, 'the fast check takes the batch');
  for (const e of batch.entries) assert.equal(moneyProblem(e), null, e.kind);
  // The money check still bites: an unbalanced one is held as rejected.
  assert.equal(moneyProblem({ ...batch.entries[1]!, postings: [{ account: 'safe', debitFen: 20_000, creditFen: 0 }] })?.code, 'UNBALANCED');
});
