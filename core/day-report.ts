/**
 * One China-local day of the ledger as the end-of-day documents' input (receipts/
 * DayReportData): each money-moving entry mapped to a DayEntry signed from the station's side,
 * the shifts that touched the day with their drawer counts, the card operations still open,
 * and the chain head. `station ledger export --format pdf` writes it through writeDayReport;
 * the JSON export carries the same totals (computeDayTotals) so paper and file agree.
 *
 * Mapping (integer fen; total = cardLoad + depositTaken − depositReturned + fee):
 *   topup                  cardLoad +amount                       (cash / other)
 *   card_sale              depositTaken +deposit                  (cash / other; none when 0)
 *   refund                 cardLoad −balance, depositReturned     (cash paid out)
 *   lost_report            fee                                    (payment of the fee, else none)
 *   migrate_issue          fee                                    (cash / other)
 *   migrate_in             carried = loaded                       (memo: card to card)
 *   migrate_done           depositReturned (deposit refunded in cash), else nothing
 *   replacement_load       carried                                (memo)
 *   replacement_issue      fee = the 工本费 charged (cash / other; none when waived or none due)
 *   damaged_exchange_issue depositTaken = new deposit, depositReturned = forfeited old deposit,
 *                          fee = forfeited old deposit + the 工本费 charged
 *   damaged_exchange_load  carried                                (memo)
 *   request / out / block entries: count only (no money received or paid)
 * shift_open, shift_close and cash_difference are not DayEntries: they are the shifts' drawer
 * figures (float, count, difference, sign-off); nor are the cash box's cash_handover (交款),
 * float_return and cash_transfer_out/in: they are each shift's cashBox and the day's cashBox
 * (docs/COUNTER-RULES.md §4), no customer's money.
 *
 * Customer transactions (DayEntry.transaction, what the day counts): a sale and its first load
 * (the top-up found as the sale's receipt finds it: the next top-up of that card for the
 * first-load amount) are one 售卡; the steps of an upgrade share their migrationId, those of a
 * replacement or exchange their requestId; every other entry is a transaction of its own.
 */
import { statSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE_MODE } from './home-permissions.ts';
import path from 'node:path';
import { ledgerEventOrThrow, type LedgerEvent, type LedgerEventKind } from '../common/ledger-events.ts';
import type { FeeLine } from '../common/fees.ts';
import { StationError } from '../common/errors.ts';
import { handoversBetween, pendingTransfersAt, shiftCashBox } from '../db/cash-box.ts';
import { m1PrintedNumbers, openOps } from '../db/intents.ts';
import { type StoredEntry } from '../db/ledger.ts';
import { shiftsTouching, staffNames } from '../db/ledger-queries.ts';
import { getShift, type ShiftRow } from '../db/shifts.ts';
import type { Queryable } from '../db/sqlite.ts';
import { computeDayTotals, dayReportObject, writeDayReport, type DayCashBox, type DayEntry, type DayFee, type DayIncomplete, type DayReportData, type DayShift, type DayTotals, type DayWorkflow, type PaymentMethod } from '../receipts/index.ts';
import type { StationConfig } from './config.ts';
import { dayCsv, dayJson, ledgerDay, localDayRange } from './ledger-tools.ts';
import { stationInfo } from './receipts.ts';
import type { ReceiptSettings } from './receipt-settings.ts';
import { stockLinesOfDay } from './stock.ts';

/** Which workflow each kind belongs to in the report; null: the shift's own entries (drawer figures, not DayEntries). */
const WORKFLOW_OF: Record<LedgerEventKind, DayWorkflow | null> = {
  topup: 'topup', card_sale: 'issue', refund: 'refund', lost_report: 'lost',
  migrate_out: 'migrate', migrate_issue: 'migrate', migrate_in: 'migrate', migrate_done: 'migrate',
  replacement_request: 'replace', replacement_out: 'replace', replacement_issue: 'replace', replacement_load: 'replace',
  damaged_card_request: 'damaged-exchange', damaged_card_block: 'damaged-exchange', damaged_card_out: 'damaged-exchange',
  damaged_exchange_issue: 'damaged-exchange', damaged_exchange_load: 'damaged-exchange',
  shift_open: null, shift_close: null, cash_difference: null,
  cash_handover: null, float_return: null, cash_transfer_out: null, cash_transfer_in: null,
  // 年审 moves no money: no cash line (it is counted from the ledger, not the drawer).
  concession_verified: null,
  // Stock movements are quantities: the report's stock lines (core/stock.ts), not DayEntries.
  stock_received: null, stock_issued: null, stock_spoiled: null, stock_returned: null,
};
const DAY_WORKFLOWS = new Set(Object.values(WORKFLOW_OF).filter((w): w is DayWorkflow => w !== null));

