// bench/receipts: warm render time and size of a receipt, the same receipt encoded for an
// ESC/POS printer (GB18030 text, and raster for printers without a Chinese font), and the
// end-of-day export of a 20,000-entry day (CSV + PDF), each against a baseline measured in the
// same run: a minimal pdfkit document with one Latin line in a standard font. Not a test: it
// prints figures.
// Run: node --import tsx bench/receipts.ts
import { printFigure } from './figure.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { dayEntriesCsv, daySummaryCsv, dayReportJson, loadReceiptFont, RECEIPT_WORKFLOWS, receiptBlocks, receiptEscpos, renderReceipt, writeDayReport, type EscposOptions } from '../receipts/index.ts';
import { seededDay } from '../test/harness/day-samples.ts';
import { SAMPLE_RECEIPTS } from '../test/harness/receipt-samples.ts';

const TARGET_RECEIPT_MS = 40;
const TARGET_RECEIPT_KB = 40;
const TARGET_DAY_MS = 2000;
const DAY_ENTRIES = 20_000;

function baselinePdf(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: [226.77, 300], margin: 11 });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.fontSize(9).text('City Union receipt 0001 amount 100.50');
    doc.end();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

const ratio = (x: number, base: number): string => `${(x / base).toFixed(1)}× baseline`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

// Baseline: warm it up, then the median of 30.
for (let i = 0; i < 5; i++) await baselinePdf();
const baseTimes: number[] = [];
let baseSize = 0;
for (let i = 0; i < 30; i++) {
  const [ms, pdf] = await timeIt(baselinePdf);
  baseTimes.push(ms);
  baseSize = pdf.length;
}
const baseMs = median(baseTimes);
console.log(`baseline: minimal pdfkit doc, one Latin line, Helvetica: ${baseMs.toFixed(2)} ms, ${kb(baseSize)}`);

// Receipts: cold (first document parses the 10 MB font), then warm medians per workflow.
const [coldMs] = await timeIt(() => renderReceipt(SAMPLE_RECEIPTS.topup));
console.log(`receipt cold (font load + first render): ${coldMs.toFixed(1)} ms`);
for (const w of RECEIPT_WORKFLOWS) for (let i = 0; i < 3; i++) await renderReceipt(SAMPLE_RECEIPTS[w]);
let worstMs = 0;
let worstKb = 0;
const all: number[] = [];
const pdfSizes: number[] = [];
for (const paper of [80, 58] as const) {
  for (const w of RECEIPT_WORKFLOWS) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 15; i++) {
      const [ms, pdf] = await timeIt(() => renderReceipt(SAMPLE_RECEIPTS[w], { paper }));
      times.push(ms);
      size = pdf.length;
    }
    const m = median(times);
    all.push(...times);
    worstMs = Math.max(worstMs, m);
    worstKb = Math.max(worstKb, size / 1024);
    pdfSizes.push(size);
    console.log(`receipt ${paper} mm ${w.padEnd(16)} warm ${m.toFixed(1).padStart(5)} ms (${ratio(m, baseMs)}), ${kb(size)} (${ratio(size, baseSize)})`);
  }
}
const receiptMs = median(all);
console.log(`receipt warm median over all: ${receiptMs.toFixed(1)} ms (target ≤ ${TARGET_RECEIPT_MS} ms, ${ratio(receiptMs, baseMs)}); worst workflow ${worstMs.toFixed(1)} ms; largest ${worstKb.toFixed(1)} KB (target ≤ ${TARGET_RECEIPT_KB} KB)`);

// ESC/POS: the same blocks laid out on the printer's grid and encoded (what goes down the wire),
// all 8 workflows × 80/58 mm; text mode (GB18030, native QR) and raster mode (no Chinese font).
const escpos = (mode: 'text' | 'raster'): { ms: number; bytes: number } => {
  const opts = (paper: 80 | 58): EscposOptions => (mode === 'text' ? { paper, chineseFont: true, qr: 'native' } : { paper, chineseFont: false, qr: 'raster', font: loadReceiptFont() });
  for (const w of RECEIPT_WORKFLOWS) receiptEscpos(receiptBlocks(SAMPLE_RECEIPTS[w]), opts(80)); // warm-up (glyph cache)
  const times: number[] = [];
  const sizes: number[] = [];
  for (const paper of [80, 58] as const) {
    for (const w of RECEIPT_WORKFLOWS) {
      for (let i = 0; i < 15; i++) {
        const t = performance.now();
        const bytes = receiptEscpos(receiptBlocks(SAMPLE_RECEIPTS[w]), opts(paper));
        times.push(performance.now() - t);
        sizes.push(bytes.length);
      }
    }
  }
  return { ms: median(times), bytes: median(sizes) };
};
const escText = escpos('text');
const escRaster = escpos('raster');
const pdfBytesMedian = median(pdfSizes);
console.log(`ESC/POS receipt, GB18030 text + native QR: encode ${escText.ms.toFixed(3)} ms (${(escText.ms / baseMs).toFixed(3)}× baseline, ${(escText.ms / receiptMs).toFixed(3)}× the PDF receipt's time), ${escText.bytes} bytes (${(escText.bytes / pdfBytesMedian).toFixed(3)}× the PDF's ${kb(pdfBytesMedian)})`);
console.log(`ESC/POS receipt, raster text + raster QR: encode ${escRaster.ms.toFixed(2)} ms (${ratio(escRaster.ms, baseMs)}), ${kb(escRaster.bytes)} (${(escRaster.bytes / pdfBytesMedian).toFixed(2)}× the PDF's)`);

