// docs/SECURITY.md "Staff accounts": the supervisor tools' role rules in the core (issue 16
// item 7). A supervisor may unlock, reset the PIN of, deactivate and reactivate a clerk's
// account; only an admin a supervisor's or an admin's; nobody their own; a clerk none. Each
// action and each refusal is audited; a reset PIN clears the count and the lock, and the old
// PIN stops working; a deactivated account cannot log in until it is reactivated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate, type Actor } from '../../core/auth.ts';
import { addStaff, listStaff, manageRefusal, resetStaffPin, roleToManage, setStaffActivity, unlockStaff } from '../../core/staff-admin.ts';
import { readAudit } from '../../db/audit.ts';
import { MAX_PIN_ATTEMPTS } from '../../db/staff.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let sup2: Actor;
const login = (id: string, pin: string) => authenticate(fx.station.db, id, pin, fx.station.now());
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

async function lockOut(id: string): Promise<void> {
  for (let i = 0; i < MAX_PIN_ATTEMPTS; i++) await assert.rejects(login(id, '0000'), code('AUTH'));
}

before(async () => {
  fx = await stationFixture({ openShiftFloatFen: null });
  await addStaff(fx.station, fx.admin, { staffId: 'op2', name: '王五', role: 'operator', pin: '4444' });
  await addStaff(fx.station, fx.admin, { staffId: 'sup2', name: '赵六', role: 'supervisor', pin: '5555' });
  await addStaff(fx.station, fx.admin, { staffId: 'adm2', name: '钱七', role: 'admin', pin: '6666' });
  sup2 = await login('sup2', '5555');
});
after(async () => { await fx?.cleanup(); });

test('the rule: a clerk\'s account needs a supervisor, anyone else\'s an admin, and never one\'s own', () => {
  assert.equal(roleToManage('operator'), 'supervisor');
  assert.equal(roleToManage('supervisor'), 'admin');
  assert.equal(roleToManage('admin'), 'admin');
  const op = { staffId: 'op1', role: 'operator' as const };
  const sup = { staffId: 'sup1', role: 'supervisor' as const };
  const adm = { staffId: 'admin', role: 'admin' as const };
  assert.equal(manageRefusal(fx.supervisor, { staffId: 'op2', role: 'operator' }), null);
  assert.equal(manageRefusal(fx.supervisor, sup), 'own-account');
  assert.equal(manageRefusal(sup2, sup), 'needs-admin');
  assert.equal(manageRefusal(fx.supervisor, adm), 'needs-admin');
  assert.equal(manageRefusal(fx.operator, { staffId: 'op2', role: 'operator' }), 'needs-supervisor');
  assert.equal(manageRefusal(fx.operator, op), 'own-account');
  assert.equal(manageRefusal(fx.admin, sup), null);
  assert.equal(manageRefusal(fx.admin, { staffId: 'adm2', role: 'admin' }), null);
  assert.equal(manageRefusal(fx.admin, adm), 'own-account');
});

test('unlock: 5 wrong PINs lock a clerk; a supervisor unlocks; the right PIN works again; audited', async () => {
  await lockOut('op2');
  await assert.rejects(login('op2', '4444'), code('AUTH'), 'locked: even the right PIN is refused');
  const listed = (await listStaff(fx.station, fx.supervisor)).find((s) => s.staffId === 'op2')!;
  assert.equal(listed.locked, true);
  assert.equal(listed.failedAttempts, MAX_PIN_ATTEMPTS);
  assert.ok(listed.lockedUntil !== null && listed.lockedUntil > fx.station.now().toISOString());
  const v = await unlockStaff(fx.station, fx.supervisor, 'op2');
  assert.equal(v.locked, false);
  assert.equal(v.failedAttempts, 0);
  assert.equal((await login('op2', '4444')).staffId, 'op2');
  const line = (await readAudit(fx.station.db, 20)).find((a) => a.action === 'staff-unlock' && a.outcome === 'ok');
  assert.equal(line?.actor, 'sup1');
  assert.deepEqual({ staffId: (line?.details as { staffId: string }).staffId, wasLocked: (line?.details as { wasLocked: boolean }).wasLocked }, { staffId: 'op2', wasLocked: true });
});

