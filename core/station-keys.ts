/**
 * The station's issuer keys and the rules a station applies to them (docs/SECURITY.md "Key
 * handling"), in one place for openStation, `station doctor` and `station keys`:
 * - a live station refuses test keys (the shipped training file, or any key from it);
 * - a live station refuses a plain key file: its keys live encrypted at rest
 *   (devices/sam/key-file-crypto.ts), opened with STATION_KEYS_PASSPHRASE;
 * - a training station may keep the shipped training file plain (it is marked "test": true,
 *   and is public anyway).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../common/errors.ts';
import {
  PASSPHRASE_ENV, checkNewPassphrase, encryptKeyFileText, isEncryptedKeyFile, loadKeyFile, parseKeyFile, type IssuerKeySet,
} from '../devices/sam/index.ts';
import { writeAudit } from '../db/audit.ts';
import { requireRole, type Actor } from './auth.ts';
import { resolveKeysFile, saveConfig, type StationConfig } from './config.ts';

export { PASSPHRASE_ENV } from '../devices/sam/index.ts';
import type { Station } from './station.ts';

/** Where `station keys import` and `station init --keys` put the encrypted file, relative to STATION_HOME. */
export const ENCRYPTED_KEYS_NAME = path.join('keys', 'issuer-keys.enc.json');

/** Checks a loaded key set against the station's mode; throws KEYS with the next step. */
export function assertKeysFitMode(keys: IssuerKeySet, config: StationConfig): void {
  if (config.mode !== 'live') return;
  if (keys.isTest) {
    throw new StationError('KEYS', `Refusing to run in live mode with test keys (${keys.source})`, 'Install the production key file (station keys import FILE), or run `station init --training` for practice');
  }
  if (!keys.encrypted) {
    throw new StationError('KEYS', `Refusing a plain key file in live mode (${keys.source}): issuer keys are kept encrypted at rest`,
      `Encrypt it into the station: ${PASSPHRASE_ENV}=… station keys import ${keys.source} --operator ID (then delete the plain copy)`);
  }
}

/** Loads the configured key file (null when none) and applies the mode's rules. */
export function loadStationKeys(home: string, config: StationConfig, env: NodeJS.ProcessEnv): IssuerKeySet | null {
  const file = resolveKeysFile(home, config, env);
  if (file === null) return null;
  const keys = loadKeyFile(file, { passphrase: env[PASSPHRASE_ENV] });
  assertKeysFitMode(keys, config);
  return keys;
}

/**
 * Encrypts a plain key file into STATION_HOME/keys/issuer-keys.enc.json (mode 0600, written
 * atomically) and returns its path relative to home. Test keys are refused for a live station.
 * An already encrypted file is copied as it is after it opens with the passphrase.
 */
function readKeyFileJson(source: string): { text: string; json: unknown } {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new StationError('KEYS', `cannot read key file ${source}: ${(err as Error).message}`, 'Name the plain key file you were given');
  }
  try {
    return { text, json: JSON.parse(text) };
  } catch (err) {
    throw new StationError('KEYS', `key file ${source} is not valid JSON: ${(err as Error).message}`);
  }
}

/** `station keys encrypt`: a plain key file → an encrypted one beside it (no station needed). */
export function encryptKeyFileTo(sourceFile: string, outFile: string, passphrase: string | undefined, force: boolean): IssuerKeySet {
  const source = path.resolve(sourceFile);
  const { text, json } = readKeyFileJson(source);
  if (isEncryptedKeyFile(json)) throw new StationError('KEYS', `${source} is already encrypted`);
  const keys = parseKeyFile(json, source);
  const pass = checkNewPassphrase(passphrase);
  if (existsSync(outFile) && !force) throw new StationError('KEYS', `${outFile} exists`, 'Use --force to overwrite it');
  writeFileSync(outFile, encryptKeyFileText(text, pass), { mode: 0o600 });
  return keys;
}

export function importKeyFile(home: string, mode: StationConfig['mode'], sourceFile: string, passphrase: string | undefined): { keysFile: string; keys: IssuerKeySet } {
  const source = path.resolve(sourceFile);
  const { text, json } = readKeyFileJson(source);
  const encrypted = isEncryptedKeyFile(json);
  const keys = encrypted ? loadKeyFile(source, { passphrase }) : parseKeyFile(json, source);
  if (mode === 'live' && keys.isTest) {
    throw new StationError('KEYS', `Refusing test keys for a live station (${source})`, 'These are the public training keys; import the production key file');
  }
  const dir = path.join(home, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = path.join(home, ENCRYPTED_KEYS_NAME);
  const tmp = `${target}.tmp-${process.pid}`;
  if (encrypted) {
    copyFileSync(source, tmp);
    chmodSync(tmp, 0o600);
  } else {
    writeFileSync(tmp, encryptKeyFileText(text, checkNewPassphrase(passphrase)), { mode: 0o600 });
  }
  renameSync(tmp, target);
  return { keysFile: ENCRYPTED_KEYS_NAME, keys: loadKeyFile(target, { passphrase }) };
}

/**
 * `station keys import` (admin role, audited): encrypts the file into the station and points
 * config.json at it. Refused attempts are audited by requireRole and here.
 */
export async function importStationKeys(station: Station, actor: Actor, sourceFile: string, passphrase: string | undefined): Promise<{ keysFile: string; keys: IssuerKeySet }> {
  await requireRole(station.db, actor, 'admin', 'keys-import');
  let imported: { keysFile: string; keys: IssuerKeySet };
  try {
    imported = importKeyFile(station.home, station.config.mode, sourceFile, passphrase);
  } catch (err) {
    await writeAudit(station.db, actor.staffId, 'keys-import', 'refused', { source: path.resolve(sourceFile), reason: (err as Error).message });
    throw err;
  }
  saveConfig(station.home, { ...station.config, keysFile: imported.keysFile });
  await writeAudit(station.db, actor.staffId, 'keys-import', 'ok', { source: path.resolve(sourceFile), keysFile: imported.keysFile, issuers: imported.keys.cityCodes() });
  return imported;
}
