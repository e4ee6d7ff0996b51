// Issue 16's acceptance walk: `station serve` (the real command, a training station on the real
// PC/SC path) in Debian's Chromium, every counter screen visited by keyboard in zh-CN and in
// English at 1024×768 and 1366×768. Each screen fails the walk on
//  - horizontal overflow: the page wider than the window, an element past its right edge, a
//    panel that clips or scrolls sideways;
//  - a CJK word broken per character or mid-word (a short label drawn on two lines);
//  - untranslated text (zh-CN only): a visible text node with a Latin word other than card
//    numbers, amounts, ids and a short allow-list (CPU, PIN, key names); text a station shows as
//    it is (reader names, entry ids, file paths) is marked translate="no" by the screens.
// Besides the walk, the concrete reports of issue 16 items 1–2 as the clerk meets them: a zod
// refusal, the login refusal and its lockout time, full-width and ¥ amounts, the card type by
// name, the card history's kinds. Screens go to test-artifacts/ui-walk/; UPDATE_DOCS_SCREENSHOTS=1
// copies four of them to docs/ (ui-walk-*.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import type { PcscLab } from '../harness/pcsc-lab.ts';
import { loginByKeyboard, openShiftByKeyboard, skipWithoutChromium, startTrainingCounter, withFailureReport, type Serve, type TrainingCounter } from '../harness/ui-serve.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui-walk');
const skip = skipWithoutChromium();
const SIZES = [{ width: 1024, height: 768 }, { width: 1366, height: 768 }] as const;
const LANGS = ['zh', 'en'] as const;
/** Screens copied to docs/ when UPDATE_DOCS_SCREENSHOTS=1 (a few, not every one). */
const DOC_SHOTS = new Set(['zh-1024-home', 'zh-1024-search', 'zh-1024-cities', 'en-1366-topup-confirm']);

let counter: TrainingCounter | undefined;
let lab: PcscLab;
let serve: Serve;
let page: Page;
const pageLog: string[] = [];

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  counter = await startTrainingCounter({ slots: 2, homePrefix: 'station-ui-walk-', viewport: SIZES[0] });
  ({ lab, serve, page } = counter);
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
});

after(async () => {
  await counter?.stop();
});

/**
 * What is wrong with the screen as drawn: overflow, broken words, and (zh) untranslated text.
 * Page-side JavaScript, as text: the tests' TypeScript has no DOM types, and tsx's function-name
 * helper does not exist in the page.
 */
const INSPECT = String.raw`(zh) => {
  const out = [];
  const W = window.innerWidth;
  const name = (el) => {
    const id = el.getAttribute('data-testid');
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    return el.tagName.toLowerCase() + (id ? '[' + id + ']' : '') + cls + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  };
  const visible = (el) => el.checkVisibility({ checkVisibilityCSS: true });
  if (document.documentElement.scrollWidth > W) out.push('page is ' + document.documentElement.scrollWidth + ' px wide in a ' + W + ' px window');
  const reported = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || reported.some((r) => r.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (r.right > W + 1) { out.push('cut off at the right (' + Math.round(r.right) + ' > ' + W + '): ' + name(el)); reported.push(el); continue; }
    // A panel (or a field) that clips its content sideways or scrolls it sideways; an ellipsis on a device name is allowed.
    if (cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1 && cs.textOverflow !== 'ellipsis') {
      out.push((cs.overflowX === 'hidden' || cs.overflowX === 'clip' ? 'clips' : 'scrolls sideways') + ' (' + el.scrollWidth + ' > ' + el.clientWidth + '): ' + name(el));
      reported.push(el);
    }
  }
  // The status bar stays one line (it went to two once a shift was open).
  const bar = document.querySelector('[data-testid="status-bar"]');
  if (bar !== null) {
    // ... and stays in the window: only the work area scrolls (at 768 px high it was below the fold).
    if (bar.getBoundingClientRect().bottom > window.innerHeight + 1) out.push('the status bar is below the window (' + Math.round(bar.getBoundingClientRect().bottom) + ' > ' + window.innerHeight + ')');
    const rects = [...bar.children].filter(visible).map((c) => c.getBoundingClientRect()).filter((rc) => rc.width > 0);
    const tops = rects.map((rc) => rc.top);
    if (rects.length > 0 && Math.max(...tops) - Math.min(...tops) >= Math.max(...rects.map((rc) => rc.height))) out.push('the status bar takes more than one line');
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const allowed = new Set(['IC', 'CPU', 'PIN', 'M1', 'Enter', 'Esc', 'Tab', 'Delete', 'PgUp', 'PgDn', 'TAC', 'QR', 'ID', 'PDF', 'CSV', 'max', 'min']);
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
    const text = (n.textContent || '').trim();
    const parent = n.parentElement;
    if (text === '' || parent === null || !visible(parent) || parent.closest('[translate="no"], script, style, kbd, option') !== null) continue;
    // A short CJK word (a label, a button, a table heading) drawn on more than one line is broken mid-word.
    if (/[一-鿿]/.test(text) && !/\s/.test(text) && text.length <= 8) {
      const range = document.createRange();
      range.selectNodeContents(n);
      const tops = new Set([...range.getClientRects()].map((rc) => Math.round(rc.top)));
      if (tops.size > 1) out.push('word broken over ' + tops.size + ' lines: "' + text + '" in ' + name(parent));
    }
    if (!zh) continue;
    // Single letters (an ID number's X), the allow-list, key names, and card numbers or ids (a digit in them) pass.
    const foreign = (text.match(/[A-Za-z][A-Za-z0-9'’_.-]*/g) || []).map((w) => w.replace(/[.'’_-]+$/, ''))
      .filter((w) => w.length >= 2 && !allowed.has(w) && !/^F([1-9]|1[0-2])$/.test(w) && !/[0-9]/.test(w));
    if (foreign.length > 0) out.push('untranslated ' + foreign.slice(0, 4).map((w) => '"' + w + '"').join(' ') + ' in "' + text.slice(0, 60) + '" (' + name(parent) + ')');
  }
  return out;
}`;

