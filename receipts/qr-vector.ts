/**
 * QR codes drawn as vector rectangles: sharp at any printer resolution, and a few hundred bytes
 * instead of an embedded PNG. Dark modules of one row are merged into runs to keep the page
 * content short.
 */
import QRCode from 'qrcode';

/** What the receipt QR carries: a version tag, the ledger entry id and the TAC ("-" if none). */
export function receiptQrPayload(entryId: string, tac: string | null): string {
  return `CUR1|${entryId}|${tac ?? '-'}`;
}

export function parseReceiptQrPayload(text: string): { entryId: string; tac: string | null } | null {
  const m = /^CUR1\|([^|]+)\|([^|]+)$/.exec(text);
  if (!m) return null;
  return { entryId: m[1]!, tac: m[2] === '-' ? null : m[2]! };
}

/** The QR of a receipt as rows of '0'/'1' (error correction M, like the PDF's): the UI preview and the ESC/POS raster. */
export function qrModules(payload: string): string[] {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const rows: string[] = [];
  for (let r = 0; r < n; r++) {
    let row = '';
    for (let c = 0; c < n; c++) row += qr.modules.get(r, c) ? '1' : '0';
    rows.push(row);
  }
  return rows;
}

/** Draws the code with its top-left corner at (x, y), `size` points wide including a 2-module quiet zone. */
export function drawQr(doc: PDFKit.PDFDocument, payload: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 2;
  const cell = size / (n + 2 * quiet);
  doc.save();
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!qr.modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && qr.modules.get(r, c)) c++;
      // A hair of overlap closes the anti-aliasing seams viewers draw between touching rects.
      doc.rect(x + (quiet + start) * cell, y + (quiet + r) * cell, (c - start) * cell + 0.05, cell + 0.05);
    }
  }
  doc.fill('#000000');
  doc.restore();
}
