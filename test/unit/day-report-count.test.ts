// The day-end counts customer transactions, not ledger entries (issue 16, item 4): a day of 6
// customers whose ledger has 13 entries — a sale with its first load (2 entries), a top-up by
// another customer between the sale and its first load, an M1 upgrade (4 steps), a lost
// report, a replacement (request, out, issue, load) and a refund — counts 6, and each
// workflow's sum is what that customer's receipt says (售卡 ¥70 = deposit ¥20 + first load ¥50,
// not ¥20 with the ¥50 under 充值).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '../../common/canonical-json.ts';
import { BadInputError } from '../../common/errors.ts';
import { dayEntryOf, dayLinksOf, firstLoadsOf } from '../../core/day-report.ts';
import type { LedgerEventKind } from '../../common/ledger-events.ts';
import type { StoredEntry } from '../../db/ledger.ts';
import { SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';
import { computeDayTotals, type DayEntry, type DayReportData } from '../../receipts/index.ts';

let seq = 0;
function entry(kind: string, cardRef: string | null, amountFen: number, payload: Record<string, Json>): StoredEntry {
  seq++;
  return {
    seq, entryId: `E${String(seq).padStart(4, '0')}`, kind, at: new Date(Date.UTC(2026, 11, 7, 2, seq)).toISOString(), stationId: 'ST1', operatorId: 'op1', shiftId: 'S1',
    // The kind's whole payload as the workflow writes it, with the figures this day needs.
    cardRef, amountFen, payload: { ...SAMPLE_PAYLOADS[kind as LedgerEventKind], ...payload }, postings: [], prevHash: '0'.repeat(64), hash: String(seq).padStart(64, '0'),
  };
}

const sale = entry('card_sale', 'cpu:3100000000000601', 2000, { depositFen: 2000, firstLoadFen: 5000, pay: 'cash' });
const otherTopup = entry('topup', 'cpu:3100000000000700', 5000, { pay: 'cash' });
const firstLoad = entry('topup', 'cpu:3100000000000601', 5000, { pay: 'cash' });
const mig = { migrationId: 'M1' };
const migration = [
  entry('migrate_out', 'm1:0A0B0C0D', 800, { ...mig }),
  entry('migrate_issue', 'cpu:3100000000000605', 500, { ...mig, feeFen: 500, pay: 'cash' }),
  entry('migrate_in', 'cpu:3100000000000605', 2800, { ...mig }),
  entry('migrate_done', 'm1:0A0B0C0D', 800, { ...mig, refundedDepositFen: 0, uid: '0A0B0C0D', cardNo: '79283544' }),
];
const lost = entry('lost_report', 'cpu:3100000000000602', 0, { feeFen: 0 });
const req = { requestId: 'R1' };
const replacement = [
  entry('replacement_request', 'cpu:3100000000000602', 0, { ...req }),
  entry('replacement_out', 'cpu:3100000000000602', 3000, { ...req }),
  entry('replacement_issue', 'cpu:3100000000000603', 2000, { ...req, depositFen: 2000 }),
  entry('replacement_load', 'cpu:3100000000000603', 3000, { ...req }),
];
const refund = entry('refund', 'cpu:3100000000000604', 14_000, { balanceFen: 12_000, depositFen: 2000 });
const ledger = [sale, otherTopup, firstLoad, ...migration, lost, ...replacement, refund];

function dayOf(entries: DayEntry[]): DayReportData {
  return {
    station: { id: 'ST1', name: 'test' }, day: '2026-12-07', generatedAt: '2026-12-07T10:00:00.000Z', entries, incomplete: [], chainHeadHash: '0'.repeat(64),
    shifts: [{ shiftId: 'S1', operatorId: 'op1', openedAt: '2026-12-07T01:00:00.000Z', closedAt: null, floatFen: 50_000, counted: null, signedOffBy: null }],
  };
}

test('a sale\'s first load is found as its receipt finds it: the next top-up of that card for that amount, not another card\'s', () => {
  const loads = firstLoadsOf(ledger);
  assert.deepEqual([...loads], [[firstLoad.entryId, sale.entryId]]);
});

test('6 customers, 13 ledger entries: 6 transactions, each workflow once, sums as the receipts say', () => {
  const links = dayLinksOf(ledger);
  const entries = ledger.map((e) => dayEntryOf(e, links)).filter((e): e is DayEntry => e !== null);
  assert.equal(entries.length, 13);
  const t = computeDayTotals(dayOf(entries));
  assert.equal(t.count, 6, 'customer transactions');
  assert.equal(t.entries, 13, 'ledger entries');
  const counts = Object.fromEntries(Object.entries(t.byWorkflow).map(([k, v]) => [k, v.count]));
  assert.deepEqual(counts, { issue: 1, topup: 1, migrate: 1, lost: 1, replace: 1, 'damaged-exchange': 0, refund: 1 });
  assert.equal(t.byWorkflow.issue.totalFen, 7000, '售卡 = deposit + first load, as its receipt');
  assert.equal(t.byWorkflow.topup.totalFen, 5000, 'only the other customer\'s top-up');
  assert.equal(t.byWorkflow.migrate.totalFen, 500, 'the upgrade\'s fee');
  assert.equal(t.byWorkflow.replace.totalFen, 0);
  assert.equal(t.byWorkflow.refund.totalFen, -14_000);
  assert.equal(t.totalFen, 7000 + 5000 + 500 - 14_000);
  // Payment counts are transactions too: sale, top-up, upgrade fee and refund in cash; lost and replacement moved none.
  assert.equal(t.byPayment.cash.count, 4);
  assert.equal(t.byPayment.none.count, 2);
  assert.equal(t.byPayment.cash.totalFen + t.byPayment.other.totalFen, t.totalFen);
  // The M1 card is named by the number printed on it (the screen's), on every step of its upgrade.
  assert.deepEqual(entries.filter((e) => e.workflow === 'migrate' && e.seq !== migration[1]!.seq && e.seq !== migration[2]!.seq).map((e) => e.cardNumber), ['79283544', '79283544']);
  // Per shift the same.
  assert.equal(t.shifts[0]!.count, 6);
  // Marks go by seq although the sale's transaction spans the other customer's top-up.
  assert.equal(t.first?.entryId, sale.entryId);
  assert.equal(t.last?.entryId, refund.entryId);
});

test('without the transaction links each entry counts alone (what the day-end showed before: 售卡 ¥20, 升级换卡 4 笔)', () => {
  const entries = ledger.map((e) => dayEntryOf(e)).filter((e): e is DayEntry => e !== null).map(({ transaction: _t, ...e }) => e);
  const t = computeDayTotals(dayOf(entries));
  assert.equal(t.count, 13);
  assert.equal(t.byWorkflow.migrate.count, 4);
  assert.equal(t.byWorkflow.issue.totalFen, 2000);
});

test('a transaction whose parts name different workflows is refused, not reported', () => {
  const links = dayLinksOf(ledger);
  const entries = ledger.map((e) => dayEntryOf(e, links)).filter((e): e is DayEntry => e !== null);
  const broken = entries.map((e) => (e.entryId === firstLoad.entryId ? { ...e, workflow: 'topup' as const } : e));
  assert.throws(() => computeDayTotals(dayOf(broken)), (err: unknown) => err instanceof BadInputError && /transaction sale:/.test((err as Error).message));
});
