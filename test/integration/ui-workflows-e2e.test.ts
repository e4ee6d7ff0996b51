// The card workflows of the counter UI end to end: `station serve` (the real command) with
// emulated cards on two readers through the real PC/SC path (smartcard → pcscd → vpcd →
// emulator), driven in Debian's Chromium by keyboard alone, from login to the receipt of each:
// sell a registered card with a first load (cash, change), exchange it as a damaged card
// (two readers), report it lost (a refusal with its next step first), replace it with the host
// offline (queued, pickup slip), queue an unreadable card, refund above the counter limit
// (wrong supervisor PIN refused, then approved), upgrade an M1 card onto a new CPU card (two
// readers: the screen shows which card is on which reader). The customer display (/customer, its
// own page) shows the sale's figures, the exchange's moved balance and the refund before the
// operator confirms; the sale's and refund's done screens preview their receipt (F4 prints it).
// The card panel shows the deposit 退卡 pays (the policy's, for a card with no record here) and,
// after the refund, no longer the paid-out balance in large type; the M1 card is named by the
// number printed on it on screen, on its receipt and in the search. Then a plain top-up, and the
// day-end (issue 16, item 4): its count is the number of receipts and pickup slips the
// customers got, its total their sum and the ledger's cash, 售卡 is the sale's receipt.
// Every screen is saved under test-artifacts/ui-workflows/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { authenticate } from '../../core/auth.ts';
import type { CardAccess } from '../../core/card-access.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation } from '../../core/station.ts';
import { runStationOk } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { launchChromium, loginByKeyboard, openShiftByKeyboard, skipWithoutChromium, startServe, withFailureReport, type Serve } from '../harness/ui-serve.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-workflows');
const skip = skipWithoutChromium();
const ID = '11010519491231002X';
const OTHER_ID = '330203199003071232';

let lab: PcscLab;
let home: string;
let serve: Serve;
let browser: Browser;
let page: Page;
let customer: Page;
const pageLog: string[] = [];

let shotMs = 0;
async function shot(name: string): Promise<void> {
  const t = Date.now();
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  shotMs += Date.now() - t;
}

async function station(args: string[], env: Record<string, string> = {}): Promise<string> {
  return (await runStationOk(args, { ...process.env, ...lab.env, STATION_HOME: home, ...env })).stdout;
}

before(async () => {
  if (skip) return;
  const t0 = Date.now();
  mkdirSync(shots, { recursive: true });
  lab = await startPcscLab({ slots: 2 });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-ui-wf-'));
  // `station init --training --admin-pin 2468`, an operator and a supervisor, and the city's
  // parameter set shortening the replacement wait (so a card lost today is replaced today) — in
  // process: no card is touched, so no reader is needed (the CLI's init has its own tests).
  const config = initStationHome({ home, training: true, now: new Date() });
  await createFirstAdmin(home, config, '2468');
  const st = await openStation({ home, cards: null as unknown as CardAccess, env: { ...process.env, STATION_HOME: home } });
  try {
    const admin = await authenticate(st.db, 'admin', '2468');
    await addStaff(st, admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '1357' });
    await addStaff(st, admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '8642' });
    await st.db.run("INSERT INTO params (key, value, updated_at) VALUES ('policy', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [JSON.stringify({ replacementWaitDays: 0 }), new Date().toISOString()]);
  } finally {
    await st.db.close();
  }
  console.log(`# set up (lab, station, staff): ${Date.now() - t0} ms`);
  serve = await startServe({ ...process.env, ...lab.env, STATION_HOME: home });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 960 }, locale: 'zh-CN' });
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
  customer = await browser.newPage({ viewport: { width: 800, height: 600 }, locale: 'zh-CN' });
  console.log(`# set up with station serve and Chromium: ${Date.now() - t0} ms`);
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Every document a customer got (receipt or pickup slip) and the amount it says was paid (+) or paid out (−). */
const documents: { file: string; dueFen: number }[] = [];

/** "¥1,234.50" → 123450 (integer arithmetic: no float on money). */
function fenOf(text: string): number {
  const [y, f = '00'] = text.replace(/[¥,\s-]/g, '').split('.');
  return (text.includes('-') ? -1 : 1) * (Number(y) * 100 + Number(f.padEnd(2, '0')));
}

/**
 * The done screen of a workflow: its receipt was saved under STATION_HOME/receipts and is
 * previewed as the top-up's is (ReceiptPanel, F4 prints it); `expect`: texts the paper shows.
 * The document and its amount (应收 / 应退; a pickup slip none) join `documents`.
 */
