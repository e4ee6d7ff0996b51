/**
 * The UI server's receipt, search, end-of-day and upstream-status methods
 * (common/api-receipts.ts), as plain functions of the station and the session's Actor, so
 * core/ui-server.ts only wires them. Everything is read back from the ledger and the audit
 * trail through the same functions the CLI uses:
 * - preview: buildReceipt → receiptBlocks / pickupSlipBlocks (what the PDF lays out), the QR as
 *   module rows; the saved PDF is the file of record;
 * - print: the original through spoolerFor + printFile (the path of `withReceipt`), at most
 *   once with success — after that only `reprintReceipt` (the path of `station receipt reprint
 *   --print`: 重印 第N次, counted in the audit trail) prints it again;
 * - day: dayReportData + computeDayTotals (the numbers the PDF prints), exportDay for files;
 * - sync: upstreamReport without probing the host (the relay's own tables).
 */
import { chinaDate } from '../common/china-time.ts';
import { ensurePrivateDir } from './home-permissions.ts';
import path from 'node:path';
import type { Result } from '../common/api.ts';
import type { Json } from '../common/canonical-json.ts';
import { StationError } from '../common/errors.ts';
import { writeAudit } from '../db/audit.ts';
import { computeDayTotals, qrModules } from '../receipts/index.ts';
import { requireRole, type Actor } from './auth.ts';
import { escposPrinterStatus } from './cash-drawer.ts';
import { dayReportData, exportDay } from './day-report.ts';
import { buildReceipt, docBlocks, printFile, reprintCount, reprintReceipt, savedOriginal, spoolerFor, type PrintOutcome, type ReceiptDoc } from './receipts.ts';
import { loadReceiptSettings, type ReceiptSettings } from './receipt-settings.ts';
import type { Station } from './station.ts';
import { upstreamReport } from './sync.ts';

/** Entry kinds a receipt can be rebuilt for (core/receipts.ts buildReceipt and receiptEntryOf). */
const RECEIPT_KINDS = new Set([
  'topup', 'card_sale', 'refund', 'lost_report', 'migrate_out', 'migrate_issue', 'migrate_in', 'migrate_done',
  'replacement_request', 'replacement_out', 'replacement_issue', 'replacement_load',
  'damaged_card_request', 'damaged_card_block', 'damaged_card_out', 'damaged_exchange_issue', 'damaged_exchange_load',
  'shift_close', 'cash_difference',
]);
const SEARCH_LIMIT = 200;

function blocksOf(doc: ReceiptDoc): Result<'receiptPreview'>['blocks'] {
  return docBlocks(doc).map((b) => (b.kind === 'qr' ? { kind: 'qr', payload: b.payload, modules: qrModules(b.payload) } : b));
}

/** The original's PDF: the one saved when the workflow finished (waiting for it if its save is still running), or saved now (same content: both come from the ledger). */
const originalFile = savedOriginal;

/** Whether the original printed once already (a UI print ok, or any reprint). */
async function originalPrinted(station: Station, entryId: string): Promise<boolean> {
  const row = await station.db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM audit WHERE outcome = 'ok' AND action IN ('receipt-print', 'receipt-reprint') AND json_extract(details, '$.entryId') = ?", [entryId]);
  return (row?.n ?? 0) > 0;
}

function printerOf(settings: ReceiptSettings): Result<'receiptPreview'>['printer'] {
  const p = settings.printer;
  return { kind: p === null ? 'none' : p.kind, name: p === null ? null : p.kind === 'cups' ? p.queue : p.kind === 'escpos' ? p.address : p.dir, paper: settings.paper === 58 ? '58' : '80' };
}

export async function previewReceipt(station: Station, actor: Actor, entryId: string): Promise<Result<'receiptPreview'>> {
  await requireRole(station.db, actor, 'operator', 'receipt-preview');
  const settings = loadReceiptSettings(station.home);
  const doc = await buildReceipt(station, entryId, settings);
  return {
    entryId: doc.entryId, requestedEntryId: entryId, type: doc.type, file: await originalFile(station, doc, settings), blocks: blocksOf(doc),
    printed: await originalPrinted(station, doc.entryId), reprints: await reprintCount(station.db, doc.entryId), printer: printerOf(settings),
  };
}

/** Originals being printed now (station home + entry id). */
const originalsPrinting = new Set<string>();

const NO_PRINTER: PrintOutcome = {
  ok: false, spooler: 'file', queue: null, jobId: null, output: null,
  error: { code: 'CONFIG', message: 'No receipt printer is configured', hint: 'station printer set --queue NAME (or --dir PATH); the receipt is saved and can be printed later' },
};