/** Parsed once per stored entry: the day's links and its DayEntries read the same entries. */
const parsed = new WeakMap<StoredEntry, LedgerEvent>();
/** The typed event of a stored entry; a row that does not read is LEDGER_BROKEN, never zeros. */
function eventOf(e: StoredEntry): LedgerEvent {
  let ev = parsed.get(e);
  if (ev === undefined) {
    ev = ledgerEventOrThrow(e.kind, e.payload, e);
    parsed.set(e, ev);
  }
  return ev;
}

function payOf(p: { pay: 'cash' | 'other' | null }, moves: boolean, fallback: PaymentMethod = 'cash'): PaymentMethod {
  if (!moves) return 'none';
  return p.pay ?? fallback;
}

/** The sale each first-load top-up of `entries` belongs to (top-up entry id → sale entry id). */
export function firstLoadsOf(entries: readonly StoredEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const sale of entries) {
    const ev = eventOf(sale);
    if (ev.kind !== 'card_sale') continue;
    const loadFen = ev.payload.firstLoadFen;
    if (loadFen <= 0) continue;
    const load = entries.find((e) => e.kind === 'topup' && e.seq > sale.seq && e.cardRef === sale.cardRef && e.amountFen === loadFen);
    if (load && !out.has(load.entryId)) out.set(load.entryId, sale.entryId);
  }
  return out;
}

/** The customer transaction of an entry (see the header); undefined: the entry alone. */
function transactionKey(e: StoredEntry, ev: LedgerEvent, firstLoads: Map<string, string>): string | undefined {
  if (ev.kind === 'card_sale') return `sale:${e.entryId}`;
  const sale = firstLoads.get(e.entryId);
  if (sale !== undefined) return `sale:${sale}`;
  if ('migrationId' in ev.payload) return `migration:${ev.payload.migrationId}`;
  if ('requestId' in ev.payload) return `request:${ev.payload.requestId}`;
  return undefined;
}

/**
 * The number printed on each M1 card of `entries` (card_ref → the city's card number): an
 * upgrade's entry carries it (payload.cardNo), its other steps only the UID in their card_ref.
 * The customer knows the printed number — the screen shows it — so the report prints it too.
 */
export function m1CardNumbersOf(entries: readonly StoredEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const ev = eventOf(e);
    if (ev.kind === 'migrate_done' && ev.payload.cardNo !== '' && e.cardRef !== null && e.cardRef.startsWith('m1:')) out.set(e.cardRef, ev.payload.cardNo);
  }
  return out;
}

/** What links a day's entries: the sales' first loads, the M1 cards' printed numbers. */
export interface DayLinks {
  firstLoads: Map<string, string>;
  m1Numbers: Map<string, string>;
}

export function dayLinksOf(entries: readonly StoredEntry[]): DayLinks {
  return { firstLoads: firstLoadsOf(entries), m1Numbers: m1CardNumbersOf(entries) };
}

/**
 * A ledger entry as a DayEntry, or null for the shift's own entries. An entry whose payload
 * does not read is LEDGER_BROKEN (`station ledger verify` names it), never counted as zeros.
 * `links` (dayLinksOf the day) makes a sale's first load a part of that 售卡 and names an M1
 * card by its printed number.
 */