// The day: CSV (entries + summary) and the streamed PDF, warm (second run of the same size).
const { data } = seededDay(DAY_ENTRIES, 2026);
const dir = mkdtempSync(path.join(tmpdir(), 'bench-receipts-'));
let csvMs = 0;
let pdfMs = 0;
let cpuMs = 0;
let jsonMs = 0;
let pages = 0;
let pdfBytes = 0;
let csvBytes = 0;
try {
  for (let round = 0; round < 2; round++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const csv = dayEntriesCsv(data) + daySummaryCsv(data);
    const t1 = performance.now();
    const file = path.join(dir, `day-${round}.pdf`);
    const r = await writeDayReport(data, file);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    dayReportJson(data);
    const t3 = performance.now();
    csvMs = t1 - t0;
    pdfMs = t2 - t1;
    jsonMs = t3 - t2;
    cpuMs = (cpu.user + cpu.system) / 1000;
    pages = r.pages;
    pdfBytes = statSync(file).size;
    csvBytes = Buffer.byteLength(csv);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const dayMs = csvMs + pdfMs;
console.log(`day of ${DAY_ENTRIES} entries: CSV ${csvMs.toFixed(0)} ms (${kb(csvBytes)}), PDF ${pdfMs.toFixed(0)} ms (${pages} pages, ${kb(pdfBytes)}), JSON ${jsonMs.toFixed(0)} ms`);
// CPU time is printed too: on a shared 2-core machine wall time swings with the neighbours' load.
console.log(`day export CSV + PDF: ${dayMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (target ≤ ${TARGET_DAY_MS} ms, ${ratio(dayMs, baseMs)}); load average ${loadavg()[0]!.toFixed(1)}`);

printFigure({
  name: 'receipt render (warm, 80 mm)', value: Number(receiptMs.toFixed(2)), unit: 'ms',
  baselineName: 'one-line pdfkit document', baseline: Number(baseMs.toFixed(2)), baselineUnit: 'ms',
  ratio: receiptMs / baseMs, ratioMeaning: 'receipt / baseline (lower is better)',
  target: `≤ ${TARGET_RECEIPT_MS} ms and ≤ ${TARGET_RECEIPT_KB} KB (worst ${worstKb.toFixed(1)} KB)`,
  met: receiptMs <= TARGET_RECEIPT_MS && worstKb <= TARGET_RECEIPT_KB,
});
printFigure({
  name: `day export CSV + PDF (${DAY_ENTRIES} entries), wall`, value: Math.round(dayMs), unit: 'ms',
  baselineName: 'one-line pdfkit document', baseline: Number(baseMs.toFixed(2)), baselineUnit: 'ms',
  ratio: dayMs / baseMs, ratioMeaning: `day / baseline (lower is better); CPU ${cpuMs.toFixed(0)} ms`,
  target: `≤ ${TARGET_DAY_MS} ms`, met: dayMs <= TARGET_DAY_MS,
});
printFigure({
  name: 'ESC/POS receipt encode (GB18030 text, native QR; median of 8 workflows × 80/58 mm)', value: Number(escText.ms.toFixed(3)), unit: 'ms',
  baselineName: 'one-line pdfkit document', baseline: Number(baseMs.toFixed(2)), baselineUnit: 'ms',
  ratio: escText.ms / baseMs, ratioMeaning: `encode / baseline (lower is better); ${escText.bytes} bytes per receipt`,
  target: null, met: null,
});
printFigure({
  name: 'ESC/POS receipt bytes (GB18030 text, native QR)', value: escText.bytes, unit: 'bytes',
  baselineName: 'the same receipt as PDF (median)', baseline: pdfBytesMedian, baselineUnit: 'bytes',
  ratio: escText.bytes / pdfBytesMedian, ratioMeaning: 'ESC/POS / PDF bytes (lower is better)',
  target: null, met: null,
});
printFigure({
  name: 'ESC/POS receipt encode (raster text and QR, no printer font)', value: Number(escRaster.ms.toFixed(2)), unit: 'ms',
  baselineName: 'one-line pdfkit document', baseline: Number(baseMs.toFixed(2)), baselineUnit: 'ms',
  ratio: escRaster.ms / baseMs, ratioMeaning: `encode / baseline (lower is better); ${escRaster.bytes} bytes per receipt`,
  target: null, met: null,
});
const ok = receiptMs <= TARGET_RECEIPT_MS && worstKb <= TARGET_RECEIPT_KB && dayMs <= TARGET_DAY_MS;
console.log(
  `summary: receipt ${receiptMs.toFixed(1)} ms/${worstKb.toFixed(1)} KB (${ratio(receiptMs, baseMs)}), ESC/POS ${escText.ms.toFixed(2)} ms/${escText.bytes} B text, ${escRaster.ms.toFixed(1)} ms/${kb(escRaster.bytes)} raster, day ${DAY_ENTRIES} CSV+PDF ${dayMs.toFixed(0)} ms wall/${cpuMs.toFixed(0)} ms CPU (${ratio(dayMs, baseMs)}), baseline ${baseMs.toFixed(2)} ms — ${ok ? 'all targets met' : 'TARGET MISSED'}`,
);
