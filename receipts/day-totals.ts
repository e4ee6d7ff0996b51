/**
 * The day's arithmetic, done once: per shift and per day, counts and fen sums by workflow and
 * by payment method, deposits, the drawer check. PDF, CSV and JSON all print these numbers,
 * so they cannot disagree with each other. Integer fen only.
 *
 * Counts are customer transactions, not ledger entries: the entries that share a
 * DayEntry.transaction (a sale and its first load, the steps of an upgrade) are one 笔 of their
 * workflow, with all their parts in its sums — so 售卡 shows what the sale's receipt says, and a
 * day of 7 customers counts 7. `entries` keeps the number of ledger entries.
 */
import { BadInputError } from '../common/errors.ts';
import { assertFen } from '../common/money.ts';
import { parseInstant } from '../common/china-time.ts';
import { DAY_FEE_KINDS, DAY_WORKFLOWS, PAYMENT_METHODS, type DayCashBox, type DayEntry, type DayFeeKind, type DayReportData, type DayShift, type DayWorkflow, type MoneyParts } from './day-types.ts';
import type { PaymentMethod } from './receipt-types.ts';

export interface WorkflowSum extends MoneyParts {
  /** Customer transactions of this workflow. */
  count: number;
}

export interface PaymentSum {
  /** Customer transactions settled (in part) this way; 'none' only when nothing was paid either way. */
  count: number;
  totalFen: number;
}

export interface EntryMark {
  seq: number;
  entryId: string;
  at: string;
}

export interface GroupTotals {
  /** Customer transactions. */
  count: number;
  /** Ledger entries (a transaction has one or more). */
  entries: number;
  /** Net money received (+) over paid out (−), all payment methods. */
  totalFen: number;
  cardLoadFen: number;
  feeFen: number;
  carriedFen: number;
  depositsTaken: { count: number; fen: number };
  depositsReturned: { count: number; fen: number };
  byWorkflow: Record<DayWorkflow, WorkflowSum>;
  byPayment: Record<PaymentMethod, PaymentSum>;
  /** The day-end's fee lines (issue 17), per kind: charged, waived, count. */
  fees: Record<DayFeeKind, FeeSum>;
  first: EntryMark | null;
  last: EntryMark | null;
}

/** One kind of fee over a group: the fees charged and waived, and how many entries had one. */
export interface FeeSum {
  count: number;
  chargedFen: number;
  waivedFen: number;
}

export type CashStatus = 'balanced' | 'signed-off' | 'unsigned-difference' | 'not-counted';

export interface CashCheck {
  floatFen: number;
  /** Cash received from customers. */
  cashInFen: number;
  /** Cash paid out to customers (positive number). */
  cashOutFen: number;
  /** 交款, transfers out and in (docs/COUNTER-RULES.md §4); 0 where there were none. */
  handedOverFen: number;
  transferredOutFen: number;
  transferredInFen: number;
  /** float + in − out − 交款 − transfers out + transfers in. */
  expectedFen: number;
  countedFen: number | null;
  /** counted − expected; negative means the drawer is short. */
  differenceFen: number | null;
  denominations: { fen: number; count: number; amountFen: number }[];
  signedOffBy: string | null;
  status: CashStatus;
}

export interface ShiftTotals extends GroupTotals {
  shift: DayShift;
  cash: CashCheck;
}

export interface DayTotals extends GroupTotals {
  shifts: ShiftTotals[];
  /** Drawer figures added over all shifts; counted/difference are null while any shift is uncounted. */
  cash: Omit<CashCheck, 'denominations' | 'signedOffBy'>;
  cashBox: DayCashBoxTotals;
}

