/**
 * The ESC/POS printer as the counter meets it: the spooler for `station printer set --escpos`,
 * the cash drawer on its kick-out port, and its status for the status bar and the doctor.
 *
 * When the drawer opens: once, when a workflow that moved cash has finished (withReceipt, after
 * its entries are durable) — cash taken (payment cash, amount due > 0) or paid out (amount due
 * < 0: refunds and refunded deposits come out of the drawer). Not for other payments, not for
 * a reprint, not when a receipt is printed later (F4): the drawer follows the cash, not the paper.
 * It opens even when the paper is out (no status check first) — the cash must go in. Every kick
 * is audited (`drawer-kick`), and a failed one is part of the answer with a next step.
 */
import type { PrinterStatusDto, ReceiptOutcomeDto } from '../common/api-receipts.ts';
import type { Json } from '../common/canonical-json.ts';
import { toStationError } from '../common/errors.ts';
import { writeAudit } from '../db/audit.ts';
import { amountDueFen, EscposSpooler, loadReceiptFont, parseEscposTarget } from '../receipts/index.ts';
import type { ReceiptDoc } from './receipts.ts';
import type { ReceiptSettings } from './receipt-settings.ts';
import type { Station } from './station.ts';

export function escposSpoolerFor(settings: ReceiptSettings): EscposSpooler | null {
  const p = settings.printer;
  if (p === null || p.kind !== 'escpos') return null;
  return new EscposSpooler({
    target: parseEscposTarget(p.address), paper: settings.paper, chineseFont: p.chineseFont, qr: p.qr,
    ...(p.chineseFont ? {} : { font: loadReceiptFont() }),
  });
}

/** Whether the document's workflow moved cash through the drawer (see the file header). */
export function movesCash(doc: ReceiptDoc): boolean {
  if (doc.type === 'slip') return doc.data.depositFen + doc.data.feeFen > 0 && doc.data.payment.method === 'cash';
  const r = doc.data;
  if (r.workflow === 'shift-close') return false;
  const due = amountDueFen(r);
  return due > 0 ? r.payment.method === 'cash' : due < 0;
}

/** Whether the drawer opened: part of a money method's answer (common/api-receipts.ts ReceiptOutcomeSchema). */
export type DrawerOutcome = NonNullable<ReceiptOutcomeDto['drawer']>;

/** Opens the drawer after a finished cash workflow when the printer is ESC/POS; null when there is nothing to open. */
export async function openDrawerFor(station: Station, doc: ReceiptDoc, settings: ReceiptSettings): Promise<DrawerOutcome | null> {
  if (doc.data.reprint || !movesCash(doc)) return null;
  const entryId = doc.entryId;
  const spooler = escposSpoolerFor(settings);
  if (spooler === null) return null;
  try {
    await spooler.kickDrawer();
    await writeAudit(station.db, null, 'drawer-kick', 'ok', { entryId, printer: spooler.name }, station.now());
    return { ok: true };
  } catch (err) {
    const e = toStationError(err);
    const fault = (err as { fault?: string }).fault;
    const error = { code: e.code, ...(fault ? { fault } : {}), message: e.message, hint: 'Open the drawer with its key; check the receipt printer (the drawer is wired to it)' };
    await writeAudit(station.db, null, 'drawer-kick', 'error', { entryId, printer: spooler.name, error: error as unknown as Json }, station.now());
    return { ok: false, error };
  }
}

/** common/api-receipts.ts PrinterStatusSchema: status read now (ESC/POS over TCP), else null; `error` when unreachable. */
export type PrinterStatusReport = PrinterStatusDto;

/** The ESC/POS printer's status for the status bar and `station doctor`; other printers report no status here. */
export async function escposPrinterStatus(settings: ReceiptSettings): Promise<PrinterStatusReport> {
  const p = settings.printer;
  if (p === null) return { kind: 'none', name: null, status: null };
  if (p.kind !== 'escpos') return { kind: p.kind, name: p.kind === 'cups' ? p.queue : p.dir, status: null };
  const spooler = escposSpoolerFor(settings)!;
  try {
    return { kind: 'escpos', name: spooler.name, status: await spooler.status() };
  } catch (err) {
    const e = toStationError(err);
    const fault = (err as { fault?: string }).fault;
    return { kind: 'escpos', name: spooler.name, status: null, error: { code: e.code, ...(fault ? { fault } : {}), message: e.message } };
  }
}
