// Counter fees end to end (issue 17 item 1, its acceptance): `station serve` with emulated cards
// through the real PC/SC path, driven in Debian's Chromium. A refund of a ¥35.00 balance with the
// local default schedule shows the fee ¥1.75 on the form and the confirmation before anything is
// sent, pays out ¥53.25, and the fee is on the receipt (the PDF's text read back), in the ledger
// (fee_income) and on the day-end; the same refund with a supervisor's waiver (their ID, PIN and a
// reason on the same screen) charges 0 and the receipt, the ledger and the day-end record the
// reason and the waived ¥1.75. Screens are saved under test-artifacts/ui-fees/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { pdfText } from '../harness/pdf-tools.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { launchChromium, loginByKeyboard, openShiftByKeyboard, skipWithoutChromium, startServe, withFailureReport, type Serve } from '../harness/ui-serve.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

const { after, before, test } = suiteNeeding(PCSC_LAB);

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-fees');
const skip = skipWithoutChromium();
const REASON = '读卡器故障致顾客往返两次';

let lab: PcscLab;
let home: string;
let serve: Serve;
let browser: Browser;
let page: Page;
const pageLog: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  lab = await startPcscLab({ slots: 1 });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-ui-fees-'));
  const config = initStationHome({ home, training: true, now: new Date() });
  await createFirstAdmin(home, config, '2468');
  const st = await openStation({ home, cards: null as unknown as CardAccess, env: { ...process.env, STATION_HOME: home } });
  try {
    const admin = await authenticate(st.db, 'admin', '2468');
    await addStaff(st, admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '1357' });
    await addStaff(st, admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '8642' });
  } finally {
    await st.db.close();
  }
  serve = await startServe({ ...process.env, ...lab.env, STATION_HOME: home });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 960 }, locale: 'zh-CN' });
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The refund screen open on a ¥35.00 card with no record here (deposit ¥20.00 by policy). */
async function refundScreenOn(id: string): Promise<void> {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id, balanceFen: 3500 }).toJSON());
  await page.getByTestId('card-balance').filter({ hasText: '¥35.00' }).waitFor();
  await page.keyboard.press('F2');
  await page.locator('[data-testid="refund-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('form-fee').waitFor();
}

/** Confirms and returns the receipt's text, read back from its PDF. */
async function confirmForReceipt(name: string): Promise<string> {
  await shot(`${name}-confirm`);
  await page.getByTestId('wf-confirm-button').click();
  await page.getByTestId('wf-done').waitFor({ timeout: 30_000 });
  await page.getByTestId('receipt-paper').waitFor();
  await shot(`${name}-done`);
  const file = /(\/\S+\.pdf)$/.exec((await page.getByTestId('receipt-file').textContent()) ?? '')?.[1] ?? '';
  return pdfText(file);
}