function emptyGroup(): GroupTotals {
  const byWorkflow = {} as Record<DayWorkflow, WorkflowSum>;
  for (const w of DAY_WORKFLOWS) byWorkflow[w] = { count: 0, totalFen: 0, cardLoadFen: 0, depositTakenFen: 0, depositReturnedFen: 0, feeFen: 0, carriedFen: 0 };
  const byPayment = {} as Record<PaymentMethod, PaymentSum>;
  for (const p of PAYMENT_METHODS) byPayment[p] = { count: 0, totalFen: 0 };
  const fees = {} as Record<DayFeeKind, FeeSum>;
  for (const k of DAY_FEE_KINDS) fees[k] = { count: 0, chargedFen: 0, waivedFen: 0 };
  return {
    fees,
    count: 0,
    entries: 0,
    totalFen: 0,
    cardLoadFen: 0,
    feeFen: 0,
    carriedFen: 0,
    depositsTaken: { count: 0, fen: 0 },
    depositsReturned: { count: 0, fen: 0 },
    byWorkflow,
    byPayment,
    first: null,
    last: null,
  };
}

/** The transaction an entry belongs to (itself when it names none). */
export function transactionOf(e: DayEntry): string {
  return e.transaction ?? `entry:${e.entryId}`;
}

/** One customer transaction (its entries of this scope, in seq order) added to a group. */
function addTransaction(g: GroupTotals, parts: DayEntry[]): void {
  g.count++;
  g.entries += parts.length;
  const w = g.byWorkflow[parts[0]!.workflow];
  w.count++;
  const paid = new Set(parts.map((e) => e.payment).filter((p) => p !== 'none'));
  for (const p of paid.size === 0 ? ['none' as const] : paid) g.byPayment[p].count++;
  for (const e of parts) {
    g.totalFen += e.totalFen;
    g.cardLoadFen += e.cardLoadFen;
    g.feeFen += e.feeFen;
    g.carriedFen += e.carriedFen;
    if (e.depositTakenFen > 0) {
      g.depositsTaken.count++;
      g.depositsTaken.fen += e.depositTakenFen;
    }
    if (e.depositReturnedFen > 0) {
      g.depositsReturned.count++;
      g.depositsReturned.fen += e.depositReturnedFen;
    }
    w.totalFen += e.totalFen;
    w.cardLoadFen += e.cardLoadFen;
    w.depositTakenFen += e.depositTakenFen;
    w.depositReturnedFen += e.depositReturnedFen;
    w.feeFen += e.feeFen;
    w.carriedFen += e.carriedFen;
    g.byPayment[e.payment].totalFen += e.totalFen;
    for (const f of e.fees ?? []) {
      const sum = g.fees[f.kind];
      sum.count++;
      sum.chargedFen += f.chargedFen;
      sum.waivedFen += f.waivedFen;
    }
    // Transactions interleave (a first load after another customer's top-up): the marks go by seq.
    const mark = { seq: e.seq, entryId: e.entryId, at: e.at };
    if (g.first === null || e.seq < g.first.seq) g.first = mark;
    if (g.last === null || e.seq > g.last.seq) g.last = mark;
  }
}

/** Entries grouped by transaction, in the order each transaction's first entry comes. */
function byTransaction(entries: DayEntry[]): DayEntry[][] {
  const groups = new Map<string, DayEntry[]>();
  for (const e of entries) {
    const key = transactionOf(e);
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()];
}

