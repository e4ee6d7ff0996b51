// The teller's cash from the command line (issue 17 item 4): `station cash handover` with a
// supervisor (STATION_SUPERVISOR_PIN), `cash transfer` to another teller's open shift, `cash
// waiting` and `cash accept` on their side, each with --json; a repeated run with the same
// --idempotency-key books once; `shift close` then reconciles the 交款 and the transfer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate } from '../../core/auth.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { openShift } from '../../core/workflows/shift.ts';
import { accountBalance } from '../../db/cash-box.ts';
import { runStation } from '../harness/cli.ts';
import { count } from '../harness/card-faults.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
before(async () => {
  fx = await stationFixture();
  await addStaff(fx.station, fx.admin, { staffId: 'op2', name: '王五', role: 'operator', pin: '4444' });
  await openShift(fx.station, await authenticate(fx.station.db, 'op2', '4444'), 10_000);
});
after(async () => { await fx.cleanup(); });

const cli = (args: string[], pin = '2222', extra: Record<string, string> = {}) => runStation([...args, '--json'],
  { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '', STATION_PIN: pin, ...extra }, { timeoutMs: 120_000 });

test('交款, a transfer and its acceptance by CLI with --json; one booking per key; the closes reconcile them', async () => {
  const noSup = await cli(['cash', 'handover', '--operator', 'op1', '--amount', '20000']);
  assert.equal(noSup.code !== 0, true);
  assert.equal((noSup.json as { error: { code: string } }).error.code, 'FORBIDDEN');
  const key = 'cli-cash-handover-0001';
  const args = ['cash', 'handover', '--operator', 'op1', '--amount', '20000', '--to', 'bank', '--supervisor', 'sup1', '--idempotency-key', key];
  const h1 = await cli(args, '2222', { STATION_SUPERVISOR_PIN: '3333' });
  assert.equal(h1.code, 0, h1.stderr);
  const h2 = await cli(args, '2222', { STATION_SUPERVISOR_PIN: '3333' });
  assert.equal(h2.code, 0, h2.stderr);
  assert.deepEqual(h2.json, h1.json, 'the same answer');
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'cash_handover'"), 1, 'booked once');
  assert.deepEqual([(h1.json as { to: string }).to, (h1.json as { drawerFen: number }).drawerFen], ['bank', 30_000]);

  const t = await cli(['cash', 'transfer', '--operator', 'op1', '--amount', '5000', '--to-operator', 'op2']);
  assert.equal(t.code, 0, t.stderr);
  const transferId = (t.json as { transferId: string }).transferId;
  const waiting = await cli(['cash', 'waiting', '--operator', 'op2'], '4444');
  assert.deepEqual((waiting.json as { transfers: Array<{ transferId: string }> }).transfers.map((x) => x.transferId), [transferId]);
  const a = await cli(['cash', 'accept', '--operator', 'op2', '--transfer', transferId], '4444');
  assert.equal(a.code, 0, a.stderr);
  assert.equal((a.json as { drawerFen: number }).drawerFen, 15_000);
  const again = await cli(['cash', 'accept', '--operator', 'op2', '--transfer', transferId], '4444');
  assert.equal((again.json as { error: { code: string } }).error.code, 'POLICY', 'taken once');
  assert.equal(await accountBalance(fx.station.db, 'cash_in_transit'), 0);

  const c1 = await cli(['shift', 'close', '--operator', 'op1', '--counted', '10000x2,5000x1', '--no-print']);
  assert.equal(c1.code, 0, c1.stderr);
  assert.deepEqual([(c1.json as { expectedFen: number }).expectedFen, (c1.json as { differenceFen: number }).differenceFen], [25_000, 0]);
  const c2 = await cli(['shift', 'close', '--operator', 'op2', '--counted', '10000x1,5000x1', '--no-print'], '4444');
  assert.equal(c2.code, 0, c2.stderr);
  assert.equal((c2.json as { expectedFen: number }).expectedFen, 15_000);
});
