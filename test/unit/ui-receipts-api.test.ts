// The receipt, search, end-of-day and upload-status part of the station API
// (common/api-receipts.ts, spread into common/api.ts): params refused when malformed, answers
// checked, and the QR rows the preview draws decode to what the PDF's QR carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS, parseRequest } from '../../common/api.ts';
import { ReceiptBlockSchema, SyncStatusSchema } from '../../common/api-receipts.ts';
import { qrModules } from '../../receipts/index.ts';
import type { PrinterFault } from '../../receipts/index.ts';

const ID = '01M83CYZ79RDD34XAJQAK549R5';

test('receipt methods: params are checked, extra fields and bad ids refused', () => {
  const ok: unknown[] = [
    { id: 1, method: 'receiptPreview', params: { entryId: ID } },
    { id: 2, method: 'receiptPrint', params: { entryId: ID, reprint: true } },
    { id: 3, method: 'entrySearch', params: { cardNo: '2345' } },
    { id: 4, method: 'entrySearch', params: { entryId: ID, day: '2026-11-23' } },
    { id: 5, method: 'daySummary', params: {} },
    { id: 6, method: 'dayExport', params: { day: '2026-11-23', format: 'pdf' } },
    { id: 7, method: 'syncStatus', params: {} },
    { id: 8, method: 'topup', params: { idempotencyKey: 'k-0123456789abcdef', amountFen: 5000, pay: 'cash', print: 'never', confirmedCard: { reader: 'R0', asn: '3100000000000001' } } },
    { id: 9, method: 'shiftClose', params: { idempotencyKey: 'k-0123456789abcdef', counted: { 10000: 5 }, print: 'never' } },
  ];
  for (const raw of ok) assert.equal(parseRequest(raw).ok, true, JSON.stringify(raw));
  const bad: Array<[unknown, RegExp]> = [
    [{ id: 1, method: 'receiptPreview', params: {} }, /^receiptPreview: entryId/],
    [{ id: 1, method: 'receiptPreview', params: { entryId: '../../etc/passwd' } }, /流水号/],
    [{ id: 1, method: 'receiptPrint', params: { entryId: ID } }, /^receiptPrint: reprint/],
    [{ id: 1, method: 'receiptPrint', params: { entryId: ID, reprint: true, copies: 9 } }, /^receiptPrint: /],
    [{ id: 1, method: 'entrySearch', params: { cardNo: '12' } }, /4 to 20 digits/],
    [{ id: 1, method: 'entrySearch', params: { cardNo: "1234' OR 1=1" } }, /^entrySearch: cardNo/],
    [{ id: 1, method: 'entrySearch', params: { day: '2026-13-01' } }, /YYYY-MM-DD/],
    [{ id: 1, method: 'dayExport', params: { day: '2026-11-23', format: 'xlsx' } }, /^dayExport: format/],
    [{ id: 1, method: 'dayExport', params: { format: 'csv' } }, /^dayExport: day/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', print: 'yes', confirmedCard: { reader: 'R0', asn: '3100000000000001' } } }, /^topup: print/],
  ];
  for (const [raw, pattern] of bad) {
    const r = parseRequest(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) {
      assert.equal(r.error.code, 'BAD_INPUT');
      assert.match(r.error.message, pattern, JSON.stringify(raw));
    }
  }
});

test('answers: the receipt outcome of a top-up passes through; a preview block or sync status outside the contract does not', () => {
  const topup = {
    entryId: ID, cardRef: 'cpu:3100000000012345', asn: '3100000000012345', amountFen: 5000, balanceBeforeFen: 1200, balanceAfterFen: 6200, tac: '3D827180', tacVerified: true,
    pay: 'cash', tenderedFen: 10000, changeFen: 5000, settled: [], receipt: '/home/r.pdf', receiptEntryId: ID,
    print: { ok: false, spooler: 'cups', queue: 'Counter', jobId: null, output: null, error: { code: 'PRINTER', fault: 'paused', message: 'Printer "Counter" is paused' } },
  };
  const parsed = METHODS.topup.result.parse(topup);
  assert.equal(parsed.print?.error?.fault, 'paused', 'the printer fault reaches the screen');
  assert.equal(parsed.receiptEntryId, ID);
  assert.equal(ReceiptBlockSchema.safeParse({ kind: 'kv', label: { zh: '充值金额', en: 'Amount' }, value: '¥50.00', strong: true }).success, true);
  assert.equal(ReceiptBlockSchema.safeParse({ kind: 'qr', payload: 'x', modules: ['01', '2'] }).success, false, 'QR rows are 0/1');
  assert.equal(ReceiptBlockSchema.safeParse({ kind: 'image', src: 'http://x' }).success, false);
  const sync = { configured: true, url: null, online: null, lastOkAt: null, lastError: null, lastSeq: 3, ackSeq: 0, backlog: 3, quarantined: 1, blocked: null, quarantinedEntries: [{ seq: 2, entryId: ID, kind: 'topup', reason: 'E: x' }] };
  assert.equal(SyncStatusSchema.safeParse(sync).success, true);
  assert.equal(SyncStatusSchema.safeParse({ ...sync, backlog: -1 }).success, false);
  const day = METHODS.daySummary.result.safeParse({
    day: '2026-11-23', generatedAt: 'x', count: 1, totalFen: 5000, byWorkflow: { topup: { count: 1, totalFen: 5000 } }, byPayment: { cash: { count: 1, totalFen: 5000 } },
    depositsTaken: { count: 0, fen: 0 }, depositsReturned: { count: 0, fen: 0 },
    cash: { floatFen: 50000, cashInFen: 5000, cashOutFen: 0, handedOverFen: 0, transferredOutFen: 0, transferredInFen: 0, expectedFen: 55000, countedFen: null, differenceFen: null },
    cashBox: { floatIssuedFen: 50000, floatReturnedFen: 0, handedOverSafeFen: 0, handedOverBankFen: 0, handovers: 0, transferredOutFen: 0, transferredInFen: 0, inTransitFen: 0, pending: [], status: 'settled' },
    fees: {}, shifts: [], incomplete: [], first: null, last: null, chainHeadHash: '00', training: true,
  });
  assert.equal(day.success, true, JSON.stringify(day.error));
});

test('the preview QR rows are the receipt QR: square, version-sized, with finder patterns', () => {
  const rows = qrModules(`CUR1|${ID}|3D827180`);
  const n = rows.length;
  assert.ok(n >= 21 && (n - 17) % 4 === 0, `size ${n}`);
  for (const r of rows) assert.equal(r.length, n);
  // The top-left finder: a 7×7 dark ring around a 3×3 dark core.
  assert.equal(rows[0]!.slice(0, 7), '1111111');
  assert.equal(rows[1]!.slice(0, 7), '1000001');
  assert.equal(rows[3]!.slice(0, 7), '1011101');
  assert.notDeepEqual(qrModules(`CUR1|${ID}|00000000`), rows, 'a different TAC is a different code');
});

test('every printer fault has its next step on screen, in Chinese and English', async () => {
  const { RECEIPT_WORDS } = await import('../../renderer/src/screens/receipts-i18n.ts');
  // A Record over the type: a fault added to receipts/print/printer-error.ts fails to compile here.
  const faults: Record<PrinterFault, true> = {
    missing: true, paused: true, rejecting: true, 'out-of-paper': true, stopped: true, 'no-scheduler': true, 'not-installed': true, timeout: true, failed: true, offline: true, 'cover-open': true,
  };
  for (const lang of ['zh', 'en'] as const) {
    const words = RECEIPT_WORDS[lang] as Record<string, string>;
    for (const f of Object.keys(faults)) assert.ok((words[`fault_${f}`] ?? '').length > 10, `${lang} fault_${f}`);
    assert.ok(words.fault_config!.length > 10);
  }
  assert.match(RECEIPT_WORDS.zh['fault_out-of-paper'], /缺纸/);
  assert.match(RECEIPT_WORDS.zh.fault_paused, /F4/);
});
