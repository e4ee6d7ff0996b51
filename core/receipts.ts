/**
 * Receipts wired to the ledger (issue 4 item 4). One function rebuilds the receipt of any
 * money-moving entry from the ledger alone — the entry and the entries of the same workflow
 * (same requestId / migrationId / card) — and both the first receipt and every reprint go
 * through it, so a reprint can never say something the original did not, and nothing about a
 * receipt has to be remembered outside the ledger.
 *
 * The workflows stay as they are: they return `receipt: null`, and `withReceipt` (called by the
 * CLI, and by any other front end, after the workflow returned — i.e. after its entries are
 * durable) saves the PDF under STATION_HOME/receipts/<YYYY-MM-DD>/ and prints it if a printer
 * is configured. A receipt or printer failure never undoes or hides the money movement: the
 * result keeps its entry and says what failed and how to reprint.
 */
import { canWaitForAnswer, later } from './after-answer.ts';
import { phase } from './request-timing.ts';
import { addChinaDays, chinaDate, parseInstant } from '../common/china-time.ts';
import path from 'node:path';
import type { PrintOutcomeDto, ReceiptOutcomeDto } from '../common/api-receipts.ts';
import type { Json } from '../common/canonical-json.ts';
import { StationError, toStationError } from '../common/errors.ts';
import { say, type Say } from '../common/say.ts';
import { writeAudit } from '../db/audit.ts';
import { ledgerEventOrThrow, storedEvent, type LedgerEvent } from '../common/ledger-events.ts';
import type { FeeLine } from '../common/fees.ts';
import type { StoredEntry } from '../db/ledger.ts';
import { shiftCashBox } from '../db/cash-box.ts';
import { entriesOfMigration, entriesOfRequest, entryById, firstLoadAfter, migrationDoneEntry, reprintCount, shiftCloseEntry, shiftDrawerFlows } from '../db/ledger-queries.ts';
import { getCard } from '../db/registry.ts';
import { getRequest } from '../db/requests.ts';
import { getShift } from '../db/shifts.ts';
import { getStaff } from '../db/staff.ts';
import type { Queryable } from '../db/sqlite.ts';
import {
  CupsSpooler, EscposSpooler, FileSpooler, listCupsQueues, mediaForPage, pickupSlipBlocks, PrinterError, receiptBlocks, receiptFileName, savePickupSlip, saveReceipt,
  type Block, type CardRef, type FeeNote, type Payment, type PickupSlipData, type PrintResult, type ReceiptData, type ReprintInfo, type Spooler, type StationInfo,
} from '../receipts/index.ts';
import { existsSync, readFileSync } from 'node:fs';
import type { Actor } from './auth.ts';
import { requireRole } from './auth.ts';
import { escposPrinterStatus, escposSpoolerFor, openDrawerFor } from './cash-drawer.ts';
import type { StationConfig } from './config.ts';
import { loadReceiptSettings, type ReceiptSettings } from './receipt-settings.ts';
import type { Station } from './station.ts';

export const DEFAULT_STATION_NAME = '城市一卡通服务网点';

/** What a rebuilt document is: a receipt, or the pickup slip of a queued request. */
export type ReceiptDoc =
  | { type: 'receipt'; entryId: string; data: ReceiptData }
  | { type: 'slip'; entryId: string; requestId: string; data: PickupSlipData };

/** The typed event of a stored entry; a row that does not read is LEDGER_BROKEN, never zeros. */
const eventOf = (e: StoredEntry): LedgerEvent => ledgerEventOrThrow(e.kind, e.payload, e);

/** The fee's note for the receipt (schedule version, waiver), absent when no fee applied. */
function feeNoteOf(fee: FeeLine | undefined): { feeNote?: FeeNote } {
  if (fee === undefined) return {};
  return { feeNote: { scheduleVersion: fee.scheduleVersion, waivedFen: fee.scheduledFen - fee.chargedFen, reason: fee.waiver?.reason ?? null } };
}

function cardOf(ref: string | null): CardRef {
  if (ref === null) return { number: '-' };
  const [kind, number] = ref.split(':');
  return { number: number ?? ref, ...(kind === 'cpu' || kind === 'm1' ? { kind } : {}) };
}

/** The payment fields an event carries (common/ledger-events.ts paymentFields). */
interface PaidFields { pay: 'cash' | 'other' | null; tenderedFen?: number | undefined; reference?: string | null | undefined }

