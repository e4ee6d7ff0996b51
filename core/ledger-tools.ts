/**
 * `station ledger verify` and `station ledger export`: the hash chain, the double-entry
 * balance and every entry's payload (common/ledger-events.ts) walked end to end, and one local day of the ledger as CSV (UTF-8 with BOM, amounts
 * as integer fen columns) or JSON. A day is the station's local day in China (UTC+8, no DST),
 * whatever the PC's time zone.
 */
import { chinaDayRange, chinaDateTime, isChinaDate } from '../common/china-time.ts';
import { BadInputError } from '../common/errors.ts';
import { canonicalJson } from '../common/canonical-json.ts';
import { parseLedgerEvent } from '../common/ledger-events.ts';
import { ACCOUNTS, accountBalances, verifyLedger, type StoredEntry, type VerifyResult } from '../db/ledger.ts';
import { chainHeadHash, entriesBetween, entryPayloads } from '../db/ledger-queries.ts';
import { ledgerInvariantBreaks, type InvariantBreak } from '../db/ledger-invariants.ts';
import type { Queryable } from '../db/sqlite.ts';
import type { DayStockLine } from '../receipts/index.ts';

export const EXPORT_FORMATS = ['csv', 'json', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A stored entry whose payload does not parse with its kind's schema (common/ledger-events.ts). */
export interface UnreadableEntry {
  seq: number;
  entryId: string;
  kind: string;
  /** The fields at fault with what is wrong with each; empty when the kind itself is unknown. */
  fields: Array<{ field: string; problem: string }>;
  reason: string;
}

export interface LedgerCheck extends VerifyResult {
  /** Trial balance: net (debits − credits) per account; sums to zero when the ledger balances. */
  balances: Record<string, number>;
  balanceSumFen: number;
  /** What the ledger records that must never happen (db/ledger-invariants.ts), in ledger order. */
  invariantBreaks: InvariantBreak[];
  /**
   * Entries whose payload does not read as its kind says (a damaged or hand-edited row, a kind
   * this release does not know): receipts and the day report refuse them rather than read zeros.
   */
  unreadableEntries: UnreadableEntry[];
}

const PAYLOAD_PAGE = 5000;

/** Every stored entry whose payload does not parse, in ledger order. */
export async function unreadableEntries(db: Queryable): Promise<UnreadableEntry[]> {
  const out: UnreadableEntry[] = [];
  for (let from = 1; ;) {
    const page = await entryPayloads(db, from, PAYLOAD_PAGE);
    if (page.length === 0) return out;
    for (const row of page) {
      let payload: unknown;
      try {
        payload = JSON.parse(row.payload);
      } catch {
        out.push({ seq: row.seq, entryId: row.entryId, kind: row.kind, fields: [{ field: '(payload)', problem: 'not JSON' }], reason: `${row.kind} payload is not JSON` });
        continue;
      }
      const r = parseLedgerEvent(row.kind, payload);
      if (!r.ok) out.push({ seq: row.seq, entryId: row.entryId, kind: row.kind, fields: r.problem.fields, reason: `payload does not read: ${r.problem.message}` });
    }
    from = page[page.length - 1]!.seq + 1;
  }
}

/**
 * Walks the whole chain, the trial balance, the per-shift and per-card invariants and every
 * entry's payload. `ok` only when all hold; `firstBreak` is the first of them in that order.
 */
export async function checkLedger(db: Queryable): Promise<LedgerCheck> {
  const v = await verifyLedger(db);
  const balances = await accountBalances(db);
  const balanceSumFen = Object.values(balances).reduce((s, n) => s + n, 0);
  const invariantBreaks = await ledgerInvariantBreaks(db);
  const unreadable = await unreadableEntries(db);
  const found = { balances, balanceSumFen, invariantBreaks, unreadableEntries: unreadable };
  if (v.ok && balanceSumFen !== 0) {
    return { ...v, ...found, ok: false, firstBreak: { seq: 0, entryId: '?', reason: `the postings do not balance: accounts sum to ${balanceSumFen} fen` } };
  }
  const first = invariantBreaks[0] ?? unreadable[0];
  if (v.ok && first !== undefined) return { ...v, ...found, ok: false, firstBreak: { seq: first.seq, entryId: first.entryId, reason: first.reason } };
  return { ...v, ...found };
}

/** [start, end) of a China local day as ISO instants. */
export function localDayRange(day: string): { start: string; end: string } {
  if (!isChinaDate(day)) throw new BadInputError(`--day must be a date YYYY-MM-DD, got "${day}"`);
  const { start, end } = chinaDayRange(day);
  return { start: start.toISOString(), end: end.toISOString() };
}

export interface DayExport {
  day: string;
  timeZone: 'Asia/Shanghai';
  stationId: string;
  entries: StoredEntry[];
  /** Net movement per account over the day's entries (debits − credits, fen). */
  dayNetFen: Record<string, number>;
  chainHeadHash: string;
}

export async function ledgerDay(db: Queryable, stationId: string, day: string): Promise<DayExport> {
  const { start, end } = localDayRange(day);
  const entries = await entriesBetween(db, start, end);
  const dayNetFen: Record<string, number> = {};
  for (const a of ACCOUNTS) dayNetFen[a] = 0;
  for (const e of entries) for (const p of e.postings) dayNetFen[p.account] = (dayNetFen[p.account] ?? 0) + p.debitFen - p.creditFen;
  return { day, timeZone: 'Asia/Shanghai', stationId, entries, dayNetFen, chainHeadHash: await chainHeadHash(db) };
}

const BOM = '\uFEFF';

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // Text that Excel would run as a formula is neutralised.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = ['seq', 'entry_id', 'time_local', 'time_utc', 'kind', 'operator_id', 'shift_id', 'card_ref', 'amount_fen',
  ...ACCOUNTS.map((a) => `${a}_fen`), 'payload', 'prev_hash', 'hash'] as const;