export async function printReceipt(station: Station, actor: Actor, entryId: string, reprint: boolean, env: NodeJS.ProcessEnv): Promise<Result<'receiptPrint'>> {
  if (reprint) {
    const r = await reprintReceipt(station, actor, entryId, 'always', env);
    return { entryId: r.entryId, count: r.count, receipt: r.receipt, print: r.print ?? NO_PRINTER };
  }
  await requireRole(station.db, actor, 'operator', 'receipt-print');
  const settings = loadReceiptSettings(station.home);
  const doc = await buildReceipt(station, entryId, settings);
  // One original print at a time per receipt (two screens, a double key press): the check and
  // the audit line that makes the next one a reprint would otherwise race.
  const key = `${station.home}\n${doc.entryId}`;
  if (originalsPrinting.has(key)) throw new StationError('POLICY', `The receipt of entry ${doc.entryId} is being printed`, 'Wait for the printer; print again as a reprint (重印) if nothing comes out');
  originalsPrinting.add(key);
  try {
    if (await originalPrinted(station, doc.entryId)) {
      throw new StationError('POLICY', `The receipt of entry ${doc.entryId} was printed already`, 'Print it again as a reprint (重印): it is marked and counted');
    }
    const file = await originalFile(station, doc, settings);
    const spooler = spoolerFor(settings, env);
    const print = spooler === null ? NO_PRINTER : await printFile(file, `receipt ${doc.entryId}`, spooler, doc);
    await writeAudit(station.db, actor.staffId, 'receipt-print', print.ok ? 'ok' : 'error',
      { entryId: doc.entryId, file, ...(print.error ? { error: print.error as unknown as Json } : {}) }, station.now());
    return { entryId: doc.entryId, count: 0, receipt: file, print };
  } finally {
    originalsPrinting.delete(key);
  }
}

export async function searchEntries(station: Station, actor: Actor, q: { cardNo?: string | undefined; entryId?: string | undefined; day?: string | undefined }): Promise<Result<'entrySearch'>> {
  await requireRole(station.db, actor, 'operator', 'entry-search');
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.entryId !== undefined) {
    where.push('entry_id = ?');
    args.push(q.entryId.toUpperCase());
  }
  if (q.cardNo !== undefined) {
    // card_ref is "<kind>:<number>": any part of the number (e.g. its last digits) finds it. An
    // M1 card's card_ref holds its UID; the number printed on it (the one the screen shows and
    // the customer reads out) is in its upgrade's entry, and finds every entry of that card.
    where.push(`(instr(upper(substr(card_ref, instr(card_ref, ':') + 1)), ?) > 0 OR card_ref IN (
      SELECT card_ref FROM ledger_entries WHERE card_ref LIKE 'm1:%' AND instr(upper(json_extract(payload, '$.cardNo')), ?) > 0))`);
    args.push(q.cardNo.toUpperCase(), q.cardNo.toUpperCase());
  }
  if (q.day !== undefined) {
    const start = new Date(`${q.day}T00:00:00+08:00`);
    where.push('at >= ? AND at < ?');
    args.push(start.toISOString(), new Date(start.getTime() + 86_400_000).toISOString());
  }
  if (where.length === 0) throw new StationError('BAD_INPUT', 'Search needs a card number, an entry id or a day', 'Type part of the card number, the 流水号 from the receipt, or a day');
  const rows = await station.db.all<{ seq: number; entry_id: string; at: string; kind: string; card_ref: string | null; amount_fen: number; operator_id: string | null; shift_id: string | null; m1_no: string | null }>(
    `SELECT seq, entry_id, at, kind, card_ref, amount_fen, operator_id, shift_id,
       CASE WHEN card_ref LIKE 'm1:%' THEN (SELECT json_extract(x.payload, '$.cardNo') FROM ledger_entries x WHERE x.card_ref = e.card_ref AND json_extract(x.payload, '$.cardNo') <> '' LIMIT 1) END AS m1_no
     FROM ledger_entries e WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`, [...args, SEARCH_LIMIT + 1]);
  return {
    entries: rows.slice(0, SEARCH_LIMIT).map((r) => ({
      seq: r.seq, entryId: r.entry_id, at: r.at, kind: r.kind, cardRef: r.card_ref, cardNumber: r.m1_no ?? r.card_ref?.split(':')[1] ?? null,
      amountFen: r.amount_fen, operatorId: r.operator_id, shiftId: r.shift_id, receipt: RECEIPT_KINDS.has(r.kind),
    })),
    truncated: rows.length > SEARCH_LIMIT,
  };
}