export function dayEntryOf(e: StoredEntry, links: DayLinks = { firstLoads: new Map(), m1Numbers: new Map() }): DayEntry | null {
  const { firstLoads } = links;
  const ev = eventOf(e);
  const isFirstLoad = firstLoads.has(e.entryId);
  const workflow = isFirstLoad ? 'issue' : WORKFLOW_OF[ev.kind];
  if (workflow === null) return null;
  let cardLoadFen = 0;
  let depositTakenFen = 0;
  let depositReturnedFen = 0;
  let feeFen = 0;
  let carriedFen = 0;
  let fees: DayFee[] = [];
  let payment: PaymentMethod = 'none';
  switch (ev.kind) {
    case 'topup':
      cardLoadFen = e.amountFen;
      payment = payOf(ev.payload, true);
      break;
    case 'card_sale':
      depositTakenFen = ev.payload.depositFen;
      payment = payOf(ev.payload, depositTakenFen > 0);
      break;
    case 'refund':
      cardLoadFen = -ev.payload.balanceFen;
      depositReturnedFen = ev.payload.depositFen;
      // The refund fee is kept back from the cash paid out (issue 17).
      feeFen = ev.payload.fee?.chargedFen ?? 0;
      fees = feesOf(ev.payload.fee);
      payment = cardLoadFen !== 0 || depositReturnedFen !== 0 ? 'cash' : 'none';
      break;
    case 'lost_report':
    case 'migrate_issue':
      feeFen = ev.payload.feeFen;
      payment = payOf(ev.payload, feeFen > 0);
      break;
    case 'migrate_done':
      depositReturnedFen = ev.payload.refundedDepositFen;
      payment = depositReturnedFen > 0 ? 'cash' : 'none';
      break;
    case 'migrate_in':
    case 'replacement_load':
    case 'damaged_exchange_load':
      carriedFen = e.amountFen;
      break;
    case 'replacement_issue':
      // The 工本费 (issue 17); replacements written before it have no fee and no payment.
      feeFen = ev.payload.fee?.chargedFen ?? 0;
      fees = feesOf(ev.payload.fee);
      payment = payOf({ pay: ev.payload.pay ?? null }, feeFen > 0);
      break;
    case 'damaged_exchange_issue':
      depositTakenFen = ev.payload.newDepositChargedFen;
      depositReturnedFen = ev.payload.forfeitedDepositFen;
      feeFen = depositReturnedFen + (ev.payload.fee?.chargedFen ?? 0);
      if (depositReturnedFen > 0) fees = [{ kind: 'deposit-forfeit', chargedFen: depositReturnedFen, waivedFen: 0 }];
      fees = [...fees, ...feesOf(ev.payload.fee)];
      payment = payOf(ev.payload, depositTakenFen + (ev.payload.fee?.chargedFen ?? 0) > 0);
      break;
    default:
      break;
  }
  const tx = transactionKey(e, ev, firstLoads);
  return {
    seq: e.seq, entryId: e.entryId, at: e.at, shiftId: e.shiftId ?? '', operatorId: e.operatorId ?? '', workflow, payment,
    cardNumber: e.cardRef === null ? null : (links.m1Numbers.get(e.cardRef) ?? e.cardRef.split(':')[1] ?? e.cardRef),
    totalFen: cardLoadFen + depositTakenFen - depositReturnedFen + feeFen, cardLoadFen, depositTakenFen, depositReturnedFen, feeFen, carriedFen, hash: e.hash,
    ...(tx === undefined ? {} : { transaction: tx }),
    ...(fees.length > 0 ? { fees } : {}),
  };
}

/** A schedule fee's day-end line (issue 17): charged, and what a supervisor waived. */
function feesOf(fee: FeeLine | undefined): DayFee[] {
  return fee === undefined ? [] : [{ kind: fee.kind, chargedFen: fee.chargedFen, waivedFen: fee.scheduledFen - fee.chargedFen }];
}

const isDayWorkflow = (w: string): w is DayWorkflow => (DAY_WORKFLOWS as ReadonlySet<string>).has(w);

function dayShiftOf(s: ShiftRow, names: Map<string, string>): DayShift {
  const counted = s.counted === null ? null : Object.entries(JSON.parse(s.counted) as Record<string, number>).map(([fen, count]) => ({ fen: Number(fen), count })).sort((a, b) => b.fen - a.fen);
  const name = names.get(s.operator_id);
  return {
    shiftId: s.shift_id, operatorId: s.operator_id, ...(name ? { operatorName: name } : {}), openedAt: s.opened_at, closedAt: s.closed_at, floatFen: s.float_fen,
    counted, signedOffBy: s.signed_off_by, signedOffAt: s.signed_off_at,
  };
}

