// docs/SECURITY.md "Hostile input at the sockets" (issue 14): a real `station serve` process.
// A text frame with invalid UTF-8 and a frame over the limit close THAT connection with 1007 /
// 1009, on the API socket and on the customer display's; the process stays up and serves the
// others. PIN checks are rate-limited per connection, per staff id and per source, with a clear
// refusal; refused requests reach the audit trail as counters, not one row each.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { readAudit, type AuditRecord } from '../../db/audit.ts';
import { openStationDb } from '../../db/station-db.ts';
import { API_MAX_PAYLOAD, CUSTOMER_MAX_PAYLOAD } from '../../core/api/socket-guard.ts';
import { DEFAULT_LOGIN_RULES } from '../../core/login-throttle.ts';
import { runStationOk } from '../harness/cli.ts';
import { startServe, type Serve } from '../harness/ui-serve.ts';
import { connectApi } from '../harness/api-client.ts';

let home: string;
let serve: Serve;
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe]);

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'ui-socket-hostile-'));
  const env = { ...process.env, STATION_HOME: home, STATION_KEYS: '', PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm') };
  await runStationOk(['init', '--training', '--admin-pin', '8642'], env);
  serve = await startServe(env, ['--idle-lock', '600']);
});
after(async () => {
  await serve?.stop();
  rmSync(home, { recursive: true, force: true });
});

const api = () => connectApi(serve.port, serve.token);
const customer = () => connectApi(serve.port, new URL(serve.customerUrl).searchParams.get('token')!, '/customer-api');

async function auditRows(): Promise<AuditRecord[]> {
  const db = await openStationDb(path.join(home, 'training.sqlite'));
  try {
    return (await readAudit(db, 10_000)).reverse();
  } finally {
    await db.close();
  }
}

/** Audit rows once `ready` holds (refusal counters are written every 10 s: polled up to 20 s). */
async function auditWhen(ready: (rows: AuditRecord[]) => boolean): Promise<AuditRecord[]> {
  let rows = await auditRows();
  for (let i = 0; i < 200 && !ready(rows); i++) {
    await new Promise((r) => setTimeout(r, 100));
    rows = await auditRows();
  }
  return rows;
}

/** The server is up and answers a fresh connection. */
async function stillServing(): Promise<void> {
  const c = await api();
  const status = await c.call('status');
  assert.ok(status.result, `status answers after the fault: ${JSON.stringify(status)}`);
  c.ws.close();
  assert.equal(serve.child.exitCode, null, `station serve is still running:\n${serve.output()}`);
}

test('invalid UTF-8 and oversized frames close that connection with 1007 / 1009; the server serves the others', async () => {
  const bystander = await api();
  assert.ok((await bystander.call('status')).result);

  const utf8 = await api();
  utf8.ws.send(INVALID_UTF8, { binary: false });
  assert.equal(await utf8.closed, 1007, 'invalid UTF-8 in a text frame: 1007');

  const big = await api();
  big.ws.send('x'.repeat(API_MAX_PAYLOAD + 1));
  assert.equal(await big.closed, 1009, 'a frame over the limit: 1009');

  // A fragmented message whose parts together exceed the limit is the same fault.
  const fragments = await api();
  fragments.ws.send('{"id":1,"method":"status","params":{"pad":"', { fin: false });
  for (let i = 0; i < 3; i++) fragments.ws.send('y'.repeat(API_MAX_PAYLOAD / 2), { fin: false });
  assert.equal(await fragments.closed, 1009, 'a message over the limit in fragments: 1009');

  const shopper = await customer();
  shopper.ws.send(INVALID_UTF8, { binary: false });
  assert.equal(await shopper.closed, 1007, 'customer display socket: invalid UTF-8 → 1007');
  const shopper2 = await customer();
  shopper2.ws.send(Buffer.alloc(CUSTOMER_MAX_PAYLOAD + 1), { binary: true });
  assert.equal(await shopper2.closed, 1009, 'customer display socket: over its limit → 1009');
  // The display that behaves still gets its display.
  const display = await customer();
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(display.received.some((m) => m.includes('"event":"customer"')), 'the customer display still receives its state');
  display.ws.close();

  // The connection that did nothing wrong was never touched.
  assert.equal(bystander.ws.readyState, WebSocket.OPEN);
  assert.ok((await bystander.call('status')).result, 'the bystander still gets answers');
  bystander.ws.close();
  await stillServing();
  assert.match(serve.output(), /api socket: .*(UTF-8|utf-8)/i, 'the fault is reported on stderr, not thrown');
});

