// ScreenGuard (renderer/src/ui.tsx) in Debian's Chromium against `station serve`: a screen that
// throws while drawing — here the shift-close screen given a shift whose opening time is not a
// time (an answer from the station that passes the API contract, a string, but no renderer can
// format: the page's socket runs through a proxy that rewrites it, no test hook in the product) —
// is replaced by the clerk's message in zh-CN with its next step and Esc back to the start screen,
// never a blank page or the exception's text; the station keeps working: other screens open, and
// with the answers whole again the same screen draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { counterSuite } from '../harness/ui-serve.ts';

let page: Page;
const { shot, run, skip } = counterSuite({
  slots: 1, homePrefix: 'station-ui-guard-', viewport: { width: 1366, height: 860 }, floatYuan: 100,
  shots: path.join(import.meta.dirname, '../..', 'test-artifacts', 'ui-screen-guard'), onStart: (at) => { page = at.page; },
});

test('a screen that throws while drawing shows the clerk a zh-CN message with Esc back, and the station keeps working', { skip }, () => run('guard', async () => {
  // Every answer carrying the shift's opening time gets one that is not a time.
  let corrupt = true;
  await page.routeWebSocket(/\/api/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => ws.send(corrupt && typeof m === 'string' ? m.replace(/"openedAt":"[^"]*"/g, '"openedAt":"开班时间"') : m));
  });
  await page.reload();
  await page.getByTestId('home').waitFor({ timeout: 60_000 });

  await page.keyboard.press('F3'); // 交班: the screen formats the opening time and throws
  await page.getByTestId('screen-failed').waitFor({ timeout: 30_000 });
  const failed = await page.getByTestId('screen-failed').textContent() ?? '';
  assert.match(failed, /界面出现意外错误/, failed);
  assert.match(failed, /Esc/, `a way back: ${failed}`);
  const body = await page.locator('body').textContent() ?? '';
  assert.doesNotMatch(body, /RangeError|Invalid time value|TypeError|at [A-Za-z]+ \(/, 'no exception text on the screen');
  // Not a white page: the header, the card panel and the status bar are still there.
  await page.getByTestId('card-panel').waitFor();
  await page.getByTestId('status-shift').waitFor();
  assert.equal(await page.getByTestId('shift-close-screen').count(), 0);
  await shot('01-screen-failed');

  // Esc: the start screen; the station works — another screen opens and goes back.
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F2');
  await page.getByTestId('topup-screen').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();

  // The answers whole again (a fresh page: the shift is asked anew): the same screen draws.
  corrupt = false;
  await page.reload();
  await page.getByTestId('home').waitFor({ timeout: 60_000 });
  await page.keyboard.press('F3');
  await page.getByTestId('shift-close-screen').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('screen-failed').count(), 0);
  await shot('02-screen-drawn');
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  await page.unrouteAll();
}));
