/**
 * Lays receipt blocks out on a roll: one page exactly as long as its content. Layout runs
 * first (measuring with the document's font, no page yet), then the page is added at the
 * measured height and the same placements are drawn, so height and drawing cannot disagree.
 * Text goes through PlainTextWriter (no OpenType shaping: receipt lines need no ligatures,
 * and shaping every label anew was most of a receipt's render time); we wrap ourselves
 * (Chinese wraps at any character), which keeps heights exact.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Block, type Label, pickupSlipBlocks, receiptBlocks, WORKFLOW_NAMES } from './receipt-content.ts';
import { drawQr } from './qr-vector.ts';
import { PlainTextWriter } from './plain-text.ts';
import { CJK, documentToBuffer, MM, newDocument, type PdfOptions } from './pdf-document.ts';
import type { PaperWidth, PickupSlipData, ReceiptData } from './receipt-types.ts';

export interface ReceiptOptions extends PdfOptions {
  /** Roll width; default 80 mm. */
  paper?: PaperWidth;
}

interface Geometry {
  width: number;
  margin: number;
  size: number;
  titleSize: number;
  lineHeight: number;
  qrSize: number;
  bilingual: boolean;
}

function geometry(paper: PaperWidth): Geometry {
  // 80 mm rolls print about 72 mm, 58 mm rolls about 48 mm: the margins leave the rest.
  return paper === 58
    ? { width: 58 * MM, margin: 4 * MM, size: 7.5, titleSize: 10.5, lineHeight: 7.5 * 1.5, qrSize: 24 * MM, bilingual: false }
    : { width: 80 * MM, margin: 4 * MM, size: 9, titleSize: 12.5, lineHeight: 9 * 1.5, qrSize: 28 * MM, bilingual: true };
}

type Op =
  | { op: 'text'; text: string; x: number; y: number; size: number }
  | { op: 'rule'; y: number }
  | { op: 'box'; y: number; h: number }
  | { op: 'qr'; payload: string; x: number; y: number; size: number };

export interface RollLayout {
  ops: Op[];
  height: number;
}

function labelText(l: Label, g: Geometry): string {
  return g.bilingual && l.en ? `${l.zh} ${l.en}` : l.zh;
}