function paymentOf(p: PaidFields, dueFen: number): Payment {
  if (dueFen <= 0 || p.pay === null) return { method: 'none' };
  if (p.pay === 'other') return { method: 'other', reference: p.reference ?? '-' };
  // Older entries without tenderedFen: exact cash.
  return { method: 'cash', tenderedFen: Math.max(p.tenderedFen ?? dueFen, dueFen) };
}

export function stationInfo(config: StationConfig, settings: ReceiptSettings): StationInfo {
  return { id: config.stationId, name: settings.stationName ?? DEFAULT_STATION_NAME, ...(settings.phone ? { phone: settings.phone } : {}) };
}

const REPLACE_KINDS = ['replacement_request', 'replacement_out', 'replacement_issue', 'replacement_load'] as const;
const DAMAGED_KINDS = ['damaged_card_request', 'damaged_card_block', 'damaged_card_out', 'damaged_exchange_issue', 'damaged_exchange_load'] as const;
const MIGRATE_STEP_KINDS = ['migrate_out', 'migrate_issue', 'migrate_in'] as const;
const REQUEST_KINDS: readonly string[] = [...REPLACE_KINDS, ...DAMAGED_KINDS];

/** The entry whose receipt a reprint of `entryId` means (a step of a workflow → that workflow's receipt entry). */
export async function receiptEntryOf(db: Queryable, entry: StoredEntry): Promise<StoredEntry> {
  const ev = eventOf(entry);
  switch (ev.kind) {
    case 'migrate_out':
    case 'migrate_issue':
    case 'migrate_in': {
      const done = await migrationDoneEntry(db, ev.payload.migrationId);
      if (!done) throw new StationError('POLICY', `Entry ${entry.entryId} is a step of an upgrade that has not finished`, 'Finish it with station migrate; its receipt comes then', { say: say('receiptUpgradeUnfinished', { entry: entry.entryId }) });
      return done;
    }
    case 'replacement_out':
    case 'replacement_issue':
    case 'replacement_load':
    case 'damaged_card_block':
    case 'damaged_card_out':
    case 'damaged_exchange_issue':
    case 'damaged_exchange_load': {
      const group = REPLACE_KINDS.includes(ev.kind as (typeof REPLACE_KINDS)[number]) ? REPLACE_KINDS : DAMAGED_KINDS;
      const rel = await entriesOfRequest(db, group, ev.payload.requestId);
      const main = rel.find((e) => e.kind.endsWith('_load')) ?? rel.find((e) => e.kind.endsWith('_issue'));
      if (!main) throw new StationError('POLICY', `Entry ${entry.entryId} belongs to request ${ev.payload.requestId}, whose new card is not issued yet`, 'The customer holds the pickup slip; reprint that with the request entry', { say: say('receiptRequestPending', { entry: entry.entryId }) });
      return main;
    }
    case 'cash_difference':
      return (await shiftCloseEntry(db, entry.shiftId ?? '')) ?? entry;
    default:
      return entry;
  }
}

async function operatorOf(db: Queryable, id: string | null): Promise<{ id: string; name?: string }> {
  if (id === null) return { id: '-' };
  const s = await getStaff(db, id);
  return s ? { id, name: s.name } : { id };
}

