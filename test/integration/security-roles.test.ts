// docs/SECURITY.md "Roles" and "Audit": roles are enforced in the core, so an operator is
// refused a supervisor's or an admin's action whether it comes through the core API or
// straight over `station serve`'s WebSocket (a real `station serve` process, no UI); every
// refused action, every login (ok or not), lock, unlock and logout leaves an audit line; and
// nothing the station API sends, nor the UI bundle it serves, holds a key.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { authenticate } from '../../core/auth.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { closeShift } from '../../core/workflows/shift.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { readAudit, type AuditRecord } from '../../db/audit.ts';
import { openStationDb } from '../../db/station-db.ts';
import { stationFixture } from '../harness/station-fixture.ts';
import { waitForLine } from '../harness/child-lines.ts';
import { runStationInProcess, spawnStation } from '../harness/cli.ts';
import { connectApi } from '../harness/api-client.ts';

const root = path.resolve(import.meta.dirname, '../..');
const forbidden = (action: string) => (e: unknown) => (e as { code?: string }).code === 'FORBIDDEN' && new RegExp(`${action} needs the`).test((e as Error).message);

/** Every key of the shipped training file, as hex: none may ever reach a screen. */
const TRAINING_KEY_HEX: string[] = Object.values((JSON.parse(readFileSync(path.join(root, 'resources/keys/training-keys.json'), 'utf8')) as {
  issuers: Record<string, Record<string, unknown>>;
}).issuers).flatMap((i) => ['dlk', 'dtk', 'damk', 'dpk'].map((k) => String(i[k]).toUpperCase()));

test('core API: an operator is refused supervisor and admin actions, and each refusal is audited', async () => {
  const fx = await stationFixture();
  try {
    await addStaff(fx.station, fx.admin, { staffId: 'op2', name: '赵六', role: 'operator', pin: '4444' });
    const op2 = await authenticate(fx.station.db, 'op2', '4444');
    await assert.rejects(addStaff(fx.station, fx.operator, { staffId: 'x1', name: 'x', role: 'admin', pin: '5555' }), forbidden('staff-create'));
    // A cash difference needs a supervisor's sign-off: another operator's is refused.
    await assert.rejects(closeShift(fx.station, fx.operator, '100x1', op2), forbidden('sign-off'));
    // A refund approval by an operator is refused before any card is touched.
    await assert.rejects(refundCard(fx.station, fx.operator, { supervisor: op2 }), forbidden('refund-approval'));
    const refused = (await readAudit(fx.station.db, 100)).filter((a) => a.outcome === 'refused').map((a) => `${a.actor} ${a.action}`);
    assert.deepEqual(refused.sort(), ['op1 staff-create', 'op2 refund-approval', 'op2 sign-off']);
    // The supervisor's sign-off goes through (the role, not the UI, decides).
    const closed = await closeShift(fx.station, fx.operator, '100x1', fx.supervisor);
    assert.equal(closed.signedOffBy, 'sup1');
  } finally {
    await fx.cleanup();
  }
});

// ---- station serve, driven over its WebSocket ------------------------------------------------
let home: string;
let serve: ChildProcess | undefined;
let ready: { url: string; port: number; customerUrl?: string };

