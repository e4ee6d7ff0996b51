/**
 * Staff administration, with the roles enforced here in the core (never only in a screen):
 * - creating an account: admin;
 * - the supervisor tools (issue 16 item 7) — unlock a locked account, reset a PIN, deactivate
 *   and reactivate: a supervisor may do them to an operator's account; only an admin to a
 *   supervisor's or an admin's; nobody to their own (a locked-out admin asks another admin);
 * - the list of accounts: supervisor or admin.
 * Every action and every refusal is written to the audit trail with who did it to whom.
 */
import { BadInputError, StationError } from '../common/errors.ts';
import { say } from '../common/say.ts';
import { writeAudit } from '../db/audit.ts';
import { clearPinLock, createStaff, getStaff, listStaffRows, replacePin, ROLES, setStaffActive, type Role, type StaffRow } from '../db/staff.ts';
import { hasRole, requireRole, validatePin, type Actor } from './auth.ts';
import type { Station } from './station.ts';

export async function addStaff(station: Station, actor: Actor, s: { staffId: string; name: string; role: string; pin: string }): Promise<void> {
  await requireRole(station.db, actor, 'admin', 'staff-create');
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(s.staffId)) throw new BadInputError('A staff id is 1–32 letters, digits, _ or -', undefined, say('staffIdFormat'));
  if (!(ROLES as readonly string[]).includes(s.role)) throw new BadInputError(`role must be one of ${ROLES.join(', ')}`, undefined, say('staffRoleInvalid'));
  if (s.name.trim() === '' || s.name.length > 64) throw new BadInputError('name must be 1–64 characters', undefined, say('staffNameInvalid'));
  validatePin(s.pin);
  if (await getStaff(station.db, s.staffId)) throw new StationError('POLICY', `Account ${s.staffId} already exists`, undefined, { say: say('staffExists', { staff: s.staffId }) });
  await createStaff(station.db, s.staffId, s.name.trim(), s.role as Role, s.pin, station.now());
  await writeAudit(station.db, actor.staffId, 'staff-create', 'ok', { staffId: s.staffId, role: s.role });
}

/** An account as the supervisor tools show it (no PIN material). */
export interface StaffView {
  staffId: string;
  name: string;
  role: Role;
  active: boolean;
  /** Locked by wrong PINs right now (an expired lock is not a lock). */
  locked: boolean;
  lockedUntil: string | null;
  failedAttempts: number;
}

function viewOf(row: StaffRow, now: Date): StaffView {
  const locked = row.locked_until !== null && row.locked_until > now.toISOString();
  return {
    staffId: row.staff_id, name: row.name, role: row.role, active: row.active === 1, locked,
    lockedUntil: locked ? row.locked_until : null,
    // After an expired lock the next PIN starts a fresh count (db/staff.ts checkPin): show that.
    failedAttempts: row.locked_until !== null && !locked ? 0 : row.failed_attempts,
  };
}

/** The role an actor needs to manage an account of `target` role: a clerk's needs a supervisor, anyone else's an admin. */
export function roleToManage(target: Role): Role {
  return target === 'operator' ? 'supervisor' : 'admin';
}

/** Why `actor` may not manage `target`'s account, or null when they may (the rule, without side effects). */
export function manageRefusal(actor: Actor, target: { staffId: string; role: Role }): 'own-account' | 'needs-supervisor' | 'needs-admin' | null {
  if (actor.staffId === target.staffId) return 'own-account';
  const needed = roleToManage(target.role);
  if (hasRole(actor, needed)) return null;
  return needed === 'admin' ? 'needs-admin' : 'needs-supervisor';
}

export type StaffAction = 'staff-unlock' | 'staff-reset-pin' | 'staff-deactivate' | 'staff-activate';

/** The target account, once the actor is shown to be allowed to manage it (refusals audited). */
async function managedAccount(station: Station, actor: Actor, staffId: string, action: StaffAction): Promise<StaffRow> {
  // A clerk is refused before the target is looked up: an operator learns nothing about other accounts.
  await requireRole(station.db, actor, 'supervisor', action);
  const row = await getStaff(station.db, staffId);
  if (!row) {
    await writeAudit(station.db, actor.staffId, action, 'refused', { staffId, reason: 'no such account' }, station.now());
    throw new StationError('BAD_INPUT', `No staff account ${staffId}`, 'Check the staff ID in the staff list', { say: say('staffUnknown', { staff: staffId }) });
  }
  const refusal = manageRefusal(actor, { staffId: row.staff_id, role: row.role });
  if (refusal !== null) {
    await writeAudit(station.db, actor.staffId, action, 'refused', { staffId, role: row.role, reason: refusal }, station.now());
    throw refusal === 'own-account'
      ? new StationError('FORBIDDEN', `${actor.staffId} cannot ${action.slice('staff-'.length)} their own account`, 'Ask another supervisor (or an admin) to do it', { say: say('staffOwnAccount') })
      : new StationError('FORBIDDEN', `Only an admin may ${action.slice('staff-'.length)} the account of a ${row.role}`, 'Ask an admin to do it', { say: say('staffNeedsAdmin') });
  }
  return row;
}

/** Unlocks an account locked by wrong PINs (and clears the failure count). */
export async function unlockStaff(station: Station, actor: Actor, staffId: string): Promise<StaffView> {
  const row = await managedAccount(station, actor, staffId, 'staff-unlock');
  await clearPinLock(station.db, staffId);
  await writeAudit(station.db, actor.staffId, 'staff-unlock', 'ok', { staffId, role: row.role, wasLocked: viewOf(row, station.now()).locked, failedAttempts: row.failed_attempts }, station.now());
  return viewOf({ ...row, failed_attempts: 0, locked_until: null }, station.now());
}

/** Sets a new PIN (the holder was locked out or forgot it); clears the failure count and the lock. */
export async function resetStaffPin(station: Station, actor: Actor, staffId: string, pin: string): Promise<StaffView> {
  const row = await managedAccount(station, actor, staffId, 'staff-reset-pin');
  validatePin(pin);
  await replacePin(station.db, staffId, pin);
  await writeAudit(station.db, actor.staffId, 'staff-reset-pin', 'ok', { staffId, role: row.role }, station.now());
  return viewOf({ ...row, failed_attempts: 0, locked_until: null }, station.now());
}

/** Deactivates (a leaver: no login, nothing deleted) or reactivates an account. */
export async function setStaffActivity(station: Station, actor: Actor, staffId: string, active: boolean): Promise<StaffView> {
  const action: StaffAction = active ? 'staff-activate' : 'staff-deactivate';
  const row = await managedAccount(station, actor, staffId, action);
  await setStaffActive(station.db, staffId, active);
  await writeAudit(station.db, actor.staffId, action, 'ok', { staffId, role: row.role, wasActive: row.active === 1 }, station.now());
  return viewOf({ ...row, active: active ? 1 : 0 }, station.now());
}

/** Every account with its state, for a supervisor or an admin. */
export async function listStaff(station: Station, actor: Actor): Promise<StaffView[]> {
  await requireRole(station.db, actor, 'supervisor', 'staff-list');
  const now = station.now();
  return (await listStaffRows(station.db)).map((r) => viewOf(r, now));
}
