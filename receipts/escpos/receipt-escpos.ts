/**
 * A receipt's content blocks (receipt-content.ts, the same ones the PDF and the UI preview
 * lay out) as an ESC/POS job for a 58/80 mm thermal printer: laid out on the printer's
 * character grid (48 columns of 12 dots on 80 mm, 32 on 58 mm; a Chinese character takes two),
 * then sent either as text in GB18030 (the printer's own Chinese font, FS &) or, for a printer
 * without one, as raster lines drawn with the receipt font. The QR is the printer's own
 * (GS ( k) or a raster; then feed and cut. The drawer pulse is not part of a receipt: it goes
 * when cash moves (core/cash-drawer.ts), so a reprint never opens the drawer.
 */
import type * as fontkit from 'fontkit';
import type { Block } from '../receipt-content.ts';
import { qrModules } from '../qr-vector.ts';
import type { PaperWidth } from '../receipt-types.ts';
import { align, bold, CHINESE_ON, columnsOf, CUT, feed, gb18030, INIT, invert, LF, nativeQr, rasterImage, size } from './commands.ts';
import { CELL_DOTS, DotBitmap, GridText, ROW_DOTS } from './dot-bitmap.ts';

export interface EscposOptions {
  paper: PaperWidth;
  /** The printer has a GB18030 font (FS &): text goes as text; otherwise every line is a raster. */
  chineseFont: boolean;
  /** 'native': GS ( k; 'raster': the modules as an image (printers without a QR command). Raster text implies raster QR. */
  qr: 'native' | 'raster';
  /** The receipt font (receipts/font.ts loadReceiptFont), needed for raster text only. */
  font?: fontkit.Font;
}

/** Columns of the 12-dot font across the printable width: 576 dots (80 mm) / 384 dots (58 mm) at 203 dpi. */
export const COLUMNS: Record<PaperWidth, number> = { 80: 48, 58: 32 };
/** QR module size in dots: about 28 mm (80) / 24 mm (58) for a 29-module code with its quiet zone, as on the PDF. */
const QR_MODULE_DOTS: Record<PaperWidth, number> = { 80: 7, 58: 6 };

export type EscposLine =
  | { kind: 'text'; text: string; bold?: boolean; tall?: boolean; invert?: boolean }
  | { kind: 'qr'; payload: string };

/** Splits text into pieces of at most `cols` columns (a Chinese character is never split). */
function wrap(text: string, cols: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (columnsOf(cur + ch) > cols) {
      out.push(cur);
      cur = ch === ' ' ? '' : ch;
    } else cur += ch;
  }
  if (cur !== '' || out.length === 0) out.push(cur);
  return out;
}

const pad = (n: number): string => ' '.repeat(Math.max(0, n));
const center = (text: string, cols: number): string => pad(Math.floor((cols - columnsOf(text)) / 2)) + text;
const right = (text: string, cols: number): string => pad(cols - columnsOf(text)) + text;

/** The receipt as lines on the grid: every alignment is done here with spaces, so text and raster print the same. */
export function layoutReceipt(blocks: Block[], paper: PaperWidth): EscposLine[] {
  const cols = COLUMNS[paper];
  const lines: EscposLine[] = [];
  const text = (t: string, style: Omit<Extract<EscposLine, { kind: 'text' }>, 'kind' | 'text'> = {}): void => {
    lines.push({ kind: 'text', text: t, ...style });
  };
  for (const b of blocks) {
    switch (b.kind) {
      case 'title': {
        // Titles keep their English on both widths, as on the PDF.
        const t = b.text.en ? `${b.text.zh} ${b.text.en}` : b.text.zh;
        for (const piece of wrap(t, cols)) text(center(piece, cols), { bold: true, tall: true });
        break;
      }
      case 'center':
        for (const piece of wrap(b.text, cols)) text(center(piece, cols));
        break;
      case 'banner':
        for (const piece of wrap(b.text, cols)) {
          const c = center(piece, cols);
          text(c + pad(cols - columnsOf(c)), { bold: true, invert: true });
        }
        break;
      case 'kv': {
        // 58 mm: Chinese labels only (as the PDF); 80 mm: bilingual.
        const label = paper === 80 && b.label.en ? `${b.label.zh} ${b.label.en}` : b.label.zh;
        const style = b.strong ? { bold: true } : {};
        if (columnsOf(label) + 1 + columnsOf(b.value) <= cols) {
          text(label + pad(cols - columnsOf(label) - columnsOf(b.value)) + b.value, style);
        } else {
          for (const piece of wrap(label, cols)) text(piece, style);
          for (const piece of wrap(b.value, cols)) text(right(piece, cols), style);
        }
        break;
      }
      case 'rule':
        text('-'.repeat(cols));
        break;
      case 'note':
        for (const piece of wrap(b.text, cols)) text(piece);
        break;
      case 'qr':
        lines.push({ kind: 'qr', payload: b.payload });
        break;
    }
  }
  return lines;
}

/** The QR's modules as dots, with a 2-module quiet zone, centred on the paper's width. */
function qrBitmap(payload: string, paper: PaperWidth): DotBitmap {
  const rows = qrModules(payload);
  const m = QR_MODULE_DOTS[paper];
  const side = (rows.length + 4) * m;
  const width = COLUMNS[paper] * CELL_DOTS;
  const out = new DotBitmap(width, side);
  const left = Math.floor((width - side) / 2) + 2 * m;
  rows.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) if (row[c] === '1') out.fillRect(left + c * m, (r + 2) * m, m, m);
  });
  return out;
}

function raster(bitmap: DotBitmap): number[] {
  const { bits, widthBytes } = bitmap.packed();
  return rasterImage(bits, widthBytes, bitmap.height);
}

/** The ESC/POS bytes of one receipt: reset, lines, QR, feed, cut. */
export function receiptEscpos(blocks: Block[], opts: EscposOptions): Buffer {
  const lines = layoutReceipt(blocks, opts.paper);
  const out: number[] = [...INIT];
  const rasterText = !opts.chineseFont;
  if (rasterText && !opts.font) throw new RangeError('raster text needs the receipt font');
  const grid = rasterText ? new GridText(opts.font!) : null;
  const push = (bytes: ArrayLike<number>): void => {
    for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!);
  };
  if (!rasterText) push(CHINESE_ON);
  for (const line of lines) {
    if (line.kind === 'qr') {
      if (rasterText || opts.qr === 'raster') push(raster(qrBitmap(line.payload, opts.paper)));
      else push([...align('center'), ...nativeQr(line.payload, QR_MODULE_DOTS[opts.paper]), LF, ...align('left')]);
      continue;
    }
    if (grid) {
      const tall = line.tall ? 2 : 1;
      const band = new DotBitmap(COLUMNS[opts.paper] * CELL_DOTS, ROW_DOTS * tall + 6);
      grid.draw(band, line.text, 0, 3, { bold: line.bold === true, scaleY: tall });
      if (line.invert) band.invertRect(0, 0, band.width, band.height);
      push(raster(band));
      continue;
    }
    if (line.bold) push(bold(true));
    if (line.tall) push(size(true));
    if (line.invert) push(invert(true));
    push(gb18030(line.text));
    push([LF]);
    if (line.invert) push(invert(false));
    if (line.tall) push(size(false));
    if (line.bold) push(bold(false));
  }
  push([...feed(4), ...CUT]);
  return Buffer.from(out);
}
