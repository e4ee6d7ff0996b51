// The Electron shell's decisions as plain functions (main/*.ts), without Electron: where the
// customer display goes, which files app://station serves, when main prints a receipt itself,
// the IPC relay's gate (sender, contract) in front of the core, the core's ready line, and the
// customer display's state (core/api/customer-feed.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appUrl, resolveAppFile } from '../../main/app-protocol.ts';
import type { CoreLink } from '../../main/core-link.ts';
import { parseReadyLine } from '../../main/core-process.ts';
import { customerPlacement, customerWindowOptions } from '../../main/customer-screen.ts';
import { createRelay, senderOf } from '../../main/ipc-relay.ts';
import { receiptToHandOff } from '../../main/print.ts';
import { createCustomerFeed, displayForResult } from '../../core/api/customer-feed.ts';
import { CUSTOMER_METHODS } from '../../common/api-customer.ts';

test('the customer display goes full screen on the second monitor, else a small window on the counter screen', () => {
  const primary = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
  const second = { id: 7, bounds: { x: 1920, y: 0, width: 1024, height: 600 } };
  const p2 = customerPlacement([primary, second], 1);
  assert.deepEqual(p2, { secondScreen: true, displayId: 7, bounds: second.bounds, fullscreen: true });
  const p1 = customerPlacement([primary], 1);
  assert.equal(p1.secondScreen, false);
  assert.equal(p1.fullscreen, false);
  assert.ok(p1.bounds.x + p1.bounds.width <= 1920 && p1.bounds.y + p1.bounds.height <= 1080, 'inside the primary screen');
  const o = customerWindowOptions('/p.cjs', p2);
  assert.equal(o.webPreferences.sandbox, true);
  assert.equal(o.webPreferences.contextIsolation, true);
  assert.equal(o.webPreferences.nodeIntegration, false);
  assert.equal(o.focusable, false, 'the customer screen never takes the operator\'s keyboard');
  assert.equal(o.x, 1920);
});

test('app://station serves the page, its assets and nothing outside dist', () => {
  const dist = path.resolve('/opt/app/renderer/dist');
  assert.equal(resolveAppFile(dist, appUrl('counter')), path.join(dist, 'index.html'));
  assert.equal(resolveAppFile(dist, appUrl('customer')), path.join(dist, 'index.html'));
  assert.equal(resolveAppFile(dist, 'app://station/assets/index-1.js'), path.join(dist, 'assets', 'index-1.js'));
  for (const bad of ['app://station/assets/../../../../etc/passwd', 'app://station/assets/%2e%2e/%2e%2e/main/main.ts', 'app://station/package.json', 'app://other/', 'file:///etc/passwd', 'app://station/assets/%E0%A4%A', 'nonsense']) {
    const f = resolveAppFile(dist, bad);
    assert.ok(f === null || f.startsWith(dist + path.sep), `${bad} → ${f}`);
    if (!bad.startsWith('app://station/assets/%2e') && !bad.includes('../')) assert.equal(f, null, bad);
  }
  assert.equal(resolveAppFile(dist, 'app://station/assets/../../../../etc/passwd'), null);
});

test('main prints a receipt itself only on Windows and only when the core did not', () => {
  const pdf = path.resolve('/station/receipts/r1.pdf');
  assert.equal(receiptToHandOff({ receipt: pdf }, 'linux'), null, 'CUPS in the core prints on Linux');
  assert.equal(receiptToHandOff({ receipt: pdf }, 'win32'), pdf);
  assert.equal(receiptToHandOff({ receipt: pdf, print: { ok: false } }, 'win32'), pdf);
  assert.equal(receiptToHandOff({ receipt: pdf, print: { ok: true } }, 'win32'), null);
  assert.equal(receiptToHandOff({ receipt: null }, 'win32'), null);
  assert.equal(receiptToHandOff({ receipt: 'relative.pdf' }, 'win32'), null);
  assert.equal(receiptToHandOff({ receipt: path.resolve('/x/evil.exe') }, 'win32'), null);
  assert.equal(receiptToHandOff('nope', 'win32'), null);
});

