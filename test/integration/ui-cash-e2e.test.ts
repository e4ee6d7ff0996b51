// 钱箱 in Chromium through `station serve` (issue 17 item 4): from 交班, F6 opens the cash box; a
// 交款 of ¥30.00 to the safe with the supervisor's ID and PIN is confirmed with its 大写, and the
// drawer figure drops to ¥70.00; the close counts ¥70.00 — 相符 — and the slip lists the 交款;
// the day-end shows the 钱箱 lines and its checklist says no cash is in transit. Screens under
// test-artifacts/ui-cash/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { runStationOk } from '../harness/cli.ts';
import { counterSuite, type TrainingCounter } from '../harness/ui-serve.ts';

// The harness's counter: logged in as admin (PIN 2468) with a ¥100 float.
let counter: TrainingCounter;
let page: Page;
const { shot, run, skip } = counterSuite({
  slots: 1, homePrefix: 'station-ui-cash-', viewport: { width: 1024, height: 768 }, floatYuan: 100,
  shots: path.resolve(import.meta.dirname, '../..', 'test-artifacts', 'ui-cash'),
  onStart: (at) => { counter = at; page = at.page; },
});
const stationEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, ...counter.lab.env, STATION_HOME: counter.home, ...extra });

test('交款 on the 钱箱 screen: the supervisor signs, the drawer drops, the close and the day-end reconcile it', { skip }, () => run('handover', handover));

async function handover(): Promise<void> {
  await runStationOk(['staff', 'add', '--operator', 'admin', '--id', 'sup1', '--name', '李四', '--role', 'supervisor'], stationEnv({ STATION_PIN: '2468', STATION_NEW_PIN: '8642' }));
  await page.keyboard.press('F3');
  await page.getByTestId('shift-close-screen').waitFor();
  await page.keyboard.press('F6');
  await page.getByTestId('cash-screen').waitFor();
  assert.match(await page.getByTestId('cash-drawer').textContent() ?? '', /¥100\.00/);
  await page.locator('[data-testid="cash-amount"]:focus').waitFor();
  await page.keyboard.type('30');
  // Enter without the supervisor: said on the screen, nothing sent.
  await page.keyboard.press('Enter');
  assert.match(await page.getByTestId('cash-problem').innerText(), /请值班长输入工号和密码/);
  await page.getByTestId('supervisor-id').fill('sup1');
  await page.getByTestId('supervisor-pin').fill('8642');
  await page.getByTestId('supervisor-pin').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('cash-confirm').waitFor();
  assert.match(await page.getByTestId('cash-confirm').innerText(), /交款 → 保险柜[\s\S]*¥30\.00[\s\S]*叁拾元整/);
  await shot('01-handover-confirm');
  await page.keyboard.press('Enter');
  await page.getByTestId('cash-done').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('cash-done').innerText(), /已交款 ¥30\.00 → 保险柜/);
  assert.match(await page.getByTestId('cash-drawer').textContent() ?? '', /¥70\.00/);
  await shot('02-handed-over');

  // Back to 交班: the expected drawer is ¥70.00; counted ¥50 + ¥20 it is 相符, no supervisor needed.
  await page.keyboard.press('Escape');
  await page.getByTestId('shift-close-screen').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type('1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-confirm').waitFor();
  assert.equal(await page.getByTestId('shift-difference-kind').textContent(), '相符');
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-done').waitFor({ timeout: 30_000 });
  await page.getByTestId('receipt-paper').waitFor();
  const slip = (await page.getByTestId('receipt-paper').textContent()) ?? '';
  assert.match(slip, /交款 Handed in\s*¥30\.00/);
  assert.match(slip, /应有现金 Expected\s*¥70\.00/);
  await shot('03-closed');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F11');
  await page.getByTestId('day-cash-box').waitFor();
  assert.equal(await page.getByTestId('box-handed-safe').textContent(), '¥30.00');
  assert.equal(await page.getByTestId('box-in-transit').textContent(), '¥0.00');
  assert.equal(await page.getByTestId('check-transit').getAttribute('data-ok'), 'yes');
  await shot('04-day-end');
  const audit = (await runStationOk(['ledger', 'verify', '--json'], stationEnv())).json as { ok: boolean };
  assert.equal(audit.ok, true);
}