test('refused requests are audited as one counter per source and kind (with how many connections), not one row each', async () => {
  const before = (await auditRows()).length;
  const c = await api();
  const answers = [];
  for (let i = 0; i < 500; i++) answers.push(c.call('readers'));
  for (let i = 0; i < 300; i++) c.ws.send('not json');
  for (let i = 0; i < 200; i++) answers.push(c.call('noSuchMethod', { a: i }));
  const got = await Promise.all(answers);
  assert.equal(got.filter((a) => a.error?.code === 'AUTH').length, 500, 'readers before login: AUTH');
  assert.equal(got.filter((a) => a.error?.code === 'BAD_INPUT').length, 200, 'unknown method: BAD_INPUT');
  c.ws.close();
  await c.closed;
  const counted = (rows: AuditRecord[], action: string, reason: string) => rows.filter((a) => a.action === action && (a.details as { reason?: string }).reason === reason)
    .reduce((n, a) => n + Number((a.details as { count?: number }).count), 0);
  const rows = await auditWhen((r) => counted(r.slice(before), 'readers', 'not logged in') === 500
    && counted(r.slice(before), 'api-request', 'not JSON') === 300 && counted(r.slice(before), 'api-request', 'outside the contract') === 200);
  const added = rows.slice(before);
  assert.equal(counted(added, 'readers', 'not logged in'), 500);
  assert.equal(counted(added, 'api-request', 'not JSON'), 300);
  assert.equal(counted(added, 'api-request', 'outside the contract'), 200);
  assert.ok(added.length <= 6, `1,000 refusals became ${added.length} audit rows:\n${added.map((a) => JSON.stringify(a)).join('\n')}`);
  for (const a of added) assert.equal(a.outcome, 'refused');
});

/**
 * Logs in with `next(i)` until the answer is RATE_LIMITED (bounded: a bucket refills while the
 * attempts run, so the exact count is not fixed). Returns how many reached the PIN check.
 */
async function untilThrottled(login: (i: number) => Promise<{ error?: { code: string; message: string; hint?: string } }>, atLeast: number) {
  let checked = 0;
  for (let i = 0; i < atLeast + 40; i++) {
    const a = await login(i);
    if (a.error?.code === 'RATE_LIMITED') {
      assert.ok(checked >= atLeast, `throttled after ${checked} checks, the rule allows ${atLeast}`);
      return { checked, refusal: a.error };
    }
    assert.equal(a.error?.code, 'AUTH', `attempt ${i + 1} reaches the PIN check: ${JSON.stringify(a)}`);
    checked += 1;
  }
  assert.fail(`never throttled after ${checked} attempts`);
}

test('PIN checks are rate-limited per connection, per staff id and per source, with a clear refusal', async () => {
  const { perConnection, perStaff, perSource } = DEFAULT_LOGIN_RULES;
  const before = (await auditRows()).length;
  // One connection trying many ids: the connection's bucket runs out.
  const one = await api();
  const byConn = await untilThrottled((i) => one.call('login', { staffId: `ghost${i}`, pin: '0000' }), perConnection.burst);
  assert.match(byConn.refusal.message, /Too many PIN attempts; try again in \d+ s/);
  assert.match(byConn.refusal.hint ?? '', /Wait \d+ s, then enter the PIN again/);
  one.ws.close();

  // One staff id from fresh connections: the id's bucket runs out, whichever connection asks.
  const fresh = async (staffId: string, pin: string) => {
    const c = await api();
    try {
      return await c.call('login', { staffId, pin });
    } finally {
      c.ws.close();
    }
  };
  const byId = await untilThrottled((i) => fresh('target', String(1000 + i)), perStaff.burst);

  // Fresh ids on fresh connections: the source (127.0.0.1) runs out too.
  const bySource = await untilThrottled((i) => fresh(`other${i}`, '0000'), perSource.burst - byConn.checked - byId.checked);

  // A throttled attempt never reached the staff table: the real admin gets in once the source refilled.
  let admin;
  let adminWaits = 0;
  const c = await api();
  for (let i = 0; i < 20; i++) {
    admin = await c.call('login', { staffId: 'admin', pin: '8642' });
    if (admin.error?.code !== 'RATE_LIMITED') break;
    adminWaits += 1;
    await new Promise((r) => setTimeout(r, perSource.refillMs / 2));
  }
  assert.ok(admin?.result, `the admin logs in after the wait: ${JSON.stringify(admin)}`);
  c.ws.close();

  // Every RATE_LIMITED answer is counted (one counter row per interval), every PIN checked has its own row.
  const limitedAnswers = 3 + adminWaits;
  const throttledCount = (rows: AuditRecord[]) => rows.filter((a) => a.action === 'login' && (a.details as { reason?: string }).reason === 'rate limited')
    .reduce((n, a) => n + Number((a.details as { count?: number }).count), 0);
  const rows = await auditWhen((r) => throttledCount(r.slice(before)) >= limitedAnswers);
  const added = rows.slice(before);
  const refusedLogins = added.filter((a) => a.action === 'login' && a.outcome === 'refused' && (a.details as { reason?: string }).reason !== 'rate limited');
  assert.equal(refusedLogins.length, byConn.checked + byId.checked + bySource.checked, 'one row per PIN actually checked');
  assert.equal(throttledCount(added), limitedAnswers, 'the throttled attempts are counted');
});
