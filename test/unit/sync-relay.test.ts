// The relay's schedule against a stand-in host on a real station database: exponential
// backoff with a cap while the host is unreachable, offline/online events, and a new relay
// (a restart) resuming from the cursor in the database.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../common/upstream-client.ts';
import type { EntryBatchAnswer, WireEntry } from '../../common/upstream-protocol.ts';
import { record } from '../../core/record.ts';
import { noteEvent } from '../harness/ledger-samples.ts';
import { SqliteSyncStore, SyncRelay, type SyncEvent } from '../../core/sync.ts';
import type { RelayClient } from '../../sync/relay.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

/** A host that holds what it is sent, unreachable while `down`. */
function standIn(): RelayClient & { down: boolean; calls: number[]; held: WireEntry[] } {
  const h = {
    down: false, calls: [] as number[], held: [] as WireEntry[],
    async uploadEntries(entries: readonly WireEntry[]) {
      h.calls.push(Date.now());
      if (h.down) throw new UpstreamError('network', 'cannot reach the clearing host: ECONNREFUSED', { retryable: true });
      let duplicates = 0;
      for (const e of entries) {
        if (e.seq <= h.held.length) duplicates++;
        else if (e.seq === h.held.length + 1) h.held.push(e);
      }
      const answer: EntryBatchAnswer = { stationId: entries[0]!.stationId, ackSeq: h.held.length, headHash: h.held.at(-1)?.hash ?? '0'.repeat(64), stored: entries.length - duplicates, duplicates, rejected: [], refused: null };
      return { httpStatus: 200 as const, answer };
    },
    async blacklistDelta() { return { version: 0, latest: 0, more: false, changes: [] }; },
    async paramDelta() { return { version: 0, latest: 0, more: false, changes: [] }; },
    async reportBlacklist(): Promise<never> { throw new Error('not used'); },
    async checkpointDay(): Promise<never> { throw new Error('not used'); },
    async health() { return { ok: true, service: 'city-union-upstream' as const, protocol: 1 as const, db: 'ok' as const, time: '' }; },
  };
  return h;
}

test('backoff doubles from the base up to the cap, with jitter between 50 and 100 %', () => {
  const relay = new SyncRelay({ client: standIn(), store: new SqliteSyncStore(fx.station.db, fx.station.config.stationId, fx.station.now), backoffBaseMs: 100, backoffCapMs: 1000, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4, 5, 6, 40].map((n) => relay.backoffMs(n)), [100, 200, 400, 800, 1000, 1000, 1000]);
  const low = new SyncRelay({ client: standIn(), store: new SqliteSyncStore(fx.station.db, fx.station.config.stationId, fx.station.now), backoffBaseMs: 100, backoffCapMs: 1000, random: () => 0 });
  assert.deepEqual([1, 3, 9].map((n) => low.backoffMs(n)), [50, 200, 500]);
});

test('while the host is down the schedule backs off (growing gaps, capped); back up, everything goes once; a restarted relay resumes from the database', async () => {
  const host = standIn();
  host.down = true;
  const store = new SqliteSyncStore(fx.station.db, fx.station.config.stationId, fx.station.now);
  const relay = new SyncRelay({ client: host, store, backoffBaseMs: 60, backoffCapMs: 250, intervalMs: 50, random: () => 0.999999 });
  const events: SyncEvent['type'][] = [];
  const retries: number[] = [];
  relay.on((e) => {
    events.push(e.type);
    if (e.type === 'status' && e.status.nextRetryMs !== null) retries.push(e.status.nextRetryMs);
  });
  for (let i = 0; i < 5; i++) await record(fx.station, { ...noteEvent({ i }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  relay.start();
  await new Promise((r) => setTimeout(r, 1500));
  const gaps = host.calls.slice(1).map((t, i) => t - host.calls[i]!);
  assert.ok(gaps.length >= 4, `retried ${gaps.length + 1} times`);
  // The schedule's own delays (wall-clock gaps on a loaded machine add the event loop's lag).
  assert.deepEqual(retries.slice(0, 4), [60, 120, 240, 250], `retry delays ${retries.join(', ')}`);
  assert.ok(retries.every((ms) => ms <= 250), `capped: ${retries.join(', ')}`);
  assert.ok(gaps.every((g) => g >= 55), `no retry before its delay: ${gaps.join(', ')}`);
  const st = await relay.status();
  assert.equal(st.online, false);
  assert.equal(st.backlog, 7, 'the training stock received with the station, the shift, five notes');
  assert.match(st.lastError ?? '', /ECONNREFUSED/);
  host.down = false;
  relay.notify();
  for (let i = 0; i < 250 && (await relay.status()).backlog > 0; i++) await new Promise((r) => setTimeout(r, 20));
  await relay.stop();
  assert.equal(host.held.length, 7, 'everything once');
  assert.ok(events.includes('offline') && events.indexOf('online') > events.indexOf('offline'));

  // A restart: a new relay on the same database sends only what came after.
  for (let i = 0; i < 3; i++) await record(fx.station, { ...noteEvent({ later: i }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  const before = host.calls.length;
  const again = new SyncRelay({ client: host, store: new SqliteSyncStore(fx.station.db, fx.station.config.stationId, fx.station.now) });
  const r = await again.syncOnce();
  assert.equal(r.ok, true, r.error ?? '');
  assert.equal(r.uploaded, 3);
  assert.equal(r.duplicates, 0, 'resumed from the cursor, nothing resent');
  assert.equal(host.calls.length, before + 1);
  assert.equal(host.held.length, 10);
  const pending = await fx.station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'");
  assert.equal(pending?.n, 0);
});

test('batches are cut to the byte budget without serialising each entry: at least one, never above the budget', async () => {
  // Payloads of about 10 KB (some of them CJK, three bytes a character) and small ones.
  for (let i = 0; i < 30; i++) {
    const text = i % 3 === 0 ? '充'.repeat(3000) : i % 3 === 1 ? 'x'.repeat(9000) : 'small';
    await record(fx.station, { ...noteEvent({ i, text }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
  }
  const store = new SqliteSyncStore(fx.station.db, fx.station.config.stationId, fx.station.now);
  const budget = 40_000;
  const total = await store.lastSeq();
  let after = 0;
  let batches = 0;
  while (after < total) {
    const batch = await store.entriesAfter(after, 1000, budget);
    assert.ok(batch.length >= 1 && batch[0]!.seq === after + 1);
    const bytes = Buffer.byteLength(JSON.stringify({ stationId: fx.station.config.stationId, entries: batch }));
    assert.ok(batch.length === 1 || bytes <= budget, `batch of ${batch.length} is ${bytes} bytes`);
    after = batch.at(-1)!.seq;
    batches++;
  }
  assert.ok(batches >= 6 && batches < total, `${batches} batches`);
  // One entry larger than the budget still goes, alone.
  assert.equal((await store.entriesAfter(0, 1000, 10)).length, 1);
  assert.equal((await store.entriesAfter(0, 1000)).length, total);
  // The relay sends them all in such batches, in order.
  const host = standIn();
  await new SyncRelay({ client: host, store, maxBatchBytes: budget }).push();
  assert.deepEqual(host.held.map((e) => e.seq), Array.from({ length: total }, (_, i) => i + 1));
  assert.ok(host.calls.length === batches, `${host.calls.length} uploads`);
});
