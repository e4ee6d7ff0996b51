/**
 * The station secret: 32 random bytes, made once per station, from which the lookup key of
 * db/lookup-key.ts is derived (ID-number lookups and PIN verifiers). It lives beside the issuer
 * keys in STATION_HOME/keys/station-secret.json, never in the database, in the same envelope as
 * the key file and the clearing host secret (devices/sam/key-file-crypto.ts, opened with
 * STATION_KEYS_PASSPHRASE). The rules follow the issuer keys (core/station-keys.ts):
 * - a live station keeps it encrypted and refuses it in the clear;
 * - a training station without a passphrase keeps its training secret in the clear (0600),
 *   like the shipped training keys — training data is practice data; with a passphrase set it
 *   is encrypted as well.
 *
 * A database from before the secret (plain sha256(salt:id) lookups, plain scrypt PIN hashes)
 * is re-keyed in one transaction the first time the station opens it with its secret: each
 * stored value becomes HMAC(key, stored value), which needs neither the ID number nor the PIN.
 * A check value in params records which key the rows carry, so opening with another station's
 * secret is refused instead of silently finding nobody.
 *
 * Back up keys/ with the database: without the secret, registered holders cannot be found by
 * ID number and no one can log in (docs/SECURITY.md item 9).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../common/errors.ts';
import { LookupKey, SECRET_BYTES } from '../db/lookup-key.ts';
import { rekeyRows } from '../db/lookup-rekey.ts';
import { insertParam, readParam } from '../db/params.ts';
import type { Database, Queryable } from '../db/sqlite.ts';
import { PASSPHRASE_ENV, checkNewPassphrase, decryptKeyFileJson, encryptKeyFileText, isEncryptedKeyFile } from '../devices/sam/index.ts';
import type { StationConfig } from './config.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './home-permissions.ts';

export const STATION_SECRET_NAME = path.join('keys', 'station-secret.json');
const FORMAT = 'city-union-station-secret';
const CHECK_PARAM = 'lookup_key_check';

export interface StationSecretFile {
  file: string;
  encrypted: boolean;
  secret: Buffer;
}

function secretError(message: string, hint: string): StationError {
  return new StationError('KEYS', `The station secret (${STATION_SECRET_NAME}): ${message}`, hint);
}

function parsePlain(text: string, file: string): Buffer {
  let json: { format?: unknown; secret?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw secretError(`${file} is not valid JSON`, 'Restore keys/ from the station\'s backup');
  }
  if (json.format !== FORMAT || typeof json.secret !== 'string' || !/^[0-9a-f]{64}$/.test(json.secret)) {
    throw secretError(`${file} is incomplete`, 'Restore keys/ from the station\'s backup');
  }
  return Buffer.from(json.secret, 'hex');
}

/** Reads the secret file; a live station refuses it in the clear. */
export function readStationSecret(home: string, config: Pick<StationConfig, 'mode'>, env: NodeJS.ProcessEnv): StationSecretFile {
  const file = path.join(home, STATION_SECRET_NAME);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw secretError(`cannot read ${file}: ${(err as Error).message}`, 'Restore keys/ from the station\'s backup');
  }
  if (isEncryptedKeyFile(json)) {
    let text: string;
    try {
      text = decryptKeyFileJson(json, env[PASSPHRASE_ENV], file);
    } catch (err) {
      if (!(err instanceof StationError)) throw err;
      throw secretError(err.message, `Check ${PASSPHRASE_ENV} (the issuer key file's passphrase); if it is right, restore keys/ from the backup`);
    }
    return { file, encrypted: true, secret: parsePlain(text, file) };
  }
  if (config.mode === 'live') {
    throw secretError('kept in the clear on a live station; it is kept encrypted at rest', `Restore the encrypted file from the backup, or re-create the station with ${PASSPHRASE_ENV} set`);
  }
  return { file, encrypted: false, secret: parsePlain(JSON.stringify(json), file) };
}

/**
 * Makes the secret when the station has none yet (a new station, or one from before the
 * secret). Two processes opening a fresh station at once both try: the file is created with a
 * hard link, which fails when it exists, so exactly one secret wins and both use it.
 */
export function createStationSecret(home: string, config: Pick<StationConfig, 'mode'>, env: NodeJS.ProcessEnv): void {
  const passphrase = env[PASSPHRASE_ENV];
  const encrypt = passphrase !== undefined && passphrase !== '';
  if (!encrypt && config.mode === 'live') {
    throw secretError('no passphrase to keep it encrypted with: a live station keeps its secrets encrypted at rest',
      `Set ${PASSPHRASE_ENV} (the issuer key file's passphrase; never on the command line)`);
  }
  const secret = randomBytes(SECRET_BYTES);
  const plain = JSON.stringify({ format: FORMAT, version: 1, training: config.mode === 'training', secret: secret.toString('hex') });
  secret.fill(0);
  const text = encrypt ? encryptKeyFileText(plain, checkNewPassphrase(passphrase)) : `${plain}\n`;
  const file = path.join(home, STATION_SECRET_NAME);
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The station's secret, made on first use. */
export function loadStationSecret(home: string, config: Pick<StationConfig, 'mode'>, env: NodeJS.ProcessEnv): StationSecretFile {
  if (!existsSync(path.join(home, STATION_SECRET_NAME))) createStationSecret(home, config, env);
  return readStationSecret(home, config, env);
}

const mismatch = (): StationError => secretError('it does not fit this database: its PINs and ID-number lookups were made with another secret',
  'Restore keys/ from the backup taken with this database (keys/ and the database belong together)');

/**
 * Binds the lookup key to the open database; the first time, re-keys the rows written before
 * the station had a secret (one transaction; the check inside it, so two processes opening the
 * same old database re-key it once).
 */
export async function bindStationSecret(db: Database, secret: Uint8Array, at: Date): Promise<void> {
  const key = new LookupKey(secret);
  const read = (q: Queryable): Promise<string | undefined> => readParam(q, CHECK_PARAM);
  const seen = await read(db);
  if (seen === undefined) {
    await db.transaction(async (tx) => {
      const now = await read(tx);
      if (now === key.checkValue) return;
      if (now !== undefined) throw mismatch();
      await rekeyRows(tx, key);
      await insertParam(tx, CHECK_PARAM, key.checkValue, at.toISOString());
    });
  } else if (seen !== key.checkValue) {
    throw mismatch();
  }
  db.bindLookupKey(key);
}

/** Loads (or makes) the secret and binds it to the station's open database. */
export async function useStationSecret(db: Database, home: string, config: Pick<StationConfig, 'mode'>, env: NodeJS.ProcessEnv, at: Date): Promise<void> {
  const s = loadStationSecret(home, config, env);
  try {
    await bindStationSecret(db, s.secret, at);
  } finally {
    s.secret.fill(0);
  }
}
