// ESC/POS printing against the test printer (test/harness/escpos-printer.ts, a real TCP 9100
// device): every workflow's receipt laid out for 80 and 58 mm, sent in GB18030 or as raster,
// read back as text and as a PNG whose QR zbarimg decodes; status (paper near end / out, cover)
// read with DLE EOT; paper out refuses the job before a byte of it is sent; the drawer pulse;
// an unreachable printer; printer addresses; when the drawer opens; the printer setting.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { movesCash } from '../../core/cash-drawer.ts';
import { changePrinter, DEFAULT_RECEIPT_SETTINGS, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { columnsOf, gb18030 } from '../../receipts/escpos/commands.ts';
import {
  COLUMNS, EscposSpooler, formatEscposTarget, layoutReceipt, loadReceiptFont, parseEscposTarget, PrinterError,
  receiptBlocks, RECEIPT_WORKFLOWS, receiptEscpos, receiptQrPayload, pickupSlipBlocks, type ReceiptData,
} from '../../receipts/index.ts';
import { parseStatus, statusBytes } from '../../receipts/escpos/status.ts';
import { startTestPrinter, type TestPrinter } from '../harness/escpos-printer.ts';
import { decodeQr } from '../harness/pdf-tools.ts';
import { SAMPLE_EXPECTED, SAMPLE_PICKUP, SAMPLE_RECEIPTS } from '../harness/receipt-samples.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

let printer: TestPrinter;
let printer58: TestPrinter;
const dir = mkdtempSync(path.join(tmpdir(), 'receipts-escpos-'));

before(async () => {
  [printer, printer58] = await Promise.all([startTestPrinter({ dots: 576 }), startTestPrinter({ dots: 384 })]);
});
after(async () => {
  await Promise.all([printer?.stop(), printer58?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const spooler = (p: TestPrinter, paper: 80 | 58, mode: { chineseFont: boolean; qr: 'native' | 'raster' } = { chineseFont: true, qr: 'native' }) =>
  new EscposSpooler({ target: parseEscposTarget(p.address), paper, ...mode, ...(mode.chineseFont ? {} : { font: loadReceiptFont() }) });

const tacOf = (d: ReceiptData): string | null => ('tac' in d ? d.tac : null);

/** The printed text with the fullwidth ￥ the printer font uses read back as ¥, runs of spaces as one. */
const plain = (t: string): string => t.replaceAll('￥', '¥').replace(/ +/g, ' ');

test('every workflow on 80 mm: GB18030 text with the amounts, native QR decoded from the PNG, a cut, no drawer pulse', async () => {
  for (const wf of RECEIPT_WORKFLOWS) {
    const data = SAMPLE_RECEIPTS[wf];
    const before = printer.receipts.length;
    const r = await spooler(printer, 80).print('/dev/null', { blocks: receiptBlocks(data) });
    assert.equal(r.spooler, 'escpos');
    await printer.waitForReceipts(before + 1);
    const got = printer.receipts[before]!;
    const text = plain(got.text);
    for (const s of SAMPLE_EXPECTED[wf]) assert.ok(text.includes(s), `${wf}: "${s}" on paper:\n${got.text}`);
    assert.match(got.text, new RegExp(`流水号 Entry +${data.entryId}`));
    const tac = tacOf(data);
    assert.deepEqual(got.qrPayloads, [receiptQrPayload(data.entryId, tac)], `${wf}: one native QR`);
    for (const line of got.text.split('\n')) assert.ok(columnsOf(line) <= COLUMNS[80], `${wf}: "${line}" fits 48 columns`);
    const png = path.join(dir, `${wf}-80.png`);
    printer.render(got, png);
    assert.deepEqual(decodeQr(png), [receiptQrPayload(data.entryId, tac)], `${wf}: zbarimg reads the printed QR`);
  }
  assert.deepEqual(printer.unknown, [], 'the station sends only commands the printer knows');
  assert.equal(printer.pulses.length, 0, 'printing a receipt never opens the drawer');
});

test('the top-up says its amount in capitals (大写) on paper, and ¥ goes out as the GBK-safe ￥', async () => {
  const before = printer.receipts.length;
  await spooler(printer, 80).print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) });
  await printer.waitForReceipts(before + 1);
  const text = printer.receipts[before]!.text;
  assert.match(text, /应收 Amount due +￥100\.50/);
  assert.match(text, /大写 In words +壹佰元伍角/);
  assert.doesNotMatch(text, /¥/, 'no U+00A5 on paper (four bytes in GB18030, missing from printer fonts)');
  assert.deepEqual([...gb18030('¥1')], [0xa3, 0xa4, 0x31]);
});

test('58 mm: 32 columns, Chinese labels only; a pickup slip too', async () => {
  for (const blocks of [receiptBlocks(SAMPLE_RECEIPTS.issue), pickupSlipBlocks(SAMPLE_PICKUP)]) {
    const before = printer58.receipts.length;
    await spooler(printer58, 58).print('/dev/null', { blocks });
    await printer58.waitForReceipts(before + 1);
    const got = printer58.receipts[before]!;
    for (const line of got.text.split('\n')) assert.ok(columnsOf(line) <= 32, `"${line}" fits 32 columns`);
    assert.doesNotMatch(got.text, /Deposit|Operator/, 'no English labels on 58 mm');
    const png = path.join(dir, `58-${before}.png`);
    printer58.render(got, png);
    assert.deepEqual(decodeQr(png), got.qrPayloads);
  }
  const lines = layoutReceipt(receiptBlocks(SAMPLE_RECEIPTS.issue), 58);
  assert.ok(lines.some((l) => l.kind === 'text' && /^押金 +￥?¥?20\.00$/.test(l.text)), 'label left, value right on one line');
});

test('a printer without a Chinese font gets raster lines drawn with the receipt font, and a raster QR that decodes', async () => {
  const before = printer.receipts.length;
  await spooler(printer, 80, { chineseFont: false, qr: 'raster' }).print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) });
  await printer.waitForReceipts(before + 1);
  const got = printer.receipts[before]!;
  assert.equal(got.text, '', 'no text bytes: everything is raster');
  assert.ok(got.rasterImages > 20, `a raster per line (${got.rasterImages})`);
  assert.deepEqual(got.qrPayloads, []);
  const png = path.join(dir, 'raster.png');
  printer.render(got, png);
  assert.deepEqual(decodeQr(png), [receiptQrPayload(SAMPLE_RECEIPTS.topup.entryId, tacOf(SAMPLE_RECEIPTS.topup))]);
  // The text is really drawn: dark dots in the band of the first text line, none in an empty margin.
  const bytes = readFileSync(png);
  assert.ok(bytes.length > 2000, 'a PNG with content');
  // Text mode with a raster QR (printers without GS ( k).
  const n = printer.receipts.length;
  await spooler(printer, 80, { chineseFont: true, qr: 'raster' }).print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.issue) });
  await printer.waitForReceipts(n + 1);
  assert.equal(printer.receipts[n]!.rasterImages, 1);
  printer.render(printer.receipts[n]!, png);
  assert.deepEqual(decodeQr(png), [receiptQrPayload(SAMPLE_RECEIPTS.issue.entryId, tacOf(SAMPLE_RECEIPTS.issue))]);
});

