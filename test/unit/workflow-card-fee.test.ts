// The replacement 工本费 (issue 17 item 1, docs/COUNTER-RULES.md §1): a lost-card replacement and
// the exchange of a card damaged by its holder charge policy.feeSchedule.replacementFen on its own
// fee_income line, paid like a top-up (cash tendered/change, or other with a reference); a card
// fault pays none; a supervisor's waiver (four eyes, a reason) books no fee and records who and
// why; a refused waiver books nothing. The receipt and the day-end show it. Real SQLite,
// in-process cards. (Tears: workflow-lost-replace.test.ts, the fee booked once after recovery.)
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { chinaDate } from '../../common/china-time.ts';
import { StationError } from '../../common/errors.ts';
import { storedEvent } from '../../common/ledger-events.ts';
import { dayReportData } from '../../core/day-report.ts';
import { loadReceiptSettings } from '../../core/receipt-settings.ts';
import { buildReceipt, docBlocks } from '../../core/receipts.ts';
import { damagedRequestDue, exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { accountBalances, getEntry, verifyLedger } from '../../db/ledger.ts';
import { computeDayTotals, type Block } from '../../receipts/index.ts';
import type { WireEntry } from '../../common/upstream-protocol.ts';
import { moneyProblem } from '../../upstream/entries.ts';
import { entryCount, liveCard, stockCard } from '../harness/card-faults.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';

const ID = '11010519491231002X';
let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const kvText = (blocks: Block[]): string[] => blocks.flatMap((b) => (b.kind === 'kv' ? [`${b.label.zh} ${b.value}`] : []));
const postingLines = async (entryId: string): Promise<string[]> => (await getEntry(fx.station.db, entryId))!.postings.map((p) => `${p.account} ${p.debitFen}/${p.creditFen}`).sort();

async function receiptLines(entryId: string): Promise<string[]> {
  return kvText(docBlocks(await buildReceipt(fx.station, entryId, loadReceiptSettings(fx.station.home))));
}
async function dayFees() {
  const data = await dayReportData(fx.station.db, fx.station.config, loadReceiptSettings(fx.station.home), chinaDate(fx.station.now()), fx.station.now());
  return computeDayTotals(data).fees;
}

/** A registered card sold with `load`, reported lost, the waiting week passed, the host confirming its balance. */
async function lostAWeekAgo(id: string, load: number): Promise<void> {
  fx.cards.insert(READER, stockCard(id));
  await issueCard(fx.station, fx.operator, { firstLoad: load, registration: { name: '赵六', idNumber: ID } });
  fx.cards.remove(READER);
  await reportLost(fx.station, fx.operator, { idNumber: ID });
  fx.clock.now = new Date(fx.clock.now.getTime() + 7 * 86_400_000);
  fx.station.upstream = { lostCardBalance: async () => ({ balanceFen: load }) };
}

test('lost-card replacement: 工本费 ¥10.00 paid in cash with change, its own fee_income line, on the receipt and the day-end', async () => {
  await lostAWeekAgo('3100000000000401', 3000);
  fx.cards.insert(READER, stockCard('3100000000000402'));
  const before = await accountBalances(fx.station.db);
  const r = await replaceLostCard(fx.station, fx.operator, { idNumber: ID, tendered: 5000 });
  assert.equal(r.state, 'done');
  if (r.state !== 'done') return;
  assert.deepEqual(r.fee, { kind: 'replacement', scheduledFen: 1000, chargedFen: 1000, scheduleVersion: 'local-default-2026-12', waiver: null });
  assert.equal(r.pay, 'cash');
  assert.equal(r.changeFen, 4000);
  assert.deepEqual(await postingLines(r.issueEntryId!), ['cash_drawer 1000/0', 'deposits_held 0/2000', 'deposits_held 2000/0', 'fee_income 0/1000']);
  const issue = storedEvent((await getEntry(fx.station.db, r.issueEntryId!))!, 'replacement_issue').payload;
  assert.equal(issue.tenderedFen, 5000);
  assert.equal(moneyProblem((await getEntry(fx.station.db, r.issueEntryId!)) as unknown as WireEntry), null, 'the host takes the fee line');
  const after = await accountBalances(fx.station.db);
  assert.equal(after.cash_drawer! - before.cash_drawer!, 1000);
  assert.equal((after.fee_income ?? 0) - (before.fee_income ?? 0), -1000);
  const receipt = await receiptLines(r.loadEntryId!);
  assert.ok(receipt.includes('补卡工本费 ¥10.00'), receipt.join(' | '));
  assert.ok(receipt.includes('收费标准 local-default-2026-12'), receipt.join(' | '));
  assert.ok(receipt.includes('应收 ¥10.00'), receipt.join(' | '));
  assert.ok(receipt.includes('找零 ¥40.00'), receipt.join(' | '));
  assert.deepEqual((await dayFees()).replacement, { count: 1, chargedFen: 1000, waivedFen: 0 });
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('replacement with a supervisor\'s waiver: no fee line, no payment, the reason on the receipt and waived in the day-end', async () => {
  await lostAWeekAgo('3100000000000403', 0);
  fx.cards.insert(READER, stockCard('3100000000000404'));
  const r = await replaceLostCard(fx.station, fx.operator, { idNumber: ID, waiver: { supervisor: fx.supervisor, reason: '卡片质量原因丢失' } });
  assert.equal(r.state === 'done' && r.fee?.chargedFen, 0);
  assert.equal(r.state === 'done' && r.pay, null);
  if (r.state !== 'done') return;
  assert.deepEqual(await postingLines(r.issueEntryId!), ['deposits_held 0/2000', 'deposits_held 2000/0']);
  assert.deepEqual(storedEvent((await getEntry(fx.station.db, r.issueEntryId!))!, 'replacement_issue').payload.fee?.waiver, { supervisorId: 'sup1', reason: '卡片质量原因丢失' });
  assert.ok((await receiptLines(r.issueEntryId!)).includes('补卡工本费 ¥10.00 已减免：卡片质量原因丢失'));
  assert.deepEqual((await dayFees()).replacement, { count: 1, chargedFen: 0, waivedFen: 1000 });
});

test('a refused waiver or too little cash books nothing and leaves the new card a stock card', async () => {
  await lostAWeekAgo('3100000000000405', 1000);
  const fresh = stockCard('3100000000000406');
  fx.cards.insert(READER, fresh);
  await replaceLostCard(fx.station, fx.operator, { idNumber: ID, tendered: 500 }).then(() => assert.fail('too little cash'), (e: unknown) => {
    assert.ok(e instanceof StationError && e.say?.id === 'tenderedTooLittle', String(e));
  });
  const entries = await entryCount(fx.station.db);
  await assert.rejects(replaceLostCard(fx.station, fx.operator, { idNumber: ID, waiver: { supervisor: fx.operator, reason: 'x' } }), (e: unknown) => e instanceof StationError && e.code === 'FORBIDDEN');
  await assert.rejects(replaceLostCard(fx.station, fx.operator, { idNumber: ID, waiver: { supervisor: fx.supervisor, reason: ' ' } }), (e: unknown) => e instanceof StationError && e.say?.id === 'feeWaiverNoReason');
  assert.equal(await entryCount(fx.station.db), entries);
  assert.equal(fresh.balanceFen, 0);
  const r = await replaceLostCard(fx.station, fx.operator, { idNumber: ID, pay: 'other', reference: 'POS-778' });
  assert.equal(r.state === 'done' && r.issueEntryId !== null && (await postingLines(r.issueEntryId)).includes('other_payment_clearing 1000/0'), true);
});

test('exchange of a card damaged by its holder: new deposit + 工本费 in one payment; a card fault pays no 工本费', async () => {
  fx.cards.insert(READER, liveCard('3100000000000407', 1500));
  fx.cards.insert(READER2, stockCard('3100000000000408'));
  const both = { reader: READER, newReader: READER2 };
  const r = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'customer', pay: 'other', reference: 'POS-1' });
  assert.equal(r.state, 'done');
  if (r.state !== 'done') return;
  assert.equal(r.fee?.chargedFen, 1000);
  const lines = await postingLines(r.issueEntryId!);
  assert.ok(lines.includes('other_payment_clearing 3000/0'), lines.join(' | '));
  assert.ok(lines.includes('fee_income 0/1000'), lines.join(' | '));
  assert.ok((await receiptLines(r.issueEntryId!)).includes('工本费 ¥10.00'));
  const fees = await dayFees();
  assert.deepEqual(fees.replacement, { count: 1, chargedFen: 1000, waivedFen: 0 });
  // Card fault: nothing paid, no fee line even with a waiver offered.
  fx.cards.insert(READER, liveCard('3100000000000409', 500));
  fx.cards.insert(READER2, stockCard('3100000000000410'));
  const q = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality', waiver: { supervisor: fx.supervisor, reason: 'x' } });
  assert.equal(q.state === 'done' && q.fee, null);
  assert.equal(q.state === 'done' && (await postingLines(q.issueEntryId!)).some((l) => l.startsWith('fee_income')), false);
  // Waived on a holder-damaged card: only the new deposit is paid.
  fx.cards.insert(READER, liveCard('3100000000000411', 500));
  fx.cards.insert(READER2, stockCard('3100000000000412'));
  const w = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'customer', tendered: 2000, waiver: { supervisor: fx.supervisor, reason: '老人行动不便' } });
  assert.equal(w.state === 'done' && w.fee?.chargedFen, 0);
  assert.equal(w.state === 'done' && w.changeFen, 0);
  assert.deepEqual((await dayFees()).replacement, { count: 2, chargedFen: 1000, waivedFen: 1000 });
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('a queued holder-damaged request says the 工本费 due before the collection', async () => {
  const q = await exchangeDamagedCard(fx.station, fx.operator, { fault: 'customer', unreadable: true, card: '3100000000000413' });
  assert.equal(q.state, 'queued');
  const due = await damagedRequestDue(fx.station, fx.operator, q.requestId);
  assert.equal(due.feeDueFen, 1000);
  assert.equal(due.feeScheduleVersion, 'local-default-2026-12');
});
