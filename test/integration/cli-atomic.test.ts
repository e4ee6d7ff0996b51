// Two `station shift close` processes on one station file at once (issue 14: "two CLI processes
// double-closed a shift 1 round in 5"): the check that the shift is open happens inside the
// write, which SQLite serialises across processes, so one closes it and the other is refused
// with NO_SHIFT, round after round.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../../db/sqlite.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let dbFile: string;

before(async () => {
  fx = await stationFixture();
  dbFile = fx.station.db.file;
  await fx.station.db.close();
});
after(async () => { await fx.cleanup(); });

function station(args: string[]): Promise<StationRun> {
  return runStation(args, { ...process.env, STATION_HOME: fx.home, STATION_PIN: '2222' }, { timeoutMs: 120_000 });
}

test('two CLI processes closing one shift, 3 rounds: one closes it, the other is refused NO_SHIFT', async () => {
  for (let round = 0; round < 3; round++) {
    if (round > 0) {
      const opened = await station(['shift', 'open', '--operator', 'op1', '--float', '50000', '--json']);
      assert.equal(opened.code, 0, opened.stderr);
    }
    const runs = await Promise.all([1, 2].map(() => station(['shift', 'close', '--operator', 'op1', '--counted', '10000x5', '--no-print', '--json'])));
    const ok = runs.filter((r) => r.code === 0);
    const refused = runs.filter((r) => r.code !== 0);
    assert.equal(ok.length, 1, runs.map((r) => r.stderr).join('\n'));
    assert.equal(refused[0]!.json?.error?.code, 'NO_SHIFT', refused[0]!.stderr);
  }
  const db = await Database.open(dbFile);
  try {
    const perShift = await db.all<{ shift_id: string; n: number }>("SELECT shift_id, COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_close' GROUP BY shift_id");
    assert.equal(perShift.length, 3);
    assert.ok(perShift.every((s) => s.n === 1), JSON.stringify(perShift));
  } finally {
    await db.close();
  }
  const verify = await station(['ledger', 'verify', '--json']);
  assert.equal(verify.code, 0, verify.stderr);
});