test('the relay answers only the counter window, parses against the contract, and passes the core\'s answer on', async () => {
  const calls: [string, unknown][] = [];
  const core: CoreLink = {
    call: async (m, p) => { calls.push([m, p]); return m === 'status' ? { result: { ok: 1 } } : { error: { code: 'AUTH', message: 'Not logged in' } }; },
    onEvent: () => () => undefined, onClose: () => undefined, close: () => undefined,
  };
  const answered: string[] = [];
  const relay = createRelay({ core: () => core, appUrl: appUrl('counter'), counterIds: () => new Set([3]), onAnswer: (m) => answered.push(m) });
  const counter = senderOf({ sender: { id: 3 }, senderFrame: { url: appUrl('counter'), parent: null } });
  const customer = senderOf({ sender: { id: 4 }, senderFrame: { url: appUrl('customer'), parent: null } });
  const subframe = senderOf({ sender: { id: 3 }, senderFrame: { url: appUrl('counter'), parent: {} } });
  assert.deepEqual(await relay.handleCall(counter, 'status', {}), { result: { ok: 1 } });
  assert.deepEqual(await relay.handleCall(counter, 'readers', undefined), { error: { code: 'AUTH', message: 'Not logged in' } });
  for (const s of [customer, subframe, senderOf({ sender: { id: 3 }, senderFrame: null })]) {
    const a = await relay.handleCall(s, 'status', {});
    assert.ok('error' in a && a.error.code === 'AUTH', JSON.stringify(a));
  }
  const unknown = await relay.handleCall(counter, 'evalInCore', {});
  assert.ok('error' in unknown && unknown.error.code === 'BAD_INPUT');
  const badParams = await relay.handleCall(counter, 'topup', { amountFen: 12.5, pay: 'cash' });
  assert.ok('error' in badParams && badParams.error.code === 'BAD_INPUT', 'money is integer fen before it leaves main');
  const extra = await relay.handleCall(counter, 'status', { sql: 'drop table ledger' });
  assert.ok('error' in extra && extra.error.code === 'BAD_INPUT', 'unknown params refused');
  assert.deepEqual(calls, [['status', {}], ['readers', {}]], 'only parsed requests reach the core');
  assert.deepEqual(answered, ['status']);
  const down = createRelay({ core: () => null, appUrl: appUrl('counter'), counterIds: () => new Set([3]) });
  const a = await down.handleCall(counter, 'status', {});
  assert.ok('error' in a && a.error.code === 'INTERNAL');
});

test('the core\'s ready line gives main the port and both tokens', () => {
  const r = parseReadyLine(JSON.stringify({ event: 'ready', url: 'http://127.0.0.1:4100/?token=abc', port: 4100, mode: 'training', customerUrl: 'http://127.0.0.1:4100/customer?token=def' }));
  assert.deepEqual(r, { url: 'http://127.0.0.1:4100/?token=abc', port: 4100, token: 'abc', customerUrl: 'http://127.0.0.1:4100/customer?token=def', mode: 'training' });
  assert.equal(parseReadyLine('Building the counter UI (vite build)…'), null);
  assert.equal(parseReadyLine(JSON.stringify({ event: 'ready', url: 'http://127.0.0.1:1/', port: 1, customerUrl: 'x' })), null, 'no token');
  assert.equal(parseReadyLine(JSON.stringify({ event: 'other' })), null);
});

test('the customer display: card → balance; a money answer → amount, change, balance; the re-read keeps the amount; removal → idle', () => {
  const feed = createCustomerFeed('t');
  const view = { cardNo: '3104000012345678', balanceFen: 5000 } as never;
  feed.onPanel({ type: 'card', reader: 'R0', view, settled: [] });
  assert.deepEqual(feed.current(), { state: 'card', cardNo: '3104 **** **** 5678', balanceFen: 5000 });
  feed.onResult('status', { amountFen: 1 });
  assert.equal(feed.current().state, 'card', 'not a money method');
  feed.onResult('topup', { asn: '3104000012345678', amountFen: 2000, balanceAfterFen: 7000, tenderedFen: 5000, changeFen: 3000 });
  assert.deepEqual(feed.current(), { state: 'done', kind: 'topup', cardNo: '3104 **** **** 5678', amountFen: 2000, balanceFen: 7000, tenderedFen: 5000, changeFen: 3000 });
  feed.onPanel({ type: 'card', reader: 'R0', view: { cardNo: '3104000012345678', balanceFen: 7000 } as never, settled: [] });
  assert.equal(feed.current().state, 'done', 'the panel\'s re-read after the top-up keeps the amount up');
  feed.onPanel({ type: 'cleared', reader: 'R1' });
  assert.equal(feed.current().state, 'done', 'another reader');
  feed.onPanel({ type: 'cleared', reader: 'R0' });
  assert.deepEqual(feed.current(), { state: 'idle' });
  assert.equal(displayForResult('issue', { totalFen: 2500, firstLoad: { balanceAfterFen: 500 }, tenderedFen: 3000, changeFen: 500 }, null)?.state, 'done');
  assert.equal(displayForResult('topup', { amountFen: -1 }, null), null, 'not fen');
  assert.equal(displayForResult('refund', { totalFen: 1.5 }, null), null);
});

