// The in-doubt screens of the two-card workflows (issue 13), through the counter UI in Debian's
// Chromium against `station serve` and the real PC/SC lab with two readers: the damaged-card
// exchange (换卡) and the M1 → CPU upgrade (升级换卡) whose load onto the new card is torn at
// CREDIT FOR LOAD stay on their in-doubt screen naming both cards, name another card put on the
// new card's reader as not the one, and settle there by themselves when the new card returns —
// 已入账 (the balance is on the new card) or, when the load never reached it, the balance still
// held for the customer with the way to finish; a card swapped at their confirmation is refused
// with both numbers named and nothing changed. The ledger the screens wrote verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { m1PrintedNumber, makeLabCard } from '../../core/lab/card-specs.ts';
import { runStationOk } from '../harness/cli.ts';
import type { PcscLab } from '../harness/pcsc-lab.ts';
import { TORN_LOAD_CARDS, type TornLoadCardJSON } from '../harness/torn-load-card.ts';
import { assertNoScriptError, counterSuite } from '../harness/ui-serve.ts';

// The training counter and the parts of it the scenarios use.
let lab: PcscLab;
let page: Page;
let pageLog: string[];
const suite = counterSuite({ slots: 2, homePrefix: 'station-ui-indoubt-', viewport: { width: 1366, height: 960 }, cardModules: [TORN_LOAD_CARDS], floatYuan: 100, shots: path.join(import.meta.dirname, '../..', 'test-artifacts', 'ui-indoubt'), onStart: (at) => ({ lab, page, pageLog } = at) });
const { shot, run, skip } = suite;

const OLD = 0;
const NEW = 1;
const cpu = (id: string, balanceFen: number) => makeLabCard({ kind: 'cpu', id, balanceFen }).toJSON();
// A new card must be in the station's stock (c347cf4: an exchange or upgrade onto a card not
// received is refused, 不在本网点库存中): the new cards below are numbered inside the training
// stock every training station holds from init (3100000000000000–…9999), below the 5000 the lab
// hands to cards without an id. The customers' old cards and the strangers need not be in stock.
const stock = (id: string) => makeLabCard({ kind: 'cpu', id, enabled: false }).toJSON();
const torn = (fault: TornLoadCardJSON['fault'], card: unknown): TornLoadCardJSON => ({ kind: 'torn-load', fault, card });
const balanceOn = async (slot: number): Promise<number> => (await lab.cardState(slot) as { balanceFen: number }).balanceFen;
const view = (ref: string) => page.locator(`[data-testid="card-view"][data-card-ref="${ref}"]`);

/** Places a card on a reader and waits until the panel shows it. */
async function place(slot: number, card: unknown, ref: string): Promise<void> {
  await lab.insert(slot, card);
  await view(ref).waitFor({ timeout: 30_000 });
}

/**
 * Waits until the panel shows nothing on a reader — neither a card nor a failed read — so pcscd
 * has reported the card gone and the next card placed there is a new insertion.
 */
async function readerEmpty(slot: number): Promise<void> {
  await page.getByTestId('card-panel').locator('.reader-name').filter({ hasText: lab.readerNames[slot]! }).first().waitFor({ state: 'detached', timeout: 30_000 });
}

/** Takes a card off and waits until the panel no longer shows anything on its reader; its state is returned. */
async function takeOff(slot: number, ref: string): Promise<unknown> {
  const state = await lab.cardState(slot);
  await lab.remove(slot);
  await view(ref).waitFor({ state: 'detached', timeout: 30_000 });
  await readerEmpty(slot);
  return state;
}

/** Home → the card services menu → the screen of `key`, once it has read the station's rules. */
async function openWorkflow(key: 'F5' | 'F6', testId: string): Promise<void> {
  await page.getByTestId('home').waitFor();
  await page.keyboard.press('F4');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press(key);
  await page.locator(`[data-testid="${testId}"][data-ready="true"]`).waitFor();
  await page.getByTestId('reader-slot-role').nth(1).waitFor();
}

