/**
 * One place that creates pdfkit documents the same way for receipts and reports: our font
 * registered as "cjk", metadata filled, and an optional fixed CreationDate. pdfkit derives the
 * file ID from the info dictionary and the subset tag from the font's id, so a fixed date
 * makes the bytes reproducible (tests compare two renders).
 */
import { systemClock } from '../common/clock.ts';
import PDFDocument from 'pdfkit';
import type { Writable } from 'node:stream';
import { loadReceiptFont } from './font.ts';

export interface PdfOptions {
  /** TrueType CJK font; default: the shipped Noto Sans SC (see font.ts). */
  fontPath?: string;
  /** Fixed creation date for reproducible bytes (tests); default: now. */
  creationDate?: Date;
}

export interface DocMeta {
  title: string;
  subject: string;
  author: string;
}

export const CJK = 'cjk';

export function newDocument(opts: PdfOptions, meta: DocMeta): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: {
      Title: meta.title,
      Subject: meta.subject,
      Author: meta.author,
      Creator: 'City Union Station',
      CreationDate: opts.creationDate ?? systemClock(),
    },
  });
  // pdfkit accepts a parsed fontkit font (it checks for .layout); its typings only list buffers.
  doc.registerFont(CJK, loadReceiptFont(opts.fontPath) as unknown as PDFKit.Mixins.PDFFontSource);
  doc.font(CJK);
  return doc;
}

/** Collects the whole document; listeners go on before end() so no chunk is missed. */
export function documentToBuffer(doc: PDFKit.PDFDocument, draw: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw();
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

/** Streams the document into `out` (a file), so a 400-page report never sits in memory whole. */
export function documentToStream(doc: PDFKit.PDFDocument, out: Writable, draw: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    out.on('finish', () => resolve());
    out.on('error', reject);
    doc.on('error', reject);
    doc.pipe(out);
    try {
      draw();
      doc.end();
    } catch (err) {
      doc.unpipe(out);
      out.destroy();
      reject(err);
    }
  });
}

export const MM = 72 / 25.4;
