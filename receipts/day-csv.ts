/**
 * The day as CSV for Excel: UTF-8 with a BOM (without it Excel reads Chinese as mojibake),
 * CRLF rows, RFC 4180 quoting. Every amount appears twice: yuan text for people and integer
 * fen for machines, so nobody has to parse yuan back into money.
 */
import { formatYuan } from '../common/money.ts';
import { maskCardNumber } from './card-mask.ts';
import { computeDayTotals, validateDay, type DayTotals, type GroupTotals } from './day-totals.ts';
import { DAY_FEE_KINDS, DAY_WORKFLOWS, FEE_NAMES, PAYMENT_METHODS, type DayReportData } from './day-types.ts';
import { chinaDateTime } from '../common/china-time.ts';
import { PAYMENT_NAMES, WORKFLOW_NAMES } from './receipt-content.ts';

export const BOM = '\uFEFF';

function cell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  // A text cell starting with = + - @ would run as a formula in Excel: neutralise it.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Amount cells: yuan text (Excel reads it as a number) — never neutralised, it may be negative. */
function amount(fen: number): string[] {
  return [formatYuan(fen), String(fen)];
}

function row(cells: (string | number)[]): string {
  return cells.map(cell).join(',');
}

export const ENTRY_COLUMNS = [
  'seq', 'entry_id', 'time_local', 'shift_id', 'operator_id', 'workflow', 'workflow_zh', 'payment', 'card',
  'total_yuan', 'total_fen', 'card_load_yuan', 'card_load_fen', 'deposit_taken_yuan', 'deposit_taken_fen',
  'deposit_returned_yuan', 'deposit_returned_fen', 'fee_yuan', 'fee_fen', 'carried_yuan', 'carried_fen', 'hash',
] as const;

/** One row per ledger entry of the day, in seq order. */
export function dayEntriesCsv(data: DayReportData): string {
  validateDay(data); // a CSV of a day that does not add up is never written
  const lines = [ENTRY_COLUMNS.join(',')];
  for (const e of data.entries) {
    const amounts = [...amount(e.totalFen), ...amount(e.cardLoadFen), ...amount(e.depositTakenFen), ...amount(e.depositReturnedFen), ...amount(e.feeFen), ...amount(e.carriedFen)];
    lines.push(
      row([e.seq, e.entryId, chinaDateTime(e.at), e.shiftId, e.operatorId, e.workflow, WORKFLOW_NAMES[e.workflow].zh, e.payment, e.cardNumber ? maskCardNumber(e.cardNumber) : ''])
        + ','
        + amounts.join(',')
        + ','
        + cell(e.hash),
    );
  }
  return BOM + lines.join('\r\n') + '\r\n';
}

export const SUMMARY_COLUMNS = ['scope', 'shift_id', 'group', 'key', 'name_zh', 'count', 'amount_yuan', 'amount_fen'] as const;

function groupRows(scope: string, shiftId: string, g: GroupTotals): string[] {
  const out: string[] = [];
  const line = (group: string, key: string, zh: string, count: number | '', fen: number): void => {
    out.push(row([scope, shiftId, group, key, zh, count]) + ',' + amount(fen).join(','));
  };
  line('total', 'net', '合计', g.count, g.totalFen);
  for (const w of DAY_WORKFLOWS) line('workflow', w, WORKFLOW_NAMES[w].zh, g.byWorkflow[w].count, g.byWorkflow[w].totalFen);
  for (const p of PAYMENT_METHODS) line('payment', p, PAYMENT_NAMES[p].zh, g.byPayment[p].count, g.byPayment[p].totalFen);
  line('deposit', 'taken', '收押金', g.depositsTaken.count, g.depositsTaken.fen);
  line('deposit', 'returned', '退押金', g.depositsReturned.count, g.depositsReturned.fen);
  line('card', 'load', '卡内充值/退款', '', g.cardLoadFen);
  line('fee', 'fee', '手续费', '', g.feeFen);
  for (const k of DAY_FEE_KINDS) {
    line('fee-charged', k, `${FEE_NAMES[k].zh}（收取）`, g.fees[k].count, g.fees[k].chargedFen);
    line('fee-waived', k, `${FEE_NAMES[k].zh}（减免）`, g.fees[k].count, g.fees[k].waivedFen);
  }
  line('card', 'carried', '转移余额', '', g.carriedFen);
  return out;
}

/** Totals by workflow, payment and deposit, for the day and each shift, plus the drawer checks. */
export function daySummaryCsv(data: DayReportData, totals: DayTotals = computeDayTotals(data)): string {
  const lines = [SUMMARY_COLUMNS.join(',')];
  lines.push(...groupRows('day', '', totals));
  for (const s of totals.shifts) {
    lines.push(...groupRows('shift', s.shift.shiftId, s));
    const c = s.cash;
    const cash = (key: string, zh: string, fen: number | null): void => {
      lines.push(row(['shift', s.shift.shiftId, 'cash', key, zh, '']) + ',' + (fen === null ? ',' : amount(fen).join(',')));
    };
    cash('float', '备用金', c.floatFen);
    cash('in', '现金收入', c.cashInFen);
    cash('out', '现金支出', c.cashOutFen);
    cash('handed-over', '交款', c.handedOverFen);
    cash('transferred-out', '调出', c.transferredOutFen);
    cash('transferred-in', '调入', c.transferredInFen);
    cash('expected', '应有现金', c.expectedFen);
    cash('counted', '实点现金', c.countedFen);
    cash('difference', '差额', c.differenceFen);
    for (const d of c.denominations) lines.push(row(['shift', s.shift.shiftId, 'denomination', String(d.fen), `${formatYuan(d.fen)}元`, d.count]) + ',' + amount(d.amountFen).join(','));
    lines.push(row(['shift', s.shift.shiftId, 'signoff', c.status, c.signedOffBy ?? '', '', '', '']));
  }
  // The day's cash box (docs/COUNTER-RULES.md §4): cash in transit must be 0 at the day's end.
  const b = totals.cashBox;
  const box = (key: string, zh: string, fen: number): void => { lines.push(row(['day', '', 'cashbox', key, zh, '']) + ',' + amount(fen).join(',')); };
  box('float-issued', '备用金发放', b.floatIssuedFen);
  box('handed-over-safe', '交款（保险柜）', b.handedOverSafeFen);
  box('handed-over-bank', '交款（银行）', b.handedOverBankFen);
  box('transferred-out', '调出', b.transferredOutFen);
  box('transferred-in', '调入', b.transferredInFen);
  box('float-returned', '备用金退回', b.floatReturnedFen);
  box('in-transit', '在途现金', b.inTransitFen);
  lines.push(row(['day', '', 'cashbox-status', b.status, '', '', '', '']));
  return BOM + lines.join('\r\n') + '\r\n';
}