/** Enter on the form → the confirmation, which names the old and the new card. */
async function toConfirmation(oldNo: string, newNo: string): Promise<void> {
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm-button').waitFor();
  assert.equal(await page.getByTestId('confirm-card').textContent(), oldNo, 'the confirmation names the old card');
  assert.equal(await page.getByTestId('confirm-new-card').textContent(), newNo, 'the confirmation names the new card');
}

/** Esc until the home screen (a workflow screen, then the card services menu). */
async function home(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
}

const noScriptError = (where: string) => assertNoScriptError(page, pageLog, where);

/**
 * After the tear: the screen stays on the transaction, names the cards, names another card put on
 * the torn card's reader (the new card's, unless `slot` says) as not the one, and settles by
 * itself when the torn card comes back.
 */
async function settlesWhenNewCardReturns(o: { name: string; newRef: string; cards: string[]; stranger: string; outcome: 'settled-recorded' | 'settled-aborted' | 'settled-unfinished'; slot?: number }): Promise<void> {
  const slot = o.slot ?? NEW;
  await page.getByTestId('wf-unknown').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('wf-confirm-button').count(), 0, 'no second confirmation of a load that may have happened');
  await page.getByTestId('settle-waiting').waitFor();
  const waiting = await page.getByTestId('settle-waiting').textContent() ?? '';
  for (const c of o.cards) assert.ok(waiting.includes(c), `the waiting line names ${c}: ${waiting}`);
  assert.match(await page.getByTestId('unknown-next').textContent() ?? '', /本屏幕/);
  await noScriptError(`${o.name} torn`);
  await view(o.newRef).waitFor({ state: 'detached', timeout: 30_000 });
  await readerEmpty(slot);
  const newCard = await lab.cardState(slot);
  await shot(`${o.name}-01-in-doubt`);

  await place(slot, cpu(o.stranger, 1_000), `cpu:${o.stranger}`);
  await page.getByTestId('settle-wrong-card').waitFor({ timeout: 30_000 });
  assert.ok((await page.getByTestId('settle-wrong-card').textContent() ?? '').includes(o.stranger));
  await shot(`${o.name}-02-wrong-card`);
  await takeOff(slot, `cpu:${o.stranger}`);

  await lab.insert(slot, newCard);
  await page.getByTestId('wf-unknown').getByTestId(o.outcome).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('settle-waiting').count(), 0);
  await shot(`${o.name}-03-settled`);
  await noScriptError(`${o.name} settled`);
}

test('exchange whose load onto the new card is torn after the card took it: in doubt naming both cards, settles 已入账 when the new card returns', { skip }, () => run('exchange-recorded', async () => {
  const [O, N] = ['3100000000080001', '3100000000000802'];
  await place(OLD, cpu(O, 5_000), `cpu:${O}`);
  await place(NEW, torn('tear-after-commit', stock(N)), `cpu:${N}`);
  await openWorkflow('F5', 'exchange-screen');
  await toConfirmation(O, N);
  await page.keyboard.press('Enter');
  await settlesWhenNewCardReturns({ name: 'exchange-recorded', newRef: `cpu:${N}`, cards: [O, N], stranger: '3100000000080009', outcome: 'settled-recorded' });
  assert.match(await page.getByTestId('settled-recorded').textContent() ?? '', /已入账/);
  await page.getByTestId('wf-unknown').getByTestId('receipt-paper').waitFor({ timeout: 60_000 });
  assert.equal(await balanceOn(NEW), 5_000, 'the balance is on the new card');
  await home();
  await takeOff(NEW, `cpu:${N}`);
  await takeOff(OLD, `cpu:${O}`);
}));