/** Splits text into lines no wider than `width`; breaks at spaces when it can, else anywhere. */
function wrap(w: PlainTextWriter, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lastSpace = -1;
  for (const ch of text) {
    const next = line + ch;
    if (line !== '' && w.width(next, size) > width) {
      if (ch !== ' ' && lastSpace > 0) {
        lines.push(line.slice(0, lastSpace));
        line = line.slice(lastSpace + 1) + ch;
      } else {
        lines.push(line);
        line = ch === ' ' ? '' : ch;
      }
      lastSpace = -1;
    } else {
      line = next;
    }
    if (ch === ' ') lastSpace = line.length - 1;
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

export function layoutRoll(w: PlainTextWriter, blocks: Block[], paper: PaperWidth): RollLayout {
  const g = geometry(paper);
  const left = g.margin;
  const right = g.width - g.margin;
  const inner = right - left;
  const ops: Op[] = [];
  let y = g.margin;
  const centered = (text: string, size: number): void => {
    for (const line of wrap(w, size, text, inner)) {
      ops.push({ op: 'text', text: line, x: left + (inner - w.width(line, size)) / 2, y, size });
      y += size * 1.5;
    }
  };
  for (const b of blocks) {
    switch (b.kind) {
      case 'title':
        y += 2;
        centered(labelText(b.text, { ...g, bilingual: true }), g.titleSize);
        break;
      case 'center':
        centered(b.text, g.size);
        break;
      case 'banner': {
        const h = (g.size + 1) * 1.6;
        ops.push({ op: 'box', y, h });
        const bw = w.width(b.text, g.size + 1);
        ops.push({ op: 'text', text: b.text, x: left + (inner - bw) / 2, y: y + (h - (g.size + 1) * 1.2) / 2, size: g.size + 1 });
        y += h + 3;
        break;
      }
      case 'rule':
        ops.push({ op: 'rule', y: y + g.lineHeight * 0.3 });
        y += g.lineHeight * 0.6;
        break;
      case 'kv': {
        const size = b.strong ? g.size + 1 : g.size;
        const lh = size * 1.5;
        const label = labelText(b.label, g);
        const lw = w.width(label, size);
        const vw = w.width(b.value, size);
        ops.push({ op: 'text', text: label, x: left, y, size });
        if (lw + 6 + vw <= inner) {
          ops.push({ op: 'text', text: b.value, x: right - vw, y, size });
          y += lh;
        } else {
          // Too long for one line: the value goes under its label, right-aligned, wrapped if needed.
          y += lh;
          for (const line of wrap(w, size, b.value, inner)) {
            ops.push({ op: 'text', text: line, x: right - w.width(line, size), y, size });
            y += lh;
          }
        }
        break;
      }
      case 'note':
        for (const line of wrap(w, g.size, b.text, inner)) {
          ops.push({ op: 'text', text: line, x: left, y, size: g.size });
          y += g.lineHeight;
        }
        break;
      case 'qr':
        y += 4;
        ops.push({ op: 'qr', payload: b.payload, x: left + (inner - g.qrSize) / 2, y, size: g.qrSize });
        y += g.qrSize + 4;
        break;
    }
  }
  return { ops, height: y + g.margin + 6 * MM /* tear-off space below the last line */ };
}

function drawRoll(doc: PDFKit.PDFDocument, w: PlainTextWriter, layout: RollLayout, paper: PaperWidth): void {
  const g = geometry(paper);
  doc.addPage({ size: [g.width, layout.height], margin: 0 });
  for (const o of layout.ops) {
    switch (o.op) {
      case 'text':
        w.line([[o.text, o.x, o.y]], o.size);
        break;
      case 'rule':
        doc.save().moveTo(g.margin, o.y).lineTo(g.width - g.margin, o.y).lineWidth(0.6).dash(2, { space: 1.5 }).stroke('#000000').restore();
        break;
      case 'box':
        doc.save().lineWidth(1).rect(g.margin, o.y, g.width - 2 * g.margin, o.h).stroke('#000000').restore();
        break;
      case 'qr':
        drawQr(doc, o.payload, o.x, o.y, o.size);
        break;
    }
  }
}

async function renderRoll(blocks: Block[], opts: ReceiptOptions, meta: { title: string; subject: string; author: string }): Promise<Buffer> {
  const paper = opts.paper ?? 80;
  const doc = newDocument(opts, meta);
  return documentToBuffer(doc, () => {
    doc.font(CJK);
    const w = new PlainTextWriter(doc);
    drawRoll(doc, w, layoutRoll(w, blocks, paper), paper);
  });
}

/** Renders one receipt as a single-page PDF sized to the roll. */
export async function renderReceipt(data: ReceiptData, opts: ReceiptOptions = {}): Promise<Buffer> {
  const name = WORKFLOW_NAMES[data.workflow];
  return renderRoll(receiptBlocks(data), opts, {
    title: `${name.zh} ${data.entryId}${data.reprint ? ` 重印${data.reprint.count}` : ''}`,
    subject: `City Union receipt: ${name.en ?? data.workflow}`,
    author: `${data.station.name} (${data.station.id})`,
  });
}

/** Renders the pickup slip of a queued replacement or exchange. */
export async function renderPickupSlip(data: PickupSlipData, opts: ReceiptOptions = {}): Promise<Buffer> {
  return renderRoll(pickupSlipBlocks(data), opts, {
    title: `取卡凭条 ${data.requestId}`,
    subject: 'City Union pickup slip',
    author: `${data.station.name} (${data.station.id})`,
  });
}

/**
 * The file name a receipt keeps on disk: entry id plus the reprint number, so reprints never
 * overwrite the original. Characters unsafe in file names become "_".
 */
export function receiptFileName(entryId: string, reprintCount?: number): string {
  const safe = entryId.replace(/[^A-Za-z0-9._-]/g, '_');
  return reprintCount ? `${safe}-reprint${reprintCount}.pdf` : `${safe}.pdf`;
}

/**
 * Renders and keeps the receipt under `dir` (the station's receipts folder), so it can be
 * printed, previewed, and printed again after a printer fault. Returns the file path.
 */
export async function saveReceipt(data: ReceiptData, dir: string, opts: ReceiptOptions = {}): Promise<string> {
  return writeWhole(dir, receiptFileName(data.entryId, data.reprint?.count), await renderReceipt(data, opts));
}

export async function savePickupSlip(data: PickupSlipData, dir: string, opts: ReceiptOptions = {}): Promise<string> {
  return writeWhole(dir, `pickup-${receiptFileName(data.requestId, data.reprint?.count)}`, await renderPickupSlip(data, opts));
}

/** Temp name then rename: a crash never leaves half a receipt under the real name. */
function writeWhole(dir: string, name: string, pdf: Buffer): string {
  // Receipts name holders (masked): private to the station's user (docs/SECURITY.md).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  const tmp = `${file}.part`;
  writeFileSync(tmp, pdf, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}
