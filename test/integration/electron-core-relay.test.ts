// The Electron shell's path to the core, in plain Node (no Electron binary here): main starts the
// real core process (`station serve` through cli/bin/station.mjs, as utilityProcess would), reads
// its ready line, connects to its API and its read-only customer feed, and relays a window's
// calls through the IPC gate. Also the browser half of the customer display: /customer and
// /customer-api have their own token, and the counter's token does not open them (nor theirs the counter).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { CustomerMessage } from '../../common/api-customer.ts';
import { appUrl } from '../../main/app-protocol.ts';
import { connectCore, connectCustomerFeed, type CoreLink } from '../../main/core-link.ts';
import { nodeCoreChild, startCore, type CoreProcess } from '../../main/core-process.ts';
import { createRelay, senderOf } from '../../main/ipc-relay.ts';
import { runStationOk } from '../harness/cli.ts';
import { PCSC_BINDING, skipUnless } from '../harness/system-needs.ts';
import { launchChromium, skipWithoutChromium } from '../harness/ui-serve.ts';

const root = path.resolve(import.meta.dirname, '../..');
let home: string;
let core: CoreProcess;
let link: CoreLink;

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'electron-core-'));
  // No pcscd behind this socket: the core runs with the reader service down (with the smartcard
  // binding; without it a training core takes the in-process readers, a card on the first).
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home, PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm') };
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  core = await startCore(nodeCoreChild(env));
  link = await connectCore(core.apiWsUrl, () => undefined);
});
after(async () => {
  link?.close();
  await core?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the counter window\'s calls reach the core through the relay; the customer window\'s do not', async () => {
  const relay = createRelay({ core: () => link, appUrl: appUrl('counter'), counterIds: () => new Set([1]) });
  const counter = senderOf({ sender: { id: 1 }, senderFrame: { url: appUrl('counter'), parent: null } });
  const customer = senderOf({ sender: { id: 2 }, senderFrame: { url: appUrl('customer'), parent: null } });
  const status = await relay.handleCall(counter, 'status', {});
  assert.ok('result' in status, JSON.stringify(status));
  assert.equal((status.result as { station: { mode: string } }).station.mode, 'training');
  const locked = await relay.handleCall(counter, 'readers', {});
  assert.ok('error' in locked && locked.error.code === 'AUTH', 'the core\'s own session rules still apply');
  const login = await relay.handleCall(counter, 'login', { staffId: 'admin', pin: '2468' });
  assert.ok('result' in login, JSON.stringify(login));
  const readers = await relay.handleCall(counter, 'readers', {});
  assert.ok('result' in readers && Array.isArray(readers.result), JSON.stringify(readers));
  const refused = await relay.handleCall(customer, 'readers', {});
  assert.ok('error' in refused && refused.error.code === 'AUTH');
  assert.equal(core.mode, 'training');
  assert.equal(core.child.pid !== undefined && core.child.pid !== process.pid, true, 'the core is its own process');
});

// The customer display idle needs an empty reader: the reader service down, not the in-process lab's card.
const skipWithoutBinding = skipUnless(PCSC_BINDING);

test('the customer feed: read-only, its own token, the display pushed on connect', { skip: skipWithoutBinding }, async () => {
  const got: CustomerMessage[] = [];
  const feed = await connectCustomerFeed(core.customerWsUrl, (m) => got.push(m), () => undefined);
  try {
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got[0], { event: 'customer', display: { state: 'idle' } });
  } finally {
    feed.close();
  }
  const customerToken = new URL(core.customerUrl).searchParams.get('token')!;
  assert.notEqual(customerToken, core.token);
  const page = await fetch(core.customerUrl);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal((await fetch(`http://127.0.0.1:${core.port}/customer?token=${core.token}`)).status, 403, 'the counter token does not open the customer page');
  assert.equal((await fetch(`http://127.0.0.1:${core.port}/?token=${customerToken}`)).status, 403, 'the customer token does not open the counter');
  const refusedWs = (url: string) => new Promise<number>((resolve) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('error', () => resolve(-1));
  });
  assert.equal(await refusedWs(`ws://127.0.0.1:${core.port}/customer-api?token=${core.token}`), 403);
  assert.equal(await refusedWs(`ws://127.0.0.1:${core.port}/api?token=${customerToken}`), 403);
  // Whatever the customer page sends is dropped: no answer, no effect.
  const ws = new WebSocket(core.customerWsUrl);
  const msgs: string[] = [];
  ws.on('message', (d) => msgs.push(d.toString()));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ id: 1, method: 'logout', params: {} }));
  await new Promise((r) => setTimeout(r, 300));
  ws.close();
  assert.ok(msgs.every((m) => (JSON.parse(m) as { event?: string }).event === 'customer'), msgs.join('\n'));
});

