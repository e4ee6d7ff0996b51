// ESC/POS receipt printer and cash drawer through the counter UI, end to end: `station serve`
// (the real command), an emulated card on the real PC/SC path, Debian's Chromium, and the test
// printer on TCP (test/harness/escpos-printer.ts) set with `station printer set --escpos`.
// A cash top-up opens the drawer exactly once and F4 prints it: the printer's PNG has a QR that
// zbarimg decodes to the entry, its text the amount and 大写; a top-up paid by other means opens
// no drawer; paper out shows on the status bar and as the print fault, the drawer still opens
// for cash, and the receipt prints with F4 once paper is back.
// Screens under test-artifacts/ui-escpos/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStationOk } from '../harness/cli.ts';
import { startTestPrinter, type TestPrinter } from '../harness/escpos-printer.ts';
import { decodeQr } from '../harness/pdf-tools.ts';
import { loginByKeyboard, openShiftByKeyboard, skipWithoutChromium, startTrainingCounter, withFailureReport, type TrainingCounter } from '../harness/ui-serve.ts';
import { PCSC_LAB, PDF_TOOLS, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB / PDF_TOOLS on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB, PDF_TOOLS);

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-escpos');
const skip = skipWithoutChromium();

let counter: TrainingCounter;
let printer: TestPrinter;
let work: string;
const pageLog: string[] = [];

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  work = mkdtempSync(path.join(os.tmpdir(), 'ui-escpos-out-'));
  [counter, printer] = await Promise.all([startTrainingCounter({ slots: 1, homePrefix: 'station-ui-escpos-', viewport: { width: 1500, height: 1000 } }), startTestPrinter({ dots: 576 })]);
  const env = { ...process.env, ...counter.lab.env, STATION_HOME: counter.home };
  await runStationOk(['printer', 'set', '--escpos', printer.address, '--station-name', '人民广场服务网点'], env);
  counter.page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
});

after(async () => {
  await counter?.stop();
  await printer?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('cash top-up opens the drawer once and prints on the ESC/POS printer; other payment opens none; paper out is shown and the receipt prints later', { skip }, async () => {
  await withFailureReport(scenario, { shot: () => counter.page.screenshot({ path: path.join(shots, 'failure.png') }), serve: counter.serve, pageLog });
});

/** F2 top-up from home: amount, then cash tendered or another payment's reference, confirmed → the done screen. */
async function topUp(amountYuan: number, pay: { tendered: number } | { reference: string }): Promise<void> {
  const page = counter.page;
  await page.keyboard.press('F2');
  await page.getByTestId('topup-screen').waitFor();
  await page.keyboard.type(String(amountYuan));
  if ('reference' in pay) await page.keyboard.press('F6');
  await page.keyboard.press('Tab');
  await page.keyboard.type('reference' in pay ? pay.reference : String(pay.tendered));
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-confirm').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-done').waitFor({ timeout: 30_000 });
  await page.getByTestId('receipt-paper').waitFor();
}

/** F4 on the done screen; waits for the printer's next receipt and returns it with its PNG's decoded QR. */
async function printWithF4(n: number, name: string): Promise<{ text: string; qr: string[]; payload: string }> {
  const page = counter.page;
  const payload = (await page.getByTestId('receipt-qr').getAttribute('data-payload')) ?? '';
  await page.keyboard.press('F4');
  await page.getByTestId('print-ok').waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('print-ok').textContent()) ?? '', new RegExp(`已打印：凭条打印机 ${printer.address}`));
  await printer.waitForReceipts(n);
  const got = printer.receipts[n - 1]!;
  const png = path.join(shots, `${name}-paper.png`);
  printer.render(got, png);
  return { text: got.text.replace(/ +/g, ' '), qr: decodeQr(png), payload };
}

