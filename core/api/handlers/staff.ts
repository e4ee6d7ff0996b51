/**
 * The UI server's supervisor tools (common/api-staff.ts), wired to core/staff-admin.ts, which
 * enforces the roles and writes the audit trail; `actorOf` refuses a missing or locked session.
 * A deactivated account and one whose PIN was reset lose their open sessions at once
 * (`endSessionsOf`): the leaver, or whoever learnt the old PIN, is not left logged in.
 */
import { listStaff, resetStaffPin, setStaffActivity, unlockStaff } from '../../staff-admin.ts';
import type { Actor } from '../../auth.ts';
import type { Station } from '../../station.ts';

export function staffHandlers<C>(deps: { station: Station; actorOf: (conn: C) => Actor; endSessionsOf: (staffId: string, reason: string) => Promise<void> }) {
  const { station, actorOf, endSessionsOf } = deps;
  return {
    staffList: async (_p: Record<string, never>, conn: C) => ({ staff: await listStaff(station, actorOf(conn)) }),
    staffUnlock: (p: { staffId: string }, conn: C) => unlockStaff(station, actorOf(conn), p.staffId),
    async staffResetPin(p: { staffId: string; newPin: string }, conn: C) {
      const view = await resetStaffPin(station, actorOf(conn), p.staffId, p.newPin);
      await endSessionsOf(p.staffId, 'PIN reset');
      return view;
    },
    async staffSetActive(p: { staffId: string; active: boolean }, conn: C) {
      const view = await setStaffActivity(station, actorOf(conn), p.staffId, p.active);
      if (!p.active) await endSessionsOf(p.staffId, 'deactivated');
      return view;
    },
  };
}
