// The report's fast text path: every glyph id byte (including the ones PDF literal strings
// must escape) comes back out of the PDF as the same text.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { documentToBuffer, newDocument } from '../../receipts/pdf-document.ts';
import { PlainTextWriter } from '../../receipts/plain-text.ts';
import { pdfText } from '../harness/pdf-tools.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

test('plain text writer: 1,200 distinct CJK and Latin characters survive the round trip', async () => {
  // Common hanzi from 一 (U+4E00) on, 40 per line, plus ASCII with ( ) and backslash.
  const lines: string[] = [];
  for (let l = 0; l < 30; l++) {
    let s = '';
    for (let i = 0; i < 40; i++) s += String.fromCodePoint(0x4e00 + l * 40 + i);
    lines.push(s);
  }
  lines.push('ASCII (parens) back\\slash ¥123.45 -¥0.07 #1000');
  const doc = newDocument({ creationDate: new Date(0) }, { title: 't', subject: 't', author: 't' });
  const w = new PlainTextWriter(doc);
  const pdf = await documentToBuffer(doc, () => {
    doc.addPage({ size: 'A4', margin: 0 });
    lines.forEach((s, i) => w.line([[s, 40, 40 + i * 14]], 9));
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'plain-text-'));
  try {
    const file = path.join(dir, 't.pdf');
    writeFileSync(file, pdf);
    const out = pdfText(file, false).split('\n').map((l) => l.trim()).filter((l) => l !== '');
    assert.deepEqual(out, lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(w.width('一二三', 10) > 29 && w.width('一二三', 10) < 31, 'CJK advance is one em');
});