export async function daySummary(station: Station, actor: Actor, day: string | undefined): Promise<Result<'daySummary'>> {
  await requireRole(station.db, actor, 'operator', 'day-summary');
  const now = station.now();
  const data = await dayReportData(station.db, station.config, loadReceiptSettings(station.home), day ?? chinaDate(now), now);
  const t = computeDayTotals(data);
  const sums = (r: Record<string, { count: number; totalFen: number }>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { count: v.count, totalFen: v.totalFen }]));
  return {
    day: data.day, generatedAt: data.generatedAt, count: t.count, totalFen: t.totalFen, byWorkflow: sums(t.byWorkflow), byPayment: sums(t.byPayment),
    depositsTaken: t.depositsTaken, depositsReturned: t.depositsReturned,
    cash: { floatFen: t.cash.floatFen, cashInFen: t.cash.cashInFen, cashOutFen: t.cash.cashOutFen, expectedFen: t.cash.expectedFen, countedFen: t.cash.countedFen, differenceFen: t.cash.differenceFen },
    shifts: t.shifts.map((s) => ({
      shiftId: s.shift.shiftId, operatorId: s.shift.operatorId, operatorName: s.shift.operatorName ?? null, openedAt: s.shift.openedAt, closedAt: s.shift.closedAt, count: s.count,
      cash: { floatFen: s.cash.floatFen, cashInFen: s.cash.cashInFen, cashOutFen: s.cash.cashOutFen, expectedFen: s.cash.expectedFen, countedFen: s.cash.countedFen, differenceFen: s.cash.differenceFen, signedOffBy: s.cash.signedOffBy, status: s.cash.status },
    })),
    incomplete: data.incomplete.map((i) => ({ opId: i.opId, at: i.at, workflow: i.workflow, cardNumber: i.cardNumber, amountFen: i.amountFen, state: i.state, operatorId: i.operatorId })),
    first: t.first, last: t.last, chainHeadHash: data.chainHeadHash, training: data.training === true,
  };
}

/** The day's report or journal under STATION_HOME/reports/<day>/ (the path is what the screen shows). */
export async function exportDayFile(station: Station, actor: Actor, day: string, format: 'csv' | 'pdf'): Promise<Result<'dayExport'>> {
  await requireRole(station.db, actor, 'operator', 'day-export');
  const dir = path.join(station.home, 'reports', day);
  ensurePrivateDir(dir);
  const r = await exportDay(station.db, station.config, loadReceiptSettings(station.home), day, format, path.join(dir, `day-${day}.${format}`), station.now());
  await writeAudit(station.db, actor.staffId, 'day-export', 'ok', { day, format, out: r.out }, station.now());
  return { format, out: r.out, bytes: r.bytes, entries: r.entries, ...(r.pages !== undefined ? { pages: r.pages } : {}) };
}

/** The receipt printer's status for the status bar (ESC/POS over TCP reads it; others report none). */
export async function printerStatus(station: Station): Promise<Result<'printerStatus'>> {
  return escposPrinterStatus(loadReceiptSettings(station.home));
}

export async function syncStatus(station: Station): Promise<Result<'syncStatus'>> {
  const r = await upstreamReport(station.home, station.db, station.config, false, process.env, station.now);
  const s = r.status!;
  return {
    configured: r.configured, url: r.url, online: s.online, lastOkAt: s.lastOkAt, lastError: s.lastError, lastSeq: s.lastSeq, ackSeq: s.ackSeq,
    backlog: s.backlog, quarantined: s.quarantined, blocked: s.blocked, quarantinedEntries: r.quarantinedEntries,
  };
}

/** The handlers as core/ui-server.ts wires them: `actorOf` refuses a missing or locked session. */
export function receiptHandlers<C>(deps: { station: Station; env: NodeJS.ProcessEnv; actorOf: (conn: C) => Actor }) {
  const { station, env, actorOf } = deps;
  return {
    receiptPreview: (p: { entryId: string }, conn: C) => previewReceipt(station, actorOf(conn), p.entryId),
    receiptPrint: (p: { entryId: string; reprint: boolean }, conn: C) => printReceipt(station, actorOf(conn), p.entryId, p.reprint, env),
    entrySearch: (p: { cardNo?: string | undefined; entryId?: string | undefined; day?: string | undefined }, conn: C) => searchEntries(station, actorOf(conn), p),
    daySummary: (p: { day?: string | undefined }, conn: C) => daySummary(station, actorOf(conn), p.day),
    dayExport: (p: { day: string; format: 'csv' | 'pdf' }, conn: C) => exportDayFile(station, actorOf(conn), p.day, p.format),
    syncStatus: (_p: Record<string, never>, conn: C) => { actorOf(conn); return syncStatus(station); },
    printerStatus: (_p: Record<string, never>, conn: C) => { actorOf(conn); return printerStatus(station); },
  };
}