test('the customer page in Chromium: the customer view (not the counter), fed over its read-only socket under the CSP', { skip: skipWithoutChromium() }, async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const frames: string[] = [];
    page.on('websocket', (ws) => { ws.on('framereceived', (f) => frames.push(`${ws.url()} ${String(f.payload)}`)); });
    await page.goto(core.customerUrl);
    const display = page.getByTestId('customer-display');
    await display.waitFor({ timeout: 20_000 });
    assert.equal(await display.getAttribute('data-state'), 'idle');
    assert.match(await display.innerText(), /欢迎光临/);
    assert.equal(await page.getByTestId('login-staff').count(), 0, 'no counter screen on the customer page');
    for (let i = 0; i < 100 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(frames[0] ?? '(no frame)', /\/customer-api\?token=[0-9a-f]{64} \{"event":"customer","display":\{"state":"idle"\}\}/);
    assert.deepEqual(errors.filter((e) => /Content Security Policy|WebSocket/.test(e)), []);
    await page.screenshot({ path: path.join(root, 'test-artifacts', 'ui', 'customer-display-idle.png') });
    // The counter's confirmation step, as the customer sees it.
    const relay = createRelay({ core: () => link, appUrl: appUrl('counter'), counterIds: () => new Set([1]) });
    const counter = senderOf({ sender: { id: 1 }, senderFrame: { url: appUrl('counter'), parent: null } });
    await relay.handleCall(counter, 'customerShow', { pending: { kind: 'topup', amountFen: 2000, tenderedFen: 5000 } });
    await page.locator('[data-testid="customer-display"][data-state="confirm"]').waitFor({ timeout: 10_000 });
    const text = await display.innerText();
    for (const s of ['充值', '¥20.00', '贰拾元整', '¥30.00', '请核对金额']) assert.ok(text.includes(s), `${s} in:\n${text}`);
    await page.screenshot({ path: path.join(root, 'test-artifacts', 'ui', 'customer-display-confirm.png') });
    await relay.handleCall(counter, 'customerShow', { pending: null });
    await page.locator('[data-testid="customer-display"][data-state="idle"]').waitFor({ timeout: 10_000 });
  } finally {
    await browser.close();
  }
});

test('the counter\'s confirmation step reaches the customer feed (请核对金额 before the operator confirms), and is taken down', { skip: skipWithoutBinding }, async () => {
  const relay = createRelay({ core: () => link, appUrl: appUrl('counter'), counterIds: () => new Set([1]) });
  const counter = senderOf({ sender: { id: 1 }, senderFrame: { url: appUrl('counter'), parent: null } });
  const got: CustomerMessage[] = [];
  const feed = await connectCustomerFeed(core.customerWsUrl, (m) => got.push(m), () => undefined);
  const waitFor = async (state: string) => {
    for (let i = 0; i < 100 && got.at(-1)?.display.state !== state; i++) await new Promise((r) => setTimeout(r, 50));
    return got.at(-1)?.display;
  };
  try {
    await waitFor('idle');
    const shown = await relay.handleCall(counter, 'customerShow', { pending: { kind: 'topup', amountFen: 2000, tenderedFen: 5000 } });
    assert.deepEqual(shown, { result: { ok: true } });
    assert.deepEqual(await waitFor('confirm'), { state: 'confirm', kind: 'topup', cardNo: null, amountFen: 2000, balanceFen: null, tenderedFen: 5000, changeFen: 3000 });
    const bad = await relay.handleCall(counter, 'customerShow', { pending: { kind: 'topup', amountFen: 19.99 } });
    assert.ok('error' in bad && bad.error.code === 'BAD_INPUT', 'fen only');
    await relay.handleCall(counter, 'customerShow', { pending: null });
    assert.deepEqual(await waitFor('idle'), { state: 'idle' });
  } finally {
    feed.close();
  }
});