/** One row per entry; each account column is that entry's net (debits − credits) in fen. */
/**
 * The day's journal, one row per entry; with `stock` (the day's blank-card lines, core/stock.ts)
 * a second table after an empty line: card type, opening, received, issued, spoiled, returned, closing.
 */
export function dayCsv(d: DayExport, stock?: readonly DayStockLine[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of d.entries) {
    const net: Record<string, number> = {};
    for (const p of e.postings) net[p.account] = (net[p.account] ?? 0) + p.debitFen - p.creditFen;
    lines.push([
      e.seq, e.entryId, chinaDateTime(e.at), e.at, e.kind, e.operatorId, e.shiftId, e.cardRef, e.amountFen,
      ...ACCOUNTS.map((a) => net[a] ?? 0), canonicalJson(e.payload), e.prevHash, e.hash,
    ].map(csvCell).join(','));
  }
  if (stock !== undefined && stock.length > 0) {
    lines.push('', STOCK_CSV_COLUMNS.join(','));
    for (const l of stock) lines.push([l.cardType, l.opening, l.received, l.issued, l.spoiled, l.returned, l.closing].map(csvCell).join(','));
  }
  return BOM + lines.join('\r\n') + '\r\n';
}

export const STOCK_CSV_COLUMNS = ['stock_card_type', 'opening', 'received', 'issued', 'spoiled', 'returned', 'closing'] as const;

export function dayJson(d: DayExport): string {
  return `${JSON.stringify({
    format: 'city-union-station/ledger-day', version: 1, ...d,
    entries: d.entries.map((e) => ({ ...e, timeLocal: chinaDateTime(e.at) })),
  }, null, 2)}\n`;
}

export function exportFormat(value: string | undefined): ExportFormat {
  const f = value ?? 'csv';
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new BadInputError(`--format must be csv, json or pdf, got "${f}"`);
  return f as ExportFormat;
}