async function receiptOf(...expect: RegExp[]): Promise<string> {
  await page.getByTestId('receipt-paper').waitFor();
  const file = /(\/\S+\.pdf)$/.exec((await page.getByTestId('receipt-file').textContent()) ?? '')?.[1] ?? '';
  assert.ok(file.startsWith(path.join(home, 'receipts')), file);
  assert.ok(existsSync(file), `receipt ${file} exists`);
  const paper = (await page.getByTestId('receipt-paper').textContent()) ?? '';
  for (const e of expect) assert.match(paper, e);
  await page.getByTestId('receipt-print').waitFor(); // not printed yet: F4 prints the original
  const due = /应收 Amount due\s*(¥[\d,]+\.\d\d)/.exec(paper);
  const out = /应退 Paid to customer\s*(¥[\d,]+\.\d\d)/.exec(paper);
  documents.push({ file, dueFen: due ? fenOf(due[1]!) : out ? -fenOf(out[1]!) : 0 });
  return file;
}

/** What the customer display (its own page, /customer) shows: its state and its amount. */
async function customerShows(state: string, amount: string): Promise<string> {
  await customer.locator(`[data-testid="customer-display"][data-state="${state}"] [data-testid="customer-amount"]`).filter({ hasText: amount }).waitFor();
  return (await customer.getByTestId('customer-display').textContent()) ?? '';
}

async function confirmAndFinish(name: string): Promise<void> {
  await page.getByTestId('wf-confirm').waitFor();
  await page.getByTestId('wf-confirm-button').waitFor();
  await shot(`${name}-confirm`);
  const started = Date.now();
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-done').waitFor({ timeout: 30_000 });
  console.log(`# ${name}: confirmed → done ${Date.now() - started} ms`);
  await shot(`${name}-done`);
}

/** Back from a done screen to the card services menu (Enter), ready for the next F-key. */
async function backToMenu(): Promise<void> {
  await page.keyboard.press('Enter');
  await page.getByTestId('cards-menu').waitFor();
}

test('every card workflow by keyboard alone, from login to its receipt', { skip }, async () => {
  await withFailureReport(workflows, { shot: () => shot('failure'), serve, pageLog });
});

