/**
 * Who acts. Roles are enforced here, in the core, never only in the UI: every workflow takes
 * an Actor obtained from `authenticate` and calls `requireRole`. Refusals are audited.
 */
import { systemClock } from '../common/clock.ts';
import { StationError } from '../common/errors.ts';
import { say } from '../common/say.ts';
import { writeAudit } from '../db/audit.ts';
import type { Database } from '../db/sqlite.ts';
import { checkPin, MAX_PIN_ATTEMPTS, PIN_LOCK_MINUTES, type Role } from '../db/staff.ts';

export interface Actor {
  staffId: string;
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { operator: 1, supervisor: 2, admin: 3 };

/** admin may act as supervisor and operator; supervisor as operator. */
export function hasRole(actor: Actor, needed: Role): boolean {
  return RANK[actor.role] >= RANK[needed];
}

export async function requireRole(db: Database, actor: Actor, needed: Role, action: string): Promise<void> {
  if (hasRole(actor, needed)) return;
  await writeAudit(db, actor.staffId, action, 'refused', { reason: `needs role ${needed}`, role: actor.role });
  throw new StationError('FORBIDDEN', `${action} needs the ${needed} role; ${actor.staffId} is ${actor.role}`, 'Ask a supervisor to do this', { say: say(needed === 'admin' ? 'needsAdmin' : 'needsSupervisor') });
}

/**
 * Four eyes (issue 14): a sign-off — a cash difference at shift close, a refund above the cash
 * limit — needs a supervisor who is not the operator, whatever the operator's own role.
 */
export async function requireSignOff(db: Database, actor: Actor, supervisor: Actor | null, action: string): Promise<Actor> {
  if (supervisor === null) {
    await writeAudit(db, actor.staffId, action, 'refused', { reason: 'needs a supervisor sign-off' });
    throw new StationError('FORBIDDEN', `${action} needs the sign-off of a supervisor other than ${actor.staffId}`, 'Ask a supervisor on duty to enter their ID and PIN', { say: say('needsSignOff') });
  }
  await requireRole(db, supervisor, 'supervisor', action);
  if (supervisor.staffId === actor.staffId) {
    await writeAudit(db, actor.staffId, action, 'refused', { reason: 'own sign-off' });
    throw new StationError('FORBIDDEN', `${action}: ${actor.staffId} cannot sign off their own transaction`, 'Ask another supervisor to sign it off', { say: say('ownSignOff') });
  }
  return supervisor;
}

export async function authenticate(db: Database, staffId: string | undefined, pin: string | undefined, now: Date = systemClock()): Promise<Actor> {
  if (!staffId) throw new StationError('AUTH', 'No operator given', 'Pass --operator ID and set STATION_PIN');
  if (!pin) throw new StationError('AUTH', 'No PIN given', 'Set the STATION_PIN environment variable (PINs are never taken from the command line)');
  const result = await checkPin(db, staffId, pin, now);
  if (result.ok) {
    // Every login is in the audit trail, not only the refused ones (docs/SECURITY.md "Audit").
    await writeAudit(db, staffId, 'login', 'ok', { role: result.staff.role }, now);
    return { staffId: result.staff.staff_id, name: result.staff.name, role: result.staff.role };
  }
  await writeAudit(db, staffId, 'login', 'refused', { reason: result.reason, ...(result.attemptsLeft !== undefined ? { attemptsLeft: result.attemptsLeft } : {}) }, now);
  // One answer for an unknown id, a wrong PIN, a locked and a disabled account (docs/SECURITY.md
  // "Login failures"): anything more tells a stranger which staff ids exist. The audit line
  // keeps the real reason for a supervisor.
  throw new StationError('AUTH', LOGIN_REFUSED, LOGIN_REFUSED_HINT, { say: say('loginRefused', { tries: MAX_PIN_ATTEMPTS, minutes: PIN_LOCK_MINUTES }) });
}

/** What every refused login says (message and next step). */
export const LOGIN_REFUSED = 'Wrong staff ID or PIN, or the account cannot be used now';
export const LOGIN_REFUSED_HINT = `Check both and try again; after ${MAX_PIN_ATTEMPTS} wrong PINs an account is locked for ${PIN_LOCK_MINUTES} minutes — a supervisor can unlock it or reset the PIN on the Staff screen`;

/** PINs: 4–12 digits. */
export function validatePin(pin: string): void {
  if (!/^[0-9]{4,12}$/.test(pin)) throw new StationError('BAD_INPUT', 'A PIN is 4 to 12 digits', undefined, { say: say('pinFormat') });
}