test('status read back: paper near end, paper out (the job is refused before it is sent), cover open, drawer', async () => {
  const s = spooler(printer, 80);
  assert.deepEqual(await s.status(), { offline: false, drawerOpen: false, coverOpen: false, paperNearEnd: false, paperOut: false, error: false });
  printer.setPaper('near-end');
  assert.equal((await s.status())!.paperNearEnd, true);
  printer.setPaper('out');
  const st = (await s.status())!;
  assert.equal(st.paperOut, true);
  const before = printer.receipts.length;
  const dropped = printer.dropped;
  await assert.rejects(s.print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) }), (err: unknown) => err instanceof PrinterError && err.fault === 'out-of-paper' && /Load a new paper roll/.test(err.hint ?? ''));
  assert.equal(printer.receipts.length, before, 'nothing printed');
  assert.equal(printer.dropped, dropped, 'not a byte of the job was sent');
  // The drawer opens without paper: the cash must go in.
  const pulses = printer.pulses.length;
  await s.kickDrawer();
  assert.equal(printer.pulses.length, pulses + 1);
  assert.deepEqual(printer.pulses.at(-1), { pin: 0, onMs: 100, offMs: 500 });
  printer.setPaper('ok');
  printer.state.coverOpen = true;
  await assert.rejects(s.print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) }), (err: unknown) => err instanceof PrinterError && err.fault === 'cover-open');
  printer.state.coverOpen = false;
  printer.state.drawerOpen = true;
  assert.equal((await s.status())!.drawerOpen, true);
  printer.state.drawerOpen = false;
  await s.print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) });
  await printer.waitForReceipts(before + 1);
});

test('status bytes: each state round-trips, stray bytes are refused', () => {
  const base = { offline: false, drawerOpen: false, coverOpen: false, paperNearEnd: false, paperOut: false, error: false };
  for (const k of Object.keys(base) as (keyof typeof base)[]) {
    const s = { ...base, [k]: true };
    const back = parseStatus(statusBytes(s));
    assert.equal(back[k], true, k);
  }
  assert.deepEqual(parseStatus(statusBytes(base)), base);
  assert.throws(() => parseStatus([0x41, 0x12, 0x12]), RangeError);
  assert.throws(() => parseStatus([0x12, 0x12]), RangeError);
});

