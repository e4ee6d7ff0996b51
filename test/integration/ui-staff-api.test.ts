// The supervisor tools over `station serve`'s real WebSocket (common/api-staff.ts, issue 16
// item 7): a clerk locked by five wrong PINs is unlocked by a supervisor and logs in; a PIN
// reset and a deactivation end the account's open sessions and hold at the next login; a clerk is refused every tool,
// nobody acts on their own account, a supervisor not on an admin's; each is audited; a bad
// new PIN is refused by the contract before the core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAudit } from '../../db/audit.ts';
import { openStationDb } from '../../db/station-db.ts';
import { connectApi, type ApiClient } from '../harness/api-client.ts';
import { runStationOk } from '../harness/cli.ts';
import { startServe, type Serve } from '../harness/ui-serve.ts';

let home: string;
let serve: Serve;
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env, STATION_HOME: home, STATION_KEYS: '', PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm'), ...extra,
});

async function as(staffId: string, pin: string): Promise<ApiClient> {
  const c = await connectApi(serve.port, serve.token);
  const r = await c.call('login', { staffId, pin });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return c;
}
const errCode = async (c: ApiClient, method: string, params: unknown) => (await c.call(method, params)).error?.code;

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'ui-staff-api-'));
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env());
  for (const [id, role, pin] of [['op1', 'operator', '1357'], ['op2', 'operator', '2460'], ['sup1', 'supervisor', '8642'], ['sup2', 'supervisor', '9753']] as const) {
    await runStationOk(['staff', 'add', '--operator', 'admin', '--id', id, '--name', id, '--role', role], env({ STATION_PIN: '2468', STATION_NEW_PIN: pin }));
  }
  serve = await startServe(env(), ['--idle-lock', '600']);
});
after(async () => {
  await serve?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('unlock over the socket: five wrong PINs lock the clerk, the supervisor unlocks, the clerk logs in', async () => {
  const door = await connectApi(serve.port, serve.token);
  for (let i = 0; i < 5; i++) assert.equal((await door.call('login', { staffId: 'op1', pin: '0000' })).error?.code, 'AUTH');
  assert.equal((await door.call('login', { staffId: 'op1', pin: '1357' })).error?.code, 'AUTH', 'locked');
  const sup = await as('sup1', '8642');
  const listed = (await sup.call('staffList')).result as { staff: { staffId: string; locked: boolean; lockedUntil: string | null }[] };
  const op1 = listed.staff.find((s) => s.staffId === 'op1')!;
  assert.equal(op1.locked, true);
  assert.ok(op1.lockedUntil);
  const u = await sup.call('staffUnlock', { staffId: 'op1' });
  assert.equal(u.error, undefined, JSON.stringify(u.error));
  assert.deepEqual({ locked: (u.result as { locked: boolean }).locked, failedAttempts: (u.result as { failedAttempts: number }).failedAttempts }, { locked: false, failedAttempts: 0 });
  assert.equal((await door.call('login', { staffId: 'op1', pin: '1357' })).error, undefined, 'the clerk is in');
  door.ws.close();
  sup.ws.close();
});

test('refusals: a clerk cannot, nobody on their own account, a supervisor not on a supervisor\'s or admin\'s; all audited', async () => {
  const clerk = await as('op1', '1357');
  assert.equal(await errCode(clerk, 'staffList', {}), 'FORBIDDEN');
  assert.equal(await errCode(clerk, 'staffUnlock', { staffId: 'op2' }), 'FORBIDDEN');
  assert.equal(await errCode(clerk, 'staffResetPin', { staffId: 'op2', newPin: '1111' }), 'FORBIDDEN');
  assert.equal(await errCode(clerk, 'staffSetActive', { staffId: 'op2', active: false }), 'FORBIDDEN');
  assert.equal(await errCode(clerk, 'staffResetPin', { staffId: 'op1', newPin: '1111' }), 'FORBIDDEN', 'not even their own');
  const sup = await as('sup1', '8642');
  assert.equal(await errCode(sup, 'staffUnlock', { staffId: 'sup1' }), 'FORBIDDEN');
  assert.equal(await errCode(sup, 'staffSetActive', { staffId: 'sup1', active: false }), 'FORBIDDEN');
  assert.equal(await errCode(sup, 'staffResetPin', { staffId: 'sup2', newPin: '1111' }), 'FORBIDDEN');
  assert.equal(await errCode(sup, 'staffSetActive', { staffId: 'admin', active: false }), 'FORBIDDEN');
  // The contract refuses a malformed new PIN before the core sees it.
  const bad = await sup.call('staffResetPin', { staffId: 'op2', newPin: '12' });
  assert.equal(bad.error?.code, 'BAD_INPUT');
  const admin = await as('admin', '2468');
  assert.equal(await errCode(admin, 'staffSetActive', { staffId: 'admin', active: false }), 'FORBIDDEN');
  clerk.ws.close(); sup.ws.close(); admin.ws.close();
  const db = await openStationDb(path.join(home, 'training.sqlite'));
  try {
    const refused = (await readAudit(db, 200)).filter((a) => a.outcome === 'refused' && a.action.startsWith('staff-'));
    assert.ok(refused.filter((a) => a.actor === 'op1').length >= 4, 'each clerk refusal audited');
    assert.ok(refused.some((a) => a.actor === 'sup1' && (a.details as { reason: string }).reason === 'own-account'));
    assert.ok(refused.some((a) => a.actor === 'sup1' && (a.details as { reason: string }).reason === 'needs-admin'));
    assert.ok(refused.some((a) => a.actor === 'admin' && (a.details as { reason: string }).reason === 'own-account'));
  } finally {
    await db.close();
  }
});

test('reset PIN and deactivate over the socket take effect at once', async () => {
  const sup = await as('sup1', '8642');
  const before = await as('op2', '2460');
  assert.equal((await before.call('readers')).error, undefined);
  assert.equal((await sup.call('staffResetPin', { staffId: 'op2', newPin: '7777' })).error, undefined);
  assert.equal((await before.call('readers')).error?.code, 'AUTH', 'a session opened with the old PIN ends');
  before.ws.close();
  const door = await connectApi(serve.port, serve.token);
  assert.equal((await door.call('login', { staffId: 'op2', pin: '2460' })).error?.code, 'AUTH', 'the old PIN is gone');
  assert.equal((await door.call('login', { staffId: 'op2', pin: '7777' })).error, undefined);
  assert.equal((await door.call('readers')).error, undefined, 'op2 at work');
  const off = await sup.call('staffSetActive', { staffId: 'op2', active: false });
  assert.equal((off.result as { active: boolean }).active, false);
  // The leaver's open session ends at once: told so, and refused from then on.
  // (The refusal's answer comes after the event on the same connection, so the event is in by then.)
  assert.equal((await door.call('readers')).error?.code, 'AUTH');
  assert.ok(door.received.some((m) => { const e = JSON.parse(m) as { event?: string; user?: unknown }; return e.event === 'session' && e.user === null; }), 'session ended event');
  assert.equal((await sup.call('readers')).error, undefined, 'the supervisor stays logged in');
  const door2 = await connectApi(serve.port, serve.token);
  assert.equal((await door2.call('login', { staffId: 'op2', pin: '7777' })).error?.code, 'AUTH', 'deactivated');
  assert.equal((await sup.call('staffSetActive', { staffId: 'op2', active: true })).error, undefined);
  assert.equal((await door2.call('login', { staffId: 'op2', pin: '7777' })).error, undefined, 'reactivated');
  sup.ws.close(); door.ws.close(); door2.ws.close();
});