async function station(args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await runStationInProcess(args, { ...process.env, STATION_HOME: home, STATION_KEYS: '', ...env });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
}

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'security-roles-'));
  await station(['init', '--training', '--admin-pin', '8642']);
  for (const [id, role, pin] of [['op1', 'operator', '1357'], ['op2', 'operator', '2468'], ['sup1', 'supervisor', '9753']] as const) {
    await station(['staff', 'add', '--operator', 'admin', '--id', id, '--name', id, '--role', role], { STATION_PIN: '8642', STATION_NEW_PIN: pin });
  }
  serve = spawnStation(['serve', '--json', '--idle-lock', '600'], {
    cwd: root,
    env: { ...process.env, STATION_HOME: home, PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await waitForLine(serve, (l) => l.startsWith('{') && l.includes('"ready"'), 180_000);
  ready = JSON.parse(line) as typeof ready;
});
after(async () => {
  if (serve?.pid !== undefined && serve.exitCode === null) {
    const exited = new Promise((r) => serve!.once('exit', r));
    process.kill(serve.pid, 'SIGTERM');
    await exited;
  }
  rmSync(home, { recursive: true, force: true });
});

/** A WebSocket client of the API that keeps every message it receives. */
const apiClient = () => connectApi(ready.port, new URL(ready.url).searchParams.get('token')!);

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('station serve WebSocket: roles and sessions enforced by the core, every step audited, no key in any answer or in the UI bundle', async () => {
  const { ws, call, received } = await apiClient();
  try {
    assert.equal((await call('card')).error?.code, 'AUTH', 'nothing before login');
    assert.equal((await call('login', { staffId: 'op1', pin: '0000' })).error?.code, 'AUTH');
    assert.ok((await call('login', { staffId: 'op1', pin: '1357' })).result);
    assert.ok((await call('shiftOpen', { idempotencyKey: randomUUID(), floatFen: 10000 })).result);
    // Supervisor-only: a difference signed off by another operator is refused by the core.
    const signOff = await call('shiftClose', { idempotencyKey: randomUUID(), counted: { '5000': 1 }, supervisor: { staffId: 'op2', pin: '2468' }, print: 'never' });
    assert.equal(signOff.error?.code, 'FORBIDDEN', JSON.stringify(signOff));
    assert.match(signOff.error!.message, /sign-off needs the supervisor role/);
    const approval = await call('refund', { idempotencyKey: randomUUID(), confirmedCard: { reader: 'R0', asn: '3100000000000001' }, supervisor: { staffId: 'op2', pin: '2468' } });
    assert.equal(approval.error?.code, 'FORBIDDEN', JSON.stringify(approval));
    // Lock: work is refused until the PIN; unlock; logout ends the session.
    assert.deepEqual((await call('lock')).result, { locked: true });
    assert.equal((await call('shiftOpen', { idempotencyKey: randomUUID(), floatFen: 1 })).error?.code, 'AUTH');
    assert.ok((await call('login', { staffId: 'op1', pin: '1357' })).result);
    assert.ok((await call('doctor')).result, 'doctor answers (it names the key file, never a key)');
    assert.ok((await call('status')).result);
    assert.deepEqual((await call('logout')).result, { ok: true });
    assert.equal((await call('readers')).error?.code, 'AUTH');
    // A request outside the contract is refused and audited too.
    assert.equal((await call('topup', { amountFen: 1.5 })).error?.code, 'BAD_INPUT');

    // What reached the screen: no key of the training key file (the station runs on them).
    const answers = received.join('\n').toUpperCase();
    for (const k of TRAINING_KEY_HEX) assert.ok(!answers.includes(k), 'a key in an API answer');
    assert.ok(received.length >= 14, `${received.length} messages checked`);
    // The UI bundle the browser gets: the page and every asset it names.
    const page = await fetchText(ready.url);
    const assets = [...page.matchAll(/(?:src|href)="\.?(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')), `the page names its script: ${page.slice(0, 300)}`);
    let bundle = page;
    for (const a of assets) bundle += await fetchText(`http://127.0.0.1:${ready.port}${a}`);
    assert.ok(bundle.length > 10_000, 'the bundle was fetched');
    for (const k of TRAINING_KEY_HEX) assert.ok(!bundle.toUpperCase().includes(k), 'a key in the UI bundle');
    assert.doesNotMatch(bundle, /training-keys\.json|STATION_KEYS_PASSPHRASE|withMasterKey/);
  } finally {
    ws.close();
  }

  // Refused requests are counted and written every 10 s (core/refusal-tally.ts): wait for the next write.
  let audit: AuditRecord[] = [];
  for (let tries = 0; tries < 200 && !['card', 'readers', 'api-request'].every((act) => audit.some((a) => a.action === act && a.outcome === 'refused')); tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 100));
    const db = await openStationDb(path.join(home, 'training.sqlite'));
    try {
      audit = (await readAudit(db, 200)).reverse();
    } finally {
      await db.close();
    }
  }
  const lines = audit.filter((a) => (a.details as { via?: string }).via === 'station-api' || a.at >= audit.find((x) => x.actor === 'op1' && x.action === 'login')!.at)
    .map((a) => `${a.actor ?? '-'} ${a.action} ${a.outcome}`);
  for (const expected of [
    '- card refused', // not logged in
    'op1 login refused', 'op1 login ok',
    'op2 login ok', 'op2 sign-off refused', 'op2 refund-approval refused',
    'op1 lock ok', 'op1 shiftOpen refused', 'op1 unlock ok', 'op1 logout ok',
    '- readers refused', '- api-request refused',
  ]) assert.ok(lines.includes(expected), `audit line "${expected}" missing in:\n${lines.join('\n')}`);
});