/** Refuses entries whose parts do not add up, out of seq order, or of an unknown shift. */
export function validateDay(data: DayReportData): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(data.day)) throw new BadInputError(`day must be YYYY-MM-DD, got ${data.day}`);
  const shiftIds = new Set<string>();
  for (const s of data.shifts) {
    if (shiftIds.has(s.shiftId)) throw new BadInputError(`shift ${s.shiftId} is listed twice`);
    shiftIds.add(s.shiftId);
    assertFen(s.floatFen, `shift ${s.shiftId} float`);
    for (const d of s.counted ?? []) {
      assertFen(d.fen, `shift ${s.shiftId} denomination`, 1);
      assertFen(d.count, `shift ${s.shiftId} count of ${d.fen} fen`);
    }
  }
  let prevSeq = -Infinity;
  const workflowOfTx = new Map<string, DayWorkflow>();
  for (const e of data.entries) {
    const where = `entry ${e.entryId} (seq ${e.seq})`;
    if (!Number.isSafeInteger(e.seq) || e.seq <= prevSeq) throw new BadInputError(`${where} is out of seq order`);
    prevSeq = e.seq;
    if (!DAY_WORKFLOWS.includes(e.workflow)) throw new BadInputError(`${where}: unknown workflow ${String(e.workflow)}`);
    if (!PAYMENT_METHODS.includes(e.payment)) throw new BadInputError(`${where}: unknown payment ${String(e.payment)}`);
    if (!shiftIds.has(e.shiftId)) throw new BadInputError(`${where} belongs to shift ${e.shiftId}, which is not in the day`);
    parseInstant(e.at, `${where} time`);
    const signed = Number.MIN_SAFE_INTEGER;
    assertFen(e.totalFen, `${where} totalFen`, signed);
    assertFen(e.cardLoadFen, `${where} cardLoadFen`, signed);
    assertFen(e.depositTakenFen, `${where} depositTakenFen`);
    assertFen(e.depositReturnedFen, `${where} depositReturnedFen`);
    assertFen(e.feeFen, `${where} feeFen`, signed);
    assertFen(e.carriedFen, `${where} carriedFen`);
    if (e.fees !== undefined) {
      for (const f of e.fees) {
        if (!DAY_FEE_KINDS.includes(f.kind)) throw new BadInputError(`${where}: unknown fee kind ${String(f.kind)}`);
        assertFen(f.chargedFen, `${where} fee charged`);
        assertFen(f.waivedFen, `${where} fee waived`);
      }
      const charged = e.fees.reduce((n, f) => n + f.chargedFen, 0);
      if (charged !== e.feeFen) throw new BadInputError(`${where}: fees charged ${charged} fen ≠ feeFen ${e.feeFen} fen`);
    }
    const parts = e.cardLoadFen + e.depositTakenFen - e.depositReturnedFen + e.feeFen;
    if (parts !== e.totalFen) throw new BadInputError(`${where}: total ${e.totalFen} fen ≠ load + deposit − returned + fee = ${parts} fen`);
    if (e.payment === 'none' && e.totalFen !== 0) throw new BadInputError(`${where}: ${e.totalFen} fen moved with payment "none"`);
    const tx = transactionOf(e);
    const w = workflowOfTx.get(tx);
    if (w !== undefined && w !== e.workflow) throw new BadInputError(`${where}: transaction ${tx} is ${w}, this part says ${e.workflow}`);
    workflowOfTx.set(tx, e.workflow);
  }
}

function cashCheck(shift: DayShift, entries: DayEntry[]): CashCheck {
  let cashInFen = 0;
  let cashOutFen = 0;
  for (const e of entries) {
    if (e.payment !== 'cash') continue;
    if (e.totalFen >= 0) cashInFen += e.totalFen;
    else cashOutFen -= e.totalFen;
  }
  const box = shift.cashBox ?? { handedOverFen: 0, transferredOutFen: 0, transferredInFen: 0, floatReturnedFen: 0 };
  const { handedOverFen, transferredOutFen, transferredInFen } = box;
  const expectedFen = shift.floatFen + cashInFen - cashOutFen - handedOverFen - transferredOutFen + transferredInFen;
  const denominations = (shift.counted ?? []).map((d) => ({ fen: d.fen, count: d.count, amountFen: d.fen * d.count }));
  const countedFen = shift.counted === null ? null : denominations.reduce((s, d) => s + d.amountFen, 0);
  const differenceFen = countedFen === null ? null : countedFen - expectedFen;
  const status: CashStatus = differenceFen === null ? 'not-counted' : differenceFen === 0 ? 'balanced' : shift.signedOffBy ? 'signed-off' : 'unsigned-difference';
  return { floatFen: shift.floatFen, cashInFen, cashOutFen, handedOverFen, transferredOutFen, transferredInFen, expectedFen, countedFen, differenceFen, denominations, signedOffBy: shift.signedOffBy, status };
}