test('exchange whose load never reached the new card: settles on the screen with the balance still held for the customer and the request that finishes it', { skip }, () => run('exchange-aborted', async () => {
  const [O, N] = ['3100000000080011', '3100000000000812'];
  await place(OLD, cpu(O, 3_000), `cpu:${O}`);
  await place(NEW, torn('tear-before-commit', stock(N)), `cpu:${N}`);
  await openWorkflow('F5', 'exchange-screen');
  await toConfirmation(O, N);
  await page.keyboard.press('Enter');
  await settlesWhenNewCardReturns({ name: 'exchange-aborted', newRef: `cpu:${N}`, cards: [O, N], stranger: '3100000000080019', outcome: 'settled-aborted' });
  const text = await page.getByTestId('settled-aborted').textContent() ?? '';
  assert.doesNotMatch(text, /退还顾客/, `the balance is not cash to hand back: ${text}`);
  const request = /申请单号 ([0-9A-Z]+)/.exec(text)?.[1];
  assert.ok(request, `the request that finishes it is named: ${text}`);
  assert.equal(await balanceOn(NEW), 0, 'the new card did not take the load');

  // The way the screen names: F3 with the request number, the new card (activated, empty) on its reader.
  await page.keyboard.press('Escape');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press('F5');
  await page.locator('[data-testid="exchange-screen"][data-ready="true"]').waitFor();
  await page.keyboard.press('F3');
  await page.locator('[data-testid="exchange-request"]:focus').waitFor();
  await page.keyboard.type(request);
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-confirm-button').waitFor();
  assert.equal(await page.getByTestId('confirm-card').textContent(), N);
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-done').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥30.00');
  assert.equal(await balanceOn(NEW), 3_000, 'the held balance is on the new card, once');
  await shot('exchange-aborted-04-finished');
  await page.keyboard.press('Enter');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
  await takeOff(NEW, `cpu:${N}`);
  await takeOff(OLD, `cpu:${O}`);
}));

for (const c of [
  { fault: 'tear-after-commit', outcome: 'settled-recorded', uid: '0A0B0C01', newNo: '3100000000000821', after: 800 + 2_000 },
  { fault: 'tear-before-commit', outcome: 'settled-aborted', uid: '0A0B0C02', newNo: '3100000000000822', after: 0 },
] as const) {
  test(`upgrade whose load onto the new card is torn (${c.fault}): in doubt naming both cards, settles ${c.outcome} when the new card returns`, { skip }, () => run(`migrate-${c.fault}`, async () => {
    await place(OLD, makeLabCard({ kind: 'm1', id: c.uid, balanceFen: 800 }).toJSON(), `m1:${c.uid}`);
    await place(NEW, torn(c.fault, stock(c.newNo)), `cpu:${c.newNo}`);
    await openWorkflow('F6', 'migrate-screen');
    const oldNo = await page.locator(`[data-reader="${lab.readerNames[OLD]!}"] .reader-slot-card .mono`).textContent() ?? '';
    await toConfirmation(oldNo, c.newNo);
    await page.keyboard.press('Enter');
    await settlesWhenNewCardReturns({ name: `migrate-${c.fault}`, newRef: `cpu:${c.newNo}`, cards: [oldNo, c.newNo], stranger: '3100000000080029', outcome: c.outcome });
    assert.equal(await balanceOn(NEW), c.after);
    if (c.outcome === 'settled-recorded') {
      // The upgrade is complete: its receipt (migrate_done) is on the same screen.
      await page.getByTestId('wf-unknown').getByTestId('receipt-paper').waitFor({ timeout: 60_000 });
      assert.match(await page.getByTestId('receipt-paper').textContent() ?? '', /28\.00/);
      await home();
    } else {
      assert.match(await page.getByTestId('settled-aborted').textContent() ?? '', /升级换卡（F6）/);
      // The way the screen names: the upgrade again with both cards, carrying on from the load.
      await page.keyboard.press('Escape');
      await page.getByTestId('cards-menu').waitFor();
      await page.keyboard.press('F6');
      await page.locator('[data-testid="migrate-screen"][data-ready="true"]').waitFor();
      await page.getByTestId('migrate-resume').waitFor();
      await toConfirmation(oldNo, c.newNo);
      await page.keyboard.press('Enter');
      await page.getByTestId('wf-done').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('done-balance').textContent(), '¥28.00');
      assert.equal(await balanceOn(NEW), 800 + 2_000, 'the balance and the deposit are on the new card, once');
      await shot(`migrate-${c.fault}-04-finished`);
      await page.keyboard.press('Enter');
      await page.getByTestId('cards-menu').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('home').waitFor();
    }
    await takeOff(NEW, `cpu:${c.newNo}`);
    await takeOff(OLD, `m1:${c.uid}`);
  }));
}