export async function dayReportData(db: Queryable, config: StationConfig, settings: ReceiptSettings, day: string, now: Date): Promise<DayReportData> {
  const d = await ledgerDay(db, config.stationId, day);
  const links = dayLinksOf(d.entries);
  const entries = d.entries.map((e) => dayEntryOf(e, links)).filter((x): x is DayEntry => x !== null);
  // Entries without a shift (a lost report with no fee, a queued request) need a shift to
  // belong to in the report: a synthetic "no shift" row with no cash.
  const { start, end } = localDayRange(day);
  const shiftIds = new Set(entries.map((e) => e.shiftId).filter((s) => s !== ''));
  const rows = await shiftsTouching(db, start, end);
  const names = await staffNames(db);
  const shifts = rows.map((r) => dayShiftOf(r, names));
  for (const id of shiftIds) {
    if (!shifts.some((s) => s.shiftId === id)) {
      const r = await getShift(db, id);
      if (r) shifts.push(dayShiftOf(r, names));
    }
  }
  // The cash box (docs/COUNTER-RULES.md §4): each shift's 交款, transfers and 备用金 returned;
  // the day's 交款 by destination and the cash still in transit at its end (for today: now).
  for (const s of shifts) {
    const b = await shiftCashBox(db, s.shiftId);
    s.cashBox = { handedOverFen: b.handedOverFen, transferredOutFen: b.transferredOutFen, transferredInFen: b.transferredInFen, floatReturnedFen: b.floatReturnedFen };
  }
  const handovers = await handoversBetween(db, start, end);
  const pending = await pendingTransfersAt(db, end);
  const cashBox: DayCashBox = {
    handedOverSafeFen: handovers.safeFen, handedOverBankFen: handovers.bankFen, handovers: handovers.count,
    inTransitFen: pending.reduce((sum, p) => sum + p.amountFen, 0),
    pending: pending.map((p) => ({ transferId: p.transferId, at: p.at, amountFen: p.amountFen, fromOperatorId: p.fromOperatorId, toOperatorId: p.toOperatorId })),
  };
  if (entries.some((e) => e.shiftId === '')) {
    shifts.push({ shiftId: '', operatorId: '-', operatorName: '无班次 (no shift)', openedAt: start, closedAt: end, floatFen: 0, counted: null, signedOffBy: null });
  }
  // An M1 card by the number the city prints (its upgrade's intent holds it), not its UID (issue 16 item 8).
  const m1Printed = await m1PrintedNumbers(db);
  const incomplete: DayIncomplete[] = (await openOps(db)).map((o) => ({
    opId: o.opId, at: o.createdAt, workflow: o.workflow === 'exchange' ? 'damaged-exchange' : isDayWorkflow(o.workflow) ? o.workflow : 'topup',
    cardNumber: m1Printed.get(o.cardRef) ?? o.cardRef.split(':')[1] ?? o.cardRef, amountFen: o.amountFen, state: o.state, operatorId: o.operatorId ?? '',
  }));
  // The blank-card stock lines (issue 17 item 3); none for a station that never received stock.
  const stock = await stockLinesOfDay(db, day);
  return {
    station: stationInfo(config, settings), day, generatedAt: now.toISOString(), shifts, entries, incomplete, cashBox, chainHeadHash: d.chainHeadHash,
    acknowledgedAt: null, ...(config.mode === 'training' ? { training: true } : {}), ...(stock.lines.length > 0 ? { stock } : {}),
  };
}

export interface DayExportResult {
  format: 'csv' | 'json' | 'pdf';
  out: string;
  entries: number;
  bytes: number;
  pages?: number;
  dayNetFen: Record<string, number>;
  /** The report's totals (what the PDF prints). */
  totals: { count: number; entries: number; totalFen: number; byPayment: Record<string, { count: number; totalFen: number }>; fees: DayTotals['fees'] };
}

/**
 * `station ledger export`: csv (the ledger journal, one row per entry with fen per account —
 * core/ledger-tools.ts), json (the same journal plus `report`: the day report's totals and
 * entries, as the PDF prints them), pdf (the end-of-day report, streamed to a temp name then
 * renamed).
 */
export async function exportDay(db: Queryable, config: StationConfig, settings: ReceiptSettings, day: string, format: 'csv' | 'json' | 'pdf', out: string, now: Date): Promise<DayExportResult> {
  const ledger = await ledgerDay(db, config.stationId, day);
  const data = await dayReportData(db, config, settings, day, now);
  const totals = computeDayTotals(data);
  const summary = {
    count: totals.count, entries: totals.entries, totalFen: totals.totalFen,
    byPayment: Object.fromEntries(Object.entries(totals.byPayment).map(([k, v]) => [k, { count: v.count, totalFen: v.totalFen }])),
    fees: totals.fees,
  };
  let bytes: number;
  let pages: number | undefined;
  try {
    if (format === 'pdf') {
      const r = await writeDayReport(data, out, { creationDate: now });
      bytes = statSync(out).size;
      pages = r.pages;
    } else {
      const text = format === 'csv' ? dayCsv(ledger, data.stock?.lines) : dayJsonWithReport(ledger, data);
      writeFileSync(out, text, { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
      bytes = Buffer.byteLength(text);
    }
  } catch (err) {
    if (err instanceof StationError) throw err;
    const code = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'DISK_FULL' : 'STORAGE';
    throw new StationError(code, `Cannot write ${out}: ${(err as Error).message}`, 'Choose a folder you can write to', { cause: err });
  }
  return { format, out: path.resolve(out), entries: ledger.entries.length, bytes, ...(pages !== undefined ? { pages } : {}), dayNetFen: ledger.dayNetFen, totals: summary };
}

function dayJsonWithReport(ledger: Awaited<ReturnType<typeof ledgerDay>>, data: DayReportData): string {
  const base = JSON.parse(dayJson(ledger)) as Record<string, unknown>;
  return `${JSON.stringify({ ...base, report: dayReportObject(data) }, null, 2)}\n`;
}
