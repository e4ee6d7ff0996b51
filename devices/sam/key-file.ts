/**
 * The development/training key file of PRODUCT.md "Keys":
 *   {"test": true, "issuers": {"3100": {"algorithm": "3des", "version": 1, "dlk": "…", "dtk": "…", "damk": "…"}}}
 * (`dpk`, a purchase master key, is optionally accepted so emulated cards can also debit.)
 * Validation is strict and every failure is a StationError('KEYS') saying what and where.
 * Key bytes live in a private field of IssuerKeySet: no getter, toJSON or inspect shows them.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { StationError } from '../../common/errors.ts';
import { fromHex, isHex } from '../../common/hex.ts';
import { decryptKeyFileJson, isEncryptedKeyFile } from './key-file-crypto.ts';

export const MASTER_KEY_BYTES = 16;
export const KEY_NAMES = ['dlk', 'dtk', 'damk', 'dpk'] as const;
export type KeyName = (typeof KEY_NAMES)[number];
const REQUIRED_KEYS: readonly KeyName[] = ['dlk', 'dtk', 'damk'];
const ALGORITHMS = ['3des', 'sm4'] as const;
export type KeyAlgorithm = (typeof ALGORITHMS)[number];
/** A sane bound: the City Union has about 300 member cities. */
export const MAX_ISSUERS = 1000;

/** Public facts about one issuer's keys. */
export interface IssuerKeyInfo {
  cityCode: string;
  algorithm: KeyAlgorithm;
  version: number;
  hasPurchaseKey: boolean;
}

interface IssuerSecrets extends IssuerKeyInfo {
  keys: Map<KeyName, Uint8Array>;
}

function keysError(message: string, hint = 'Check the key file named by STATION_KEYS (PRODUCT.md "Keys")'): StationError {
  return new StationError('KEYS', message, hint);
}

function normaliseCity(cityCode: string): string {
  if (typeof cityCode !== 'string' || !isHex(cityCode, 2)) throw keysError(`city code must be 4 hex digits, got "${String(cityCode)}"`);
  return cityCode.toUpperCase();
}

export class IssuerKeySet {
  readonly #issuers: Map<string, IssuerSecrets>;
  readonly #test: boolean;
  readonly #source: string;
  readonly #encrypted: boolean;

  /** Use parseKeyFile/loadKeyFile; the constructor trusts already-validated data. */
  private constructor(issuers: Map<string, IssuerSecrets>, test: boolean, source: string, encrypted: boolean) {
    this.#issuers = issuers;
    this.#test = test;
    this.#source = source;
    this.#encrypted = encrypted;
  }

  /** @internal factory for parseKeyFile. */
  static fromValidated(issuers: Map<string, IssuerSecrets>, test: boolean, source: string, encrypted = false): IssuerKeySet {
    return new IssuerKeySet(issuers, test, source, encrypted);
  }

  /** True when the keys came from a passphrase-encrypted file (key-file-crypto.ts). */
  get encrypted(): boolean {
    return this.#encrypted;
  }

