// The receipt preview from the keyboard (issue 16 item 3, gap 4), in Debian's Chromium against
// `station serve` at 1024×768: after a top-up the done screen's receipt paper is taller than its
// panel; PgDn and ↓ scroll it down, PgUp and ↑ back, without the mouse. The preview comes after
// the done screen (its PDF is saved after the answer, gap 1) and names the saved file. The same
// receipt found under 查询/重印 (F7) opens with Enter and scrolls the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import type { PcscLab } from '../harness/pcsc-lab.ts';
import { assertNoScriptError, counterSuite, skipWithoutChromium } from '../harness/ui-serve.ts';

const skip = skipWithoutChromium();
let page: Page;
let lab: PcscLab;
let pageLog: string[];
const { shot, run } = counterSuite({
  slots: 1, homePrefix: 'station-ui-receipt-keys-', viewport: { width: 1024, height: 768 }, floatYuan: 100,
  shots: path.join(import.meta.dirname, '../..', 'test-artifacts', 'ui-receipt-keys'), onStart: (at) => { page = at.page; lab = at.lab; pageLog = at.pageLog; },
});

// In the page (the test's own types have no DOM): the paper's scroll position and sizes.
const PAPER = 'document.querySelector(\'[data-testid="receipt-paper"]\')';
const scrollTop = async () => Number(await page.evaluate(`${PAPER}.scrollTop`));

test('the done screen\'s receipt, and a searched one, scroll with PgDn/PgUp and ↓/↑', { skip }, () => run('receipt-keys', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 1200, id: '3100000000077001' }).toJSON());
  await page.getByTestId('card-balance').filter({ hasText: '¥12.00' }).waitFor({ timeout: 15_000 });
  await page.keyboard.press('F2');
  await page.getByTestId('topup-amount').waitFor();
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="topup-confirm-button"]:focus').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-done').waitFor({ timeout: 30_000 });
  const paper = page.getByTestId('receipt-paper');
  await paper.waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('receipt-file').textContent()) ?? '', /\.pdf/, 'the preview names the saved PDF');

  const [scrollHeight, clientHeight] = [Number(await page.evaluate(`${PAPER}.scrollHeight`)), Number(await page.evaluate(`${PAPER}.clientHeight`))];
  assert.ok(scrollHeight > clientHeight + 40, `the receipt is taller than its panel (${scrollHeight} > ${clientHeight}): the keys have something to scroll`);
  assert.equal(await scrollTop(), 0);

  await page.keyboard.press('PageDown');
  const afterPage = await scrollTop();
  assert.ok(afterPage > 0, `PgDn scrolled the receipt (${afterPage})`);
  await shot('01-pgdn');
  await page.keyboard.press('ArrowUp');
  const afterUp = await scrollTop();
  assert.ok(afterUp < afterPage, `↑ scrolled back a line (${afterUp} < ${afterPage})`);
  await page.keyboard.press('ArrowDown');
  assert.ok(await scrollTop() > afterUp, '↓ scrolled down a line');
  await page.keyboard.press('PageUp');
  await page.keyboard.press('PageUp');
  assert.equal(await scrollTop(), 0, 'PgUp back to the top');
  // Still the done screen: the keys scrolled, nothing else happened.
  await page.getByTestId('topup-done').waitFor();

  // 查询/重印 by keyboard alone: Enter in the card field (the card on the reader) searches and the results take the
  // keyboard; Enter opens the chosen entry's receipt, whose paper PgDn/PgUp then scroll; Esc goes
  // back to the list, and from the list home.
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F7');
  await page.getByTestId('search-screen').waitFor();
  // The card on the reader is already in the card field.
  assert.equal(await page.getByTestId('search-card').inputValue(), '3100000000077001');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="search-list"]:focus').waitFor();
  await page.getByTestId('receipt-paper').waitFor({ timeout: 30_000 });
  assert.match((await page.getByTestId('search-hint').textContent()) ?? '', /Enter 查看收据/);
  await page.keyboard.press('PageDown');
  assert.equal(await scrollTop(), 0, 'on the list PgDn pages the list, not the receipt');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="entry-detail"][data-reading="true"]').waitFor();
  assert.match((await page.getByTestId('search-hint').textContent()) ?? '', /PgUp\/PgDn 翻看收据，Esc 返回列表/);
  await page.keyboard.press('PageDown');
  assert.ok(await scrollTop() > 0, 'PgDn scrolled the searched receipt');
  await shot('02-search-receipt-pgdn');
  await page.keyboard.press('PageUp');
  assert.equal(await scrollTop(), 0, 'PgUp back to the top');
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="entry-detail"][data-reading="false"]').waitFor();
  await page.getByTestId('search-screen').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  await assertNoScriptError(page, pageLog, 'receipt keys');
}));
