// The training lab at the counter (issue 16 item 9), as `npm start` runs it: `station sim --lab`
// registers in the training station's home, `station serve` finds it there (no
// PCSCLITE_CSOCK_NAME), and in Chromium, by keyboard alone, the clerk opens the lab panel (L on
// the home screen, marked 培训), puts a blank stock card on reader 1 and sells it (F4 → F1), then
// puts an M1 card on reader 2 and takes it off again. The card the lab made is the card sold.
// Screens are saved under test-artifacts/ui-lab/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runStation, runStationOk } from '../harness/cli.ts';
import { startTrainingLab, type TrainingLab } from '../harness/training-lab.ts';
import { launchChromium, loginByKeyboard, openShiftByKeyboard, skipWithoutChromium, startServe, withFailureReport, type Serve } from '../harness/ui-serve.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-lab');
const skip = skipWithoutChromium();

let lab: TrainingLab;
let home: string;
let env: NodeJS.ProcessEnv;
let serve: Serve;
let browser: Browser;
let page: Page;
const pageLog: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-ui-lab-'));
  env = { ...process.env, STATION_HOME: home };
  delete env.PCSCLITE_CSOCK_NAME; // found through STATION_HOME/lab.json, as after `npm start`
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  lab = await startTrainingLab(env);
  serve = await startServe(env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** L from home → the lab panel, its slots read. */
async function openLab(): Promise<void> {
  await page.keyboard.press('l');
  await page.locator('[data-testid="lab-screen"][data-ready="true"]').waitFor();
}

test('the lab panel puts a stock card on a reader and the clerk sells it', { skip }, async () => {
  await withFailureReport(async () => {
    await page.goto(serve.url);
    await loginByKeyboard(page, 'admin', '2468');
    await openShiftByKeyboard(page, 500);
    await page.locator('[data-testid="card-panel"].empty').waitFor();
    assert.match(await page.getByTestId('menu-lab').textContent() ?? '', /培训实验室/);

    await openLab();
    assert.match(await page.getByTestId('lab-training-only').textContent() ?? '', /仅培训使用/);
    assert.equal(await page.getByTestId('lab-slot-0').getAttribute('data-preset'), '');
    // The first card (blank stock) and reader 1 are chosen: Enter places it.
    assert.equal(await page.getByTestId('lab-preset-stock').getAttribute('class'), 'selected');
    await page.keyboard.press('Enter');
    await page.getByTestId('lab-done').waitFor();
    await page.locator('[data-testid="lab-screen"][data-ready="true"]').waitFor();
    assert.equal(await page.getByTestId('lab-slot-0').getAttribute('data-preset'), 'stock');
    const asn = (await page.locator('[data-testid="lab-slot-0"] .mono').textContent())!.trim();
    assert.match(asn, /^[0-9A-F]{16}$/);
    await page.getByTestId('card-view').waitFor();
    await shot('01-lab-stock-placed');

    // ---- 售卡 of the lab's card: first load ¥30, cash ¥50 → change ¥0 plus deposit -----------
    await page.keyboard.press('Escape');
    await page.getByTestId('home').waitFor();
    await page.keyboard.press('F4');
    await page.getByTestId('cards-menu').waitFor();
    await page.keyboard.press('F1');
    await page.locator('[data-testid="issue-screen"][data-ready="true"]').waitFor();
    await page.getByTestId('reader-slot-role').waitFor();
    await page.keyboard.type('30');
    await page.keyboard.press('Tab');
    await page.keyboard.type('50');
    await page.keyboard.press('Enter');
    await page.getByTestId('wf-confirm-button').waitFor();
    await shot('02-sale-confirm');
    await page.keyboard.press('Enter');
    await page.getByTestId('wf-done').waitFor({ timeout: 60_000 });
    await shot('03-sale-done');
    assert.equal(await page.getByTestId('done-card').textContent(), asn);
    assert.equal(await page.getByTestId('done-balance').textContent(), '¥30.00');

    // The card on the lab's reader is the one sold: activated, ¥30.00 on it (read by a second process).
    const read = await runStation(['card', 'read', '--json', '--reader', lab.readers[0]!], env);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.json.asn, asn);
    assert.equal(read.json.balanceFen, 3000);

    // ---- an M1 card on reader 2, then off again ----------------------------------------------
    await page.keyboard.press('Enter');
    await page.getByTestId('cards-menu').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('home').waitFor();
    await openLab();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByTestId('lab-preset-m1').getAttribute('class'), 'selected');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="lab-slot-1"][data-preset="m1"]').waitFor();
    await page.locator('[data-testid="card-view"]').nth(1).waitFor();
    await shot('04-lab-m1-placed');
    await page.keyboard.press('Delete');
    await page.locator('[data-testid="lab-slot-1"][data-preset=""]').waitFor();
    await page.locator('[data-testid="card-view"]').nth(1).waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('card-view').count(), 1, 'the sold card stays on reader 1');
  }, { shot: () => shot('failure'), serve, pageLog });
});
