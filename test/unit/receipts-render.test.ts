// Receipts of every workflow rendered for real: text read back with pdftotext, pages rendered
// with pdftoppm, the QR decoded with zbarimg, the font checked embedded and subset.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe } from 'node:test';
import { BadInputError, StationError } from '../../common/errors.ts';
import {
  amountDueFen,
  maskCardNumber,
  maskName,
  parseReceiptQrPayload,
  RECEIPT_WORKFLOWS,
  renderPickupSlip,
  renderReceipt,
  saveReceipt,
  type ReceiptData,
  type TopupReceipt,
} from '../../receipts/index.ts';
import { SAMPLE_EXPECTED, SAMPLE_PICKUP, SAMPLE_RECEIPTS } from '../harness/receipt-samples.ts';
import { decodeQr, pdfFonts, pdfInfo, pdfText, pdfToPngs } from '../harness/pdf-tools.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

const dir = mkdtempSync(path.join(tmpdir(), 'receipts-render-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIXED = new Date('2026-11-22T06:03:05Z');

async function renderToFile(data: ReceiptData, name: string, paper: 80 | 58 = 80): Promise<string> {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, await renderReceipt(data, { paper, creationDate: FIXED }));
  return file;
}

describe('receipt of each workflow', () => {
  for (const workflow of RECEIPT_WORKFLOWS) {
    test(`${workflow}: Chinese text and amounts, QR back to entry id and TAC, embedded subset font`, async () => {
      const data = SAMPLE_RECEIPTS[workflow];
      const file = await renderToFile(data, workflow);
      const text = pdfText(file);
      for (const expected of SAMPLE_EXPECTED[workflow]) assert.ok(text.includes(expected), `${workflow}: "${expected}" missing in:\n${text}`);
      assert.ok(text.includes('人民广场服务网点'), 'station name');
      assert.ok(text.includes('op07 李娜'), 'operator');
      assert.ok(text.includes('2026-11-22 14:03:05'), 'local time (UTC+8)');
      assert.ok(text.replace(/\s/g, '').includes(data.entryId), 'entry id printed');
      assert.ok(!text.includes('重印'), 'an original is not marked as reprint');

      const info = pdfInfo(file);
      assert.equal(info.pages, 1);
      assert.ok(Math.abs(info.widthPt - 226.77) < 0.1, `80 mm wide, got ${info.widthPt} pt`);
      assert.ok(statSync(file).size <= 40 * 1024, `receipt ≤ 40 KB, got ${statSync(file).size}`);

      const fonts = pdfFonts(file);
      assert.match(fonts, /\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/, fonts);

      const [png] = pdfToPngs(file, path.join(dir, workflow), { dpi: 200 });
      const codes = decodeQr(png!);
      assert.equal(codes.length, 1, `one QR code, got ${codes.join(' | ')}`);
      const tac = 'tac' in data ? data.tac : null;
      assert.deepEqual(parseReceiptQrPayload(codes[0]!), { entryId: data.entryId, tac });
    });
  }
});

test('58 mm receipt: narrower page, Chinese labels only, same amounts and QR', async () => {
  const file = await renderToFile(SAMPLE_RECEIPTS.topup, 'topup-58', 58);
  const info = pdfInfo(file);
  assert.ok(Math.abs(info.widthPt - 164.41) < 0.1, `58 mm wide, got ${info.widthPt}`);
  const text = pdfText(file);
  for (const expected of SAMPLE_EXPECTED.topup) assert.ok(text.includes(expected), `"${expected}" missing in:\n${text}`);
  assert.ok(!text.includes('Balance before'), 'English kv labels dropped on 58 mm');
  const [png] = pdfToPngs(file, path.join(dir, 'topup-58'), { dpi: 200 });
  assert.deepEqual(parseReceiptQrPayload(decodeQr(png!)[0]!), { entryId: SAMPLE_RECEIPTS.topup.entryId, tac: '9F8E7D6C' });
});

test('reprint says 重印 with its count and time; saved beside the original', async () => {
  const original = await saveReceipt(SAMPLE_RECEIPTS.topup, dir, { creationDate: FIXED });
  const reprint = await saveReceipt({ ...SAMPLE_RECEIPTS.topup, reprint: { count: 2, at: '2026-11-22T08:00:00Z' } }, dir, { creationDate: FIXED });
  assert.notEqual(original, reprint);
  const text = pdfText(reprint);
  assert.match(text, /重印 REPRINT 第2次/);
  assert.match(text, /重印时间 2026-11-22 16:00:00/);
  assert.ok(text.includes('¥112.84'));
  assert.ok(!pdfText(original).includes('重印'));
});

test('training receipts are marked', async () => {
  const file = await renderToFile({ ...SAMPLE_RECEIPTS.topup, training: true }, 'training');
  assert.match(pdfText(file), /培训模式 TRAINING/);
});

test('pickup slip: date, deposit and fee, change, request id in the QR', async () => {
  const file = path.join(dir, 'pickup.pdf');
  writeFileSync(file, await renderPickupSlip(SAMPLE_PICKUP, { creationDate: FIXED }));
  const text = pdfText(file);
  for (const s of ['取卡凭条', '补卡', '3100 **** **** 0002', '王*明', '2026-11-26', '¥20.00', '¥10.00', '¥30.00', '¥50.00', '请携带身份证原件']) {
    assert.ok(text.includes(s), `"${s}" missing in:\n${text}`);
  }
  const [png] = pdfToPngs(file, path.join(dir, 'pickup'), { dpi: 200 });
  assert.deepEqual(parseReceiptQrPayload(decodeQr(png!)[0]!), { entryId: SAMPLE_PICKUP.requestId, tac: null });
});

test('a fixed creation date gives identical bytes', async () => {
  const a = await renderReceipt(SAMPLE_RECEIPTS.refund, { creationDate: FIXED });
  const b = await renderReceipt(SAMPLE_RECEIPTS.refund, { creationDate: FIXED });
  assert.ok(a.equals(b));
  const c = await renderReceipt(SAMPLE_RECEIPTS.refund, { creationDate: new Date('2027-01-01T00:00:00Z') });
  assert.ok(!a.equals(c));
});

describe('receipt data is checked before anything is drawn', () => {
  const topup = SAMPLE_RECEIPTS.topup as TopupReceipt;
  test('balance before + amount must equal balance after', async () => {
    await assert.rejects(renderReceipt({ ...topup, balanceAfterFen: topup.balanceAfterFen + 1 }), BadInputError);
  });
  test('cash tendered below the amount due is refused', async () => {
    await assert.rejects(renderReceipt({ ...topup, payment: { method: 'cash', tenderedFen: 100 } }), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT');
  });
  test('amounts must be whole fen', async () => {
    await assert.rejects(renderReceipt({ ...topup, amountFen: 100.5, balanceAfterFen: topup.balanceBeforeFen + 100.5 }), RangeError);
  });
  test('a receipt font that is missing is a CONFIG error', async () => {
    await assert.rejects(renderReceipt(topup, { fontPath: path.join(dir, 'no-such-font.ttf') }), (e: unknown) => e instanceof StationError && e.code === 'CONFIG');
  });
});

test('amount due: received is positive, paid out negative', () => {
  assert.equal(amountDueFen(SAMPLE_RECEIPTS.issue), 7000);
  assert.equal(amountDueFen(SAMPLE_RECEIPTS.topup), 10050);
  assert.equal(amountDueFen(SAMPLE_RECEIPTS.refund), -7678);
  assert.equal(amountDueFen({ ...SAMPLE_RECEIPTS.migrate, depositPolicy: 'refunded', balanceAfterFen: 4321 } as ReceiptData), -2000);
  assert.equal(amountDueFen(SAMPLE_RECEIPTS['shift-close']), 0);
});

test('card numbers and names are masked as counters print them', () => {
  assert.equal(maskCardNumber('3100000012345678'), '3100 **** **** 5678');
  assert.equal(maskCardNumber('3100 0000 1234 5678'), '3100 **** **** 5678');
  assert.equal(maskCardNumber('a1b2c3d4'), '**** C3D4');
  assert.equal(maskCardNumber('1234'), '1234');
  assert.equal(maskName('王小明'), '王*明');
  assert.equal(maskName('李娜'), '李*');
  assert.equal(maskName('欧阳娜娜'), '欧**娜');
});

test('QR payload round trip', async () => {
  const { receiptQrPayload } = await import('../../receipts/qr-vector.ts');
  assert.deepEqual(parseReceiptQrPayload(receiptQrPayload('E1', 'ABCD0123')), { entryId: 'E1', tac: 'ABCD0123' });
  assert.deepEqual(parseReceiptQrPayload(receiptQrPayload('E2', null)), { entryId: 'E2', tac: null });
  assert.equal(parseReceiptQrPayload('https://example.invalid'), null);
  assert.ok(readFileSync(await renderToFile(SAMPLE_RECEIPTS.lost, 'lost-again')).subarray(0, 5).equals(Buffer.from('%PDF-')));
});
