// `station serve` as a child process (the real command), and Debian's Chromium through
// playwright-core (TOOLCHAIN.md §2 flags). Both are stopped by pid/handle by the caller.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runStationOk, spawnStation } from './cli.ts';
import { startPcscLab, type PcscLab } from './pcsc-lab.ts';
import { CHROMIUM_BROWSER, PCSC_LAB, skipUnless } from './system-needs.ts';

export const CHROMIUM = '/usr/bin/chromium';

export interface Serve {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  /** The customer display's page (its own token). */
  customerUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startServe(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Serve> {
  const child = spawnStation(['serve', '--port', '0', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const lines = readline.createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string; port: number; customerUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`station serve did not start:\n${out}`)), 120_000);
    lines.on('line', (line) => {
      out += `${line}\n`;
      try {
        const e = JSON.parse(line) as { event?: string; url: string; port: number; customerUrl: string };
        if (e.event === 'ready') { clearTimeout(timer); resolve(e); }
      } catch { /* not JSON */ }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`station serve exited ${code}:\n${out}`)); });
  });
  return {
    child, url: ready.url, port: ready.port, token: new URL(ready.url).searchParams.get('token')!, customerUrl: ready.customerUrl, output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * The `skip` of a Chromium test: on a developer machine without Chromium it skips and says why;
 * under CI (.ci/run installs chromium) a missing browser must fail, never pass as a skip.
 */
export function skipWithoutChromium(): string | false {
  return skipUnless(CHROMIUM_BROWSER);
}

export interface TrainingCounter {
  lab: PcscLab;
  home: string;
  serve: Serve;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

/** A PC/SC lab, a fresh training station (admin PIN 2468) served by `station serve`, and Chromium on its page's viewport. */
export async function startTrainingCounter(opts: { slots: 1 | 2; homePrefix: string; viewport: { width: number; height: number }; cardModules?: string[] }): Promise<TrainingCounter> {
  const lab = await startPcscLab({ slots: opts.slots, ...(opts.cardModules ? { cardModules: opts.cardModules } : {}) });
  const home = mkdtempSync(path.join(os.tmpdir(), opts.homePrefix));
  let serve: Serve | undefined;
  let browser: Browser | undefined;
  // Whatever was started is stopped, also when a later step failed.
  const stop = async (): Promise<void> => {
    await browser?.close();
    await serve?.stop();
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const env = { ...process.env, ...lab.env, STATION_HOME: home };
    await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
    serve = await startServe(env);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: opts.viewport, locale: 'zh-CN' });
    return { lab, home, serve, browser, page, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A training counter at work: its page logged in as admin (PIN 2468) with a shift open, and the
 * page's script errors and error-level console lines collected in `pageLog` (withFailureReport
 * prints them; assertNoScriptError holds a scenario to none).
 */
export async function startCounterAtWork(opts: Parameters<typeof startTrainingCounter>[0] & { floatYuan: number }): Promise<TrainingCounter & { pageLog: string[] }> {
  const counter = await startTrainingCounter(opts);
  const pageLog: string[] = [];
  const { page } = counter;
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => pageLog.push(`page error: ${e.message}`));
  try {
    await page.goto(counter.serve.url);
    await loginByKeyboard(page, 'admin', '2468');
    await openShiftByKeyboard(page, opts.floatYuan);
  } catch (err) {
    await counter.stop();
    throw err;
  }
  return { ...counter, pageLog };
}

/** The Chromium scenarios of one test file on one counter at work (startCounterAtWork). */
export interface CounterSuite {
  /** The `skip` option of the file's tests: Chromium and a PC/SC lab, by system-needs.ts's rule (skip with the reason; under CI run and fail). */
  readonly skip: string | false;
  /** The counter, once the file's `before` has started it. */
  readonly at: TrainingCounter & { pageLog: string[] };
  /** A screenshot into the file's folder of test artifacts. */
  shot(name: string): Promise<unknown>;
  /** A scenario; when it fails, its screenshot and what the station and the page logged (withFailureReport). */
  run(name: string, fn: () => Promise<void>): Promise<void>;
}

/**
 * Registers the file's before/after hooks (nothing starts without Chromium and a PC/SC lab: the
 * suite's `skip`) and gives its counter; `onStart` hands the parts to the file's scenarios once it runs.
 */
export function counterSuite(opts: Parameters<typeof startCounterAtWork>[0] & { shots: string; onStart: (at: TrainingCounter & { pageLog: string[] }) => void }): CounterSuite {
  let at: (TrainingCounter & { pageLog: string[] }) | undefined;
  const skip = skipUnless(CHROMIUM_BROWSER, PCSC_LAB);
  before(async () => {
    if (skip) return;
    mkdirSync(opts.shots, { recursive: true });
    at = await startCounterAtWork(opts);
    opts.onStart(at);
  });
  after(async () => { await at?.stop(); });
  const suite: CounterSuite = {
    skip,
    get at() {
      if (at === undefined) throw new Error('the counter is not started (before() has not run)');
      return at;
    },
    shot: (name) => suite.at.page.screenshot({ path: path.join(opts.shots, `${name}.png`) }),
    run: (name, fn) => withFailureReport(fn, { shot: () => suite.shot(`failure-${name}`), serve: suite.at.serve, pageLog: suite.at.pageLog }),
  };
  return suite;
}

/** No script error on the screen (issue 13: an exception's text never reaches the clerk) and none thrown in the page. */
export async function assertNoScriptError(page: Page, pageLog: readonly string[], where: string): Promise<void> {
  const text = await page.locator('body').textContent() ?? '';
  assert.doesNotMatch(text, /Cannot read properties|TypeError|undefined|null \(reading/, `${where}: no script error on the screen`);
  assert.equal(pageLog.filter((l) => l.startsWith('page error')).length, 0, `${where}: no uncaught page error: ${pageLog.join('\n')}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-features=Translate', '--lang=zh-CN'],
  });
}

/** Log in from the login screen by keyboard alone: staff ID, Tab, PIN, Enter → home. */
export async function loginByKeyboard(page: Page, staffId: string, pin: string): Promise<void> {
  await page.getByTestId('login-screen').waitFor();
  await page.keyboard.type(staffId);
  await page.keyboard.press('Tab');
  await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
}

/** From home, open a shift with a float in whole yuan by keyboard (F3, amount, Enter, confirm) → home. */
export async function openShiftByKeyboard(page: Page, floatYuan: number): Promise<void> {
  await page.keyboard.press('F3');
  await page.getByTestId('shift-open-screen').waitFor();
  await page.keyboard.type(String(floatYuan));
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-confirm-button').waitFor();
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
}

/**
 * Runs a browser scenario; when it fails, saves a screenshot and prints the station's output and
 * the page's log before rethrowing, so a CI failure says what the screen and the server saw.
 */
export async function withFailureReport(
  run: () => Promise<void>,
  report: { shot: () => Promise<unknown>; serve: Serve; pageLog?: readonly string[] },
): Promise<void> {
  try {
    await run();
  } catch (err) {
    await report.shot().catch(() => undefined);
    console.log(report.serve.output());
    if (report.pageLog) console.log(report.pageLog.join('\n'));
    throw err;
  }
}