/** Rebuilds the receipt (or pickup slip) of a ledger entry from the ledger. */
// eslint-disable-next-line max-lines-per-function -- one case per ledger kind; NAME=events replaces it with parsed event types (issue 15)
export async function buildReceipt(station: Pick<Station, 'db' | 'config' | 'policy'>, entryId: string, settings: ReceiptSettings, reprint?: ReprintInfo): Promise<ReceiptDoc> {
  const { db, config, policy } = station;
  const first = await entryById(db, entryId);
  if (!first) throw new StationError('BAD_INPUT', `No ledger entry ${entryId}`, 'Check the entry id (station ledger export lists the day\'s entries)', { say: say('entryUnknown', { entry: entryId }) });
  const e = await receiptEntryOf(db, first);
  const ev = eventOf(e);
  const common = {
    station: stationInfo(config, settings), operator: await operatorOf(db, e.operatorId), at: e.at, entryId: e.entryId,
    ...(reprint ? { reprint } : {}), ...(config.mode === 'training' ? { training: true } : {}),
  };
  switch (ev.kind) {
    case 'topup': {
      const p = ev.payload;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'topup', card: cardOf(e.cardRef), amountFen: e.amountFen, balanceBeforeFen: p.balanceBeforeFen, balanceAfterFen: p.balanceAfterFen,
          payment: paymentOf(p, e.amountFen), tac: p.tac ?? '-',
        },
      };
    }
    case 'card_sale': {
      const p = ev.payload;
      const load = p.firstLoadFen > 0 && e.cardRef !== null ? await firstLoadAfter(db, e.cardRef, e.seq, p.firstLoadFen) : undefined;
      const loaded = load === undefined ? null : storedEvent(load, 'topup').payload;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'issue', card: cardOf(e.cardRef), depositFen: p.depositFen, firstLoadFen: loaded ? p.firstLoadFen : 0, feeFen: 0,
          balanceAfterFen: loaded ? loaded.balanceAfterFen : 0, registered: p.registered,
          payment: paymentOf(p, p.depositFen + (loaded ? p.firstLoadFen : 0)), tac: loaded ? (loaded.tac ?? null) : null,
        },
      };
    }
    case 'refund': {
      const p = ev.payload;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'refund', card: cardOf(e.cardRef), balanceBeforeFen: p.balanceFen, balanceRefundFen: p.balanceFen, depositRefundFen: p.depositFen,
          feeFen: p.fee?.chargedFen ?? 0, ...feeNoteOf(p.fee),
          payment: { method: 'cash', tenderedFen: 0 },
        },
      };
    }
    case 'lost_report': {
      const p = ev.payload;
      const row = e.cardRef ? await getCard(db, e.cardRef) : undefined;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'lost', card: cardOf(e.cardRef), ...(row?.holder_name ? { holderName: row.holder_name } : {}), feeFen: p.feeFen, payment: paymentOf(p, p.feeFen),
          replaceFrom: addChinaDays(chinaDate(e.at), policy.replacementWaitDays),
        },
      };
    }
    case 'migrate_done': {
      const p = ev.payload;
      const steps = await entriesOfMigration(db, MIGRATE_STEP_KINDS, p.migrationId);
      const loadEntry = steps.find((s) => s.kind === 'migrate_in');
      const issueEntry = steps.find((s) => s.kind === 'migrate_issue');
      const load = loadEntry === undefined ? null : storedEvent(loadEntry, 'migrate_in').payload;
      const issue = issueEntry === undefined ? null : storedEvent(issueEntry, 'migrate_issue').payload;
      const carried = p.deposit === 'carry';
      const feeFen = issue ? issue.feeFen : 0;
      const due = feeFen - p.refundedDepositFen;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'migrate',
          // The number printed on the M1 card (the one the screen showed), its UID only when it has none.
          oldCard: { number: p.cardNo === '' ? p.uid : p.cardNo, kind: 'm1' }, newCard: cardOf(p.newCardRef),
          balanceMovedFen: p.migratedFen, oldDepositFen: p.depositFen, depositPolicy: carried ? 'carried' : 'refunded', newDepositFen: 0, feeFen,
          balanceAfterFen: load ? load.balanceAfterFen : p.migratedFen + (carried ? p.depositFen : 0),
          payment: due > 0 && issue ? paymentOf(issue, due) : due < 0 ? { method: 'cash', tenderedFen: 0 } : { method: 'none' },
          tac: load?.tac ?? '-',
        },
      };
    }
    case 'replacement_load':
    case 'replacement_issue': {
      const rel = await entriesOfRequest(db, REPLACE_KINDS, ev.payload.requestId);
      const issueEntry = rel.find((r) => r.kind === 'replacement_issue');
      const loadEntry = rel.find((r) => r.kind === 'replacement_load');
      const issue = issueEntry === undefined ? null : storedEvent(issueEntry, 'replacement_issue').payload;
      const load = loadEntry === undefined ? null : storedEvent(loadEntry, 'replacement_load').payload;
      const balanceFen = loadEntry ? loadEntry.amountFen : 0;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'replace', lostCard: cardOf(ev.payload.oldCardRef), newCard: cardOf(e.cardRef), balanceRestoredFen: balanceFen,
          // The 工本费 (issue 17), charged or waived, with the schedule's version; none on older replacements.
          depositFen: issue ? issue.depositFen : 0, feeFen: issue?.fee?.chargedFen ?? 0, ...feeNoteOf(issue?.fee), balanceAfterFen: balanceFen,
          payment: issue ? paymentOf({ pay: issue.pay ?? null, tenderedFen: issue.tenderedFen, reference: issue.reference }, issue.fee?.chargedFen ?? 0) : { method: 'none' }, tac: load?.tac ?? '-',
        },
      };
    }
    case 'damaged_exchange_load':
    case 'damaged_exchange_issue': {
      const rel = await entriesOfRequest(db, DAMAGED_KINDS, ev.payload.requestId);
      const issueEntry = rel.find((r) => r.kind === 'damaged_exchange_issue');
      const loadEntry = rel.find((r) => r.kind === 'damaged_exchange_load');
      const issue = issueEntry === undefined ? null : storedEvent(issueEntry, 'damaged_exchange_issue').payload;
      const load = loadEntry === undefined ? null : storedEvent(loadEntry, 'damaged_exchange_load').payload;
      const charged = issue ? issue.newDepositChargedFen : 0;
      const cardFeeFen = issue?.fee?.chargedFen ?? 0;
      const balanceFen = loadEntry ? loadEntry.amountFen : 0;
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'damaged-exchange', oldCard: cardOf(ev.payload.oldCardRef), newCard: cardOf(e.cardRef), fault: issue?.fault === 'customer' ? 'customer' : 'quality',
          balanceMovedFen: balanceFen, newDepositFen: charged, feeFen: cardFeeFen, ...feeNoteOf(issue?.fee), balanceAfterFen: balanceFen,
          payment: issue ? paymentOf(issue, charged + cardFeeFen) : { method: 'none' }, tac: load?.tac ?? '-',
        },
      };
    }
    case 'replacement_request':
    case 'damaged_card_request': {
      const p = ev.payload;
      const request = await getRequest(db, p.requestId);
      const holderName = request?.details.holderName;
      const replacement = ev.kind === 'replacement_request';
      return {
        type: 'slip', entryId: e.entryId, requestId: p.requestId,
        data: {
          station: common.station, operator: common.operator, at: e.at, requestId: p.requestId, kind: replacement ? 'replace' : 'damaged-exchange', card: cardOf(e.cardRef),
          ...(typeof holderName === 'string' && holderName !== '' ? { holderName } : {}),
          pickupFrom: chinaDate(request?.readyAfter ?? (ev.kind === 'damaged_card_request' ? ev.payload.readyAfter : e.at)), depositFen: p.depositFen, feeFen: 0, payment: { method: 'none' },
          note: replacement ? '凭本单及身份证领取新卡；余额以清分中心确认为准' : '凭本单领取新卡；余额以清分中心确认为准',
          ...(reprint ? { reprint } : {}), ...(config.mode === 'training' ? { training: true } : {}),
        },
      };
    }
    case 'shift_close': {
      const shift = e.shiftId ? await getShift(db, e.shiftId) : undefined;
      if (!shift) throw new StationError('BAD_INPUT', `Shift ${e.shiftId} of entry ${e.entryId} is not in the database`, undefined, { say: say('receiptShiftMissing', { entry: e.entryId }) });
      // Cash in and out of the drawer during the shift, before the count's own difference entry.
      const flows = await shiftDrawerFlows(db, shift.shift_id);
      const box = await shiftCashBox(db, shift.shift_id);
      const counted = Object.entries(JSON.parse(shift.counted ?? '{}') as Record<string, number>).map(([fen, count]) => ({ fen: Number(fen), count })).sort((a, b) => b.fen - a.fen);
      return {
        type: 'receipt', entryId: e.entryId,
        data: {
          ...common, workflow: 'shift-close', shiftId: shift.shift_id, openedAt: shift.opened_at, floatFen: shift.float_fen,
          cashInFen: flows.cashInFen, cashOutFen: flows.cashOutFen, entryCount: flows.entryCount, counted, signedOffBy: shift.signed_off_by,
          ...(box.handedOverFen > 0 ? { handedOverFen: box.handedOverFen } : {}),
          ...(box.transferredOutFen > 0 ? { transferredOutFen: box.transferredOutFen } : {}),
          ...(box.transferredInFen > 0 ? { transferredInFen: box.transferredInFen } : {}),
          ...(box.floatReturnedFen > 0 ? { floatReturnedFen: box.floatReturnedFen } : {}),
        },
      };
    }
    default:
      throw new StationError('POLICY', `Entry ${e.entryId} (${e.kind}) has no customer receipt`, 'Receipts exist for sales, top-ups, upgrades, lost reports, replacements, exchanges, refunds and shift closes', { say: say('receiptNone', { entry: e.entryId }) });
  }
}

