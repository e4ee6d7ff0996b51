// Four eyes at shift close, in Chromium by keyboard alone through `station serve` (issue 16,
// item 5; seen on 2026-12-07): with a ¥10 shortage the confirmation says 短款 ¥10.00 壹拾元整
// (not "¥-10.00"), the focus is in the supervisor's ID field (not on 确认), Enter in the PIN
// field submits, the admin who runs the shift cannot approve their own shortage (refused by the
// core, the shift stays open), and another supervisor can; the shift slip and the day-end say
// 短款 ¥10.00 too. Screens under test-artifacts/ui-four-eyes/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { runStationOk } from '../harness/cli.ts';
import { counterSuite, type TrainingCounter } from '../harness/ui-serve.ts';

// The harness's counter at work: logged in as admin (PIN 2468) with a ¥100 float; without
// Chromium or a PC/SC lab every test here skips, saying why (under CI they run).
let counter: TrainingCounter;
let page: Page;
const { shot, run, skip } = counterSuite({
  slots: 1, homePrefix: 'station-ui-4eyes-', viewport: { width: 1024, height: 768 }, floatYuan: 100,
  shots: path.resolve(import.meta.dirname, '../..', 'test-artifacts', 'ui-four-eyes'),
  onStart: (at) => { counter = at; page = at.page; },
});
const stationEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, ...counter.lab.env, STATION_HOME: counter.home, ...extra });

test('a ¥10 shortage at shift close: 短款 with 大写, focus on the supervisor, own sign-off refused, another supervisor signs by Enter in the PIN field', { skip }, () => run('shortage', shortage));

async function shortage(): Promise<void> {
  await runStationOk(['staff', 'add', '--operator', 'admin', '--id', 'sup1', '--name', '李四', '--role', 'supervisor'], stationEnv({ STATION_PIN: '2468', STATION_NEW_PIN: '8642' }));

  // Count ¥90 of the ¥100 expected: 0 × ¥100, 1 × ¥50, 2 × ¥20.
  await page.keyboard.press('F3');
  await page.getByTestId('shift-close-screen').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type('1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-confirm').waitFor();
  assert.equal(await page.getByTestId('shift-difference-kind').textContent(), '短款');
  assert.equal(await page.getByTestId('shift-difference').textContent(), '¥10.00');
  const line = await page.getByTestId('shift-difference-line').textContent() ?? '';
  assert.match(line, /壹拾元整/);
  assert.doesNotMatch(line, /-/, 'no minus sign: 短款 says it');
  // The next input is the supervisor's ID: it has the focus, not 确认.
  await page.locator('[data-testid="supervisor-id"]:focus').waitFor();
  await shot('01-shortage-confirm');
  // Enter with the supervisor's fields empty: said on the screen before anything is sent (not the schema's "值班长工号 不符合要求"), the cursor stays there.
  await page.keyboard.press('Enter');
  assert.match(await page.getByTestId('shift-problem').innerText(), /请值班长输入工号和密码/);
  assert.equal(await page.getByTestId('error').count(), 0, 'nothing sent');
  await page.locator('[data-testid="supervisor-id"]:focus').waitFor();

  // The admin running the shift types their own ID and PIN; Enter in the PIN field submits; the core refuses.
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('2468');
  await page.keyboard.press('Enter');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').textContent() ?? '', /sign off their own|本人/);
  assert.equal(await page.getByTestId('shift-done').count(), 0, 'not closed');
  await shot('02-own-sign-off-refused');

  // Back at the confirmation the focus is in the supervisor's fields again: another supervisor signs.
  await page.locator('[data-testid="supervisor-pin"]:focus').waitFor();
  await page.getByTestId('supervisor-id').fill('sup1');
  await page.getByTestId('supervisor-pin').fill('8642');
  await page.getByTestId('supervisor-pin').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-done').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('shift-difference-kind').textContent(), '短款');
  assert.equal(await page.getByTestId('shift-difference').textContent(), '¥10.00');
  // The shift slip says it the same way: 短款, unsigned, in 大写.
  await page.getByTestId('receipt-paper').waitFor();
  const slip = (await page.getByTestId('receipt-paper').textContent()) ?? '';
  assert.match(slip, /差额（短款） Short\s*¥10\.00/);
  assert.match(slip, /大写 In words\s*壹拾元整/);
  assert.doesNotMatch(slip, /-¥10/);
  await shot('03-signed-off');
  // And the day-end's drawer table.
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F11');
  await page.getByTestId('day-shift-difference').first().waitFor();
  assert.equal(await page.getByTestId('day-shift-difference').first().textContent(), '短款 ¥10.00');
  await shot('04-day-end-shortage');
  const audit = (await runStationOk(['ledger', 'verify', '--json'], stationEnv())).json as { ok: boolean };
  assert.equal(audit.ok, true);
}
