// The counter UI end to end: `station serve` (the real command) with emulated cards through
// the real PC/SC path (smartcard → pcscd → vpcd → emulator), driven in Debian's Chromium by
// keyboard alone: log in, open the shift, see the placed card, top up ¥50 with cash, see the
// new balance, other-city and T-Union cards labelled, removal clears, lock/unlock, close the
// shift with the drawer counted. Every screen is saved under test-artifacts/ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStationOk } from '../harness/cli.ts';
import type { PcscLab } from '../harness/pcsc-lab.ts';
import { skipWithoutChromium, startTrainingCounter, withFailureReport, type Serve, type TrainingCounter } from '../harness/ui-serve.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-artifacts', 'ui');
const skip = skipWithoutChromium();

let counter: TrainingCounter | undefined;
let lab: PcscLab;
let home: string;
let serve: Serve;
let page: Page;
const pageLog: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
  counter = await startTrainingCounter({ slots: 1, homePrefix: 'station-ui-', viewport: { width: 1366, height: 860 } });
  ({ lab, home, serve, page } = counter);
  page.on('console', (m) => { if (m.type() === 'error') pageLog.push(`console: ${m.text()}`); });
  page.on('websocket', (ws) => ws.on('close', () => pageLog.push(`websocket closed at ${new Date().toISOString()}`)));
});

after(async () => {
  await counter?.stop();
});

test('the counter by keyboard alone: login, shift, card panel, top-up ¥50, other cards, lock, close shift', { skip }, async () => {
  await withFailureReport(counterByKeyboard, { shot: () => shot('failure'), serve, pageLog });
});

async function counterByKeyboard(): Promise<void> {
  await page.goto(serve.url);
  await page.getByTestId('login-screen').waitFor();
  // The badge comes with the station's status, so the connection is open by then.
  await page.getByTestId('training-badge').waitFor();
  assert.equal(await page.getByText('与柜台服务的连接中断').count(), 0, 'connected');
  await shot('01-login');

  // Log in: staff ID, Tab, PIN, Enter.
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('2468');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();

  // Open the shift with a ¥500 float: F3, amount, Enter (→ confirmation), Enter.
  await page.keyboard.press('F3');
  await page.getByTestId('shift-open-screen').waitFor();
  await page.keyboard.type('500');
  await page.keyboard.press('Enter');
  await page.getByTestId('confirm-float').waitFor();
  assert.equal(await page.getByTestId('confirm-float').textContent(), '¥500.00');
  await shot('02-shift-open-confirm');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.getByText('已开班').waitFor();

  // Place a card: the panel shows it within a moment.
  const placed = Date.now();
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 1200, id: '3100000000012345' }).toJSON());
  await page.getByTestId('card-view').waitFor({ timeout: 10_000 });
  const shownMs = Date.now() - placed;
  assert.equal(await page.getByTestId('card-balance').textContent(), '¥12.00');
  assert.equal(await page.getByTestId('card-number').textContent(), '3100000000012345');
  assert.equal(await page.getByTestId('card-kind').textContent(), 'CPU 卡');
  await shot('03-card-panel');
  console.log(`# card placed → panel shown: ${shownMs} ms (includes the lab's insert round trip)`);

  // Top up ¥50, cash ¥100 tendered: F2, 50, Tab, 100, Enter → confirmation, Enter → done.
  await page.keyboard.press('F2');
  await page.getByTestId('topup-screen').waitFor();
  await page.keyboard.type('50');
  await page.keyboard.press('Tab');
  await page.keyboard.type('100');
  await shot('04-topup-form');
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-confirm').waitFor();
  assert.equal(await page.getByTestId('confirm-amount').textContent(), '¥50.00');
  assert.equal(await page.getByTestId('confirm-change').textContent(), '¥50.00');
  assert.match(await page.getByTestId('topup-confirm').textContent() ?? '', /伍拾元整/);
  await shot('05-topup-confirm');
  await page.keyboard.press('Enter');
  await page.getByTestId('topup-done').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥62.00');
  await shot('06-topup-done');
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 6200, 'the card holds the money');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  // The panel re-reads the card after the load.
  await page.getByTestId('card-balance').filter({ hasText: '¥62.00' }).waitFor();
  await page.getByText('¥550.00').first().waitFor(); // expected cash in the status bar: float + ¥50

  // Another member city's card and a T-Union card are labelled.
  await lab.remove(0);
  await page.getByText('请将卡片放在读卡器上').waitFor();
  await lab.insert(0, makeLabCard({ kind: 'cpu', city: '2000', balanceFen: 3000, id: '2000000000000777' }).toJSON());
  await page.getByTestId('other-city').waitFor();
  await shot('07-other-city-card');
  await lab.remove(0);
  await page.getByTestId('card-view').waitFor({ state: 'detached' });
  await lab.insert(0, makeLabCard({ kind: 'tunion', city: '2000', balanceFen: 800 }).toJSON());
  await page.getByTestId('tunion-note').waitFor();
  assert.equal(await page.getByTestId('card-kind').textContent(), '交通联合卡');
  await shot('08-tunion-card');

  // Removing the card clears the panel.
  await lab.remove(0);
  await page.getByText('请将卡片放在读卡器上').waitFor();
  assert.equal(await page.getByTestId('card-view').count(), 0);

  // Lock (F9) and unlock with the PIN.
  await page.keyboard.press('F9');
  await page.getByTestId('lock-screen').waitFor();
  await shot('09-locked');
  await page.keyboard.type('2468');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();

  // Close the shift: expected ¥550.00 = 5 × ¥100 + 1 × ¥50.
  await page.keyboard.press('F3');
  await page.getByTestId('shift-close-screen').waitFor();
  await page.keyboard.type('5');
  await page.keyboard.press('Tab');
  await page.keyboard.type('1');
  await shot('10-shift-close-count');
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-confirm').waitFor();
  assert.equal(await page.getByTestId('shift-difference').textContent(), '¥0.00');
  await page.keyboard.press('Enter');
  await page.getByTestId('shift-done').waitFor();
  await shot('11-shift-closed');
  await page.keyboard.press('Enter');
  await page.getByTestId('home').waitFor();
  await page.getByText('未开班').first().waitFor();

  // English is one key away.
  await page.keyboard.press('F8');
  await page.getByText('Top up').waitFor();
  await shot('12-english');
  await page.keyboard.press('F8');

  // The ledger the UI wrote verifies.
  const verify = await runStationOk(['ledger', 'verify', '--json'], { ...process.env, ...lab.env, STATION_HOME: home });
  assert.equal(verify.json.ok, true);
}

