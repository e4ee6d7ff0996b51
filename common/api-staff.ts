/**
 * The station API's supervisor tools (issue 16 item 7): the staff list, unlock, PIN reset,
 * deactivate and reactivate. Spread into common/api.ts METHODS. Who may do what to whom is
 * decided in the core (core/staff-admin.ts, docs/SECURITY.md "Staff accounts"), not here.
 */
import { z } from 'zod';

const staffId = z.string().min(1).max(64);
const pin = z.string().regex(/^[0-9]{4,12}$/, 'A PIN is 4 to 12 digits');

/** core/staff-admin.ts StaffView: an account and its state, no PIN material. */
export const StaffViewSchema = z.object({
  staffId: z.string(),
  name: z.string(),
  role: z.enum(['operator', 'supervisor', 'admin']),
  active: z.boolean(),
  locked: z.boolean(),
  /** The end of the wrong-PIN lock (ISO instant; the screen shows China time), null when not locked. */
  lockedUntil: z.string().nullable(),
  failedAttempts: z.number().int().min(0),
});
export type StaffViewDto = z.infer<typeof StaffViewSchema>;

export const STAFF_METHODS = {
  /** Every account with role, active and lock state (supervisor or admin). */
  staffList: { params: z.object({}), result: z.object({ staff: z.array(StaffViewSchema) }) },
  /** Unlocks an account locked by wrong PINs and clears its count. */
  staffUnlock: { params: z.object({ staffId }), result: StaffViewSchema },
  /** Sets a new PIN (the holder's, typed by them at the counter); also clears the count and the lock. */
  staffResetPin: { params: z.object({ staffId, newPin: pin }), result: StaffViewSchema },
  /** Deactivates (`active: false`) or reactivates an account. */
  staffSetActive: { params: z.object({ staffId, active: z.boolean() }), result: StaffViewSchema },
} as const;