/**
 * The day's cash-box lines: 备用金 issued and returned, 交款 by destination, transfers, and the
 * cash in transit at the day's end, which must be 0 (`status` 'in-transit' flags a transfer not
 * taken; docs/COUNTER-RULES.md §4).
 */
export interface DayCashBoxTotals {
  floatIssuedFen: number;
  floatReturnedFen: number;
  handedOverSafeFen: number;
  handedOverBankFen: number;
  handovers: number;
  transferredOutFen: number;
  transferredInFen: number;
  inTransitFen: number;
  pending: DayCashBox['pending'];
  status: 'settled' | 'in-transit';
}

function cashBoxOf(data: DayReportData, shifts: ShiftTotals[]): DayCashBoxTotals {
  const box = data.cashBox ?? { handedOverSafeFen: 0, handedOverBankFen: 0, handovers: 0, inTransitFen: 0, pending: [] };
  const sum = (f: (s: ShiftTotals) => number): number => shifts.reduce((acc, s) => acc + f(s), 0);
  return {
    floatIssuedFen: sum((s) => s.shift.floatFen), floatReturnedFen: sum((s) => s.shift.cashBox?.floatReturnedFen ?? 0),
    handedOverSafeFen: box.handedOverSafeFen, handedOverBankFen: box.handedOverBankFen, handovers: box.handovers,
    transferredOutFen: sum((s) => s.cash.transferredOutFen), transferredInFen: sum((s) => s.cash.transferredInFen),
    inTransitFen: box.inTransitFen, pending: box.pending, status: box.inTransitFen === 0 ? 'settled' : 'in-transit',
  };
}

export function computeDayTotals(data: DayReportData): DayTotals {
  validateDay(data);
  const day = emptyGroup();
  for (const parts of byTransaction(data.entries)) addTransaction(day, parts);
  const perShift = new Map<string, { group: GroupTotals; entries: DayEntry[] }>();
  for (const s of data.shifts) perShift.set(s.shiftId, { group: emptyGroup(), entries: [] });
  for (const e of data.entries) perShift.get(e.shiftId)!.entries.push(e);
  for (const s of perShift.values()) for (const parts of byTransaction(s.entries)) addTransaction(s.group, parts);
  const shifts: ShiftTotals[] = data.shifts.map((shift) => {
    const s = perShift.get(shift.shiftId)!;
    return { ...s.group, shift, cash: cashCheck(shift, s.entries) };
  });
  const sum = (f: (c: CashCheck) => number): number => shifts.reduce((acc, s) => acc + f(s.cash), 0);
  const allCounted = shifts.every((s) => s.cash.countedFen !== null);
  const expectedFen = sum((c) => c.expectedFen);
  const countedFen = allCounted ? sum((c) => c.countedFen!) : null;
  const differenceFen = countedFen === null ? null : countedFen - expectedFen;
  const statuses = shifts.map((s) => s.cash.status);
  const status: CashStatus = !allCounted
    ? 'not-counted'
    : statuses.includes('unsigned-difference')
      ? 'unsigned-difference'
      : statuses.includes('signed-off')
        ? 'signed-off'
        : 'balanced';
  return {
    ...day,
    shifts,
    cash: {
      floatFen: sum((c) => c.floatFen), cashInFen: sum((c) => c.cashInFen), cashOutFen: sum((c) => c.cashOutFen),
      handedOverFen: sum((c) => c.handedOverFen), transferredOutFen: sum((c) => c.transferredOutFen), transferredInFen: sum((c) => c.transferredInFen),
      expectedFen, countedFen, differenceFen, status,
    },
    cashBox: cashBoxOf(data, shifts),
  };
}
