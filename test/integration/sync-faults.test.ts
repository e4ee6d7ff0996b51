// The relay through a seeded fault proxy (drops, delays, duplicates, reordering, truncation,
// 500s, timeouts) to a clearing host on a real PostgreSQL: several stations working and syncing
// at once; once the faults stop, the host's ledger per station equals the station's entry for
// entry and hash for hash, nothing twice. Quarantine of a rejected entry does not block later
// entries; a forked chain (409) is quarantined and blocks with its reason.
import assert from 'node:assert/strict';
import { record } from '../../core/record.ts';
import { upstreamCheck } from '../../core/sync.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { topup } from '../../core/workflows/topup.ts';
import { credit, debit } from '../../db/ledger.ts';
import { PATHS } from '../../common/upstream-protocol.ts';
import { FaultProxy, FAULT_KINDS } from '../harness/fault-proxy.ts';
import { noteEvent, SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';
import { READER } from '../harness/station-fixture.ts';
import { assertSameLedger, drain, startSyncLab, syncStation, type SyncLab, type SyncStation } from '../harness/sync-lab.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';
import { ChainMaker, StationClient } from '../harness/upstream-client.ts';
import { loadUpstreamSettings } from '../../core/upstream-config.ts';

// The clearing host runs on a private PostgreSQL: without it every test here skips, saying why
// (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

let lab: SyncLab;
const stations: SyncStation[] = [];
const proxies: FaultProxy[] = [];

before(async () => {
  lab = await startSyncLab('sync_faults');
});
after(async () => {
  for (const s of stations) await s.cleanup().catch(() => undefined);
  for (const p of proxies) await p.close();
  await lab?.stop();
});

/** Top-ups on fresh own-city cards, plus a no-money event now and then. */
async function work(s: SyncStation, n: number, tag: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    s.fx.cards.insert(READER, makeLabCard({ kind: 'cpu', balanceFen: 0, id: `31${String(tag).padStart(2, '0')}${String(i).padStart(12, '0')}` }));
    await topup(s.fx.station, s.fx.operator, { amount: 1000 + (i % 5) * 100, pay: 'cash' });
    if (i % 4 === 3) await record(s.fx.station, { ...noteEvent({ i }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  }
}

test('three stations work and sync at once through the fault proxy; after the faults stop every host ledger equals its station\'s', async () => {
  const proxy = new FaultProxy({ target: lab.url, seed: 20261123, rate: 0.4, maxFaults: 300, maxConsecutive: 3, hangMs: 1500 });
  proxies.push(proxy);
  await proxy.listen();
  const trio = await Promise.all([1, 2, 3].map(() => syncStation(lab, { url: proxy.url, timeoutMs: 1000, batchEntries: 7 })));
  stations.push(...trio);
  for (const s of trio) s.relay.start();
  await Promise.all(trio.map((s, k) => work(s, 36, k + 1)));
  // Keep syncing under faults until every kind of fault has hit (bounded), then heal the network.
  for (let t = 0; t < 200 && FAULT_KINDS.some((k) => proxy.counts[k] === 0); t++) await new Promise((r) => setTimeout(r, 100));
  proxy.setFaults(false);
  for (const s of trio) await s.relay.stop();
  for (const s of trio) await drain(s.relay);
  let total = 0;
  for (const s of trio) total += await assertSameLedger(lab, s);
  assert.equal(total, 3 * (36 + 9) + 3 + 3, 'every top-up and note (and each station\'s training stock and shift opening) arrived');
  // The proxy really did its work: every kind of fault happened.
  for (const k of FAULT_KINDS) assert.ok(proxy.counts[k] > 0, `fault ${k} never happened: ${JSON.stringify(proxy.counts)}`);
  assert.ok(proxy.extraSends > 0, 'duplicates and late copies reached the host');
});

test('an entry the host rejects is quarantined with its reason and does not block later ones', async () => {
  const s = await syncStation(lab, { url: lab.url, batchEntries: 3 });
  stations.push(s);
  const note = (mark: { [key: string]: string | number }) => record(s.fx.station, { ...noteEvent(mark), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  await note({ n: 1 });
  const big = await note({ blob: 'x'.repeat(17 * 1024) }); // above the host's 16 KiB payload limit
  for (let i = 0; i < 5; i++) await record(s.fx.station, { kind: 'migrate_issue', operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 100, payload: { ...SAMPLE_PAYLOADS.migrate_issue, feeFen: 100, i }, postings: [debit('cash_drawer', 100), credit('fee_income', 100)] });
  const r = await s.relay.syncOnce();
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.status.backlog, 0, 'later entries went up');
  assert.equal(r.status.quarantined, 1);
  const q = Array.isArray(r.quarantinedNow) ? r.quarantinedNow : [];
  assert.equal(q.length, 1);
  assert.equal(q[0]!.entryId, big.entryId);
  assert.match(q[0]!.reason, /PAYLOAD_TOO_LARGE/);
  const row = await s.fx.station.db.get<{ state: string; last_error: string }>('SELECT state, last_error FROM outbox WHERE entry_seq = ?', [big.seq]);
  assert.equal(row?.state, 'quarantined');
  assert.match(row!.last_error, /PAYLOAD_TOO_LARGE/);
  await assertSameLedger(lab, s);
  // Again (a lost answer): quarantined once, nothing moves.
  const again = await s.relay.syncOnce();
  assert.equal(again.status.quarantined, 1);
  const check = await upstreamCheck(s.fx.home, s.fx.station.config);
  assert.equal(check.status, 'fail');
  assert.match(check.detail, new RegExp(`#${big.seq} ${noteEvent().kind}: PAYLOAD_TOO_LARGE`));
});

test('a forked chain (409 ENTRY_CONFLICT) is quarantined with the reason and blocks later entries', async () => {
  const s = await syncStation(lab, { url: lab.url });
  stations.push(s);
  // Someone uploaded a different entry 2 for this station id (a restored, forked ledger).
  const settings = loadUpstreamSettings(s.fx.home)!;
  const first = (await (await import('../../db/ledger.ts')).readEntries(s.fx.station.db, 'seq = 1'))[0]!;
  const fork = new ChainMaker(s.stationId);
  fork.seq = 1;
  fork.head = first.hash;
  const client = new StationClient(lab.url, s.stationId, settings.secret);
  const up = await client.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [first, fork.next()] });
  assert.equal(up.status, 200);
  await record(s.fx.station, { ...noteEvent(), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  await record(s.fx.station, { ...noteEvent(), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  const r = await s.relay.syncOnce();
  assert.equal(r.ok, false);
  assert.match(r.error!, /ENTRY_CONFLICT/);
  assert.equal(r.status.blocked?.seq, 2);
  assert.equal(r.status.ackSeq, 1);
  assert.equal(r.status.quarantined, 1, JSON.stringify(await s.fx.station.db.all("SELECT * FROM outbox WHERE state != 'acked'")));
  const check = await upstreamCheck(s.fx.home, s.fx.station.config);
  assert.equal(check.status, 'fail');
  // The doctor names the station's own entry 2 (after the training stock, the shift opening).
  const second = (await (await import('../../db/ledger.ts')).readEntries(s.fx.station.db, 'seq = 2'))[0]!;
  assert.match(check.detail, new RegExp(`#2 ${second.kind}: ENTRY_CONFLICT`));
});
