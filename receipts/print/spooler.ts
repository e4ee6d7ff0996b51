/**
 * Where a finished receipt goes: a CUPS queue (cups-spooler.ts), a folder (file-spooler.ts) on
 * machines without CUPS, or an ESC/POS thermal printer (escpos-spooler.ts), which prints the
 * receipt's content blocks rather than the PDF. Core asks for a Spooler and does not care which.
 */
import type { Block } from '../receipt-content.ts';

export interface PrintJobOptions {
  /** Job title shown in the queue (e.g. "receipt 01JD…"). */
  title?: string;
  copies?: number;
  /** Extra `-o key=value` options for lp, e.g. { media: 'Custom.80x190mm' }. */
  options?: Record<string, string>;
  /** The receipt's content blocks: what an ESC/POS printer lays out (the PDF spoolers ignore them). */
  blocks?: Block[];
}

export interface PrintResult {
  spooler: SpoolerKind;
  /** CUPS queue or the ESC/POS printer's address; null for the file spooler. */
  queue: string | null;
  /** CUPS job id ("Receipt-12"); null for the file spooler. */
  jobId: string | null;
  /** The PDF that was printed (it stays on disk for reprints). */
  file: string;
  /** Where the file spooler wrote its copy; null for CUPS. */
  output: string | null;
  durationMs: number;
}

export type SpoolerKind = 'cups' | 'file' | 'escpos';

export interface Spooler {
  readonly kind: SpoolerKind;
  print(file: string, job?: PrintJobOptions): Promise<PrintResult>;
}

/** lp's media option for a PDF page of width × height points, in whole millimetres. */
export function mediaForPage(widthPt: number, heightPt: number): string {
  const mm = (pt: number): number => Math.ceil((pt * 25.4) / 72);
  return `Custom.${mm(widthPt)}x${mm(heightPt)}mm`;
}