/** From the in-doubt screen: Esc, the upgrade again (F6), which says it carries on, confirmed → done, all moved once. */
async function upgradeAgain(oldNo: string, newNo: string, name: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press('F6');
  await page.locator('[data-testid="migrate-screen"][data-ready="true"]').waitFor();
  await page.getByTestId('reader-slot-role').nth(1).waitFor();
  await toConfirmation(oldNo, newNo);
  await page.keyboard.press('Enter');
  await page.getByTestId('wf-done').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('done-balance').textContent(), '¥28.00');
  assert.equal(await balanceOn(NEW), 800 + 2_000, 'the balance and the deposit are on the new card, once');
  await shot(name);
  await page.keyboard.press('Enter');
  await page.getByTestId('cards-menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('home').waitFor();
}

// Issue 13 item 2 through the real lab: the M1 card's own open operation is settled on placement.
for (const c of [
  { fault: 'tear-after-commit', outcome: 'settled-unfinished', uid: '0A0B0C41', newNo: '3100000000000841', resume: true },
  { fault: 'tear-before-commit', outcome: 'settled-aborted', uid: '0A0B0C42', newNo: '3100000000000842', resume: false },
] as const) {
  test(`upgrade torn while zeroing the old M1 card (${c.fault}): placing the M1 card back settles it on the screen (${c.outcome}), and F6 finishes the upgrade`, { skip }, () => run(`migrate-m1-${c.fault}`, async () => {
    const m1Torn: TornLoadCardJSON = { kind: 'torn-load', fault: c.fault, at: 'm1-decrement', card: makeLabCard({ kind: 'm1', id: c.uid, balanceFen: 800 }).toJSON() };
    await place(OLD, m1Torn, `m1:${c.uid}`);
    await place(NEW, stock(c.newNo), `cpu:${c.newNo}`);
    await openWorkflow('F6', 'migrate-screen');
    const oldNo = await page.locator(`[data-reader="${lab.readerNames[OLD]!}"] .reader-slot-card .mono`).textContent() ?? '';
    await toConfirmation(oldNo, c.newNo);
    await page.keyboard.press('Enter');
    await settlesWhenNewCardReturns({ name: `migrate-m1-${c.fault}`, newRef: `m1:${c.uid}`, cards: [oldNo, c.newNo], stranger: '3100000000080049', outcome: c.outcome, slot: OLD });
    const text = await page.getByTestId(c.outcome).textContent() ?? '';
    assert.match(text, /升级换卡（F6）/, text);
    assert.doesNotMatch(text, /退还顾客|已入账/, text);
    assert.equal(await balanceOn(NEW), 0, 'nothing on the new card yet');
    // The panel shows the M1 card as the settlement left it: zeroed (the balance held), or untouched.
    await view(`m1:${c.uid}`).getByTestId('card-balance').filter({ hasText: c.resume ? '¥0.00' : '¥8.00' }).waitFor();
    await upgradeAgain(oldNo, c.newNo, `migrate-m1-${c.fault}-04-finished`);
    await takeOff(NEW, `cpu:${c.newNo}`);
    await takeOff(OLD, `m1:${c.uid}`);
  }));
}

/** The balance the panel shows for a card placed afresh (read from the card itself). */
async function panelBalance(slot: number, card: unknown, ref: string): Promise<string> {
  await place(slot, card, ref);
  return await view(ref).getByTestId('card-balance').textContent() ?? '';
}

/** Enter on a confirmation whose old card was swapped: a certain refusal naming both cards. */
async function refusedAsSwapped(refusal: string, confirmed: string, found: string, name: string, notNamed: string[] = []): Promise<void> {
  await page.keyboard.press('Enter');
  await page.getByTestId('refused-nothing-done').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('refused-nothing-done').textContent(), refusal);
  const named = await page.getByTestId('wf-confirm').getByTestId('error-cards').textContent() ?? '';
  assert.ok(named.includes(confirmed) && named.includes(found), `both card numbers named: ${named}`);
  for (const n of notNamed) assert.ok(!named.includes(n), `${n} is not how the clerk knows the card: ${named}`);
  assert.equal(await page.getByTestId('wf-unknown').count(), 0, 'a certain refusal, not 未确认');
  await shot(name);
  await noScriptError(name);
  await page.keyboard.press('Escape'); // the form
}

