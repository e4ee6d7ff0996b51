// The clearing host against a real PostgreSQL (test/harness/pg-lab.ts): registration, signed
// requests, idempotent chained uploads, quarantine, deltas, load authorisation with the
// CARD-PROTOCOL.md §5.10 V2 vector, day checkpoints, lost-card balance (only a verified one), health.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../common/ids.ts';
import { entryHash } from '../../common/ledger-hash.ts';
import {
  MAX_BATCH_ENTRIES,
  MAX_BODY_BYTES,
  PATHS,
  type BlacklistDelta,
  type CardBalanceAnswer,
  type DayCheckpoint,
  type DayCheckpointAnswer,
  type EntryBatchAnswer,
  type ErrorAnswer,
  type LoadAuthAnswer,
  type LoadAuthRequest,
  type ParamDelta,
  type WireEntry,
} from '../../common/upstream-protocol.ts';
import { buildHost } from '../../upstream/app.ts';
import { openPostgres, type Database } from '../../upstream/store/database.ts';
import { migrate } from '../../upstream/store/migrate.ts';
import { setParam } from '../../upstream/deltas.ts';
import { IssuerKeys } from '../../upstream/issuer-keys.ts';
import { registerStation } from '../../upstream/stations.ts';
import { startPgLab, type PgLab } from '../harness/pg-lab.ts';
import { ChainMaker, send, StationClient } from '../harness/upstream-client.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';
import { SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';

// Without POSTGRES on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

const OTHER_CITY = '5810';
const KEYS = IssuerKeys.parse({
  issuers: {
    [OTHER_CITY]: { algorithm: '3des', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210', dtk: '00112233445566778899AABBCCDDEEFF', damk: '00112233445566778899AABBCCDDEEFF' },
    '7777': { algorithm: 'sm4', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210' },
  },
});

let lab: PgLab;
let db: Database;
let app: FastifyInstance;
let base: string;
let clock = Date.now();
const now = (): number => clock;
const ADMIN = 'test-admin-token';

async function station(id: string): Promise<StationClient> {
  const { secret } = await registerStation(db, { stationId: id, name: `counter ${id}` });
  return new StationClient(base, id, secret, now);
}

before(async () => {
  lab = await startPgLab();
  db = openPostgres({ connectionString: await lab.createDatabase('host_test') });
  assert.deepEqual(await migrate(db), [1, 2]);
  assert.deepEqual(await migrate(db), [], 'a second run applies nothing');
  app = buildHost({ db, keys: KEYS, now, adminToken: ADMIN });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await app?.close();
  await db?.close();
  await lab?.stop();
});

describe('registration and signatures', () => {
  test('admin endpoint registers a station once; the secret signs its requests', async () => {
    const noToken = await send(base, 'POST', '/v1/admin/stations', JSON.stringify({ stationId: 'AAAA00000001' }), { 'content-type': 'application/json' });
    assert.equal(noToken.status, 401);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
    const r = await send<{ secret: string; station: { stationId: string } }>(base, 'POST', '/v1/admin/stations', JSON.stringify({ stationId: 'AAAA00000001', name: 'north' }), headers);
    assert.equal(r.status, 201);
    assert.match(r.body.secret, /^[0-9a-f]{64}$/);
    const again = await send(base, 'POST', '/v1/admin/stations', JSON.stringify({ stationId: 'AAAA00000001' }), headers);
    assert.equal(again.status, 409);
    const client = new StationClient(base, 'AAAA00000001', r.body.secret, now);
    assert.equal((await client.get(PATHS.params)).status, 200);
  });

  test('bad signature, unknown station, stale timestamp, replay and wrong station are refused', async () => {
    const a = await station('AAAA00000002');
    const ok = await a.get<BlacklistDelta>(`${PATHS.blacklist}?since=0`);
    assert.equal(ok.status, 200);

    const replay = await send<ErrorAnswer>(base, 'GET', a.last!.target, '', a.last!.headers);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'REPLAY');

    const wrong = new StationClient(base, a.stationId, 'f'.repeat(64), now);
    const bad = await wrong.get<ErrorAnswer>(PATHS.params);
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'AUTH');

    const stranger = new StationClient(base, 'FFFF00000000', 'f'.repeat(64), now);
    assert.equal((await stranger.get(PATHS.params)).status, 401);

    const unsigned = await send<ErrorAnswer>(base, 'GET', PATHS.params, '', {});
    assert.equal(unsigned.status, 401);

    const late = new StationClient(base, a.stationId, a.secret, () => clock - 301_000);
    const stale = await late.get<ErrorAnswer>(PATHS.params);
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error.code, 'STALE');
    const early = new StationClient(base, a.stationId, a.secret, () => clock + 301_000);
    assert.equal((await early.get<ErrorAnswer>(PATHS.params)).body.error.code, 'STALE');

    // Body tampered after signing.
    const chain = new ChainMaker(a.stationId);
    const body = { stationId: a.stationId, entries: chain.batch(1) };
    const signedFor = JSON.stringify(body);
    const { signRequest } = await import('../../common/upstream-signing.ts');
    const headers = { ...signRequest(a.secret, { method: 'POST', target: PATHS.entries(a.stationId), body: signedFor, stationId: a.stationId }, { nowMs: clock }), 'content-type': 'application/json' };
    const tampered = await send<ErrorAnswer>(base, 'POST', PATHS.entries(a.stationId), signedFor.replace('"amountFen":1000', '"amountFen":9000'), headers);
    assert.equal(tampered.status, 401);

    // A station may not upload into another station's ledger.
    const b = await station('AAAA00000003');
    const other = await b.post<ErrorAnswer>(PATHS.entries(a.stationId), body);
    assert.equal(other.status, 403);
  });

  test('a disabled station is refused', async () => {
    const d = await station('AAAA00000004');
    await db.query('UPDATE stations SET disabled = true WHERE station_id = $1', [d.stationId]);
    assert.equal((await d.get(PATHS.params)).status, 403);
  });
});