test('the customer display\'s confirmation step: the amount and change before the operator confirms, taken down on the way back', () => {
  const feed = createCustomerFeed('t');
  feed.onPanel({ type: 'card', reader: 'R0', view: { cardNo: '3104000012345678', balanceFen: 5000 } as never, settled: [] });
  feed.show({ kind: 'topup', amountFen: 2000, tenderedFen: 5000 });
  assert.deepEqual(feed.current(), { state: 'confirm', kind: 'topup', cardNo: '3104 **** **** 5678', amountFen: 2000, balanceFen: 5000, tenderedFen: 5000, changeFen: 3000 });
  feed.show({ kind: 'topup', amountFen: 3000 });
  const again = feed.current();
  assert.equal(again.state === 'confirm' ? again.balanceFen : null, 5000, 'a second confirmation keeps the card');
  feed.show(null);
  assert.deepEqual(feed.current(), { state: 'card', cardNo: '3104 **** **** 5678', balanceFen: 5000 }, 'back to the card');
  feed.show({ kind: 'topup', amountFen: 2000 });
  feed.onResult('topup', { asn: '3104000012345678', amountFen: 2000, balanceAfterFen: 7000, tenderedFen: 2000, changeFen: 0 });
  assert.equal(feed.current().state, 'done');
  feed.show(null);
  assert.equal(feed.current().state, 'done', 'leaving the screen after the top-up does not take the result down');
});

test('the customer display\'s confirmation of a card workflow: the parts of the amount; an answer with no amount does not leave it up', () => {
  const feed = createCustomerFeed('t');
  feed.onPanel({ type: 'card', reader: 'R0', view: { cardNo: '3104000012345678', balanceFen: 0 } as never, settled: [] });
  const lines = [{ item: 'deposit' as const, fen: 2000 }, { item: 'firstLoad' as const, fen: 5000 }];
  feed.show({ kind: 'issue', amountFen: 7000, tenderedFen: 10_000, lines });
  assert.deepEqual(feed.current(), { state: 'confirm', kind: 'issue', cardNo: '3104 **** **** 5678', amountFen: 7000, balanceFen: 0, tenderedFen: 10_000, changeFen: 3000, lines });
  feed.show({ kind: 'exchange', amountFen: 0, lines: [{ item: 'balanceMoved', fen: 5000 }] });
  feed.onResult('exchange', { state: 'done', asn: '3104000012345678', balanceFen: 5000 });
  assert.equal(feed.current().state, 'confirm', 'no amount in the answer: the screen takes it down itself');
  feed.show(null);
  assert.deepEqual(feed.current(), { state: 'card', cardNo: '3104 **** **** 5678', balanceFen: 0 });
  const params = CUSTOMER_METHODS.customerShow.params;
  assert.equal(params.safeParse({ pending: { kind: 'refund', amountFen: 14_000, lines: [{ item: 'balance', fen: 12_000 }, { item: 'deposit', fen: 2000 }] } }).success, true);
  assert.equal(params.safeParse({ pending: { kind: 'issue', amountFen: 1, lines: [{ item: 'tip', fen: 1 }] } }).success, false, 'an item the display cannot name');
  assert.equal(params.safeParse({ pending: { kind: 'issue', amountFen: 1, lines: [{ item: 'fee', fen: 0.5 }] } }).success, false, 'not fen');
});

test('npm start finds Electron through STATION_ELECTRON or the electron package, and says why not', async () => {
  const { findElectron } = await import('../../main/electron-binary.mjs');
  const there = findElectron({ STATION_ELECTRON: process.execPath });
  assert.deepEqual(there, { path: process.execPath, source: 'STATION_ELECTRON' });
  const missing = findElectron({ STATION_ELECTRON: '/nonexistent/electron' });
  assert.equal(missing.path, null);
  assert.match('why' in missing ? missing.why : '', /does not exist/);
  const none = findElectron({});
  if (none.path === null) assert.match(none.why, /Electron binary is absent/);
});