test('refund of ¥35.00: fee ¥1.75 on the screen, the receipt, the ledger and the day-end; waived by a supervisor: fee 0, the reason recorded', { skip }, async () => {
  await withFailureReport(async () => {
    await page.goto(serve.url);
    await loginByKeyboard(page, 'op1', '1357');
    await openShiftByKeyboard(page, 500);
    await page.locator('[data-testid="card-panel"].empty').waitFor();
    await page.keyboard.press('F4');
    await page.getByTestId('cards-menu').waitFor();

    // ---- charged: the fee before anything is sent, then on the receipt ----
    await refundScreenOn('3100000000000701');
    assert.equal(await page.getByTestId('form-fee').textContent(), '¥1.75');
    assert.match(await page.getByTestId('fee-note').textContent() ?? '', /local-default-2026-12/);
    await shot('01-refund-form-fee');
    await page.getByTestId('wf-next').click();
    await page.getByTestId('wf-confirm').waitFor();
    assert.equal(await page.getByTestId('confirm-fee').textContent(), '¥1.75');
    assert.equal(await page.getByTestId('confirm-total').textContent(), '¥53.25');
    const charged = await confirmForReceipt('02-refund-charged');
    assert.equal(await page.getByTestId('done-fee').textContent(), '¥1.75');
    assert.equal(await page.getByTestId('done-total').textContent(), '¥53.25');
    assert.match(charged, /手续费 Fee\s+¥1\.75/);
    assert.match(charged, /收费标准 Fee schedule\s+local-default-2026-12/);
    assert.match(charged, /应退 Paid to customer\s+¥53\.25/);
    await page.keyboard.press('Enter');
    await page.getByTestId('cards-menu').waitFor();
    await lab.remove(0);
    await page.locator('[data-testid="card-panel"].empty').waitFor();

    // ---- waived: a supervisor other than the clerk, their PIN and the reason ----
    await refundScreenOn('3100000000000702');
    await page.getByTestId('fee-waive-open').click();
    await page.getByTestId('waiver-id').fill('sup1');
    await page.getByTestId('waiver-pin').fill('8642');
    await page.getByTestId('waiver-reason').fill(REASON);
    await shot('03-refund-waiver-form');
    await page.getByTestId('wf-next').click();
    await page.getByTestId('wf-confirm').waitFor();
    assert.equal(await page.getByTestId('confirm-fee').textContent(), `¥1.75 已减免：${REASON}`);
    assert.equal(await page.getByTestId('confirm-total').textContent(), '¥55.00');
    const waived = await confirmForReceipt('04-refund-waived');
    assert.equal(await page.getByTestId('done-fee').textContent(), `¥1.75 已减免：${REASON}`);
    assert.match(waived, new RegExp(`手续费 Fee\\s+¥1\\.75 已减免：${REASON}`));
    assert.match(waived, /应退 Paid to customer\s+¥55\.00/);
    await page.keyboard.press('Enter');
    await page.getByTestId('cards-menu').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('home').waitFor();

    // ---- the day-end: one fee line per kind, charged and waived ----
    await page.keyboard.press('F11');
    await page.getByTestId('day-title').waitFor();
    const refundFees = await page.locator('[data-testid="day-fees"] tr[data-fee="refund"] td').allTextContents();
    assert.deepEqual(refundFees.slice(1), ['2', '¥1.75', '¥1.75'], 'two refund fees: ¥1.75 charged, ¥1.75 waived');
    await shot('05-day-end-fees');

    // ---- the ledger: fee_income holds the charged fee; the waiver is in the entry ----
    const day = await page.getByTestId('day-input').inputValue();
    const out = path.join(home, 'day.json');
    await runStationOk(['ledger', 'export', '--day', day, '--format', 'json', '--out', out], { ...process.env, ...lab.env, STATION_HOME: home });
    const ledger = JSON.parse(readFileSync(out, 'utf8')) as { entries: Array<{ kind: string; payload: { fee?: unknown } }>; dayNetFen: Record<string, number>; report: { entries: Array<{ workflow: string; feeFen: number; fees?: unknown[] }>; totals: { fees: Record<string, unknown> } } };
    assert.equal(ledger.dayNetFen.fee_income, -175, 'fee_income credited ¥1.75');
    const refunds = ledger.report.entries.filter((e) => e.workflow === 'refund');
    assert.deepEqual(refunds.map((e) => [e.feeFen, e.fees]), [
      [175, [{ kind: 'refund', chargedFen: 175, waivedFen: 0 }]],
      [0, [{ kind: 'refund', chargedFen: 0, waivedFen: 175 }]],
    ]);
    assert.deepEqual(ledger.report.totals.fees.refund, { count: 2, chargedFen: 175, waivedFen: 175 });
    assert.deepEqual(ledger.entries.filter((e) => e.kind === 'refund').map((e) => e.payload.fee), [
      { kind: 'refund', scheduledFen: 175, chargedFen: 175, scheduleVersion: 'local-default-2026-12', waiver: null },
      { kind: 'refund', scheduledFen: 175, chargedFen: 0, scheduleVersion: 'local-default-2026-12', waiver: { supervisorId: 'sup1', reason: REASON } },
    ], 'the waiver, who and why, is in the ledger entry');
  }, { shot: () => shot('failure'), serve, pageLog });
});
