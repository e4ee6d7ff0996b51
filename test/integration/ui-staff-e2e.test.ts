// The supervisor tools on the counter's screen (issue 16 item 7), in Chromium at 1024×768 on
// the training lab, by keyboard alone: a clerk locks their account with five wrong PINs (the
// right PIN is then refused too); the supervisor logs in, opens 员工管理 (F1), sees the clerk
// 已锁定 with the time in China time, unlocks them (F2) and resets their PIN (F3, typed twice,
// Enter); their own row offers nothing; no horizontal scrolling; the clerk then logs in with
// the new PIN and has no 员工管理 key. Screenshot: docs/ui-staff.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { runStationOk } from '../harness/cli.ts';
import { skipWithoutChromium, startTrainingCounter, withFailureReport, type TrainingCounter } from '../harness/ui-serve.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

const skip = skipWithoutChromium();
const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-staff');
const pageLog: string[] = [];
let counter: TrainingCounter | undefined;
let page: Page;

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  counter = await startTrainingCounter({ slots: 1, homePrefix: 'station-ui-staff-', viewport: { width: 1024, height: 768 } });
  page = counter.page;
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => pageLog.push(`page error: ${e.message}`));
  const env = { ...process.env, ...counter.lab.env, STATION_HOME: counter.home, STATION_PIN: '2468' };
  for (const [id, name, role, pin] of [['op1', '张三', 'operator', '1357'], ['sup1', '李四', 'supervisor', '8642']] as const) {
    await runStationOk(['staff', 'add', '--operator', 'admin', '--id', id, '--name', name, '--role', role], { ...env, STATION_NEW_PIN: pin });
  }
});
after(async () => { await counter?.stop(); });

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

/** Types a PIN into the focused PIN field and presses Enter; resolves once the answer came (the field is cleared on a refusal). */
async function wrongPin(pin: string): Promise<void> {
  await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
  const field = page.getByTestId('login-pin');
  for (let waited = 0; (await field.inputValue()) !== ''; waited += 50) {
    assert.ok(waited < 30_000, 'the login answered within 30 s');
    await page.waitForTimeout(50);
  }
}

// A string: this file is compiled without the DOM library; the page evaluates it.
const noHorizontalScroll = async () => (await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')) === true;

test('a clerk locked by five wrong PINs is unlocked from 员工管理 and logs in with a reset PIN', { skip }, async () => {
  await withFailureReport(async () => {
    await page.goto(counter!.serve.url);
    await page.getByTestId('login-screen').waitFor();
    await page.keyboard.type('op1');
    await page.keyboard.press('Tab');
    for (let i = 0; i < 5; i++) await wrongPin('0000');
    await wrongPin('1357');
    assert.equal(await page.getByTestId('home').count(), 0, 'locked: the right PIN is refused too');
    await page.getByTestId('error').waitFor();

    // The supervisor takes the keyboard.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sup1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('8642');
    await page.keyboard.press('Enter');
    await page.getByTestId('home').waitFor();
    await page.getByTestId('menu-staff').waitFor();
    await page.keyboard.press('F1');
    await page.getByTestId('staff-screen').waitFor();
    const op1 = page.locator('[data-testid="staff-row"][data-staff="op1"]');
    await op1.waitFor();
    assert.equal(await op1.getAttribute('data-state'), 'locked');
    assert.match((await op1.textContent()) ?? '', /张三柜员已锁定（至 (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}）5/, 'the lock in China time (HH:mm; with the date when it ends on another day)');
    assert.ok(await noHorizontalScroll(), 'fits 1024 wide');
    // No key label broken per character: each button's label is on one line.
    const brokenLabels: string[] = [];
    for (const label of await page.locator('.staff-screen .btn > span').all()) {
      if (((await label.boundingBox())?.height ?? 0) > 40) brokenLabels.push((await label.textContent()) ?? '');
    }
    assert.deepEqual(brokenLabels, []);
    // Rows by staff ID: admin, op1, sup1. ↓ picks op1; F2 unlocks.
    await page.keyboard.press('ArrowDown');
    assert.match((await op1.getAttribute('class')) ?? '', /selected/);
    await shot('01-locked-clerk');
    await page.keyboard.press('F2');
    await page.getByTestId('staff-done').filter({ hasText: '已解锁 张三（op1）' }).waitFor();
    await page.locator('[data-testid="staff-row"][data-staff="op1"][data-state="active"]').waitFor();
    // F3: a new PIN, typed twice; Enter from the second field submits.
    await page.keyboard.press('F3');
    await page.getByTestId('staff-reset-form').waitFor();
    await page.keyboard.type('2580');
    await page.keyboard.press('Tab');
    await page.keyboard.type('2581');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: '两次输入的密码不一致' }).waitFor();
    await page.keyboard.type('2580');
    await page.keyboard.press('Enter');
    await page.getByTestId('staff-done').filter({ hasText: '已为 张三（op1）重置密码' }).waitFor();
    await page.screenshot({ path: path.join(root, 'docs', 'ui-staff.png') });
    // Their own row: nothing to do there (the core refuses it too: ui-staff-api.test.ts).
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('staff-own').waitFor();
    assert.equal(await page.getByTestId('staff-unlock').isDisabled(), true);
    // English too.
    await page.keyboard.press('Escape');
    await page.getByTestId('home').waitFor();
    await page.keyboard.press('F8');
    await page.keyboard.press('F1');
    await page.getByTestId('staff-screen').filter({ hasText: 'Staff' }).waitFor();
    assert.match((await op1.textContent()) ?? '', /op1张三operatoractive0/);
    assert.ok(await noHorizontalScroll());
    await page.keyboard.press('Escape');
    await page.keyboard.press('F8');
    await page.getByTestId('home').waitFor();
    await page.keyboard.press('F10');

    // The clerk: the old PIN is gone, the new one works; no 员工管理 for a clerk.
    await page.getByTestId('login-screen').waitFor();
    await page.getByTestId('login-staff').focus();
    await page.keyboard.type('op1');
    await page.keyboard.press('Tab');
    await wrongPin('1357');
    await page.keyboard.type('2580');
    await page.keyboard.press('Enter');
    await page.getByTestId('home').waitFor();
    assert.equal(await page.getByTestId('menu-staff').count(), 0);
    await shot('02-clerk-in');
  }, { shot: () => shot('failure'), serve: counter!.serve, pageLog });
});