describe('entry batches', () => {
  test('upload, repeat (no-op), same id with different content (409), gap and broken links (422)', async () => {
    const s = await station('BBBB00000001');
    const chain = new ChainMaker(s.stationId);
    const first = chain.batch(5);
    const r1 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: first });
    assert.equal(r1.status, 200);
    assert.deepEqual({ ack: r1.body.ackSeq, stored: r1.body.stored, dup: r1.body.duplicates, refused: r1.body.refused }, { ack: 5, stored: 5, dup: 0, refused: null });
    assert.equal(r1.body.headHash, chain.head);

    // The same batch again (an answer lost on the way back): all duplicates.
    const r2 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: first });
    assert.equal(r2.status, 200);
    assert.deepEqual([r2.body.ackSeq, r2.body.stored, r2.body.duplicates], [5, 0, 5]);

    // Overlap: 3 held + 2 new.
    const more = chain.batch(2);
    const r3 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [...first.slice(2), ...more] });
    assert.deepEqual([r3.status, r3.body.ackSeq, r3.body.stored, r3.body.duplicates], [200, 7, 2, 3]);

    // Same entry id and seq, different content (re-hashed, so only the id gives it away).
    const changed = { ...first[3]!, amountFen: 99 };
    const forged: WireEntry = { ...changed, hash: entryHash(changed) };
    const r4 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [forged] });
    assert.equal(r4.status, 409);
    assert.equal(r4.body.refused?.code, 'ENTRY_CONFLICT');
    assert.equal(r4.body.ackSeq, 7);
    // … and with the old hash kept.
    const r4b = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [{ ...first[3]!, amountFen: 99 }] });
    assert.deepEqual([r4b.status, r4b.body.refused?.code], [409, 'ENTRY_CONFLICT']);

    // Content that does not match its hash.
    const next = chain.next();
    const r5 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [{ ...next, amountFen: next.amountFen + 1 }] });
    assert.equal(r5.status, 422);
    assert.equal(r5.body.refused?.code, 'HASH_MISMATCH');

    // A gap: entry 9 without 8.
    const nine = chain.next();
    const r6 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [nine] });
    assert.equal(r6.status, 422);
    assert.equal(r6.body.refused?.code, 'CHAIN_GAP');
    assert.equal(r6.body.ackSeq, 7);

    // Entry 8 linked to the wrong previous hash.
    const wrongLink = { ...next, prevHash: 'a'.repeat(64) };
    const r7 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [{ ...wrongLink, hash: entryHash(wrongLink) }] });
    assert.equal(r7.body.refused?.code, 'PREV_HASH_MISMATCH');

    // The good prefix of a batch is kept when a later entry is refused.
    const ten = chain.next();
    const broken = { ...ten, seq: 11 };
    const r8 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [next, nine, { ...broken, hash: entryHash(broken) }] });
    assert.equal(r8.status, 422);
    assert.equal(r8.body.refused?.code, 'SEQ_ORDER');
    assert.equal(r8.body.ackSeq, 9);
    const r9 = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [ten] });
    assert.deepEqual([r9.status, r9.body.ackSeq, r9.body.headHash], [200, 10, chain.head]);

    // The host's copy equals the station's, entry for entry and hash for hash.
    const held = await db.query<{ seq: number; entry_id: string; hash: string }>('SELECT seq, entry_id, hash FROM entries WHERE station_id = $1 ORDER BY seq', [s.stationId]);
    assert.deepEqual(held.rows.map((r) => [Number(r.seq), r.entry_id, r.hash]), chain.all.map((e) => [e.seq, e.entryId, e.hash]));
  });

  test('an unbalanced entry is held as rejected with its reason and the chain goes on', async () => {
    const s = await station('BBBB00000002');
    const chain = new ChainMaker(s.stationId);
    const entries = [
      chain.next(),
      chain.next({ postings: [{ account: 'cash_drawer', debitFen: 500, creditFen: 0 }, { account: 'card_float', debitFen: 0, creditFen: 400 }] }),
      chain.next({ kind: 'lost_report', amountFen: 0, postings: [] }),
      chain.next(),
    ];
    const r = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries });
    assert.equal(r.status, 200);
    assert.equal(r.body.ackSeq, 4);
    assert.deepEqual(r.body.rejected.map((x) => [x.seq, x.code]), [[2, 'UNBALANCED']]);
    assert.match(r.body.rejected[0]!.reason, /500 ≠ credits 400/);
    // The answer was lost: the repeat says it again.
    const again = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries });
    assert.deepEqual([again.body.duplicates, again.body.rejected.map((x) => [x.seq, x.code])], [4, [[2, 'UNBALANCED']]]);
    const head = await s.get<{ ackSeq: number; headHash: string }>(PATHS.head(s.stationId));
    assert.deepEqual([head.status, head.body.ackSeq, head.body.headHash], [200, 4, chain.head]);
    assert.equal((await s.get(PATHS.head('BBBB00000001'))).status, 403);
  });

  test('limits: a batch above the cap, a malformed, truncated, huge or non-JSON body are refused whole', async () => {
    const s = await station('BBBB00000003');
    const chain = new ChainMaker(s.stationId);
    const big = await s.post<ErrorAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: chain.batch(MAX_BATCH_ENTRIES + 1) });
    assert.equal(big.status, 400);
    const bad = await s.post<ErrorAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [{ seq: 1 }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'BAD_REQUEST');
    const truncated = await send<ErrorAnswer>(base, 'POST', PATHS.entries(s.stationId), '{"stationId":"BBBB0', { 'content-type': 'application/json' });
    assert.deepEqual([truncated.status, truncated.body.error.code], [400, 'BAD_REQUEST']);
    const huge = await send<ErrorAnswer>(base, 'POST', PATHS.entries(s.stationId), JSON.stringify({ x: 'a'.repeat(MAX_BODY_BYTES) }), { 'content-type': 'application/json' });
    assert.deepEqual([huge.status, huge.body.error.code], [413, 'TOO_LARGE']);
    const text = await send<ErrorAnswer>(base, 'POST', PATHS.entries(s.stationId), 'x', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    const held = await db.query('SELECT 1 FROM entries WHERE station_id = $1', [s.stationId]);
    assert.equal(held.rows.length, 0);
  });

  test('concurrent uploads of the same batches from one station store each entry once', async () => {
    const s = await station('BBBB00000004');
    const chain = new ChainMaker(s.stationId);
    const batches = [chain.batch(50), chain.batch(50), chain.batch(50)];
    // Every batch sent three times at once, in shuffled order; retry until all are acknowledged.
    for (let round = 0; round < 5; round++) {
      const sends = [...batches, ...batches, ...batches].sort(() => Math.random() - 0.5);
      await Promise.all(sends.map((entries) => s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries })));
    }
    const held = await db.query<{ n: number; m: number }>('SELECT COUNT(*) AS n, MAX(seq) AS m FROM entries WHERE station_id = $1', [s.stationId]);
    assert.deepEqual([Number(held.rows[0]!.n), Number(held.rows[0]!.m)], [150, 150]);
  });
});