test('an unreachable printer is an offline fault with a next step; addresses are checked', async () => {
  const closed = await startTestPrinter();
  const address = closed.address;
  await closed.stop();
  const s = new EscposSpooler({ target: parseEscposTarget(address), paper: 80, chineseFont: true, qr: 'native', timeoutMs: 2_000 });
  await assert.rejects(s.print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) }), (err: unknown) => err instanceof PrinterError && err.fault === 'offline' && /switched on/.test(err.hint ?? ''));
  await assert.rejects(s.status(), (err: unknown) => err instanceof PrinterError && err.fault === 'offline');
  assert.deepEqual(parseEscposTarget('tcp://192.168.1.50'), { kind: 'tcp', host: '192.168.1.50', port: 9100 });
  assert.deepEqual(parseEscposTarget('tcp://printer.local:9101'), { kind: 'tcp', host: 'printer.local', port: 9101 });
  assert.deepEqual(parseEscposTarget('/dev/usb/lp0'), { kind: 'device', path: '/dev/usb/lp0' });
  assert.deepEqual(parseEscposTarget('serial:/dev/ttyS0'), { kind: 'serial', path: '/dev/ttyS0' });
  assert.equal(formatEscposTarget(parseEscposTarget('tcp://[::1]:9100')), 'tcp://[::1]:9100');
  for (const bad of ['http://x:9100', 'lp0', 'tcp://x:99999', 'tcp://a b', '']) assert.throws(() => parseEscposTarget(bad), /not an ESC\/POS printer address|out of range/);
});

test('a device node is written to (here a plain file standing in for /dev/usb/lp0): the bytes are the job', async () => {
  const file = path.join(dir, 'lp0');
  const s = new EscposSpooler({ target: parseEscposTarget(file), paper: 80, chineseFont: true, qr: 'native' });
  assert.equal(await s.status(), null, 'no status from a device node');
  await s.print('/dev/null', { blocks: receiptBlocks(SAMPLE_RECEIPTS.topup) });
  assert.deepEqual(readFileSync(file), receiptEscpos(receiptBlocks(SAMPLE_RECEIPTS.topup), { paper: 80, chineseFont: true, qr: 'native' }));
  await s.kickDrawer();
  assert.deepEqual([...readFileSync(file).subarray(-5)], [0x1b, 0x70, 0, 50, 250]);
});

test('the drawer follows the cash: cash taken or paid out opens it; other payments, no money, shift close and reprints do not', () => {
  const doc = (wf: keyof typeof SAMPLE_RECEIPTS) => ({ type: 'receipt' as const, entryId: SAMPLE_RECEIPTS[wf].entryId, data: SAMPLE_RECEIPTS[wf] });
  assert.equal(movesCash(doc('topup')), true, 'cash top-up');
  assert.equal(movesCash(doc('issue')), true, 'cash sale');
  assert.equal(movesCash(doc('refund')), true, 'refund paid out of the drawer');
  assert.equal(movesCash(doc('replace')), false, 'paid by other means');
  assert.equal(movesCash(doc('migrate')), false, 'no money (deposit carried)');
  assert.equal(movesCash(doc('lost')), false, 'no fee');
  assert.equal(movesCash(doc('shift-close')), false, 'shift close');
  assert.equal(movesCash({ type: 'slip', entryId: SAMPLE_PICKUP.requestId, requestId: SAMPLE_PICKUP.requestId, data: SAMPLE_PICKUP }), true, 'pickup slip with a cash deposit');
});

test('station printer set --escpos: address normalised, raster options, refused mixes; receipts.json round-trips', () => {
  const set = changePrinter(DEFAULT_RECEIPT_SETTINGS, { escpos: 'tcp://10.0.0.7', paper: '58' });
  assert.deepEqual(set.printer, { kind: 'escpos', address: 'tcp://10.0.0.7:9100', chineseFont: true, qr: 'native' });
  assert.equal(set.paper, 58);
  assert.deepEqual(changePrinter(set, { escpos: '/dev/usb/lp0', rasterText: true }).printer, { kind: 'escpos', address: '/dev/usb/lp0', chineseFont: false, qr: 'raster' });
  assert.deepEqual(changePrinter(set, { escpos: 'serial:/dev/ttyS0', rasterQr: true }).printer, { kind: 'escpos', address: 'serial:/dev/ttyS0', chineseFont: true, qr: 'raster' });
  assert.throws(() => changePrinter(set, { escpos: 'tcp://x', queue: 'Q' }), /one of/);
  assert.throws(() => changePrinter(set, { queue: 'Q', rasterText: true }), /go with --escpos/);
  assert.throws(() => changePrinter(set, { escpos: 'printer' }), /not an ESC\/POS printer address/);
  const home = mkdtempSync(path.join(dir, 'home-'));
  saveReceiptSettings(home, set);
  assert.deepEqual(loadReceiptSettings(home), set);
});