/** STATION_HOME/receipts/<China-local day of the entry>/ */
export function receiptDir(home: string, at: string): string {
  return path.join(home, 'receipts', chinaDate(at));
}

/** Renders and keeps the document; returns its path. */
export async function saveDoc(home: string, doc: ReceiptDoc, settings: ReceiptSettings): Promise<string> {
  const dir = receiptDir(home, doc.data.at);
  // The PDF's creation date is the document's own time: a reprint makes the same bytes.
  const opts = { paper: settings.paper, creationDate: parseInstant(doc.data.at) };
  return doc.type === 'receipt' ? saveReceipt(doc.data, dir, opts) : savePickupSlip(doc.data, dir, opts);
}

export function spoolerFor(settings: ReceiptSettings, env: NodeJS.ProcessEnv = process.env): Spooler | null {
  const p = settings.printer;
  if (p === null) return null;
  if (p.kind === 'file') return new FileSpooler(p.dir);
  if (p.kind === 'escpos') return escposSpoolerFor(settings);
  const server = p.server ?? env.CUPS_SERVER;
  return new CupsSpooler({ queue: p.queue, ...(server ? { server } : {}) });
}

/** A print attempt's outcome, as the API answers it (common/api-receipts.ts). */
export type PrintOutcome = PrintOutcomeDto;