describe('deltas', () => {
  test('blacklist: versions in order, since/limit paging, idempotent reports', async () => {
    const s = await station('CCCC00000001');
    const start = (await s.get<BlacklistDelta>(`${PATHS.blacklist}?since=0`)).body.latest;
    const requestId = newId();
    const report = { requestId, asn: '00000000000A0001', action: 'add', reason: 'lost (挂失)' };
    const r1 = await s.post<{ change: { version: number }; repeated: boolean }>(PATHS.blacklist, report);
    const r2 = await s.post<{ change: { version: number }; repeated: boolean }>(PATHS.blacklist, report);
    assert.equal(r1.status, 200);
    assert.equal(r2.body.repeated, true);
    assert.equal(r2.body.change.version, r1.body.change.version);
    assert.equal((await s.post(PATHS.blacklist, { ...report, reason: 'other' })).status, 409);
    // Concurrent reports from many requests still number without gaps.
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      s.post(PATHS.blacklist, { requestId: newId(), asn: `00000000000B${i.toString(16).padStart(4, '0')}`, action: 'add', reason: 'lost' })));
    const all = await s.get<BlacklistDelta>(`${PATHS.blacklist}?since=${start}&limit=5000`);
    assert.equal(all.body.changes.length, 21);
    assert.deepEqual(all.body.changes.map((c) => c.version), Array.from({ length: 21 }, (_, i) => start + 1 + i));
    // Paging.
    let since = start;
    let pages = 0;
    const seen: number[] = [];
    for (;;) {
      const page = await s.get<BlacklistDelta>(`${PATHS.blacklist}?since=${since}&limit=8`);
      seen.push(...page.body.changes.map((c) => c.version));
      since = page.body.version;
      pages++;
      if (!page.body.more) break;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, all.body.changes.map((c) => c.version));
    const nothing = await s.get<BlacklistDelta>(`${PATHS.blacklist}?since=${since}`);
    assert.deepEqual([nothing.body.changes.length, nothing.body.version, nothing.body.more], [0, since, false]);
    assert.equal((await s.get(`${PATHS.blacklist}?since=-1`)).status, 400);
  });

  test('params: each set is a new version; the delta gives the latest values', async () => {
    const s = await station('CCCC00000002');
    const v0 = (await s.get<ParamDelta>(`${PATHS.params}?since=0`)).body.latest;
    await setParam(db, 'fees', { depositFen: 2000 });
    await setParam(db, 'limits', { minTopupFen: 1000, maxBalanceFen: 100000 });
    await send(base, 'PUT', '/v1/admin/params/fees', JSON.stringify({ depositFen: 2500 }), { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` });
    const d = await s.get<ParamDelta>(`${PATHS.params}?since=${v0}`);
    assert.deepEqual(d.body.changes.map((c) => [c.version - v0, c.key, c.value]), [
      [1, 'fees', { depositFen: 2000 }],
      [2, 'limits', { minTopupFen: 1000, maxBalanceFen: 100000 }],
      [3, 'fees', { depositFen: 2500 }],
    ]);
  });
});

describe('load authorisation for another city\'s card', () => {
  // CARD-PROTOCOL.md §5.10 V2: MK_DLK, ASN 0000000000012345, random 11223344, ATC 7,
  // old balance 1000, amount 2000, terminal 010000000001 → MAC1 51DEFC45; at 2025-06-01
  // 09:30:00 (China time) → MAC2 7910D74D.
  const V2: LoadAuthRequest = {
    asn: '0000000000012345', cityCode: OTHER_CITY, keyVersion: 1, algorithmId: '00', onlineAtc: 7, random: '11223344',
    oldBalanceFen: 1000, amountFen: 2000, txType: '02', terminalId: '010000000001', mac1: '51DEFC45',
  };
  const V2_TIME = Date.UTC(2025, 5, 1, 1, 30, 0); // 09:30 in UTC+8

  test('MAC2 of the published vector; a repeat gets the same MAC2 and time', async () => {
    const s = await station('DDDD00000001');
    const saved = clock;
    clock = V2_TIME;
    try {
      const r = await s.post<LoadAuthAnswer>(PATHS.loadAuthorize, V2);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'authorised');
      if (r.body.status !== 'authorised') return;
      assert.deepEqual([r.body.mac2, r.body.hostDate, r.body.hostTime, r.body.repeated], ['7910D74D', '20250601', '093000', false]);
      clock = V2_TIME + 60_000; // a minute later: still the same answer (MAC2 covers the time)
      const again = await s.post<LoadAuthAnswer>(PATHS.loadAuthorize, { ...V2, asn: V2.asn.toLowerCase() });
      assert.equal(again.body.status, 'authorised');
      if (again.body.status !== 'authorised') return;
      assert.deepEqual([again.body.mac2, again.body.hostTime, again.body.authId, again.body.repeated], ['7910D74D', '093000', r.body.authId, true]);
      // Same (ASN, ATC, random), different amount: a conflict, not a second MAC2.
      assert.equal((await s.post(PATHS.loadAuthorize, { ...V2, amountFen: 3000 })).status, 409);
    } finally {
      clock = saved;
    }
  });

  test('the load confirmation: the TAC in the station\'s entry is verified with the issuer\'s DTK (V2 → E38A6356); a wrong one is held as rejected TAC_MISMATCH', async () => {
    const s = await station('DDDD00000009');
    const saved = clock;
    clock = V2_TIME;
    try {
      const auth = await s.post<LoadAuthAnswer>(PATHS.loadAuthorize, V2);
      assert.equal(auth.body.status, 'authorised');
    } finally {
      clock = saved;
    }
    const chain = new ChainMaker(s.stationId);
    // As the station records a load of a card whose keys only the host holds (tacVerified false).
    const load = (tac: string) => ({ kind: 'topup', cardRef: `cpu:${V2.asn}`, amountFen: 2000,
      payload: { ...SAMPLE_PAYLOADS.topup, asn: V2.asn, cityCode: OTHER_CITY, tac, tacVerified: false, onlineAtc: 7, balanceBeforeFen: 1000, balanceAfterFen: 3000 },
      postings: [{ account: 'cash_drawer', debitFen: 2000, creditFen: 0 }, { account: 'card_float', debitFen: 0, creditFen: 2000 }] });
    const good = chain.next(load('E38A6356'));
    const bad = chain.next(load('E38A6357'));
    const other = chain.next({ ...load('00000000'), payload: { ...SAMPLE_PAYLOADS.topup, asn: '0000000000099999', cityCode: OTHER_CITY, tac: '00000000', tacVerified: false, onlineAtc: 1 } });
    const r = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [good, bad, other] });
    assert.equal(r.status, 200);
    assert.equal(r.body.ackSeq, 3);
    assert.deepEqual(r.body.rejected.map((x) => [x.seq, x.code]), [[2, 'TAC_MISMATCH']], 'the good TAC passes; a load the host did not authorise is not its to check');
    assert.match(r.body.rejected[0]!.reason, /does not verify/);
    const row = await db.query<{ tac: string; tac_status: string; tac_entry_id: string }>('SELECT tac, tac_status, tac_entry_id FROM load_authorisations WHERE asn = $1 AND online_atc = 7', [V2.asn]);
    assert.deepEqual(row.rows.map((x) => [x.tac, x.tac_status, x.tac_entry_id]), [['E38A6356', 'verified', good.entryId]], 'the verified confirmation stays');
  });

  test('refusals: bad MAC1, unknown issuer, other algorithm, key version, blacklisted, limit', async () => {
    const s = await station('DDDD00000002');
    const refuse = async (req: LoadAuthRequest, code: string): Promise<void> => {
      const r = await s.post<LoadAuthAnswer>(PATHS.loadAuthorize, req);
      assert.equal(r.status, 422, code);
      assert.equal(r.body.status, 'refused');
      if (r.body.status === 'refused') assert.equal(r.body.code, code);
    };
    await refuse({ ...V2, random: '11223345' }, 'MAC1_INVALID');
    await refuse({ ...V2, random: '11223346', mac1: '51DEFC46' }, 'MAC1_INVALID');
    await refuse({ ...V2, random: '11223347', cityCode: '1234' }, 'UNKNOWN_ISSUER');
    await refuse({ ...V2, random: '11223348', cityCode: '7777' }, 'UNSUPPORTED_ALGORITHM');
    await refuse({ ...V2, random: '11223349', keyVersion: 2 }, 'KEY_VERSION');
    await refuse({ ...V2, random: '1122334A', oldBalanceFen: 99_000 }, 'LIMIT');
    await s.post(PATHS.blacklist, { requestId: newId(), asn: '0000000000099999', action: 'add', reason: 'lost' });
    await refuse({ ...V2, asn: '0000000000099999', random: '1122334B' }, 'BLACKLISTED');
    assert.equal((await s.post(PATHS.loadAuthorize, { ...V2, mac1: 'XYZ' })).status, 400);
  });
});

describe('end-of-day checkpoint', () => {
  function checkpoint(stationId: string, entries: WireEntry[]): DayCheckpoint {
    const byKind = new Map<string, { kind: string; count: number; amountFen: number }>();
    for (const e of entries) {
      const k = byKind.get(e.kind) ?? { kind: e.kind, count: 0, amountFen: 0 };
      k.count++;
      k.amountFen += e.amountFen;
      byKind.set(e.kind, k);
    }
    return { stationId, day: '2026-11-23', firstSeq: entries[0]!.seq, lastSeq: entries.at(-1)!.seq, entryCount: entries.length, byKind: [...byKind.values()], headHash: entries.at(-1)!.hash };
  }

  test('incomplete, then acknowledged; a different checkpoint for that day is a conflict', async () => {
    const s = await station('EEEE00000001');
    const chain = new ChainMaker(s.stationId);
    const day = [...chain.batch(3), chain.next({ kind: 'issue', amountFen: 2000 }), ...chain.batch(2)];
    await s.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries: day.slice(0, 4) });
    const early = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), checkpoint(s.stationId, day));
    assert.deepEqual([early.status, early.body.status, early.body.heldThroughSeq], [200, 'incomplete', 4]);
    await s.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries: day.slice(4) });
    const ok = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), checkpoint(s.stationId, day));
    assert.equal(ok.body.status, 'acknowledged');
    assert.ok(ok.body.acknowledgedAt);
    const again = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), checkpoint(s.stationId, day));
    assert.deepEqual([again.body.status, again.body.acknowledgedAt], ['acknowledged', ok.body.acknowledgedAt]);
    const other = { ...checkpoint(s.stationId, day), entryCount: 5, firstSeq: 2 };
    assert.equal((await s.post(PATHS.days(s.stationId), other)).status, 409);
  });

  test('mismatch names the differences', async () => {
    const s = await station('EEEE00000002');
    const chain = new ChainMaker(s.stationId);
    const day = chain.batch(4);
    await s.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries: day });
    const good = checkpoint(s.stationId, day);
    const wrong: DayCheckpoint = { ...good, byKind: [{ kind: 'topup', count: 4, amountFen: good.byKind[0]!.amountFen + 100 }, { kind: 'refund', count: 0, amountFen: 0 }], headHash: 'b'.repeat(64) };
    const r = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), wrong);
    assert.equal(r.body.status, 'mismatch');
    assert.deepEqual(r.body.differences.map((d) => d.field).sort(), ['byKind.topup.amountFen', 'headHash']);
    const fixed = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), good);
    assert.equal(fixed.body.status, 'acknowledged');
    assert.equal((await s.post(PATHS.days(s.stationId), { ...good, entryCount: 3 })).status, 400);
  });
});

describe('lost card balance and health', () => {
  test('a balance the stations only state is not the host\'s: no verifiable load, no balance (upstream-card-balance.test.ts has the verified one)', async () => {
    const s = await station('FFFF00000001');
    const chain = new ChainMaker(s.stationId);
    const card = 'cpu:00000000000C0001';
    const entries = [
      chain.next({ cardRef: card, amountFen: 5000, payload: { balanceAfterFen: 5000 }, at: '2026-11-20T01:00:00.000Z' }),
      chain.next({ cardRef: card, amountFen: 3000, payload: { balanceAfterFen: 8000 }, at: '2026-11-21T01:00:00.000Z' }),
      chain.next({ cardRef: card, amountFen: 1000, payload: {}, at: '2026-11-22T01:00:00.000Z' }),
      chain.next({ cardRef: 'cpu:00000000000C0002', amountFen: 7000, payload: { balanceAfterFen: 7000 } }),
    ];
    await s.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries });
    await s.post(PATHS.blacklist, { requestId: newId(), asn: '00000000000C0001', action: 'add', reason: 'lost' });
    const r = await s.get<CardBalanceAnswer>(PATHS.cardBalance('00000000000c0001'));
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.balanceFen, r.body.basis, r.body.entries, r.body.blacklisted, r.body.asOf], [null, 'none', 3, true, null]);
    const none = await s.get<CardBalanceAnswer>(PATHS.cardBalance('00000000000C0009'));
    assert.deepEqual([none.body.balanceFen, none.body.basis, none.body.blacklisted], [null, 'none', false]);
    assert.equal((await s.get(PATHS.cardBalance('xyz'))).status, 400);
  });

  test('health answers unsigned; unknown routes are 404 JSON', async () => {
    const h = await send<{ ok: boolean; db: string }>(base, 'GET', PATHS.health, '', {});
    assert.deepEqual([h.status, h.body.ok, h.body.db], [200, true, 'ok']);
    const nf = await send<ErrorAnswer>(base, 'GET', '/v1/nothing', '', {});
    assert.deepEqual([nf.status, nf.body.error.code], [404, 'NOT_FOUND']);
  });
});

describe('database outage', () => {
  test('the host answers 503 while PostgreSQL is down and recovers when it is back', async () => {
    const s = await station('FFFF00000002');
    await lab.halt();
    try {
      const h = await send<{ ok: boolean; db: string }>(base, 'GET', PATHS.health, '', {});
      assert.deepEqual([h.status, h.body.ok, h.body.db], [503, false, 'down']);
      const r = await s.get<ErrorAnswer>(PATHS.params);
      assert.deepEqual([r.status, r.body.error.code], [503, 'UNAVAILABLE']);
    } finally {
      await lab.start();
    }
    const h = await send<{ ok: boolean }>(base, 'GET', PATHS.health, '', {});
    assert.equal(h.status, 200);
    assert.equal((await s.get(PATHS.params)).status, 200);
  });
});