  /** True when the file says `"test": true` or holds any key of the shipped training file. */
  get isTest(): boolean {
    if (this.#test) return true;
    for (const issuer of this.#issuers.values()) {
      for (const key of issuer.keys.values()) if (TRAINING_KEY_FINGERPRINTS.has(fingerprint(key))) return true;
    }
    return false;
  }

  get source(): string {
    return this.#source;
  }

  cityCodes(): string[] {
    return [...this.#issuers.keys()].sort();
  }

  has(cityCode: string): boolean {
    return this.#issuers.has(normaliseCity(cityCode));
  }

  info(cityCode: string): IssuerKeyInfo {
    const s = this.#secrets(cityCode);
    return { cityCode: s.cityCode, algorithm: s.algorithm, version: s.version, hasPurchaseKey: s.hasPurchaseKey };
  }

  /**
   * Runs `use` with a copy of one master key. The only way key bytes leave this object, kept
   * for the SoftwareSam and the emulator's personalisation (both in devices/).
   */
  withMasterKey<T>(cityCode: string, name: KeyName, use: (masterKey: Uint8Array) => T): T {
    const s = this.#secrets(cityCode);
    const key = s.keys.get(name);
    if (key === undefined) throw keysError(`issuer ${s.cityCode} has no ${name.toUpperCase()} in ${this.#source}`);
    const copy = Uint8Array.from(key);
    try {
      return use(copy);
    } finally {
      copy.fill(0);
    }
  }

  #secrets(cityCode: string): IssuerSecrets {
    const city = normaliseCity(cityCode);
    const s = this.#issuers.get(city);
    if (s === undefined) {
      throw keysError(`no keys for issuer city ${city} in ${this.#source}`, 'This card belongs to a city whose keys this station does not hold; its loads go through the upstream host');
    }
    return s;
  }

  toJSON(): { source: string; test: boolean; encrypted: boolean; issuers: IssuerKeyInfo[] } {
    return { source: this.#source, test: this.isTest, encrypted: this.#encrypted, issuers: this.cityCodes().map((c) => this.info(c)) };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `IssuerKeySet(${this.#source}, cities ${this.cityCodes().join(',')}${this.isTest ? ', test keys' : ''})`;
  }
}

function fingerprint(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * SHA-256 of every master key in resources/keys/training-keys.json, so a production key
 * file that copied a training key (and dropped `"test": true`) is still recognised as test.
 * test/unit/cpu-sam.test.ts recomputes these from the file.
 */
export const TRAINING_KEY_FINGERPRINTS: ReadonlySet<string> = new Set([
  'ec3c31413b71c20770924721a36281bd98d859db30488934b19523cfa47de8eb',
  '04d0d1d1ce32c6d587ca08db42efefb031ab5c9ae684942f307a607d2a4d8a1a',
  'd9a21bd3134b7b97c9e0bc5ddd42a5913c9d71e99e214281d5e034156af04a5f',
  '5bfc2310224255fac93d4b3a5828963a2564d7e7a949bd3a15c0ea49bc4150a6',
  'e0bf2e010a3e1f10c089fe5d5f4bb1ce84505ff0d6602b25c0f2404590659c17',
  '0d657b88f115526f0d1f4d15d4685304d7461a657f307d8cdceecafe90246a49',
  '5be5de3d1f750529d71fbacd0f083beef0cc838ce9f2a02605dc189badaade4a',
  '94c73911eeb86d3022c33ba7e5690291c7d0cfa8420f9b40a4cd21d7e2bd408d',
]);

export const TRAINING_KEY_FILE = new URL('../../resources/keys/training-keys.json', import.meta.url);

/** Validates the parsed JSON of a key file. `source` names the file in messages. */
export function parseKeyFile(json: unknown, source = 'key file', encrypted = false): IssuerKeySet {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw keysError(`${source}: top level must be a JSON object`);
  const top = json as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (k !== 'issuers' && k !== 'test' && k !== 'comment') throw keysError(`${source}: unknown top-level field "${k}"`);
  }
  if (top.test !== undefined && typeof top.test !== 'boolean') throw keysError(`${source}: "test" must be true or false`);
  const issuersRaw = top.issuers;
  if (typeof issuersRaw !== 'object' || issuersRaw === null || Array.isArray(issuersRaw)) {
    throw keysError(`${source}: "issuers" must be an object keyed by 4-hex-digit city code`);
  }
  const entries = Object.entries(issuersRaw as Record<string, unknown>);
  if (entries.length === 0) throw keysError(`${source}: "issuers" is empty`);
  if (entries.length > MAX_ISSUERS) throw keysError(`${source}: more than ${MAX_ISSUERS} issuers`);
  const issuers = new Map<string, IssuerSecrets>();
  for (const [cityRaw, entryRaw] of entries) {
    if (!isHex(cityRaw, 2)) throw keysError(`${source}: issuer "${cityRaw}" is not a 4-hex-digit city code`);
    const city = cityRaw.toUpperCase();
    if (issuers.has(city)) throw keysError(`${source}: issuer ${city} appears twice`);
    issuers.set(city, parseIssuer(entryRaw, `${source}: issuer ${city}`, city));
  }
  return IssuerKeySet.fromValidated(issuers, top.test === true, source, encrypted);
}

/** Parses one issuer entry ({algorithm, version, dlk, dtk, damk[, dpk]}). */
function parseIssuer(entryRaw: unknown, where: string, cityCode: string): IssuerSecrets {
  if (typeof entryRaw !== 'object' || entryRaw === null || Array.isArray(entryRaw)) throw keysError(`${where}: must be an object`);
  const entry = entryRaw as Record<string, unknown>;
  for (const k of Object.keys(entry)) {
    if (k !== 'algorithm' && k !== 'version' && !(KEY_NAMES as readonly string[]).includes(k)) throw keysError(`${where}: unknown field "${k}"`);
  }
  const algorithm = entry.algorithm;
  if (typeof algorithm !== 'string' || !(ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw keysError(`${where}: "algorithm" must be one of ${ALGORITHMS.join(', ')}`);
  }
  const version = entry.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 0xff) {
    throw keysError(`${where}: "version" must be an integer 0..255`);
  }
  const keys = new Map<KeyName, Uint8Array>();
  for (const name of KEY_NAMES) {
    const v = entry[name];
    if (v === undefined) {
      if (REQUIRED_KEYS.includes(name)) throw keysError(`${where}: "${name}" is missing`);
      continue;
    }
    if (typeof v !== 'string' || !isHex(v, MASTER_KEY_BYTES)) throw keysError(`${where}: "${name}" must be ${MASTER_KEY_BYTES * 2} hex digits`);
    keys.set(name, fromHex(v));
  }
  return { cityCode, algorithm: algorithm as KeyAlgorithm, version, hasPurchaseKey: keys.has('dpk'), keys };
}

export interface LoadKeyFileOptions {
  /** For an encrypted key file (key-file-crypto.ts); ignored for a plain one. */
  passphrase?: string;
}

function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw keysError(`key file ${source} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads and validates a key file, plain or encrypted (then `passphrase` opens it). */
export function loadKeyFile(path: string | URL, opts: LoadKeyFileOptions = {}): IssuerKeySet {
  const source = typeof path === 'string' ? path : path.pathname;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw keysError(code === 'ENOENT' ? `key file not found: ${source}` : `cannot read key file ${source}: ${(err as Error).message}`);
  }
  const json = parseJsonText(text, source);
  if (!isEncryptedKeyFile(json)) return parseKeyFile(json, source);
  return parseKeyFile(parseJsonText(decryptKeyFileJson(json, opts.passphrase, source), source), source, true);
}

/** The shipped training keys (test keys: live mode refuses them). */
export function loadTrainingKeys(): IssuerKeySet {
  return loadKeyFile(TRAINING_KEY_FILE);
}

/** True for key sets a live station must refuse. */
export function isTestKeySet(keys: IssuerKeySet): boolean {
  return keys.isTest;
}