/** The roll page's size, from the PDF's MediaBox, for lp's media option. */
function mediaOf(file: string): string | null {
  const m = /\/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]/.exec(readFileSync(file, 'latin1'));
  return m ? mediaForPage(Number(m[1]), Number(m[2])) : null;
}

/** The document's content blocks: what the PDF lays out, the UI previews and an ESC/POS printer prints. */
export function docBlocks(doc: ReceiptDoc): Block[] {
  return doc.type === 'receipt' ? receiptBlocks(doc.data) : pickupSlipBlocks(doc.data);
}

/**
 * Prints a saved receipt; a printer fault is returned, not thrown (the receipt stays on disk).
 * `doc` is what the file holds: an ESC/POS printer prints its blocks, the others the PDF.
 */
export async function printFile(file: string, title: string, spooler: Spooler, doc: ReceiptDoc): Promise<PrintOutcome> {
  const queue = spooler instanceof CupsSpooler ? spooler.queue : spooler instanceof EscposSpooler ? spooler.name : null;
  try {
    const media = spooler.kind === 'cups' ? mediaOf(file) : null;
    const r: PrintResult = await spooler.print(file, { title, ...(media ? { options: { media } } : {}), ...(spooler.kind === 'escpos' ? { blocks: docBlocks(doc) } : {}) });
    return { ok: true, spooler: r.spooler, queue: r.queue, jobId: r.jobId, output: r.output };
  } catch (err) {
    const e = toStationError(err);
    return {
      ok: false, spooler: spooler.kind, queue, jobId: err instanceof PrinterError ? err.jobId : null, output: null,
      error: { code: e.code, ...(err instanceof PrinterError ? { fault: err.fault } : {}), message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
    };
  }
}

/** The receipt part of a money method's result: defined once, by the API schema (common/api-receipts.ts). */
export type ReceiptOutcome = ReceiptOutcomeDto;

export type PrintChoice = 'auto' | 'always' | 'never';

/** Which entry of a workflow result carries its receipt. */
export async function receiptEntryForResult(db: Queryable, result: Record<string, unknown>): Promise<string | null> {
  const s = (k: string): string | null => (typeof result[k] === 'string' ? (result[k] as string) : null);
  if (Array.isArray(result.entryIds)) return (result.entryIds as string[]).at(-1) ?? null; // shift close: the shift_close entry
  if (result.state === 'queued') {
    const requestId = s('requestId');
    if (s('entryId') !== null) return s('entryId');
    const r = requestId ? await getRequest(db, requestId) : undefined;
    return r?.entryId ?? null;
  }
  if (result.state === 'done') {
    const id = s('loadEntryId') ?? s('issueEntryId');
    if (id !== null) return id;
    // Finished by settlement from an earlier run: find the request's entries.
    const requestId = s('requestId');
    if (requestId === null) return null;
    const rel = await entriesOfRequest(db, REQUEST_KINDS.filter((k) => k.endsWith('_load') || k.endsWith('_issue')), requestId);
    return (rel.find((e) => e.kind.endsWith('_load')) ?? rel[0])?.entryId ?? null;
  }
  return s('entryId');
}

/** Where a document's original is saved (saveDoc's names): known before it is rendered. */
export function originalPath(home: string, doc: ReceiptDoc): string {
  const name = doc.type === 'receipt' ? receiptFileName(doc.entryId) : `pickup-${receiptFileName(doc.requestId)}`;
  return path.join(receiptDir(home, doc.data.at), name);
}

/** Originals whose save waits for their request's answer, by file: the preview waits for a started one. */
const pendingSaves = new Map<string, { started: boolean; saved: Promise<string> }>();

/**
 * Saves the original once the current request's answer is sent (core/after-answer.ts) and
 * returns the path it will have. A failed save is audited like a failed receipt; the preview
 * then saves it again from the ledger (or says why not), so the receipt stays reprintable.
 */
function saveAfterAnswer(station: Station, doc: ReceiptDoc, settings: ReceiptSettings): string {
  const file = originalPath(station.home, doc);
  let start!: () => void;
  const pending = { started: false, saved: Promise.resolve(file) };
  pending.saved = new Promise<void>((resolve) => { start = () => { pending.started = true; resolve(); }; })
    .then(() => saveDoc(station.home, doc, settings))
    .finally(() => { if (pendingSaves.get(file) === pending) pendingSaves.delete(file); });
  pendingSaves.set(file, pending);
  pending.saved.catch(async (err: unknown) => {
    const e = toStationError(err);
    const code = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'DISK_FULL' : e.code;
    await writeAudit(station.db, null, 'receipt', 'error', { entryId: doc.entryId, code, message: e.message }, station.now()).catch(() => undefined);
  });
  if (!later(start)) start();
  return file;
}

/**
 * The original's PDF, saved: waits for a save still pending after its answer; if there is none
 * and the file is missing (a failed or lost save), saves it now from the ledger.
 */
export async function savedOriginal(station: Station, doc: ReceiptDoc, settings: ReceiptSettings): Promise<string> {
  const file = originalPath(station.home, doc);
  // A save not started yet (its request's answer not sent): saved here instead (same bytes).
  const pending = pendingSaves.get(file);
  if (pending?.started === true) {
    try {
      return await pending.saved;
    } catch {
      // Audited where it failed; try once more below.
    }
  }
  return existsSync(file) ? file : saveDoc(station.home, doc, settings);
}

/**
 * The receipt of a finished workflow: saved (and printed per `print`), its path set as
 * `receipt`. Never throws for a receipt or printer problem — that is reported in the result.
 */
export async function withReceipt<T extends object>(station: Station, result: T, print: PrintChoice = 'auto', env: NodeJS.ProcessEnv = process.env): Promise<T & ReceiptOutcome> {
  let entryId: string | null = null;
  try {
    entryId = await receiptEntryForResult(station.db, result as Record<string, unknown>);
    if (entryId === null) return { ...result, receipt: null, receiptEntryId: null };
    const settings = loadReceiptSettings(station.home);
    const doc = await phase('receipt-build', () => buildReceipt(station, entryId!, settings));
    const spooler = print === 'never' ? null : spoolerFor(settings, env);
    // Nothing to print now: the answer does not wait for the PDF (issue 16 gap 1: rendering it
    // was most of a done screen's wait). It is saved right after the answer is sent; the
    // preview (and a print) waits for that save (savedOriginal). Printing now needs the file.
    const file = spooler === null && canWaitForAnswer()
      ? saveAfterAnswer(station, doc, settings)
      : await phase('receipt-pdf', () => saveDoc(station.home, doc, settings));
    const out: T & ReceiptOutcome = { ...result, receipt: file, receiptEntryId: doc.entryId };
    // The drawer follows the cash, not the paper: it opens whether or not the receipt prints now.
    const drawer = await openDrawerFor(station, doc, settings);
    if (drawer !== null) out.drawer = drawer;
    if (print === 'never') return out;
    if (spooler === null) {
      if (print === 'always') {
        out.print = { ok: false, spooler: 'file', queue: null, jobId: null, output: null, error: { code: 'CONFIG', message: 'No receipt printer is configured', hint: 'station printer set --queue NAME (or --dir PATH); the receipt is saved and can be printed with station receipt reprint' } };
      }
      return out;
    }
    out.print = await printFile(file, `receipt ${doc.entryId}`, spooler, doc);
    // Either way in the audit trail: an accepted original is what makes the preview say 已打印
    // and the next print a reprint (core/ui-receipts.ts originalPrinted).
    await writeAudit(station.db, null, 'receipt-print', out.print.ok ? 'ok' : 'error',
      { entryId: doc.entryId, file, ...(out.print.error ? { error: out.print.error as unknown as Json } : {}) }, station.now());
    return out;
  } catch (err) {
    const e = toStationError(err);
    const code = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'DISK_FULL' : e.code;
    await writeAudit(station.db, null, 'receipt', 'error', { entryId, code, message: e.message }, station.now()).catch(() => undefined);
    return {
      ...result, receipt: null, receiptEntryId: entryId,
      receiptError: {
        code, message: `The ${entryId ? `entry ${entryId} is recorded` : 'transaction is recorded'}, but its receipt could not be made: ${e.message}`,
        hint: entryId ? `Fix the cause (disk space, font), then: station receipt reprint --entry ${entryId}` : 'Find the entry with station ledger export and reprint it',
      },
    };
  }
}

export interface ReprintResult {
  entryId: string;
  /** The entry the reprint was asked for (a step of the workflow may name the same receipt). */
  requestedEntryId: string;
  count: number;
  receipt: string;
  print?: PrintOutcome;
}

/** How many reprints of this receipt entry the audit trail records (db/ledger-queries.ts). */
export { reprintCount };

/** Reprints being printed now (station home + receipt entry): their number is not taken yet. */
const reprintsPrinting = new Set<string>();

/**
 * `station receipt reprint --entry ID`: the receipt rebuilt from the ledger, marked 重印 with
 * its number, saved beside the original and printed per `print`.
 *
 * Only a copy the spooler accepted is a reprint (issue 16 item 6): its number is taken — one
 * 'receipt-reprint' ok line in the append-only audit trail, with who and when — after the
 * spooler said yes. A failed try is an 'error' line and leaves the count as it was, so the next
 * try carries the same number; a copy only saved (`never`, or no printer) is a
 * 'receipt-reprint-saved' line, not counted either: nothing says it reached paper. One reprint
 * of a receipt at a time (a double key press is refused), so two never get the same number.
 */
export async function reprintReceipt(station: Station, actor: Actor, entryId: string, print: PrintChoice = 'auto', env: NodeJS.ProcessEnv = process.env): Promise<ReprintResult> {
  await requireRole(station.db, actor, 'operator', 'receipt-reprint');
  const settings = loadReceiptSettings(station.home);
  const first = await entryById(station.db, entryId);
  if (!first) {
    await writeAudit(station.db, actor.staffId, 'receipt-reprint', 'refused', { entryId, reason: 'no such entry' }, station.now());
    throw new StationError('BAD_INPUT', `No ledger entry ${entryId}`, 'Check the entry id on the receipt (流水号) or in the day export', { say: say('entryUnknown', { entry: entryId }) });
  }
  const main = await receiptEntryOf(station.db, first);
  const key = `${station.home}\n${main.entryId}`;
  if (reprintsPrinting.has(key)) throw new StationError('POLICY', `A reprint of entry ${main.entryId} is being printed`, 'Wait for the printer; if nothing comes out, reprint again', { say: say('reprintBusy', { entry: main.entryId }) });
  reprintsPrinting.add(key);
  try {
    const at = station.now();
    const count = (await reprintCount(station.db, main.entryId)) + 1;
    const doc = await buildReceipt(station, main.entryId, settings, { count, at: at.toISOString() });
    const file = await saveDoc(station.home, doc, settings);
    const out: ReprintResult = { entryId: main.entryId, requestedEntryId: entryId, count, receipt: file };
    const spooler = print === 'never' ? null : spoolerFor(settings, env);
    if (spooler !== null) out.print = await printFile(file, `reprint ${count} ${main.entryId}`, spooler, doc);
    else if (print === 'always') out.print = { ok: false, spooler: 'file', queue: null, jobId: null, output: null, error: { code: 'CONFIG', message: 'No receipt printer is configured', hint: 'station printer set --queue NAME (or --dir PATH)' } };
    const details = { entryId: main.entryId, requestedEntryId: entryId, count, file };
    if (out.print === undefined) await writeAudit(station.db, actor.staffId, 'receipt-reprint-saved', 'ok', details, at);
    else if (out.print.ok) await writeAudit(station.db, actor.staffId, 'receipt-reprint', 'ok', details, at);
    else await writeAudit(station.db, actor.staffId, 'receipt-reprint', 'error', { ...details, error: out.print.error as unknown as Json }, at);
    return out;
  } finally {
    reprintsPrinting.delete(key);
  }
}

/** `station doctor`'s printer check: the configured queue exists and can print now. */
export async function printerCheck(home: string, env: NodeJS.ProcessEnv = process.env): Promise<{ status: 'ok' | 'warn' | 'fail'; detail: string; hint?: string; say?: Say }> {
  const settings = loadReceiptSettings(home);
  const p = settings.printer;
  if (p === null) {
    return { status: 'warn', detail: `no receipt printer configured; receipts are saved under ${path.join(home, 'receipts')}`, hint: 'station printer set --queue NAME (lpstat -e lists the queues) or --dir PATH', say: say('doctorPrinterNone') };
  }
  if (p.kind === 'file') return { status: 'ok', detail: `receipts are copied to ${p.dir} (file spooler)`, say: say('doctorPrinterDir') };
  if (p.kind === 'escpos') return escposCheck(settings);
  const server = p.server ?? env.CUPS_SERVER;
  let queues;
  try {
    queues = await listCupsQueues(server ? { server } : {});
  } catch (err) {
    const e = toStationError(err);
    return { status: 'fail', detail: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  }
  const q = queues.find((x) => x.name === p.queue);
  if (!q) {
    const spooler = new CupsSpooler({ queue: p.queue, ...(server ? { server } : {}) });
    const running = await spooler.schedulerRunning().catch(() => false);
    if (!running) return { status: 'fail', detail: `the printing service (CUPS) is not running; queue "${p.queue}" cannot print`, hint: 'Start CUPS (systemctl start cups)' };
    return { status: 'fail', detail: `queue "${p.queue}" does not exist (queues: ${queues.map((x) => x.name).join(', ') || 'none'})`, hint: 'station printer set --queue NAME' };
  }
  if (q.fault) {
    const hint = q.fault === 'out-of-paper' ? 'Load paper, then resume the queue (cupsenable)' : q.fault === 'rejecting' ? `cupsaccept ${p.queue}` : `Resume the queue: cupsenable ${p.queue}`;
    return { status: 'fail', detail: `queue "${p.queue}" ${q.fault}${q.message ? `: ${q.message}` : ''}`, hint };
  }
  return { status: 'ok', detail: `queue "${p.queue}" ${q.state}, accepting jobs, ${settings.paper} mm roll` };
}

/** The doctor's check of an ESC/POS printer: reachable, and its status (paper, cover). */
async function escposCheck(settings: ReceiptSettings): Promise<{ status: 'ok' | 'warn' | 'fail'; detail: string; hint?: string }> {
  const r = await escposPrinterStatus(settings);
  const what = `ESC/POS printer ${r.name}`;
  if (r.error) return { status: 'fail', detail: `${what}: ${r.error.message}`, hint: 'Switch the printer on and check its cable or network address (station printer set --escpos ADDRESS)' };
  const s = r.status;
  if (s === null) return { status: 'warn', detail: `${what}: written to only, its status cannot be read (device or serial port, or it does not answer DLE EOT)`, hint: 'A network printer (tcp://ADDRESS:9100) reports paper and cover' };
  if (s.paperOut) return { status: 'fail', detail: `${what}: out of paper`, hint: 'Load a new paper roll' };
  if (s.coverOpen) return { status: 'fail', detail: `${what}: cover open`, hint: 'Close the printer cover' };
  if (s.error || s.offline) return { status: 'fail', detail: `${what}: offline (error state)`, hint: 'Switch the printer off and on; check the cutter' };
  const notes = [s.paperNearEnd ? 'paper near end' : 'paper ok', s.drawerOpen ? 'drawer open' : 'drawer closed'];
  return { status: s.paperNearEnd ? 'warn' : 'ok', detail: `${what}: online, ${notes.join(', ')}, ${settings.paper} mm roll`, ...(s.paperNearEnd ? { hint: 'Have a new paper roll ready' } : {}) };
}
