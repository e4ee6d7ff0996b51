/**
 * Staff accounts with PINs (scrypt, per-account salt) and roles. A PIN that fails
 * MAX_PIN_ATTEMPTS times in a row locks the account for PIN_LOCK_MINUTES.
 * The stored verifier is the scrypt output keyed with the station's lookup key
 * (db/lookup-key.ts), so a copied database alone cannot test PIN guesses offline.
 */
import { systemClock } from '../common/clock.ts';
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { requireLookupKey } from './lookup-key.ts';
import type { Queryable } from './sqlite.ts';

function scrypt(pin: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(pin, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export type Role = 'operator' | 'supervisor' | 'admin';
export const ROLES: readonly Role[] = ['operator', 'supervisor', 'admin'];
export const MAX_PIN_ATTEMPTS = 5;
export const PIN_LOCK_MINUTES = 15;
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

export interface StaffRow {
  staff_id: string;
  name: string;
  role: Role;
  pin_salt: string;
  pin_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  active: number;
  created_at: string;
}

async function hashPin(pin: string, salt: Buffer): Promise<Buffer> {
  return scrypt(pin, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
}

export async function createStaff(db: Queryable, staffId: string, name: string, role: Role, pin: string, now: Date = systemClock()): Promise<void> {
  const key = requireLookupKey(db);
  const salt = randomBytes(16);
  const hash = key.pinVerifier(await hashPin(pin, salt));
  await db.run('INSERT INTO staff (staff_id, name, role, pin_salt, pin_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [staffId, name, role, salt.toString('hex'), hash.toString('hex'), now.toISOString()]);
}

export async function getStaff(db: Queryable, staffId: string): Promise<StaffRow | undefined> {
  return db.get<StaffRow>('SELECT * FROM staff WHERE staff_id = ?', [staffId]);
}

export type PinCheck = { ok: true; staff: StaffRow } | { ok: false; reason: 'unknown' | 'inactive' | 'locked' | 'wrong'; attemptsLeft?: number; lockedUntil?: string };

/**
 * Checks a PIN and updates the failure counter (the caller writes the audit line).
 *
 * The attempt is reserved BEFORE the slow scrypt compare, in one statement that also refuses a
 * locked or disabled account: N parallel guesses each take their own attempt, the MAX_PIN_ATTEMPTS-th
 * locks the account, and no guess is compared once it is locked (issue 14: read–scrypt–write let
 * 3,400 parallel guesses through). A correct PIN then gives its attempt back (count to 0).
 */
export async function checkPin(db: Queryable, staffId: string, pin: string, now: Date = systemClock()): Promise<PinCheck> {
  const key = requireLookupKey(db);
  const at = now.toISOString();
  const lockUntil = new Date(now.getTime() + PIN_LOCK_MINUTES * 60_000).toISOString();
  // An expired lock starts a fresh count; the attempt that reaches the limit sets the lock.
  const reserved = await db.get<StaffRow>(
    `UPDATE staff SET
       failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failed_attempts + 1 END,
       locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failed_attempts + 1 END) >= ? THEN ? ELSE NULL END
     WHERE staff_id = ? AND active = 1 AND (locked_until IS NULL OR locked_until <= ?)
     RETURNING *`, [at, at, MAX_PIN_ATTEMPTS, lockUntil, staffId, at]);
  if (reserved === undefined) {
    // Unknown, disabled or locked: the same time as a real check, so none of them shows by timing.
    const [staff] = await Promise.all([getStaff(db, staffId), hashPin(pin, randomBytes(16))]);
    if (!staff) return { ok: false, reason: 'unknown' };
    if (staff.active !== 1) return { ok: false, reason: 'inactive' };
    return { ok: false, reason: 'locked', lockedUntil: staff.locked_until ?? at };
  }
  if (key.pinMatches(await hashPin(pin, Buffer.from(reserved.pin_salt, 'hex')), reserved.pin_hash)) {
    await db.run('UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE staff_id = ?', [staffId]);
    return { ok: true, staff: { ...reserved, failed_attempts: 0, locked_until: null } };
  }
  if (reserved.locked_until !== null) return { ok: false, reason: 'locked', lockedUntil: reserved.locked_until };
  return { ok: false, reason: 'wrong', attemptsLeft: MAX_PIN_ATTEMPTS - reserved.failed_attempts };
}

/** Every account, for the supervisor tools (no PIN material leaves this module's callers). */
export async function listStaffRows(db: Queryable): Promise<StaffRow[]> {
  return db.all<StaffRow>('SELECT * FROM staff ORDER BY staff_id');
}

/** Clears the failure count and the lock (a supervisor's unlock). */
export async function clearPinLock(db: Queryable, staffId: string): Promise<void> {
  await db.run('UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE staff_id = ?', [staffId]);
}

/** A new PIN (new salt, keyed verifier as createStaff makes it); the failure count and lock go with the old one. */
export async function replacePin(db: Queryable, staffId: string, pin: string): Promise<void> {
  const key = requireLookupKey(db);
  const salt = randomBytes(16);
  const hash = key.pinVerifier(await hashPin(pin, salt));
  await db.run('UPDATE staff SET pin_salt = ?, pin_hash = ?, failed_attempts = 0, locked_until = NULL WHERE staff_id = ?',
    [salt.toString('hex'), hash.toString('hex'), staffId]);
}

export async function setStaffActive(db: Queryable, staffId: string, active: boolean): Promise<void> {
  await db.run('UPDATE staff SET active = ? WHERE staff_id = ?', [active ? 1 : 0, staffId]);
}
