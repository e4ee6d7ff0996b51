/** Staff administration (admin role, enforced here). */
import { BadInputError, StationError } from '../common/errors.ts';
import { writeAudit } from '../db/audit.ts';
import { createStaff, getStaff, ROLES, type Role } from '../db/staff.ts';
import { requireRole, validatePin, type Actor } from './auth.ts';
import type { Station } from './station.ts';

export async function addStaff(station: Station, actor: Actor, s: { staffId: string; name: string; role: string; pin: string }): Promise<void> {
  await requireRole(station.db, actor, 'admin', 'staff-create');
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(s.staffId)) throw new BadInputError('A staff id is 1–32 letters, digits, _ or -');
  if (!(ROLES as readonly string[]).includes(s.role)) throw new BadInputError(`role must be one of ${ROLES.join(', ')}`);
  if (s.name.trim() === '' || s.name.length > 64) throw new BadInputError('name must be 1–64 characters');
  validatePin(s.pin);
  if (await getStaff(station.db, s.staffId)) throw new StationError('POLICY', `Account ${s.staffId} already exists`);
  await createStaff(station.db, s.staffId, s.name.trim(), s.role as Role, s.pin, station.now());
  await writeAudit(station.db, actor.staffId, 'staff-create', 'ok', { staffId: s.staffId, role: s.role });
}
