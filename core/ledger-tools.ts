/**
 * `station ledger verify` and `station ledger export`: the hash chain and the double-entry
 * balance walked end to end, and one local day of the ledger as CSV (UTF-8 with BOM, amounts
 * as integer fen columns) or JSON. A day is the station's local day in China (UTC+8, no DST),
 * whatever the PC's time zone.
 */
import { chinaDayRange, chinaDateTime, isChinaDate } from '../common/china-time.ts';
import { BadInputError } from '../common/errors.ts';
import { canonicalJson } from '../common/canonical-json.ts';
import { ACCOUNTS, accountBalances, readEntries, verifyLedger, type StoredEntry, type VerifyResult } from '../db/ledger.ts';
import { ledgerInvariantBreaks, type InvariantBreak } from '../db/ledger-invariants.ts';
import type { Queryable } from '../db/sqlite.ts';

export const EXPORT_FORMATS = ['csv', 'json', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface LedgerCheck extends VerifyResult {
  /** Trial balance: net (debits − credits) per account; sums to zero when the ledger balances. */
  balances: Record<string, number>;
  balanceSumFen: number;
  /** What the ledger records that must never happen (db/ledger-invariants.ts), in ledger order. */
  invariantBreaks: InvariantBreak[];
}

/** Walks the whole chain, the trial balance and the per-shift and per-card invariants. `ok` only when all hold. */
export async function checkLedger(db: Queryable): Promise<LedgerCheck> {
  const v = await verifyLedger(db);
  const balances = await accountBalances(db);
  const balanceSumFen = Object.values(balances).reduce((s, n) => s + n, 0);
  const invariantBreaks = await ledgerInvariantBreaks(db);
  if (v.ok && balanceSumFen !== 0) {
    return { ...v, ok: false, balances, balanceSumFen, invariantBreaks, firstBreak: { seq: 0, entryId: '?', reason: `the postings do not balance: accounts sum to ${balanceSumFen} fen` } };
  }
  const first = invariantBreaks[0];
  if (v.ok && first !== undefined) return { ...v, ok: false, balances, balanceSumFen, invariantBreaks, firstBreak: { seq: first.seq, entryId: first.entryId, reason: first.reason } };
  return { ...v, balances, balanceSumFen, invariantBreaks };
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
  const entries = await readEntries(db, 'at >= ? AND at < ?', [start, end], 10_000_000);
  const dayNetFen: Record<string, number> = {};
  for (const a of ACCOUNTS) dayNetFen[a] = 0;
  for (const e of entries) for (const p of e.postings) dayNetFen[p.account] = (dayNetFen[p.account] ?? 0) + p.debitFen - p.creditFen;
  const head = await db.get<{ hash: string }>('SELECT hash FROM ledger_entries ORDER BY seq DESC LIMIT 1');
  return { day, timeZone: 'Asia/Shanghai', stationId, entries, dayNetFen, chainHeadHash: head?.hash ?? '0'.repeat(64) };
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
export function dayCsv(d: DayExport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of d.entries) {
    const net: Record<string, number> = {};
    for (const p of e.postings) net[p.account] = (net[p.account] ?? 0) + p.debitFen - p.creditFen;
    lines.push([
      e.seq, e.entryId, chinaDateTime(e.at), e.at, e.kind, e.operatorId, e.shiftId, e.cardRef, e.amountFen,
      ...ACCOUNTS.map((a) => net[a] ?? 0), canonicalJson(e.payload), e.prevHash, e.hash,
    ].map(csvCell).join(','));
  }
  return BOM + lines.join('\r\n') + '\r\n';
}

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
