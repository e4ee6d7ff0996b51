/**
 * The key file at rest (docs/SECURITY.md "Key handling"): the plain key file of PRODUCT.md
 * "Keys" wrapped in a passphrase envelope, so a copied STATION_HOME, a backup or a stolen disk
 * does not hand out the issuer master keys.
 *
 *   {"format": "city-union-keys+aes-256-gcm", "version": 1,
 *    "kdf": {"name": "scrypt", "N": 32768, "r": 8, "p": 1, "salt": "<32 hex>"},
 *    "iv": "<24 hex>", "tag": "<32 hex>", "ciphertext": "<base64 of the plain key file>"}
 *
 * scrypt turns the passphrase into a 256-bit key (memory-hard, so guessing is slow even on a
 * GPU); AES-256-GCM encrypts and authenticates. The header (format, version, kdf) is the GCM
 * additional data, so lowering N in the file or swapping the salt is detected like a wrong
 * passphrase. GCM cannot tell a wrong passphrase from an altered file, so the error says both.
 * Only node:crypto: the same code runs in Node and in Electron's main process.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { StationError } from '../../common/errors.ts';

export const ENCRYPTED_KEY_FORMAT = 'city-union-keys+aes-256-gcm';
export const ENCRYPTED_KEY_VERSION = 1;
/** A passphrase shorter than this is refused when encrypting (it would be guessable offline). */
export const MIN_PASSPHRASE_LENGTH = 12;
/** The environment variable the station reads the passphrase from (never argv). */
export const PASSPHRASE_ENV = 'STATION_KEYS_PASSPHRASE';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
/** 32 MiB of memory per guess: ~0.1 s here, far too slow for a bulk guesser. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };
/** Bounds for files we read: a hostile file must not make us allocate gigabytes. */
const MAX_N = 1 << 20;
const MIN_N = 1 << 14;

interface Envelope {
  format: string;
  version: number;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  ciphertext: string;
}

function keysError(message: string, hint: string): StationError {
  return new StationError('KEYS', message, hint);
}

/** True when `json` is an encrypted key file (by its format field), whatever its state. */
export function isEncryptedKeyFile(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { format?: unknown }).format === ENCRYPTED_KEY_FORMAT;
}

function deriveKey(passphrase: string, salt: Buffer, p: ScryptParams): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 });
}

/** The additional authenticated data: the header fields in a fixed order. */
function headerAad(e: Pick<Envelope, 'format' | 'version' | 'kdf'>): Buffer {
  const { name, N, r, p, salt } = e.kdf;
  return Buffer.from(JSON.stringify([e.format, e.version, name, N, r, p, salt]), 'utf8');
}

export function checkNewPassphrase(passphrase: string | undefined): string {
  if (passphrase === undefined || passphrase === '') {
    throw keysError('No key file passphrase given', `Set ${PASSPHRASE_ENV} (passphrases are never taken from the command line)`);
  }
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw keysError(`The key file passphrase is too short (at least ${MIN_PASSPHRASE_LENGTH} characters)`, 'Choose a longer passphrase; a sentence is fine');
  }
  return passphrase;
}

/** Encrypts the text of a plain key file. The caller has validated it (parseKeyFile). */
export function encryptKeyFileText(plainText: string, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  checkNewPassphrase(passphrase);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header = { format: ENCRYPTED_KEY_FORMAT, version: ENCRYPTED_KEY_VERSION, kdf: { name: 'scrypt' as const, ...params, salt: salt.toString('hex') } };
  const key = deriveKey(passphrase, salt, params);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(headerAad(header));
    const ciphertext = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    const envelope: Envelope = { ...header, iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex'), ciphertext: ciphertext.toString('base64') };
    return `${JSON.stringify(envelope, null, 2)}\n`;
  } finally {
    key.fill(0);
  }
}

function parseEnvelope(json: unknown, source: string): Envelope {
  const bad = (why: string) => keysError(`${source}: encrypted key file is malformed (${why})`, 'Restore the key file from its backup, or import the keys again: station keys import FILE');
  const e = json as Partial<Envelope>;
  if (e.version !== ENCRYPTED_KEY_VERSION) throw bad(`unsupported version ${String(e.version)}`);
  const k = e.kdf;
  if (typeof k !== 'object' || k === null || k.name !== 'scrypt') throw bad('kdf must be scrypt');
  const { N, r, p, salt } = k;
  if (!Number.isInteger(N) || N < MIN_N || N > MAX_N || (N & (N - 1)) !== 0) throw bad(`scrypt N ${String(N)} out of bounds`);
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) throw bad('scrypt r/p out of bounds');
  const hex = (v: unknown, bytes: number) => typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-f]+$/i.test(v);
  if (!hex(salt, 16)) throw bad('salt');
  if (!hex(e.iv, 12)) throw bad('iv');
  if (!hex(e.tag, 16)) throw bad('tag');
  if (typeof e.ciphertext !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.ciphertext)) throw bad('ciphertext');
  return e as Envelope;
}

/**
 * Decrypts an encrypted key file's JSON and returns the plain key file's text.
 * A missing or wrong passphrase is a KEYS StationError that says so.
 */
export function decryptKeyFileJson(json: unknown, passphrase: string | undefined, source: string): string {
  const e = parseEnvelope(json, source);
  if (passphrase === undefined || passphrase === '') {
    throw keysError(`${source} is encrypted and no passphrase was given`, `Set ${PASSPHRASE_ENV} to the key file's passphrase`);
  }
  const key = deriveKey(passphrase, Buffer.from(e.kdf.salt, 'hex'), e.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(e.iv, 'hex'));
    decipher.setAAD(headerAad(e));
    decipher.setAuthTag(Buffer.from(e.tag, 'hex'));
    const plain = Buffer.concat([decipher.update(Buffer.from(e.ciphertext, 'base64')), decipher.final()]);
    try {
      return plain.toString('utf8');
    } finally {
      plain.fill(0);
    }
  } catch (err) {
    if (err instanceof StationError) throw err;
    throw keysError(`Wrong passphrase for the key file ${source} (or the file was altered)`,
      `Check ${PASSPHRASE_ENV}; if the passphrase is right, restore the key file from its backup`);
  } finally {
    key.fill(0);
  }
}
