/**
 * Card registration (记名): what the station keeps of a cardholder. Name and phone are stored
 * masked only; the ID number is stored masked plus a keyed hash of its normalised form, so a
 * lost report can find the card and verify the person, and nothing else of the number is kept.
 * The hash is HMAC(lookup key, sha256(salt:id)): the salt is per station, made once and kept in
 * params ('id_hash_salt'); the key is not in the database (db/lookup-key.ts,
 * core/station-secret.ts), so the mask plus the database alone no longer give the number away.
 */
import { systemClock } from '../common/clock.ts';
import { createHash, randomBytes } from 'node:crypto';
import { BadInputError } from '../common/errors.ts';
import { say } from '../common/say.ts';
import { requireLookupKey } from '../db/lookup-key.ts';
import { insertParamIfAbsent, readParam } from '../db/params.ts';
import type { Queryable } from '../db/sqlite.ts';

export interface RegistrationInput {
  name?: unknown;
  idNumber?: unknown;
  phone?: unknown;
}

export interface MaskedRegistration {
  holderName: string;
  idNumberMasked: string;
  idNumberHash: string;
  phoneMasked: string | null;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Upper case, no spaces or dashes. */
export function normaliseIdNumber(value: unknown): string {
  if (typeof value !== 'string') throw new BadInputError('an ID number is required', 'Pass the 18-character resident ID number', say('idNumberMissing'));
  return value.replace(/[\s-]/g, '').toUpperCase();
}

/** A resident ID number: 18 characters with a valid check character (GB 11643), or an old 15-digit one. */
export function validIdNumber(id: string): boolean {
  if (/^[0-9]{15}$/.test(id)) return true;
  if (!/^[0-9]{17}[0-9X]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === id[17];
}

export function parseIdNumber(value: unknown): string {
  const id = normaliseIdNumber(value);
  if (!validIdNumber(id)) throw new BadInputError(`"${String(value)}" is not a valid resident ID number`, 'Check the 18 characters (the last may be X) against the ID card', say('idNumberInvalid'));
  return id;
}

export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? name : chars[0] + '*'.repeat(chars.length - 1);
}

/** 110105194912310021 → 110***********0021 (first 3, last 4). */
export function maskIdNumber(id: string): string {
  return id.slice(0, 3) + '*'.repeat(id.length - 7) + id.slice(-4);
}

/** 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

export async function idHashSalt(db: Queryable): Promise<string> {
  const existing = await readParam(db, 'id_hash_salt');
  if (existing !== undefined) return existing;
  // Two first writers race: the first salt stands, and both read it back.
  await insertParamIfAbsent(db, 'id_hash_salt', randomBytes(16).toString('hex'), systemClock().toISOString()); // when this machine made the salt
  return (await readParam(db, 'id_hash_salt'))!;
}

export async function hashIdNumber(db: Queryable, id: string): Promise<string> {
  const key = requireLookupKey(db);
  const salt = await idHashSalt(db);
  return key.idNumber(createHash('sha256').update(`${salt}:${normaliseIdNumber(id)}`).digest('hex'));
}

/** Validates a registration and returns only what may be stored. */
export async function maskRegistration(db: Queryable, input: RegistrationInput): Promise<MaskedRegistration> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || [...name].length > 20) throw new BadInputError('a registration needs the holder\'s name (1–20 characters)', 'Pass --name as on the ID card', say('holderNameNeeded'));
  const id = parseIdNumber(input.idNumber);
  let phoneMasked: string | null = null;
  if (input.phone !== undefined && input.phone !== null && input.phone !== '') {
    const phone = String(input.phone).replace(/[\s-]/g, '');
    if (!/^1[3-9][0-9]{9}$/.test(phone)) throw new BadInputError(`"${String(input.phone)}" is not a mainland mobile number (11 digits starting 13–19)`, undefined, say('phoneInvalid'));
    phoneMasked = maskPhone(phone);
  }
  return { holderName: maskName(name), idNumberMasked: maskIdNumber(id), idNumberHash: await hashIdNumber(db, id), phoneMasked };
}
