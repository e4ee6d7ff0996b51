/**
 * Receipts and the search (common/api-receipts.ts receiptPreview, receiptPrint, entrySearch,
 * printerStatus), as plain functions of the station and the session's Actor. Everything is read
 * back from the ledger and the audit trail through the same functions the CLI uses:
 * - preview: buildReceipt → receiptBlocks / pickupSlipBlocks (what the PDF lays out), the QR as
 *   module rows; the saved PDF is the file of record;
 * - print: the original through spoolerFor + printFile (the path of `withReceipt`), at most
 *   once with success — after that only `reprintReceipt` (the path of `station receipt reprint
 *   --print`: 重印 第N次, counted in the audit trail) prints it again;
 * - search: db/receipt-queries.ts, by any part of a card number, an entry id or a day.
 */
import type { Result } from '../../../common/api.ts';
import type { Json } from '../../../common/canonical-json.ts';
import { StationError } from '../../../common/errors.ts';
import { say } from '../../../common/say.ts';
import { writeAudit } from '../../../db/audit.ts';
import { receiptPrintedOnce, searchLedgerEntries } from '../../../db/receipt-queries.ts';
import { qrModules } from '../../../receipts/index.ts';
import { requireRole, type Actor } from '../../auth.ts';
import { escposPrinterStatus } from '../../cash-drawer.ts';
import { buildReceipt, docBlocks, printFile, reprintCount, reprintReceipt, savedOriginal, spoolerFor, type PrintOutcome, type ReceiptDoc } from '../../receipts.ts';
import { loadReceiptSettings, type ReceiptSettings } from '../../receipt-settings.ts';
import type { Station } from '../../station.ts';
import type { ApiContext, Handlers } from '../context.ts';

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
    printed: await receiptPrintedOnce(station.db, doc.entryId), reprints: await reprintCount(station.db, doc.entryId), printer: printerOf(settings),
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
  if (originalsPrinting.has(key)) throw new StationError('POLICY', `The receipt of entry ${doc.entryId} is being printed`, 'Wait for the printer; print again as a reprint (重印) if nothing comes out', { say: say('receiptPrinting', { entry: doc.entryId }) });
  originalsPrinting.add(key);
  try {
    if (await receiptPrintedOnce(station.db, doc.entryId)) {
      throw new StationError('POLICY', `The receipt of entry ${doc.entryId} was printed already`, 'Print it again as a reprint (重印): it is marked and counted', { say: say('receiptPrintedAlready', { entry: doc.entryId }) });
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
  const start = q.day === undefined ? undefined : new Date(`${q.day}T00:00:00+08:00`);
  const rows = await searchLedgerEntries(station.db, {
    entryId: q.entryId?.toUpperCase(),
    cardNo: q.cardNo?.toUpperCase(),
    at: start === undefined ? undefined : { from: start.toISOString(), to: new Date(start.getTime() + 86_400_000).toISOString() },
  }, SEARCH_LIMIT + 1);
  if (rows === null) throw new StationError('BAD_INPUT', 'Search needs a card number, an entry id or a day', 'Type part of the card number, the 流水号 from the receipt, or a day', { say: say('searchNeedsQuery') });
  return {
    entries: rows.slice(0, SEARCH_LIMIT).map((r) => ({
      seq: r.seq, entryId: r.entry_id, at: r.at, kind: r.kind, cardRef: r.card_ref, cardNumber: r.m1_no ?? r.card_ref?.split(':')[1] ?? null,
      amountFen: r.amount_fen, operatorId: r.operator_id, shiftId: r.shift_id, receipt: RECEIPT_KINDS.has(r.kind),
    })),
    truncated: rows.length > SEARCH_LIMIT,
  };
}

/** The receipt printer's status for the status bar (ESC/POS over TCP reads it; others report none). */
export async function printerStatus(station: Station): Promise<Result<'printerStatus'>> {
  return escposPrinterStatus(loadReceiptSettings(station.home));
}

export function receiptHandlers(ctx: ApiContext): Handlers<'receiptPreview' | 'receiptPrint' | 'entrySearch' | 'printerStatus'> {
  const { station, env, sessions } = ctx;
  return {
    receiptPreview: (p, conn) => previewReceipt(station, sessions.actorOf(conn), p.entryId),
    receiptPrint: (p, conn) => printReceipt(station, sessions.actorOf(conn), p.entryId, p.reprint, env),
    entrySearch: (p, conn) => searchEntries(station, sessions.actorOf(conn), p),
    printerStatus: async (_p, conn) => {
      sessions.actorOf(conn);
      return printerStatus(station);
    },
  };
}
