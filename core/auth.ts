/**
 * Who acts. Roles are enforced here, in the core, never only in the UI: every workflow takes
 * an Actor obtained from `authenticate` and calls `requireRole`. Refusals are audited.
 */
import { StationError } from '../common/errors.ts';
import { writeAudit } from '../db/audit.ts';
import type { Database } from '../db/sqlite.ts';
import { checkPin, type Role } from '../db/staff.ts';

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
  throw new StationError('FORBIDDEN', `${action} needs the ${needed} role; ${actor.staffId} is ${actor.role}`, 'Ask a supervisor to do this');
}

export async function authenticate(db: Database, staffId: string | undefined, pin: string | undefined, now = new Date()): Promise<Actor> {
  if (!staffId) throw new StationError('AUTH', 'No operator given', 'Pass --operator ID and set STATION_PIN');
  if (!pin) throw new StationError('AUTH', 'No PIN given', 'Set the STATION_PIN environment variable (PINs are never taken from the command line)');
  const result = await checkPin(db, staffId, pin, now);
  if (result.ok) {
    // Every login is in the audit trail, not only the refused ones (docs/SECURITY.md "Audit").
    await writeAudit(db, staffId, 'login', 'ok', { role: result.staff.role }, now);
    return { staffId: result.staff.staff_id, name: result.staff.name, role: result.staff.role };
  }
  await writeAudit(db, staffId, 'login', 'refused', { reason: result.reason, ...(result.attemptsLeft !== undefined ? { attemptsLeft: result.attemptsLeft } : {}) }, now);
  switch (result.reason) {
    case 'locked':
      throw new StationError('AUTH', `Account ${staffId} is locked until ${result.lockedUntil}`, 'Too many wrong PINs; wait, or ask a supervisor');
    case 'wrong':
      throw new StationError('AUTH', `Wrong PIN for ${staffId} (${result.attemptsLeft} tries left)`);
    case 'inactive':
      throw new StationError('AUTH', `Account ${staffId} is disabled`, 'Ask an admin');
    default:
      throw new StationError('AUTH', `Wrong operator or PIN`);
  }
}

/** PINs: 4–12 digits. */
export function validatePin(pin: string): void {
  if (!/^[0-9]{4,12}$/.test(pin)) throw new StationError('BAD_INPUT', 'A PIN is 4 to 12 digits');
}
