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
import { dayReportData, exportDay } from '../../core/day-report.ts';
import { checkLedger } from '../../core/ledger-tools.ts';
import { buildReceipt, docBlocks } from '../../core/receipts.ts';
import { loadReceiptSettings } from '../../core/receipt-settings.ts';
import { computeDayTotals } from '../../receipts/index.ts';
import path from 'node:path';
import { pdfText } from '../harness/pdf-tools.ts';
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
  // The shift slip (交班单) lists the 交款 and reconciles with it; the shortage is 短款 in 大写.
  const slip = JSON.stringify(docBlocks(await buildReceipt(fx.station, c.entryIds[c.entryIds.length - 1]!, loadReceiptSettings(fx.station.home))));
  for (const line of ['"交款"', '"¥600.00"', '"应有现金"', '"¥200.00"', '"差额（短款）"', '"¥10.00"', '壹拾元整', '"备用金退回"', '"¥190.00"']) assert.ok(slip.includes(line), `slip has ${line}`);
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

test('a day with sales, a 交款 and a transfer: the day-end\'s cash lines reconcile; cash in transit is flagged until taken', async () => {
  const op2 = await secondTeller();
  await openShift(fx.station, op2, 20_000);
  await cashTopup(30_000);
  await cashTopup(12_345);
  await handOver(fx.station, fx.operator, 40_000, 'safe', fx.supervisor);
  await handOver(fx.station, fx.operator, 2_000, 'bank', fx.supervisor);
  const sent = await sendTransfer(fx.station, fx.operator, 10_000, 'op2');
  const day = '2026-11-23';
  const settings = loadReceiptSettings(fx.station.home);
  const report = async () => computeDayTotals(await dayReportData(fx.station.db, fx.station.config, settings, day, fx.station.now()));
  let t = await report();
  assert.deepEqual([t.cashBox.status, t.cashBox.inTransitFen, t.cashBox.pending.map((p) => p.transferId)], ['in-transit', 10_000, [sent.transferId]]);
  await acceptTransfer(fx.station, op2, sent.transferId);
  // op1: 500 + 300 + 123.45 − 420 交款 − 100 sent = 403.45; op2: 200 + 100 taken = 300.
  await closeShift(fx.station, fx.operator, '10000x4,100x3,10x4,5x1', null);
  await closeShift(fx.station, op2, '10000x3', null);
  t = await report();
  const byOp = new Map(t.shifts.map((s) => [s.shift.operatorId, s.cash]));
  const c1 = byOp.get('op1')!;
  assert.deepEqual([c1.floatFen, c1.cashInFen, c1.cashOutFen, c1.handedOverFen, c1.transferredOutFen, c1.transferredInFen, c1.expectedFen, c1.countedFen, c1.status],
    [50_000, 42_345, 0, 42_000, 10_000, 0, 40_345, 40_345, 'balanced']);
  const c2 = byOp.get('op2')!;
  assert.deepEqual([c2.transferredInFen, c2.expectedFen, c2.countedFen, c2.status], [10_000, 30_000, 30_000, 'balanced']);
  assert.deepEqual(
    [t.cashBox.floatIssuedFen, t.cashBox.floatReturnedFen, t.cashBox.handedOverSafeFen, t.cashBox.handedOverBankFen, t.cashBox.handovers, t.cashBox.transferredOutFen, t.cashBox.transferredInFen, t.cashBox.inTransitFen, t.cashBox.status],
    [70_000, 60_345, 40_000, 2_000, 2, 10_000, 10_000, 0, 'settled']);
  assert.deepEqual([t.cash.expectedFen, t.cash.countedFen, t.cash.differenceFen, t.cash.status], [70_345, 70_345, 0, 'balanced']);
  // The ledger agrees: the 备用金 goes back out of what was counted (op1 ¥403.45 of ¥500, having
  // handed ¥420 in; op2 all ¥200); the safe holds the 交款 and the floats back, the drawer account
  // op2's ¥100 not yet handed in: together the day's cash takings.
  assert.equal(await balance('safe'), -70_000 + 42_000 + 60_345);
  assert.equal(await balance('cash_drawer'), 10_000);
  assert.equal(await balance('safe') + await balance('cash_drawer'), 42_345);
  assert.equal(await balance('cash_in_transit'), 0);
  // The PDF prints the cash-box lines.
  const out = path.join(fx.home, 'day.pdf');
  await exportDay(fx.station.db, fx.station.config, settings, day, 'pdf', out, fx.station.now());
  const text = pdfText(out).replace(/ +/g, ' ');
  assert.match(text, /钱箱 Cash box/);
  assert.match(text, /交款 2 笔 handovers: 保险柜 safe ¥400\.00 银行 bank ¥20\.00/);
  assert.match(text, /在途现金 In transit: ¥0\.00/);
});
