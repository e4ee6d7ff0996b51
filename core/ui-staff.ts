/**
 * The UI server's supervisor tools (common/api-staff.ts), wired to core/staff-admin.ts, which
 * enforces the roles and writes the audit trail; `actorOf` refuses a missing or locked session.
 */
import { listStaff, resetStaffPin, setStaffActivity, unlockStaff } from './staff-admin.ts';
import type { Actor } from './auth.ts';
import type { Station } from './station.ts';

export function staffHandlers<C>(deps: { station: Station; actorOf: (conn: C) => Actor }) {
  const { station, actorOf } = deps;
  return {
    staffList: async (_p: Record<string, never>, conn: C) => ({ staff: await listStaff(station, actorOf(conn)) }),
    staffUnlock: (p: { staffId: string }, conn: C) => unlockStaff(station, actorOf(conn), p.staffId),
    staffResetPin: (p: { staffId: string; newPin: string }, conn: C) => resetStaffPin(station, actorOf(conn), p.staffId, p.newPin),
    staffSetActive: (p: { staffId: string; active: boolean }, conn: C) => setStaffActivity(station, actorOf(conn), p.staffId, p.active),
  };
}