test('refusals: a clerk cannot, a supervisor not a supervisor\'s or admin\'s, nobody their own — each audited, nothing changed', async () => {
  await lockOut('sup2');
  const cases: [Actor, string, string][] = [
    [fx.operator, 'op2', 'FORBIDDEN'],
    [fx.supervisor, 'sup2', 'FORBIDDEN'],
    [fx.supervisor, 'adm2', 'FORBIDDEN'],
    [fx.supervisor, 'sup1', 'FORBIDDEN'],
    [fx.admin, 'admin', 'FORBIDDEN'],
    [fx.supervisor, 'nobody', 'BAD_INPUT'],
  ];
  for (const [actor, target, c] of cases) {
    const before = (await readAudit(fx.station.db, 1))[0]!.seq;
    await assert.rejects(unlockStaff(fx.station, actor, target), code(c), `${actor.staffId} → ${target}`);
    await assert.rejects(resetStaffPin(fx.station, actor, target, '9999'), code(c), `${actor.staffId} resets ${target}`);
    await assert.rejects(setStaffActivity(fx.station, actor, target, false), code(c), `${actor.staffId} deactivates ${target}`);
    const lines = (await readAudit(fx.station.db, 10)).filter((a) => a.seq > before);
    assert.equal(lines.length, 3, `${actor.staffId} → ${target}: three audit lines`);
    assert.ok(lines.every((a) => a.outcome === 'refused' && a.actor === actor.staffId));
  }
  await assert.rejects(listStaff(fx.station, fx.operator), code('FORBIDDEN'));
  assert.equal((await listStaff(fx.station, fx.admin)).find((s) => s.staffId === 'sup2')!.locked, true, 'still locked');
  // An admin may: the supervisor's account is unlocked.
  await unlockStaff(fx.station, fx.admin, 'sup2');
  assert.equal((await login('sup2', '5555')).role, 'supervisor');
});

test('reset PIN: the new PIN works, the old one does not, the lock and count are cleared; a bad PIN is refused', async () => {
  await lockOut('op2');
  await assert.rejects(resetStaffPin(fx.station, fx.supervisor, 'op2', '12ab'), code('BAD_INPUT'));
  const v = await resetStaffPin(fx.station, fx.supervisor, 'op2', '8080');
  assert.equal(v.locked, false);
  assert.equal(v.failedAttempts, 0);
  await assert.rejects(login('op2', '4444'), code('AUTH'));
  assert.equal((await login('op2', '8080')).staffId, 'op2');
  const line = (await readAudit(fx.station.db, 20)).find((a) => a.action === 'staff-reset-pin' && a.outcome === 'ok')!;
  assert.equal(line.actor, 'sup1');
  assert.doesNotMatch(JSON.stringify(line.details), /8080/, 'the PIN is never in the audit trail');
});

test('deactivate and reactivate: a deactivated clerk cannot log in, nothing is deleted, then can again', async () => {
  const off = await setStaffActivity(fx.station, fx.supervisor, 'op2', false);
  assert.equal(off.active, false);
  await assert.rejects(login('op2', '8080'), code('AUTH'));
  assert.equal((await listStaff(fx.station, fx.supervisor)).find((s) => s.staffId === 'op2')!.active, false);
  // Only an admin for an admin's account.
  await assert.rejects(setStaffActivity(fx.station, sup2, 'adm2', false), code('FORBIDDEN'));
  assert.equal((await setStaffActivity(fx.station, fx.admin, 'adm2', false)).active, false);
  assert.equal((await setStaffActivity(fx.station, fx.admin, 'adm2', true)).active, true);
  const on = await setStaffActivity(fx.station, sup2, 'op2', true);
  assert.equal(on.active, true);
  assert.equal((await login('op2', '8080')).staffId, 'op2');
  const actions = (await readAudit(fx.station.db, 30)).filter((a) => a.outcome === 'ok' && /^staff-(de)?activate$/.test(a.action)).map((a) => `${a.actor}:${a.action}`);
  assert.deepEqual(actions.reverse(), ['sup1:staff-deactivate', 'admin:staff-deactivate', 'admin:staff-activate', 'sup2:staff-activate']);
});
