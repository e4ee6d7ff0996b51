/**
 * Staff accounts with PINs (scrypt, per-account salt) and roles. A PIN that fails
 * MAX_PIN_ATTEMPTS times in a row locks the account for PIN_LOCK_MINUTES.
 * The stored verifier is the scrypt output keyed with the station's lookup key
 * (db/lookup-key.ts), so a copied database alone cannot test PIN guesses offline.
 */
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

export async function createStaff(db: Queryable, staffId: string, name: string, role: Role, pin: string, now = new Date()): Promise<void> {
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

/** Checks a PIN and updates the failure counter (the caller writes the audit line). */
export async function checkPin(db: Queryable, staffId: string, pin: string, now = new Date()): Promise<PinCheck> {
  const key = requireLookupKey(db);
  const staff = await getStaff(db, staffId);
  if (!staff) {
    // Spend the same time as a real check so ids cannot be probed by timing.
    await hashPin(pin, randomBytes(16));
    return { ok: false, reason: 'unknown' };
  }
  if (staff.active !== 1) return { ok: false, reason: 'inactive' };
  if (staff.locked_until !== null && staff.locked_until > now.toISOString()) return { ok: false, reason: 'locked', lockedUntil: staff.locked_until };
  if (key.pinMatches(await hashPin(pin, Buffer.from(staff.pin_salt, 'hex')), staff.pin_hash)) {
    if (staff.failed_attempts !== 0 || staff.locked_until !== null) {
      await db.run('UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE staff_id = ?', [staffId]);
    }
    return { ok: true, staff };
  }
  const failed = staff.failed_attempts + 1;
  if (failed >= MAX_PIN_ATTEMPTS) {
    const until = new Date(now.getTime() + PIN_LOCK_MINUTES * 60_000).toISOString();
    await db.run('UPDATE staff SET failed_attempts = 0, locked_until = ? WHERE staff_id = ?', [until, staffId]);
    return { ok: false, reason: 'locked', lockedUntil: until };
  }
  await db.run('UPDATE staff SET failed_attempts = ? WHERE staff_id = ?', [failed, staffId]);
  return { ok: false, reason: 'wrong', attemptsLeft: MAX_PIN_ATTEMPTS - failed };
}