async function problemsOnScreen(lang: 'zh' | 'en'): Promise<string[]> {
  return page.evaluate(`(${INSPECT})(${lang === 'zh'})`) as Promise<string[]>;
}

/** Checks the screen now shown; its problems are collected under its name, a screenshot saved. */
async function look(problems: string[], tag: string, screen: string): Promise<void> {
  const name = `${tag}-${screen}`;
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1' && DOC_SHOTS.has(name)) copyFileSync(file, path.join(root, 'docs', `ui-walk-${name}.png`));
  for (const p of await problemsOnScreen(tag.startsWith('zh') ? 'zh' : 'en')) problems.push(`${name}: ${p}`);
}

async function onScreen(screen: string): Promise<void> {
  await page.locator(`[data-testid="app"][data-screen="${screen}"]`).waitFor();
}

/** A workflow screen has read the station's rules (workflow-kit.tsx WorkflowFrame). */
async function wfReady(): Promise<void> {
  await page.locator('.wf-screen[data-ready="true"]').waitFor();
}

async function walk(lang: 'zh' | 'en', size: { width: number; height: number }, problems: string[]): Promise<void> {
  const tag = `${lang}-${size.width}`;
  /** From home: a key opens the screen, `ready` waits for what it shows, it is checked, Esc goes home. */
  const visit = async (key: string, screen: string, ready: () => Promise<unknown>): Promise<void> => {
    await page.keyboard.press(key);
    await ready();
    await look(problems, tag, screen);
    await page.keyboard.press('Escape');
    await onScreen('home');
  };
  await page.setViewportSize(size);
  await page.evaluate(`localStorage.setItem('station.lang', '${lang}')`);
  await page.goto(serve.url);
  await page.getByTestId('login-screen').waitFor();
  await look(problems, tag, 'login');
  // A wrong PIN: the refusal in the clerk's words with the way out on a screen (not "Wrong PIN for admin (1 tries left)").
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('0000');
  await page.keyboard.press('Enter');
  const refusal = page.getByTestId('login-screen').getByTestId('error');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), lang === 'zh' ? /登录失败或未登录[\s\S]*工号或密码错误[\s\S]*员工管理.*F1/ : /Wrong staff ID or PIN[\s\S]*Staff screen \(F1\)/);
  assert.doesNotMatch(await refusal.innerText(), /tries left|locked until/);
  await look(problems, tag, 'login-refused');
  await page.keyboard.press('Escape');
  await page.getByTestId('login-staff').fill('');
  await page.getByTestId('login-staff').focus();
  await loginByKeyboard(page, 'admin', '2468');
  await page.getByTestId('card-view').first().waitFor();
  // The card's type and its history by name (普通卡, 充值), never the raw 00 or ep-load.
  assert.equal(await page.getByTestId('card-type').textContent(), lang === 'zh' ? '普通卡' : 'Regular');
  assert.doesNotMatch(await page.getByTestId('card-view').innerText(), /ep-load|migrated-out/);
  await look(problems, tag, 'home');

  // Amounts as a counter keyboard types them: three decimals are refused saying what to change; full-width "１０" and "¥10" are amounts.
  await page.keyboard.press('F2');
  await page.getByTestId('topup-amount').waitFor();
  await page.keyboard.type('10.555');
  await page.keyboard.press('Enter');
  assert.match(await page.getByTestId('problem').innerText(), lang === 'zh' ? /最多两位小数/ : /two decimals/);
  await page.getByTestId('topup-amount').fill(lang === 'zh' ? '１０' : '¥10');
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-confirm-button').waitFor();
  assert.equal(await page.getByTestId('confirm-amount').textContent(), '¥10.00');
  await look(problems, tag, 'topup-confirm');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await onScreen('home');

  await visit('F3', 'shift-close', () => page.getByTestId('shift-close-screen').waitFor());

  await page.keyboard.press('F4');
  await page.getByTestId('cards-menu').waitFor();
  await look(problems, tag, 'cards');
  for (const [key, screen] of [['F1', 'issue'], ['F2', 'refund'], ['F3', 'lost'], ['F4', 'replace'], ['F5', 'exchange'], ['F6', 'migrate']] as const) {
    await page.keyboard.press(key);
    await onScreen(screen);
    await wfReady();
    await look(problems, tag, screen);
    if (screen === 'exchange') {
      // A pickup slip's number the station does not know: its refusal in the clerk's words with the next step, not the core's English.
      await page.keyboard.press('F3');
      await page.getByTestId('exchange-request').fill('20261208999');
      await page.keyboard.press('Enter');
      const refused = page.getByTestId('exchange-screen').getByTestId('error');
      await refused.waitFor();
      assert.match(await refused.innerText(), lang === 'zh' ? /没有换卡申请单号 20261208999[\s\S]*领卡单/ : /There is no exchange request 20261208999[\s\S]*pickup slip/);
      assert.doesNotMatch(await refused.locator('.error-message, .error-hint-main').allInnerTexts().then((t) => t.join(' ')), /damaged-card|Check the number/);
      await look(problems, tag, 'exchange-refused');
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('cards-menu').waitFor();
  }
  await page.keyboard.press('Escape');
  await onScreen('home');

  await visit('F6', 'doctor', () => page.locator('table.checks').waitFor());
  // 查询/重印 opens with the card on the reader filled in: Enter lists its entries, the newest one's receipt beside.
  await visit('F7', 'search', async () => {
    await page.getByTestId('search-card').waitFor();
    // A card number the station would refuse is told in the clerk's words before it is sent (not "entrySearch: cardNo: …").
    const cardNo = await page.getByTestId('search-card').inputValue();
    await page.getByTestId('search-card').fill('12');
    await page.keyboard.press('Enter');
    assert.match(await page.getByTestId('search-screen').getByRole('alert').first().innerText(), lang === 'zh' ? /卡号为 4–20 位数字或字母 A–F/ : /4–20 digits or letters A–F/);
    await page.getByTestId('search-card').fill(cardNo);
    await page.keyboard.press('Enter');
    await page.getByTestId('receipt-paper').first().waitFor();
  });
  await visit('F11', 'day', () => page.getByTestId('day-ready').waitFor());
  await visit('F5', 'fares', () => page.getByTestId('fares-screen').waitFor());
  await visit('F12', 'cities', () => page.locator('[data-testid="cities-screen"] [aria-selected="true"]').waitFor());
  await visit('F1', 'staff', () => page.getByTestId('staff-row').first().waitFor());
  // The training lab panel (no lab runs beside this test's station: the panel says so, in words too).
  await visit('L', 'lab', () => page.locator('[data-testid="lab-screen"][data-ready="true"], [data-testid="lab-refused"]').first().waitFor());

  await page.keyboard.press('F10');
  await page.getByTestId('login-screen').waitFor();
}

test('every counter screen in zh-CN and English at 1024×768 and 1366×768: no overflow, no broken word, no untranslated text', { skip }, async () => {
  await withFailureReport(async () => {
    // A customer card with a history (the panel, search and the day have rows) and a shift open.
    await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 5000 }).toJSON());
    await page.goto(serve.url);
    await loginByKeyboard(page, 'admin', '2468');
    await openShiftByKeyboard(page, 500);
    await page.keyboard.press('F2');
    await page.getByTestId('topup-amount').waitFor();
    await page.keyboard.type('20');
    await page.keyboard.press('Enter');
    await page.getByTestId('topup-confirm-button').waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('topup-done').waitFor();
    await page.keyboard.press('Enter');
    await onScreen('home');
    await page.keyboard.press('F10');

    const problems: string[] = [];
    for (const size of SIZES) for (const lang of LANGS) await walk(lang, size, problems);
    assert.equal(problems.length, 0, `${problems.length} problems:\n${problems.join('\n')}`);
  }, { shot: () => page.screenshot({ path: path.join(shots, 'walk-failure.png') }), serve, pageLog });
});
