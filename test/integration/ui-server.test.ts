// The UI server's guards and protocol, in process: the page and the WebSocket need the run's
// token; a foreign Host or Origin is refused; it listens on loopback only; every message is
// checked against common/api.ts; methods need an unlocked session; roles stay in the core.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { isLoopbackAddress, startUiServer, type UiServer } from '../../core/api/server.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let server: UiServer;
let access: PcscCardAccess;
let dist: string;

before(async () => {
  fx = await stationFixture({ openShiftFloatFen: null });
  dist = mkdtempSync(path.join(os.tmpdir(), 'ui-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  // No pcscd behind this socket: the server runs with the service down.
  access = new PcscCardAccess({ socketPath: path.join(dist, 'no-pcscd.comm') });
  server = await startUiServer({ station: fx.station, access, staticDir: dist, idleLockMs: 60_000 });
});
after(async () => {
  await server?.close();
  await access?.close();
  await fx?.cleanup();
  rmSync(dist, { recursive: true, force: true });
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A connected client that collects answers by id and events. */
async function client() {
  const ws = await connect(`?token=${server.token}`);
  const answers = new Map<number, (m: Record<string, unknown>) => void>();
  const events: Record<string, unknown>[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    if ('event' in m) events.push(m);
    else answers.get(m.id as number)?.(m);
  });
  let next = 1;
  const raw = (msg: unknown, id: number) => new Promise<Record<string, unknown>>((resolve) => {
    answers.set(id, resolve);
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
  const call = (method: string, params: unknown = {}) => { const id = next++; return raw({ id, method, params }, id); };
  return { ws, call, raw, events };
}

test('the page needs the run token; assets are served; CSP and no-referrer on every answer', async () => {
  assert.equal((await get('/')).status, 403);
  assert.equal((await get('/?token=wrong')).status, 403);
  // One character off (the last one changed, never to itself: a token ending in '0' made this
  // the right token about one run in sixteen).
  const last = server.token.slice(-1);
  assert.equal((await get(`/?token=${server.token.slice(0, -1)}${last === '0' ? '1' : '0'}`)).status, 403);
  const ok = await get(`/?token=${server.token}`);
  assert.equal(ok.status, 200);
  const csp = String(ok.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(ok.headers['referrer-policy'], 'no-referrer');
  assert.equal(ok.headers['x-content-type-options'], 'nosniff');
  assert.equal(ok.headers['cache-control'], 'no-store');
  assert.equal((await get('/assets/app.js')).status, 200);
  assert.equal((await get('/assets/../../etc/passwd')).status, 404);
  assert.equal((await get('/assets/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  assert.equal((await get('/config.json')).status, 404);
});

test('a foreign Host (DNS rebinding) or Origin is refused; the WebSocket needs the token', async () => {
  assert.equal((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status, 403);
  await assert.rejects(connect(''), /refused 403/);
  await assert.rejects(connect('?token=nope'), /refused 403/);
  await assert.rejects(connect(`?token=${server.token}`, { origin: 'http://evil.example' }), /refused 403/);
  await assert.rejects(connect(`?token=${server.token}`, { host: `evil.example:${server.port}` }), /refused 403/);
  const ws = await connect(`?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  ws.close();
});

test('loopback only: listening on 127.0.0.1, a non-loopback address of this machine is refused', async () => {
  assert.ok(server.url.startsWith(`http://127.0.0.1:${server.port}/?token=`));
  for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(a), false, String(a));
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!external) {
    console.log('# no non-loopback IPv4 interface on this machine: only the address rule is checked');
    return;
  }
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const s = net.connect({ host: external.address, port: server.port });
    s.once('connect', () => { s.destroy(); resolve(null); });
    s.once('error', (e) => resolve(e));
  });
  assert.equal(err?.code, 'ECONNREFUSED', `connecting via ${external.address} must fail`);
});

test('every message is checked against the contract; nothing runs before login', async () => {
  const c = await client();
  try {
    const notJson = await c.raw('{oops', 0);
    assert.equal((notJson.error as { code: string }).code, 'BAD_INPUT');
    const unknown = await c.raw({ id: 7, method: 'format-disk', params: {} }, 7);
    assert.equal((unknown.error as { code: string }).code, 'BAD_INPUT');
    const extra = await c.raw({ id: 8, method: 'login', params: { staffId: 'op1', pin: '2222', role: 'admin' } }, 8);
    assert.equal((extra.error as { code: string }).code, 'BAD_INPUT', 'unknown params are refused, not ignored');
    const floatMoney = await c.raw({ id: 9, method: 'topup', params: { amountFen: 50.5, pay: 'cash' } }, 9);
    assert.equal((floatMoney.error as { code: string }).code, 'BAD_INPUT', 'money is integer fen');
    const before = await c.call('topup', { idempotencyKey: randomUUID(), amountFen: 5000, pay: 'cash', confirmedCard: { reader: 'R0', asn: '3100000000000001' } });
    assert.deepEqual(before.error, { code: 'AUTH', message: 'Not logged in', hint: 'Log in with your staff ID and PIN', say: { id: 'notLoggedIn' } });
    const status = await c.call('status');
    assert.equal((status.result as { session: unknown }).session, null);
    assert.equal((status.result as { pcsc: { up: boolean } }).pcsc.up, false);
    const wrong = await c.call('login', { staffId: 'op1', pin: '9999' });
    assert.equal((wrong.error as { code: string }).code, 'AUTH');
  } finally {
    c.ws.close();
  }
});

test('sessions: login keeps the Actor on the server, lock refuses work until the PIN, resume re-attaches, logout ends', async () => {
  const c = await client();
  try {
    const login = await c.call('login', { staffId: 'op1', pin: '2222' });
    const { session, user } = login.result as { session: string; user: { staffId: string; role: string; locked: boolean } };
    assert.match(session, /^[0-9a-f]{64}$/);
    assert.deepEqual(user, { staffId: 'op1', name: '张三', role: 'operator', locked: false });
    assert.equal(JSON.stringify(login.result).includes('2222'), false, 'the PIN never comes back');
    const opened = await c.call('shiftOpen', { idempotencyKey: randomUUID(), floatFen: 30000 });
    assert.equal((opened.result as { floatFen: number }).floatFen, 30000);
    const st = (await c.call('status')).result as { shift: { floatFen: number; expectedFen: number } };
    assert.deepEqual([st.shift.floatFen, st.shift.expectedFen], [30000, 30000]);
    assert.ok(c.events.some((e) => e.event === 'shift'), 'a shift event was pushed');

    // Roles stay in the core: an operator cannot sign off a drawer difference.
    const diff = await c.call('shiftClose', { idempotencyKey: randomUUID(), counted: { 10000: 2 }, supervisor: { staffId: 'op1', pin: '2222' } });
    assert.equal((diff.error as { code: string }).code, 'FORBIDDEN');
    const noSup = await c.call('shiftClose', { idempotencyKey: randomUUID(), counted: { 10000: 2 } });
    assert.equal((noSup.error as { code: string }).code, 'POLICY');

    await c.call('lock');
    assert.equal(((await c.call('card')).error as { code: string }).code, 'AUTH');
    const other = await c.call('login', { staffId: 'op1', pin: '0000' });
    assert.equal((other.error as { code: string }).code, 'AUTH');
    await c.call('login', { staffId: 'op1', pin: '2222' });
    assert.deepEqual((await c.call('card')).result, []);

    // A second connection (a page reload) re-attaches with the session token only.
    const d = await client();
    try {
      assert.equal(((await d.call('resume', { session: '0'.repeat(64) })).error as { code: string }).code, 'AUTH');
      const r = await d.call('resume', { session });
      assert.equal((r.result as { user: { staffId: string } }).user.staffId, 'op1');
      const closed = await d.call('shiftClose', { idempotencyKey: randomUUID(), counted: { 10000: 3 } });
      assert.equal((closed.result as { differenceFen: number }).differenceFen, 0);
      await d.call('logout');
      assert.equal(((await d.call('resume', { session })).error as { code: string }).code, 'AUTH');
    } finally {
      d.ws.close();
    }
  } finally {
    c.ws.close();
  }
});

test('an idle session locks by itself and its screen is told', async () => {
  const idleAccess = new PcscCardAccess({ socketPath: path.join(dist, 'no-pcscd.comm') });
  const idle = await startUiServer({ station: fx.station, access: idleAccess, staticDir: dist, idleLockMs: 300 });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${idle.port}/api?token=${idle.token}`);
    await new Promise((r) => ws.once('open', r));
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.send(JSON.stringify({ id: 1, method: 'login', params: { staffId: 'op1', pin: '2222' } }));
    const deadline = Date.now() + 5000;
    while (!messages.some((m) => m.event === 'session') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ev = messages.find((m) => m.event === 'session') as { user: { locked: boolean } } | undefined;
    assert.equal(ev?.user.locked, true, 'a session event says the station locked');
    ws.send(JSON.stringify({ id: 2, method: 'card', params: {} }));
    while (!messages.some((m) => m.id === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal((messages.find((m) => m.id === 2)!.error as { code: string }).code, 'AUTH');
    ws.close();
  } finally {
    await idle.close();
    await idleAccess.close();
  }
});
