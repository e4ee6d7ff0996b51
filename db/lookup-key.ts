/**
 * The station's lookup key: what makes the ID-number lookups and the PIN verifiers in the
 * database useless without the station's secret (docs/SECURITY.md "Secrets at rest").
 *
 * The adversarial pass recovered an ID number from its mask + sha256(salt:id) — the salt sits
 * in the same database — in 16.5 s, and a 4-digit PIN from its scrypt hash in 123 s. Both
 * stored values are now an HMAC-SHA256 under a key derived from a 32-byte secret that lives in
 * the encrypted key store (core/station-secret.ts), never in the database:
 *   id_number_hash = HMAC(k_id,  sha256(salt:id))     — the old value keyed, so existing rows
 *   pin_hash       = HMAC(k_pin, scrypt(pin, salt))      migrate without the clear number/PIN.
 * A copied database alone then gives an attacker no way to test a guess.
 *
 * The key is bound to the open Database (and handed to its transactions), so every workflow
 * that hashes through that database uses that station's key without it being passed around;
 * a database opened without it refuses to make or check a lookup (KEYS).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { StationError } from '../common/errors.ts';

/** Separate keys per purpose, derived from the one secret (HMAC as a KDF with fixed labels). */
const LABEL_ID = 'city-union station: id-number lookup v1';
const LABEL_PIN = 'city-union station: pin verifier v1';
const LABEL_CHECK = 'city-union station: lookup key check v1';

export const SECRET_BYTES = 32;

export class LookupKey {
  readonly #id: Buffer;
  readonly #pin: Buffer;
  readonly #check: string;

  constructor(secret: Uint8Array) {
    if (secret.length !== SECRET_BYTES) throw new StationError('KEYS', `the station secret must be ${SECRET_BYTES} bytes, got ${secret.length}`);
    const derive = (label: string): Buffer => createHmac('sha256', secret).update(label).digest();
    this.#id = derive(LABEL_ID);
    this.#pin = derive(LABEL_PIN);
    this.#check = derive(LABEL_CHECK).toString('hex');
  }

  /** The stored lookup for an ID number, from its salted SHA-256 (hex in, hex out). */
  idNumber(saltedHashHex: string): string {
    return createHmac('sha256', this.#id).update(saltedHashHex, 'utf8').digest('hex');
  }

  /** The stored PIN verifier, from the PIN's scrypt output. */
  pinVerifier(scryptOutput: Uint8Array): Buffer {
    return createHmac('sha256', this.#pin).update(scryptOutput).digest();
  }

  /** Constant-time comparison of a verifier with the stored hex. */
  pinMatches(scryptOutput: Uint8Array, storedHex: string): boolean {
    const actual = this.pinVerifier(scryptOutput);
    const expected = Buffer.from(storedHex, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** A value kept in the database to tell whether this key is the one its rows were keyed with. */
  get checkValue(): string {
    return this.#check;
  }

  /** Never print key material (logs, JSON, util.inspect). */
  toJSON(): string {
    return '[LookupKey]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[LookupKey]';
  }
}

/** The key bound to this database, or KEYS with the next step. */
export function requireLookupKey(q: { readonly lookupKey?: LookupKey | undefined }): LookupKey {
  if (q.lookupKey === undefined) {
    throw new StationError('KEYS', 'The station secret is not loaded: ID numbers and PINs cannot be checked', 'Open the station normally (station commands and `station serve` load it from STATION_HOME/keys)');
  }
  return q.lookupKey;
}
