// The teller's cash box (issue 17 item 4, docs/COUNTER-RULES.md §4) on a real SQLite ledger with
// in-process cards: the float is the 备用金 issued from the safe and returned at the close; 交款
// needs a supervisor other than the teller; a transfer between two open shifts goes through
// cash_in_transit and is taken once; the close reconciles float + takings − 交款 ± transfers
// against the count; the ledger verifies with the new accounts.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { authenticate } from '../../core/auth.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { checkLedger } from '../../core/ledger-tools.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { acceptTransfer, handOver, sendTransfer, transfersWaiting } from '../../core/workflows/cash-box.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { topup } from '../../core/workflows/topup.ts';
import { accountBalance, pendingTransfers, shiftCashBox } from '../../db/cash-box.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const refused = (code: string, message: RegExp) => (e: unknown): boolean => e instanceof StationError && e.code === code && message.test(e.message);
const entries = async (): Promise<number> => (await fx.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries'))?.n ?? 0;
const balance = (account: string): Promise<number> => accountBalance(fx.station.db, account);

async function secondTeller() {
  await addStaff(fx.station, fx.admin, { staffId: 'op2', name: '王五', role: 'operator', pin: '4444' });
  return authenticate(fx.station.db, 'op2', '4444');
}

async function cashTopup(fen: number): Promise<void> {
  fx.cards.remove(READER);
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', balanceFen: 0, id: `31000000000${String(fen).padStart(5, '0')}` }) as CpuCard);
  await topup(fx.station, fx.operator, { amount: String(fen), pay: 'cash', tendered: String(fen) });
}

test('the float is the 备用金: issued from the safe at the open, returned at the close', async () => {
  // The fixture opened op1's shift with ¥500.
  assert.equal(await balance('safe'), -50_000);
  assert.equal(await balance('cash_drawer'), 50_000);
  const r = await closeShift(fx.station, fx.operator, '10000x5', null);
  assert.equal(r.differenceFen, 0);
  assert.equal(await balance('safe'), 0);
  assert.equal(await balance('cash_drawer'), 0);
  assert.equal((await checkLedger(fx.station.db)).ok, true);
});

test('交款 needs another supervisor; the close reconciles float + takings − 交款 against the count', async () => {
  await cashTopup(30_000);
  const before = await entries();
  await assert.rejects(handOver(fx.station, fx.operator, 20_000, 'safe', null), refused('FORBIDDEN', /sign-off of a supervisor/));
  await assert.rejects(handOver(fx.station, fx.operator, 20_000, 'safe', fx.operator), refused('FORBIDDEN', /supervisor role/));
  await assert.rejects(handOver(fx.station, fx.operator, 90_000, 'bank', fx.supervisor), refused('POLICY', /more than the drawer holds/));
  await assert.rejects(handOver(fx.station, fx.operator, 0, 'safe', fx.supervisor), refused('BAD_INPUT', /more than 0/));
  await assert.rejects(handOver(fx.station, fx.operator, 100, 'vault', fx.supervisor), refused('BAD_INPUT', /safe or the bank/));
  assert.equal(await entries(), before, 'nothing booked by a refused 交款');
  const h = await handOver(fx.station, fx.operator, 60_000, 'safe', fx.supervisor);
  assert.equal(h.supervisorId, 'sup1');
  assert.equal(h.drawerFen, 20_000, '500 float + 300 taken − 600 handed in');
  assert.equal(await balance('safe'), -50_000 + 60_000);
  // Counted ¥190 of ¥200 expected: a ¥10 shortage, signed off by the supervisor.
  await assert.rejects(closeShift(fx.station, fx.operator, '10000x1,5000x1,2000x2', null), refused('POLICY', /differs from expected/));
  const c = await closeShift(fx.station, fx.operator, '10000x1,5000x1,2000x2', fx.supervisor);
  assert.equal(c.expectedFen, 20_000);
  assert.equal(c.differenceFen, -1_000);
  const box = await shiftCashBox(fx.station.db, c.shiftId);
  assert.deepEqual(box, { floatIssuedFen: 50_000, handedOverFen: 60_000, transferredOutFen: 0, transferredInFen: 0, floatReturnedFen: 19_000 });
  // The drawer held ¥190; the 备用金 back is what there was (¥190 of ¥500); the safe is short the rest.
  assert.equal(await balance('cash_drawer'), 0);
  assert.equal(await balance('cash_over_short'), 1_000);
  assert.equal((await checkLedger(fx.station.db)).ok, true);
});

test('a transfer between two open shifts: in transit until taken, taken once, the day ends at zero in transit', async () => {
  const op2 = await secondTeller();
  await assert.rejects(sendTransfer(fx.station, fx.operator, 10_000, 'op2'), refused('POLICY', /op2 has no open shift/));
  await assert.rejects(sendTransfer(fx.station, fx.operator, 10_000, 'op1'), refused('BAD_INPUT', /another teller/));
  await openShift(fx.station, op2, 20_000);
  const sent = await sendTransfer(fx.station, fx.operator, 10_000, 'op2');
  assert.equal(sent.drawerFen, 40_000);
  assert.equal(await balance('cash_in_transit'), 10_000);
  assert.deepEqual((await transfersWaiting(fx.station, op2)).map((t) => t.transferId), [sent.transferId]);
  assert.deepEqual(await transfersWaiting(fx.station, fx.operator), []);
  await assert.rejects(acceptTransfer(fx.station, fx.operator, sent.transferId), refused('POLICY', /waiting for op1/));
  // Two accepts at once: one takes it.
  const both = await Promise.allSettled([acceptTransfer(fx.station, op2, sent.transferId), acceptTransfer(fx.station, op2, sent.transferId)]);
  assert.equal(both.filter((b) => b.status === 'fulfilled').length, 1);
  assert.equal(await balance('cash_in_transit'), 0);
  assert.deepEqual(await pendingTransfers(fx.station.db), []);
  const a = await closeShift(fx.station, fx.operator, '10000x4', null);
  assert.equal(a.expectedFen, 40_000);
  const b = await closeShift(fx.station, op2, '10000x3', null);
  assert.equal(b.expectedFen, 30_000);
  // op1 gave back ¥400 of a ¥500 float (¥100 went to op2), op2 all of ¥200: the safe is ¥100 short
  // and the drawer account holds op2's ¥100 until a 交款 takes it to the safe.
  assert.equal(await balance('safe'), -10_000);
  assert.equal(await balance('cash_drawer'), 10_000);
  assert.equal((await checkLedger(fx.station.db)).ok, true);
});