async function scenario(): Promise<void> {
  const page = counter.page;
  await page.goto(counter.serve.url);
  await loginByKeyboard(page, 'admin', '2468');
  await openShiftByKeyboard(page, 500);
  await page.getByTestId('status-printer').and(page.locator('[data-state="ok"]')).waitFor({ timeout: 15_000 });
  assert.equal(printer.pulses.length, 0, 'opening a shift opens no drawer');

  // A cash top-up: ¥50 on a card with ¥12.00, ¥100 tendered.
  await counter.lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 1200, id: '3100000000012345' }).toJSON());
  await page.getByTestId('card-balance').filter({ hasText: '¥12.00' }).waitFor({ timeout: 15_000 });
  await topUp(50, { tendered: 100 });
  assert.equal(printer.pulses.length, 1, 'the cash top-up opened the drawer once');
  await page.getByTestId('drawer-opened').waitFor();
  assert.equal(printer.receipts.length, 0, 'nothing printed before F4');
  const first = await printWithF4(1, '01-cash-topup');
  assert.match(first.payload, /^CUR1\|[0-9A-Z]{26}\|[0-9A-F]{8}$/);
  assert.deepEqual(first.qr, [first.payload], 'the printed QR decodes to the entry and TAC');
  const entryId = first.payload.split('|')[1]!;
  assert.ok(first.text.includes(entryId), 'the entry id is on paper');
  for (const s of ['充值 Top-up', '人民广场服务网点', '充值金额 Amount ￥50.00', '充值后余额 Balance after ￥62.00', '应收 Amount due ￥50.00', '大写 In words 伍拾元整', '实收 Tendered ￥100.00', '找零 Change ￥50.00']) {
    assert.ok(first.text.includes(s), `paper says "${s}":\n${first.text}`);
  }
  assert.equal(printer.pulses.length, 1, 'printing the receipt opened no second time');
  await counter.page.screenshot({ path: path.join(shots, '01-cash-topup-printed.png') });
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();

  // Paid by other means: no drawer.
  await topUp(20, { reference: 'POS-778899' });
  const other = await printWithF4(2, '02-other-topup');
  assert.ok(other.text.includes('支付方式 Payment 其他 Other') && other.text.includes('POS-778899'), other.text);
  assert.deepEqual(other.qr, [other.payload]);
  assert.equal(printer.pulses.length, 1, 'a top-up paid by other means opened no drawer');
  assert.equal(await page.getByTestId('drawer-opened').count(), 0, 'no drawer line for another payment');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();

  // Paper runs out: the status bar says so (any screen change asks again).
  printer.setPaper('out');
  await page.keyboard.press('F7');
  await page.getByTestId('search-screen').waitFor();
  await page.keyboard.press('Escape');
  const chip = page.getByTestId('status-printer');
  await chip.and(page.locator('[data-state="paper-out"]')).waitFor({ timeout: 10_000 });
  assert.match((await chip.textContent()) ?? '', /缺纸/);
  await page.screenshot({ path: path.join(shots, '03-paper-out-status.png') });

  // A cash top-up without paper: the drawer opens (the cash must go in), F4 says what to do.
  await topUp(10, { tendered: 10 });
  assert.equal(printer.pulses.length, 2, 'the drawer opened for the cash, paper or not');
  const payload = (await page.getByTestId('receipt-qr').getAttribute('data-payload')) ?? '';
  await page.keyboard.press('F4');
  const fault = page.getByTestId('print-error').first();
  await fault.waitFor({ timeout: 30_000 });
  assert.equal(await fault.getAttribute('data-fault'), 'out-of-paper');
  assert.match((await fault.textContent()) ?? '', /缺纸.*F4/);
  assert.match((await fault.textContent()) ?? '', /凭条已保存/);
  assert.equal(printer.receipts.length, 2, 'nothing printed without paper');
  await page.screenshot({ path: path.join(shots, '04-paper-out-print-fault.png') });

  // Paper back: F4 prints the same receipt (the original, not a reprint).
  printer.setPaper('ok');
  await page.keyboard.press('F4');
  await page.getByTestId('print-ok').first().waitFor({ timeout: 30_000 });
  await printer.waitForReceipts(3);
  const png = path.join(shots, '05-after-paper-paper.png');
  printer.render(printer.receipts[2]!, png);
  assert.deepEqual(decodeQr(png), [payload]);
  assert.doesNotMatch(printer.receipts[2]!.text, /重印/);
  assert.equal(printer.pulses.length, 2, 'printing later opened no drawer');
  assert.deepEqual(printer.unknown, [], 'only commands the printer knows');
}
