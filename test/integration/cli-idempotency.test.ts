// Issue 14 item 1 across processes: the idempotency key is claimed by one INSERT on the station's
// database, so two `station` processes sent the same request with the same --idempotency-key at
// once book it once — one runs, the other gets the first answer or, while the first still runs,
// a clear POLICY refusal ("wait for its answer") — and a later run with the key gets the first answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runStation } from '../harness/cli.ts';
import { count } from '../harness/card-faults.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
before(async () => { fx = await stationFixture({ openShiftFloatFen: null }); });
after(async () => { await fx.cleanup(); });

const shiftOpen = (key: string) => runStation(['shift', 'open', '--float', '20000', '--idempotency-key', key, '--operator', 'op1', '--json'],
  { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '', STATION_PIN: '2222' }, { timeoutMs: 120_000 });

test('two processes with one key open one shift; a third run gets the first answer', async () => {
  const key = 'cli-parallel-key-0001';
  const runs = await Promise.all([shiftOpen(key), shiftOpen(key)]);
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_open'"), 1, 'booked once');
  const ok = runs.filter((r) => r.code === 0);
  assert.ok(ok.length >= 1, runs.map((r) => r.stderr).join('\n'));
  const shiftId = (ok[0]!.json as { shiftId: string }).shiftId;
  for (const r of runs) {
    if (r.code === 0) assert.equal((r.json as { shiftId: string }).shiftId, shiftId, 'the same answer');
    // Not "a shift is already open": the second never ran the workflow, the key stopped it first.
    else assert.deepEqual([(r.json as { error: { code: string } }).error.code, /already being processed/.test(r.stderr)], ['POLICY', true], r.stderr);
  }
  const later = await shiftOpen(key);
  assert.equal(later.code, 0, later.stderr);
  assert.equal((later.json as { shiftId: string }).shiftId, shiftId);
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_open'"), 1);
});