test('exchange with another card put in the old card\'s place at the confirmation: 未换卡，未收款, both numbers named, no card changed', { skip }, () => run('exchange-swap', async () => {
  const [O, N, C] = ['3100000000080031', '3100000000000832', '3100000000080033'];
  await place(OLD, cpu(O, 4_000), `cpu:${O}`);
  await place(NEW, stock(N), `cpu:${N}`);
  await openWorkflow('F5', 'exchange-screen');
  await toConfirmation(O, N);
  const o = await takeOff(OLD, `cpu:${O}`);
  await place(OLD, cpu(C, 6_000), `cpu:${C}`);
  await refusedAsSwapped('未换卡，未收款', O, C, 'exchange-swap-refused');
  assert.equal(await balanceOn(OLD), 6_000, 'the card put in its place is unchanged');
  await takeOff(OLD, `cpu:${C}`);
  assert.equal(await panelBalance(OLD, o, `cpu:${O}`), '¥40.00', 'the customer\'s card is unchanged');
  assert.notEqual(await view(`cpu:${O}`).getByTestId('card-status').textContent(), '已锁定', 'the customer\'s card is not blocked');
  assert.equal(await balanceOn(NEW), 0, 'the stock card was not loaded');
  await home();
  await takeOff(NEW, `cpu:${N}`);
  await takeOff(OLD, `cpu:${O}`);
}));

test('upgrade with another M1 card put in the old card\'s place at the confirmation: 未升级换卡，未收款, both numbers named, no card changed', { skip }, () => run('migrate-swap', async () => {
  // Printed numbers differ (a lab card's comes from its UID's first 7 digits): the refusal can name both.
  const [U, V, N] = ['0A0B0C31', '0A0B0D32', '3100000000000834'];
  await place(OLD, makeLabCard({ kind: 'm1', id: U, balanceFen: 900 }).toJSON(), `m1:${U}`);
  await place(NEW, stock(N), `cpu:${N}`);
  await openWorkflow('F6', 'migrate-screen');
  const oldNo = await page.locator(`[data-reader="${lab.readerNames[OLD]!}"] .reader-slot-card .mono`).textContent() ?? '';
  await toConfirmation(oldNo, N);
  const u = await takeOff(OLD, `m1:${U}`);
  await place(OLD, makeLabCard({ kind: 'm1', id: V, balanceFen: 700 }).toJSON(), `m1:${V}`);
  // An M1 card is bound by its UID and named in the refusal by the number the city prints (the screen's, issue 16 item 8).
  await refusedAsSwapped('未升级换卡，未收款', m1PrintedNumber(U), m1PrintedNumber(V), 'migrate-swap-refused', [U, V]);
  const v = await takeOff(OLD, `m1:${V}`);
  assert.equal(await panelBalance(OLD, v, `m1:${V}`), '¥7.00', 'the card put in its place is unchanged');
  await takeOff(OLD, `m1:${V}`);
  assert.equal(await panelBalance(OLD, u, `m1:${U}`), '¥9.00', 'the customer\'s card is unchanged');
  assert.doesNotMatch(await view(`m1:${U}`).getByTestId('card-status').textContent() ?? '', /黑名单/, 'not blacklisted');
  assert.equal(await balanceOn(NEW), 0, 'the stock card was not loaded');
  await home();
  await takeOff(NEW, `cpu:${N}`);
  await takeOff(OLD, `m1:${U}`);
}));

test('the ledger the screens wrote verifies', { skip }, async () => {
  const verify = await runStationOk(['ledger', 'verify', '--json'], { ...process.env, ...lab.env, STATION_HOME: suite.at.home });
  assert.equal(verify.json.ok, true);
});
