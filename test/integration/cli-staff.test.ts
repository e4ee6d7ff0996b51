// The supervisor tools from the `station` command (issue 16 item 7), on a real SQLite home:
// `station staff list|unlock|reset-pin|deactivate|activate`. A clerk locked by five wrong PINs
// is unlocked by a supervisor and logs in; a reset PIN comes from STATION_NEW_PIN or stdin and
// never from argv; a clerk is refused the tools; nobody acts on their own account; a
// deactivated clerk cannot log in until reactivated. Child processes (the real command) for
// the tools, in-process runs for the repeated wrong-PIN logins (the same main, faster).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStation, runStationInProcess, runStationOk, type StationRun } from '../harness/cli.ts';

let home: string;
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, STATION_HOME: home, STATION_KEYS: '', ...extra });
const as = (id: string, pin: string, args: string[], extra: Record<string, string> = {}, input?: string): Promise<StationRun> =>
  runStation([...args, '--json', '--operator', id], env({ STATION_PIN: pin, ...extra }), { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
const list = async (id = 'sup1', pin = '8642') => {
  const r = await as(id, pin, ['staff', 'list']);
  assert.equal(r.code, 0, r.stderr);
  return new Map((r.json.staff as { staffId: string; locked: boolean; active: boolean; failedAttempts: number }[]).map((s) => [s.staffId, s]));
};
/**
 * A login attempt as the CLI makes it: `staff list` authenticates first, then checks the role,
 * so a clerk whose PIN is accepted gets FORBIDDEN and one whose login is refused gets AUTH.
 */
const tryLogin = async (id: string, pin: string): Promise<'in' | 'refused'> => {
  const r = await runStationInProcess(['staff', 'list', '--json', '--operator', id], env({ STATION_PIN: pin }));
  if (r.code === 0 || r.json?.error?.code === 'FORBIDDEN') return 'in';
  assert.equal(r.json?.error?.code, 'AUTH', r.stderr);
  return 'refused';
};

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'station-staff-'));
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env());
  for (const [id, name, role, pin] of [['op1', '张三', 'operator', '1357'], ['op2', '王五', 'operator', '2460'], ['sup1', '李四', 'supervisor', '8642']]) {
    await runStationOk(['staff', 'add', '--operator', 'admin', '--id', id!, '--name', name!, '--role', role!], env({ STATION_PIN: '2468', STATION_NEW_PIN: pin! }));
  }
});
after(() => { if (home) rmSync(home, { recursive: true, force: true }); });

test('staff unlock: five wrong PINs lock a clerk, the supervisor unlocks, the clerk logs in', async () => {
  for (let i = 0; i < 5; i++) assert.equal(await tryLogin('op1', '0000'), 'refused');
  assert.equal(await tryLogin('op1', '1357'), 'refused', 'locked: the right PIN is refused too');
  assert.equal((await list()).get('op1')!.locked, true);
  const human = await runStation(['staff', 'list', '--operator', 'sup1'], env({ STATION_PIN: '8642' }));
  assert.match(human.stdout, /^op1\t张三\toperator\tlocked until \d{4}-\d{2}-\d{2} \d{2}:\d{2}/m, 'the lock in China time');
  const u = await as('sup1', '8642', ['staff', 'unlock', 'op1']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(u.json.locked, false);
  assert.equal(u.json.failedAttempts, 0);
  assert.equal(await tryLogin('op1', '1357'), 'in');
});

test('refusals: a clerk cannot use the tools, nobody their own account, a supervisor not an admin\'s', async () => {
  const clerk = await as('op1', '1357', ['staff', 'unlock', 'op2']);
  assert.equal(clerk.code, 1);
  assert.equal(clerk.json.error.code, 'FORBIDDEN');
  const clerkList = await as('op1', '1357', ['staff', 'list']);
  assert.equal(clerkList.json.error.code, 'FORBIDDEN');
  const own = await as('sup1', '8642', ['staff', 'deactivate', 'sup1']);
  assert.equal(own.json.error.code, 'FORBIDDEN');
  assert.match(own.stderr, /own account/);
  const adminAccount = await as('sup1', '8642', ['staff', 'reset-pin', 'admin'], { STATION_NEW_PIN: '1111' });
  assert.equal(adminAccount.json.error.code, 'FORBIDDEN');
  const noId = await as('sup1', '8642', ['staff', 'unlock']);
  assert.equal(noId.json.error.code, 'BAD_INPUT');
  const unknown = await as('sup1', '8642', ['staff', 'unlock', 'nobody']);
  assert.equal(unknown.json.error.code, 'BAD_INPUT');
  // The admin's PIN still works: nothing was changed by the refused reset.
  assert.equal((await as('admin', '2468', ['staff', 'list'])).code, 0);
});

test('staff reset-pin: the new PIN from STATION_NEW_PIN or stdin, never argv; the old PIN stops working', async () => {
  const viaEnv = await as('sup1', '8642', ['staff', 'reset-pin', 'op2'], { STATION_NEW_PIN: '3579' });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(await tryLogin('op2', '2460'), 'refused');
  assert.equal(await tryLogin('op2', '3579'), 'in');
  const viaStdin = await as('admin', '2468', ['staff', 'reset-pin', 'sup1'], {}, '97531\n');
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.equal((await as('sup1', '97531', ['staff', 'list'])).code, 0);
  const none = await as('sup1', '97531', ['staff', 'reset-pin', 'op2'], {}, '');
  assert.equal(none.json.error.code, 'AUTH');
  assert.match(none.stderr, /STATION_NEW_PIN/);
  const argv = await as('sup1', '97531', ['staff', 'reset-pin', 'op2', '--pin', '1234']);
  assert.equal(argv.json.error.code, 'BAD_INPUT', 'no --pin option exists');
  assert.equal(await tryLogin('op2', '3579'), 'in', 'unchanged by the refused tries');
});

test('staff deactivate / activate: a deactivated clerk cannot log in; reactivated, they can', async () => {
  const off = await as('sup1', '97531', ['staff', 'deactivate', 'op2']);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.json.active, false);
  assert.equal(await tryLogin('op2', '3579'), 'refused');
  assert.equal((await list('sup1', '97531')).get('op2')!.active, false);
  const on = await runStation(['staff', 'activate', 'op2', '--operator', 'sup1'], env({ STATION_PIN: '97531' }));
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /op2: activated \(active\)/);
  assert.equal(await tryLogin('op2', '3579'), 'in');
});