test('a card pulled during the top-up: the error says what to do; placing it again settles the load and the panel says so', { skip }, async () => {
  try {
    await page.getByTestId('home').waitFor();
    await page.keyboard.press('F3');
    await page.getByTestId('shift-open-screen').waitFor();
    await page.keyboard.type('100');
    await page.keyboard.press('Enter');
    await page.getByTestId('shift-confirm-button').waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('home').waitFor();
    await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 2000, id: '3100000000054321' }).toJSON());
    await page.getByTestId('card-balance').filter({ hasText: '¥20.00' }).waitFor();

    await page.keyboard.press('F2');
    await page.keyboard.type('10');
    await page.keyboard.press('Enter');
    await page.getByTestId('topup-confirm').waitFor();
    // The card leaves the field right after CREDIT FOR LOAD committed (SELECT, GET BALANCE,
    // INITIALIZE FOR LOAD, CREDIT FOR LOAD): the answer never arrives.
    await lab.fault(0, { kind: 'tear-after-commit', atApdu: 3 });
    await page.keyboard.press('Enter');
    await page.getByTestId('topup-unknown').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('topup-unknown').getByTestId('error').textContent() ?? '', /下一步/, 'the error carries its next step');
    assert.equal(await page.getByTestId('topup-confirm-button').count(), 0, 'no second confirmation of a load that may have happened');
    await shot('13-topup-card-pulled');
    await page.keyboard.press('Enter'); // Enter does not load again
    await page.keyboard.press('Escape'); // home
    await page.getByTestId('home').waitFor();

    // Placed again: the panel's read settles the in-doubt load and says so.
    // Where the tear lands depends on how many APDUs the station sends before CREDIT FOR LOAD
    // through this stack (the fault counts from arming): if the load reached the card it must be
    // settled and recorded (banner: 已入账); if it did not, nothing may be charged. Either way the
    // panel shows the card's own balance and the drawer follows it.
    // The torn card left the field: wait until pcscd (which polls vpcd) has reported it gone
    // and the panel is empty, so that placing it again is a new card event.
    await page.locator('[data-testid="card-panel"].empty').waitFor({ timeout: 15_000 });
    await lab.insert(0, await lab.cardState(0));
    const onCard = (await lab.cardState(0) as { balanceFen: number }).balanceFen;
    assert.ok(onCard === 2000 || onCard === 3000, `card balance ${onCard}`);
    await page.getByTestId('card-balance').filter({ hasText: `¥${(onCard / 100).toFixed(2)}` }).waitFor({ timeout: 15_000 });
    if (onCard === 3000) {
      await page.getByTestId('settled-banner').waitFor({ timeout: 15_000 });
      assert.match(await page.getByTestId('settled-banner').textContent() ?? '', /充值：已入账/);
    }
    await page.getByTestId('status-shift').filter({ hasText: onCard === 3000 ? '¥110.00' : '¥100.00' }).waitFor();
    await shot('14-settled-on-placement');
    const verify = await runStationOk(['ledger', 'verify', '--json'], { ...process.env, ...lab.env, STATION_HOME: home });
    assert.equal(verify.json.ok, true);
  } catch (err) {
    await shot('failure-2').catch(() => undefined);
    console.log(serve.output());
    console.log(pageLog.join('\n'));
    throw err;
  }
});