async function workflows(): Promise<void> {
  const t0 = Date.now();
  const [R0, R1] = [lab.readerNames[0]!, lab.readerNames[1]!];
  await page.goto(serve.url);
  await customer.goto(serve.customerUrl);
  await customer.locator('[data-testid="customer-display"][data-state="idle"]').waitFor();
  await loginByKeyboard(page, 'op1', '1357');
  await openShiftByKeyboard(page, 500);
  await page.locator('[data-testid="card-panel"].empty').waitFor();

  // ---- 售卡: registered, first load ¥50, deposit ¥20, cash ¥100 → change ¥30 -----------------
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000601', enabled: false }).toJSON());
  await page.getByTestId('card-view').waitFor();
  await page.keyboard.press('F4');
  await page.getByTestId('cards-menu').waitFor();
  await shot('01-cards-menu');
  await page.keyboard.press('F1');
  await page.locator('[data-testid="issue-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('reader-slot-role').waitFor();
  await page.keyboard.type('50');
  await page.keyboard.press('Tab');
  await page.keyboard.type('100');
  // The card type sold (the select 6411f31 put after the cash): left at 普通卡, so no
  // eligibility field follows; then the registration.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.type('张三丰');
  await page.keyboard.press('Tab');
  await page.keyboard.type(ID);
  await page.keyboard.press('Tab');
  await page.keyboard.type('13812345678');
  await shot('02-issue-form');
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm').waitFor();
  assert.equal(await page.getByTestId('confirm-total').textContent(), '¥70.00');
  assert.equal(await page.getByTestId('confirm-change').textContent(), '¥30.00');
  assert.match(await page.getByTestId('wf-confirm').textContent() ?? '', /柒拾元整/);
  assert.equal(await page.getByTestId('confirm-registration').textContent(), '张三丰 · 110***********002X');
  // Before the operator confirms, the customer sees the sale's figures: deposit, first load, total, change.
  const before = await customerShows('confirm', '¥70.00');
  assert.match(before, /售卡[\s\S]*押金 Deposit ¥20\.00[\s\S]*首次充值 First load ¥50\.00[\s\S]*应付金额[\s\S]*找零 Change ¥30\.00/);
  await customer.screenshot({ path: path.join(shots, '03-issue-customer-confirm.png') });
  await confirmAndFinish('03-issue');
  assert.equal(await page.getByTestId('done-card').textContent(), '3100000000000601');
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥50.00');
  assert.equal(await page.getByTestId('done-change').textContent(), '¥30.00');
  await receiptOf(/售卡 Card sale/, /应收 Amount due\s*¥70\.00/, /首次充值 First load\s*¥50\.00/);
  await customerShows('done', '¥70.00');
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 5000);
  await backToMenu();

  // ---- 换卡 (readable, quality fault): old card on R0, a stock card on R1 ------------------------
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000602', enabled: false }).toJSON());
  await page.locator(`[data-testid="card-view"]`).nth(1).waitFor();
  await page.keyboard.press('F5');
  await page.locator('[data-testid="exchange-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('reader-slot-role').nth(1).waitFor();
  assert.equal(await page.locator(`[data-reader="${R0}"] [data-testid="reader-slot-role"]`).textContent(), '旧卡');
  assert.equal(await page.locator(`[data-reader="${R1}"] [data-testid="reader-slot-role"]`).textContent(), '新卡');
  await shot('04-exchange-form');
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm').waitFor();
  assert.equal(await page.getByTestId('confirm-balance').textContent(), '¥50.00');
  assert.match(await customerShows('confirm', '¥0.00'), /转入新卡余额 Balance moved to the new card ¥50\.00/);
  await confirmAndFinish('05-exchange');
  // The exchange's answer carries no amount to show: the confirmation is taken down, not left up.
  await customer.locator('[data-testid="customer-display"]:not([data-state="confirm"])').waitFor();
  assert.equal(await page.getByTestId('done-card').textContent(), '3100000000000602');
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥50.00');
  await receiptOf();
  assert.equal((await lab.cardState(1) as { balanceFen: number }).balanceFen, 5000, 'the new card holds the balance');
  await backToMenu();

  // ---- 挂失: first an ID with no registered card (refused, with the next step), then the holder ---
  await page.keyboard.press('F3');
  await page.locator('[data-testid="lost-screen"][data-ready="true"]').waitFor();
  await page.keyboard.type(OTHER_ID);
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm-button').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').textContent() ?? '', /业务规则不允许[\s\S]*该身份证号码名下没有记名卡[\s\S]*下一步/);
  await shot('06-lost-refused');
  await page.keyboard.press('Escape'); // back to the form, the field keeps its text
  await page.getByTestId('lost-id').waitFor();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(ID);
  await page.keyboard.press('Enter');
  await confirmAndFinish('07-lost');
  assert.equal(await page.getByTestId('done-card').textContent(), '3100000000000602');
  await receiptOf();
  await backToMenu();

  // ---- 补卡 with the clearing host unreachable: queued, pickup slip ------------------------------
  await page.keyboard.press('F4');
  await page.locator('[data-testid="replace-screen"][data-ready="true"]').waitFor();
  await page.keyboard.type(ID);
  await page.keyboard.press('Enter');
  await confirmAndFinish('08-replace');
  await page.getByTestId('wf-queued').waitFor();
  assert.match(await page.getByTestId('pickup-slip').textContent() ?? '', /3100000000000602/);
  assert.match(await page.getByTestId('slip-ready').textContent() ?? '', /^\d{4}-\d{2}-\d{2}$/);
  await receiptOf();
  await backToMenu();

  // ---- 换卡 of an unreadable card (F2), customer damage (F7): queued, pickup slip ----------------
  await page.keyboard.press('F5');
  await page.locator('[data-testid="exchange-screen"][data-ready="true"]').waitFor();
  await page.keyboard.press('F2');
  await page.getByTestId('exchange-card').waitFor();
  await page.keyboard.press('F7');
  await page.keyboard.type('3100000000000699');
  await page.keyboard.press('Enter');
  await confirmAndFinish('09-exchange-unreadable');
  await page.getByTestId('wf-queued').waitFor();
  assert.match(await page.getByTestId('pickup-slip').textContent() ?? '', /3100000000000699/);
  await receiptOf();
  await backToMenu();

  // ---- 退卡 above the counter limit (¥120 > ¥100): a wrong supervisor PIN, then the supervisor -----
  await lab.remove(0);
  await lab.remove(1);
  await page.locator('[data-testid="card-panel"].empty').waitFor();
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000604', balanceFen: 12_000 }).toJSON());
  await page.getByTestId('card-balance').filter({ hasText: '¥120.00' }).waitFor();
  // No record of this card here: the panel shows the deposit 退卡 pays (the policy's), not "—".
  assert.match(await page.getByTestId('card-deposit').textContent() ?? '', /¥20\.00/);
  assert.equal(await page.getByTestId('card-deposit').getAttribute('data-source'), 'policy');
  await page.keyboard.press('F2');
  await page.locator('[data-testid="refund-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('supervisor-needed').waitFor();
  // The supervisor fields appear (and take the focus) once the screen has the policy's limit.
  await page.locator('[data-testid="supervisor-id"]:focus').waitFor();
  await page.keyboard.type('sup1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('0000');
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm-button').waitFor();
  // ¥120 + ¥20 deposit less the refund fee, 5 % of the balance (issue 17): ¥6.00 kept.
  assert.equal(await page.getByTestId('confirm-fee').textContent(), '¥6.00');
  assert.equal(await page.getByTestId('confirm-total').textContent(), '¥134.00');
  await page.keyboard.press('Enter');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').textContent() ?? '', /下一步/);
  await shot('10-refund-wrong-supervisor-pin');
  await page.keyboard.press('Escape'); // back to the form: the supervisor ID has the focus again
  await page.locator('[data-testid="supervisor-id"]:focus').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('8642');
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm-button').waitFor();
  assert.match(await customerShows('confirm', '¥134.00'), /应退金额/);
  await confirmAndFinish('11-refund');
  assert.equal(await page.getByTestId('done-total').textContent(), '¥134.00');
  assert.equal(await page.getByTestId('done-approved').textContent(), 'sup1');
  await receiptOf(/退卡 Card refund/, /手续费 Fee\s*¥6\.00/, /应退 Paid to customer\s*¥134\.00/);
  // F4 prints it from the done screen, as on the top-up's (no printer here: the fault and its next step).
  await page.keyboard.press('F4');
  await page.locator('[data-testid="print-ok"], [data-testid="print-error"]').waitFor();
  await shot('11-refund-printed');
  await backToMenu();
  await page.getByTestId('card-status').filter({ hasText: '已锁定' }).waitFor();
  // The panel was read again after the refund: the chip's old purse is not shown in large type as the customer's.
  await page.getByTestId('card-refunded').waitFor();
  assert.match(await page.getByTestId('card-refunded').textContent() ?? '', /已退卡/);
  assert.match(await page.getByTestId('card-deposit').textContent() ?? '', /¥0\.00/);
  assert.equal(await page.locator('.money-big[data-testid="card-balance"]').count(), 0);
  await shot('11-refund-panel-after');

  // ---- 升级换卡: the M1 card (¥8.00) on R0, a stock CPU card on R1 → ¥8 + ¥20 deposit carried -----
  await lab.remove(0);
  await page.locator('[data-testid="card-panel"].empty').waitFor();
  await lab.insert(0, makeLabCard({ kind: 'm1', id: '0A0B0C0D', balanceFen: 800 }).toJSON());
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000605', enabled: false }).toJSON());
  await page.locator('[data-testid="card-view"]').nth(1).waitFor();
  // The M1 card by the number the city printed on it (its UID is 0A0B0C0D).
  const M1_NO = '10531008';
  assert.equal(await page.locator('[data-card-ref^="m1:"] [data-testid="card-number"]').textContent(), M1_NO);
  await page.keyboard.press('F6');
  await page.locator('[data-testid="migrate-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('reader-slot-role').nth(1).waitFor();
  await shot('12-migrate-form');
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm').waitFor();
  assert.equal(await page.getByTestId('confirm-load').textContent(), '¥28.00');
  await confirmAndFinish('13-migrate');
  assert.equal(await page.getByTestId('done-card').textContent(), '3100000000000605');
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥28.00');
  // The receipt names the old card by its printed number (masked: the last 4), not by the UID.
  const migrateReceipt = (await page.getByTestId('receipt-paper').textContent()) ?? '';
  await receiptOf(/原M1卡 Old M1 card\s*\*+ ?1008/);
  assert.doesNotMatch(migrateReceipt, /0C0D/);
  assert.equal((await lab.cardState(1) as { balanceFen: number }).balanceFen, 2800);
  await backToMenu();
  await page.getByTestId('card-balance').filter({ hasText: '¥28.00' }).waitFor();
  await shot('14-panel-two-readers');

  // The drawer: float ¥500 + sale ¥70 − refund ¥134 = ¥436; the ledger the UI wrote verifies.
  await page.getByTestId('status-shift').filter({ hasText: '¥436.00' }).waitFor();
  const verify = JSON.parse(await station(['ledger', 'verify', '--json'])) as { ok: boolean };
  assert.equal(verify.ok, true);
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();

  // ---- 查询 by the number printed on the M1 card: its upgrade is found, named by that number ----
  await page.keyboard.press('F7');
  await page.getByTestId('search-screen').waitFor();
  await page.getByTestId('search-card').fill(M1_NO);
  await page.keyboard.press('Enter');
  await page.getByTestId('search-results').waitFor();
  const found = await page.getByTestId('search-card-number').allTextContents();
  assert.ok(found.length >= 2, `the upgrade's steps on the M1 card are found: ${found.length}`);
  assert.deepEqual([...new Set(found)], [M1_NO]);
  await shot('15-search-m1-number');
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();

  // ---- 充值 ¥30 (cash) on the upgraded card, the M1 card taken away ----------------------------
  await lab.remove(0);
  await page.locator('[data-card-ref^="m1:"]').waitFor({ state: 'detached' });
  await page.keyboard.press('F2');
  await page.getByTestId('topup-screen').waitFor();
  await page.keyboard.type('30');
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-confirm').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-done').waitFor({ timeout: 30_000 });
  await receiptOf(/充值 Top-up/);
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.getByTestId('card-balance').filter({ hasText: '¥58.00' }).waitFor();

  // ---- 日结: one 笔 per customer document, the sum of what they say, the ledger's cash ---------
  await page.keyboard.press('F11');
  await page.getByTestId('day-title').waitFor();
  await shot('16-day-end');
  const day = await page.getByTestId('day-input').inputValue();
  const receiptsFen = documents.reduce((a, d) => a + d.dueFen, 0);
  assert.equal(documents.length, 8, 'sale, exchange, lost, replacement slip, exchange slip, refund, upgrade, top-up');
  assert.equal(Number(await page.getByTestId('day-count').textContent()), documents.length, 'one 笔 per customer, not per ledger entry');
  assert.equal(fenOf(await page.getByTestId('day-total').textContent() ?? ''), receiptsFen, `the day total is the sum of the receipts ${JSON.stringify(documents.map((d) => d.dueFen))}`);
  const cells = async (w: string): Promise<string[]> => page.locator(`[data-testid="day-by-workflow"] tr[data-workflow="${w}"] td`).allTextContents();
  assert.deepEqual((await cells('issue')).slice(1), ['1', '¥70.00'], '售卡: the sale with its first load, as its receipt');
  assert.deepEqual((await cells('topup')).slice(1), ['1', '¥30.00'], '充值: only the top-up');
  assert.equal((await cells('migrate'))[1], '1', '升级换卡: one upgrade, not its 4 steps');
  assert.equal((await cells('damaged-exchange'))[1], '2', '换卡: the exchange and the queued unreadable card');
  // No clearing host is configured here: the upload item says so, it is not a ✓.
  assert.equal(await page.getByTestId('check-sync').getAttribute('data-ok'), 'none');
  assert.match(await page.getByTestId('check-sync').textContent() ?? '', /未配置清分中心/);
  // The ledger: more entries than customers, and its cash is what the receipts say.
  const out = path.join(home, 'day.json');
  await station(['ledger', 'export', '--day', day, '--format', 'json', '--out', out]);
  const ledger = JSON.parse(readFileSync(out, 'utf8')) as { entries: unknown[]; dayNetFen: Record<string, number>; report: { totals: { count: number; totalFen: number } } };
  assert.ok(ledger.entries.length > documents.length + 4, `${ledger.entries.length} ledger entries for ${documents.length} customers`);
  // The float came into the drawer from the safe (issue 17): drawer + safe is the customers' cash.
  assert.equal((ledger.dayNetFen.cash_drawer ?? 0) + (ledger.dayNetFen.safe ?? 0) + (ledger.dayNetFen.other_payment_clearing ?? 0), receiptsFen, 'cash and other payments in the ledger = the receipts');
  assert.equal(ledger.report.totals.count, documents.length);
  assert.equal(ledger.report.totals.totalFen, receiptsFen);
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  // The card services in English: F8 on the home screen, F4.
  await page.keyboard.press('F8');
  await page.keyboard.press('F4');
  await page.getByTestId('cards-menu').getByText('Sell card').waitFor();
  await shot('17-english-cards-menu');
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F8');
  await page.getByTestId('menu-cards').getByText('卡务办理').waitFor();
  console.log(`# all workflows, login to the last receipt: ${Date.now() - t0} ms (of which screenshots ${shotMs} ms)`);
}
