// Counter fees in the workflows (issue 17 item 1, docs/COUNTER-RULES.md): the refund fee of the
// schedule in force as its own posting line to fee_income, the receipt's fee line with the
// schedule version, the day-end's fee lines; a supervisor's waiver (four eyes, a reason) books
// no fee and records who and why; a refused waiver books nothing. Real SQLite, in-process cards.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { chinaDate } from '../../common/china-time.ts';
import { StationError } from '../../common/errors.ts';
import { storedEvent } from '../../common/ledger-events.ts';
import { dayReportData } from '../../core/day-report.ts';
import { loadReceiptSettings } from '../../core/receipt-settings.ts';
import { buildReceipt, docBlocks } from '../../core/receipts.ts';
import { mergePolicy, DEFAULT_POLICY } from '../../core/policy.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { accountBalances, getEntry, verifyLedger } from '../../db/ledger.ts';
import { computeDayTotals, type Block } from '../../receipts/index.ts';
import type { WireEntry } from '../../common/upstream-protocol.ts';
import { moneyProblem } from '../../upstream/entries.ts';
import { entryCount, liveCard } from '../harness/card-faults.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const kvText = (blocks: Block[]): string[] => blocks.flatMap((b) => (b.kind === 'kv' ? [`${b.label.zh} ${b.value}`] : []));
const forbidden = (re: RegExp) => (e: unknown): boolean => e instanceof StationError && e.code === 'FORBIDDEN' && re.test(e.message);

async function receiptLines(entryId: string): Promise<string[]> {
  const doc = await buildReceipt(fx.station, entryId, loadReceiptSettings(fx.station.home));
  return kvText(docBlocks(doc));
}

async function dayFees() {
  const data = await dayReportData(fx.station.db, fx.station.config, loadReceiptSettings(fx.station.home), chinaDate(fx.station.now()), fx.station.now());
  return computeDayTotals(data).fees;
}

test('refund of a ¥35.00 balance with the default schedule: fee ¥1.75 on its own fee_income line, the receipt and the day-end', async () => {
  fx.cards.insert(READER, liveCard('3100000000000201', 3500));
  const r = await refundCard(fx.station, fx.operator);
  assert.deepEqual(r.fee, { kind: 'refund', scheduledFen: 175, chargedFen: 175, scheduleVersion: 'local-default-2026-12', waiver: null });
  assert.equal(r.totalFen, 3500 + 2000 - 175, 'balance + policy deposit − fee paid out');
  const entry = (await getEntry(fx.station.db, r.entryId))!;
  const lines = entry.postings.map((p) => `${p.account} ${p.debitFen}/${p.creditFen}`).sort();
  assert.deepEqual(lines, ['card_float 3500/0', 'cash_drawer 0/5325', 'deposits_held 2000/0', 'fee_income 0/175']);
  assert.equal(storedEvent(entry, 'refund').payload.fee?.chargedFen, 175);
  // It goes upstream like every entry: the clearing host's money checks take the fee line.
  assert.equal(moneyProblem(entry as unknown as WireEntry), null);
  const receipt = await receiptLines(r.entryId);
  assert.ok(receipt.includes('手续费 ¥1.75'), receipt.join(' | '));
  assert.ok(receipt.includes('收费标准 local-default-2026-12'), receipt.join(' | '));
  const fees = await dayFees();
  assert.deepEqual(fees.refund, { count: 1, chargedFen: 175, waivedFen: 0 });
  assert.equal((await accountBalances(fx.station.db)).fee_income, -175);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('a supervisor\'s waiver: fee 0, the reason and the supervisor recorded, the receipt says 已减免 and the day-end counts it waived', async () => {
  fx.cards.insert(READER, liveCard('3100000000000202', 3500));
  const r = await refundCard(fx.station, fx.operator, { waiver: { supervisor: fx.supervisor, reason: '  系统故障致顾客多次往返  ' } });
  assert.deepEqual(r.fee, { kind: 'refund', scheduledFen: 175, chargedFen: 0, scheduleVersion: 'local-default-2026-12', waiver: { supervisorId: 'sup1', reason: '系统故障致顾客多次往返' } });
  assert.equal(r.totalFen, 5500);
  const entry = (await getEntry(fx.station.db, r.entryId))!;
  assert.equal(entry.postings.some((p) => p.account === 'fee_income'), false, 'a waived fee posts nothing');
  assert.deepEqual(storedEvent(entry, 'refund').payload.fee?.waiver, { supervisorId: 'sup1', reason: '系统故障致顾客多次往返' });
  const receipt = await receiptLines(r.entryId);
  assert.ok(receipt.includes('手续费 ¥1.75 已减免：系统故障致顾客多次往返'), receipt.join(' | '));
  assert.deepEqual((await dayFees()).refund, { count: 1, chargedFen: 0, waivedFen: 175 });
});

test('a refused waiver books nothing: no supervisor role, one\'s own, no reason, a reason over 120 characters', async () => {
  fx.cards.insert(READER, liveCard('3100000000000203', 3500));
  const { openShift } = await import('../../core/workflows/shift.ts');
  await openShift(fx.station, fx.supervisor, 0);
  const before = await entryCount(fx.station.db);
  await assert.rejects(refundCard(fx.station, fx.operator, { waiver: { supervisor: fx.operator, reason: 'x' } }), forbidden(/supervisor role/));
  await assert.rejects(refundCard(fx.station, fx.supervisor, { waiver: { supervisor: fx.supervisor, reason: 'x' } }), forbidden(/own transaction/));
  await assert.rejects(refundCard(fx.station, fx.operator, { waiver: { supervisor: fx.supervisor, reason: '   ' } }), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT' && e.say?.id === 'feeWaiverNoReason');
  await assert.rejects(refundCard(fx.station, fx.operator, { waiver: { supervisor: fx.supervisor, reason: '因'.repeat(121) } }), (e: unknown) => e instanceof StationError && e.say?.id === 'feeWaiverReasonTooLong');
  assert.equal(await entryCount(fx.station.db), before);
  // 120 characters is a reason.
  const r = await refundCard(fx.station, fx.operator, { waiver: { supervisor: fx.admin, reason: '因'.repeat(120) } });
  assert.equal(r.fee?.waiver?.supervisorId, 'admin');
});

test('the host\'s schedule replaces the local default whole: its version on the receipt, its figures charged', async () => {
  const schedule = { version: 'host-2027-01', refund: { rateBp: 300, thresholdFen: 0, minFen: 100, capFen: 500 }, replacementFen: 1500, customerDamageForfeitsDeposit: true, lostReportFen: 0 };
  Object.assign(fx.station.policy, mergePolicy({ ...DEFAULT_POLICY }, { feeSchedule: schedule }));
  fx.cards.insert(READER, liveCard('3100000000000204', 3500));
  const r = await refundCard(fx.station, fx.operator);
  assert.equal(r.fee?.chargedFen, 105, '3 % of ¥35.00');
  assert.equal(r.fee?.scheduleVersion, 'host-2027-01');
  assert.ok((await receiptLines(r.entryId)).includes('收费标准 host-2027-01'));
  assert.throws(() => mergePolicy({ ...DEFAULT_POLICY }, { feeSchedule: { ...schedule, version: '' } }), /feeSchedule has an invalid value/);
});
