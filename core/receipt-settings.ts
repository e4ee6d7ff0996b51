/**
 * Receipt and printer settings in STATION_HOME/receipts.json (`station printer set`): where
 * receipts are printed (a CUPS queue, a folder for the file spooler, or nowhere), the roll
 * width, and what the header says about the service point. Kept beside config.json rather than
 * in it, like upstream.json: config.json is versioned and validated strictly, and a printer
 * change must not rewrite the station's identity.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../common/errors.ts';
import { formatEscposTarget, parseEscposTarget } from '../receipts/index.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './home-permissions.ts';

export const RECEIPT_SETTINGS_FILE = 'receipts.json';

export type PrinterTarget =
  | { kind: 'cups'; queue: string; server: string | null }
  | { kind: 'file'; dir: string }
  /**
   * A thermal printer spoken to in ESC/POS (receipts/print/escpos-spooler.ts): `address` is
   * tcp://host:9100, a device such as /dev/usb/lp0, or serial:/dev/ttyS0. `chineseFont`: the
   * printer has a GB18030 font (else text goes as raster); `qr`: its own QR command or a raster.
   * Its drawer kick-out port opens the cash drawer when cash moves.
   */
  | { kind: 'escpos'; address: string; chineseFont: boolean; qr: 'native' | 'raster' };

export interface ReceiptSettings {
  version: 1;
  /** null = no printer: receipts are saved (and can be printed later with reprint). */
  printer: PrinterTarget | null;
  paper: 80 | 58;
  /** Service point name printed in the header; default "城市一卡通服务网点". */
  stationName: string | null;
  phone: string | null;
}

export const DEFAULT_RECEIPT_SETTINGS: ReceiptSettings = { version: 1, printer: null, paper: 80, stationName: null, phone: null };

export function receiptSettingsPath(home: string): string {
  return path.join(home, RECEIPT_SETTINGS_FILE);
}

function validate(raw: unknown): ReceiptSettings {
  const bad = (why: string): never => {
    throw new StationError('CONFIG', `${RECEIPT_SETTINGS_FILE} is invalid: ${why}`, 'Fix it with `station printer set` (or delete the file)');
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) bad(`unsupported version ${String(r.version)}`);
  let printer: PrinterTarget | null = null;
  const p = r.printer as Record<string, unknown> | null | undefined;
  if (p !== null && p !== undefined) {
    if (p.kind === 'cups' && typeof p.queue === 'string' && p.queue !== '') printer = { kind: 'cups', queue: p.queue, server: typeof p.server === 'string' ? p.server : null };
    else if (p.kind === 'file' && typeof p.dir === 'string' && p.dir !== '') printer = { kind: 'file', dir: p.dir };
    else if (p.kind === 'escpos' && typeof p.address === 'string' && typeof p.chineseFont === 'boolean' && (p.qr === 'native' || p.qr === 'raster')) {
      try {
        printer = { kind: 'escpos', address: formatEscposTarget(parseEscposTarget(p.address)), chineseFont: p.chineseFont, qr: p.qr };
      } catch (err) {
        bad((err as Error).message);
      }
    } else bad('printer must be {kind: "cups", queue}, {kind: "file", dir}, {kind: "escpos", address, chineseFont, qr} or null');
  }
  if (r.paper !== 80 && r.paper !== 58) bad('paper must be 80 or 58');
  const text = (v: unknown, what: string): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : bad(`${what} must be text`));
  return { version: 1, printer, paper: r.paper as 80 | 58, stationName: text(r.stationName, 'stationName'), phone: text(r.phone, 'phone') };
}

export function loadReceiptSettings(home: string): ReceiptSettings {
  const file = receiptSettingsPath(home);
  if (!existsSync(file)) return { ...DEFAULT_RECEIPT_SETTINGS };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StationError('CONFIG', `${RECEIPT_SETTINGS_FILE} is not valid JSON: ${(err as Error).message}`, 'Fix it with `station printer set`');
  }
  return validate(raw);
}

export function saveReceiptSettings(home: string, settings: ReceiptSettings): void {
  const ok = validate(settings);
  ensurePrivateDir(home);
  const file = receiptSettingsPath(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(ok, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
}

/** Applies `station printer set` options to the current settings. */
export function changePrinter(
  current: ReceiptSettings,
  change: { queue?: string; server?: string; dir?: string; escpos?: string; rasterText?: boolean; rasterQr?: boolean; none?: boolean; paper?: string; stationName?: string; phone?: string },
): ReceiptSettings {
  const targets = [change.queue !== undefined, change.dir !== undefined, change.escpos !== undefined, change.none === true].filter(Boolean).length;
  if (targets > 1) throw new BadInputError('give one of --queue NAME, --dir PATH, --escpos ADDRESS or --none');
  if ((change.rasterText || change.rasterQr) && change.escpos === undefined) throw new BadInputError('--raster-text and --raster-qr go with --escpos ADDRESS');
  const next: ReceiptSettings = { ...current };
  if (change.queue !== undefined) {
    if (!/^[^\s/#]+$/.test(change.queue)) throw new BadInputError(`not a CUPS queue name: "${change.queue}"`, 'lpstat -e lists the queues');
    next.printer = { kind: 'cups', queue: change.queue, server: change.server ?? null };
  } else if (change.dir !== undefined) {
    next.printer = { kind: 'file', dir: path.resolve(change.dir) };
  } else if (change.escpos !== undefined) {
    const address = formatEscposTarget(parseEscposTarget(change.escpos));
    next.printer = { kind: 'escpos', address, chineseFont: change.rasterText !== true, qr: change.rasterQr === true || change.rasterText === true ? 'raster' : 'native' };
  } else if (change.none === true) {
    next.printer = null;
  } else if (change.server !== undefined) {
    throw new BadInputError('--server goes with --queue NAME');
  }
  if (change.paper !== undefined) {
    if (change.paper !== '80' && change.paper !== '58') throw new BadInputError(`--paper must be 80 or 58, got "${change.paper}"`);
    next.paper = Number(change.paper) as 80 | 58;
  }
  if (change.stationName !== undefined) next.stationName = change.stationName.trim() === '' ? null : change.stationName.trim();
  if (change.phone !== undefined) next.phone = change.phone.trim() === '' ? null : change.phone.trim();
  return next;
}
