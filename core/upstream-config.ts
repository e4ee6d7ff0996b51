/**
 * Where the station's clearing host is: STATION_HOME/upstream.json (mode 0600) with the URL,
 * the station id the host knows and the station's secret. Kept out of config.json so that file
 * can be shown and copied freely. The secret is given by STATION_UPSTREAM_SECRET to
 * `station upstream set` (never argv) and is never printed: the object returned here carries
 * it as a non-enumerable property, so JSON, logs and `--json` output leave it out.
 *
 * At rest the secret is encrypted like the issuer keys (docs/SECURITY.md "Upstream secret"):
 * the same passphrase envelope (devices/sam/key-file-crypto.ts: scrypt + AES-256-GCM) under
 * the same STATION_KEYS_PASSPHRASE, in a version 2 file; the URL and station id stay readable.
 * A version 1 file (the secret in the clear, as older stations wrote it) is still read; the
 * doctor warns about it, a live station refuses it like a plain key file, and `station upstream
 * set` rewrites it encrypted. The secret is decrypted when it is first used (a client is made),
 * not when the file is read: the status bar reads the file often and needs no secret.
 */
import { systemClock } from '../common/clock.ts';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../common/errors.ts';
import { UpstreamClient } from '../common/upstream-client.ts';
import { PASSPHRASE_ENV, checkNewPassphrase, decryptKeyFileJson, encryptKeyFileText, isEncryptedKeyFile } from '../devices/sam/index.ts';
import type { StationConfig } from './config.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './home-permissions.ts';

export const UPSTREAM_FILE = 'upstream.json';
/** 1: the secret in the clear (read only); 2: the secret in the key files' passphrase envelope. */
const PLAIN_VERSION = 1;
const ENCRYPTED_VERSION = 2;

export interface UpstreamSettings {
  url: string;
  stationId: string;
  setAt: string;
  /** Whether the secret is encrypted at rest (false: an older upstream.json, the secret in the clear). */
  encrypted: boolean;
  /** Non-enumerable: present, but never serialised. Decrypted on first use (a KEYS error when it cannot be). */
  readonly secret: string;
}

export function upstreamFile(home: string): string {
  return path.join(home, UPSTREAM_FILE);
}

/** The settings with the secret behind a non-enumerable getter that opens it once, when first read. */
function withHiddenSecret(v: { url: string; stationId: string; setAt: string; encrypted: boolean }, openSecret: () => string): UpstreamSettings {
  const out = { url: v.url, stationId: v.stationId, setAt: v.setAt, encrypted: v.encrypted } as UpstreamSettings;
  let secret: string | null = null;
  Object.defineProperty(out, 'secret', { enumerable: false, get: () => (secret ??= openSecret()) });
  return out;
}

export function validateUpstreamUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BadInputError(`--url is not a URL: "${url}"`, 'For example http://clearing.example:8787');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadInputError(`--url must be http or https, got ${u.protocol}`);
  return u.toString().replace(/\/+$/, '');
}

export function validateSecret(secret: string | undefined): string {
  if (secret === undefined || secret === '') throw new BadInputError('No station secret given', 'Put the secret the host printed at register-station into STATION_UPSTREAM_SECRET (never on the command line)');
  if (!/^[0-9a-fA-F]{64}$/.test(secret)) throw new BadInputError('STATION_UPSTREAM_SECRET must be the 64 hex digits the host printed');
  return secret.toLowerCase();
}

/** The secret out of a version 2 file's envelope, with the upstream's own next step on failure. */
function openSecret(envelope: unknown, file: string, passphrase: string | undefined): string {
  try {
    return validateSecret(decryptKeyFileJson(envelope, passphrase, file));
  } catch (err) {
    if (!(err instanceof StationError)) throw err;
    throw new StationError('KEYS', `The clearing host secret: ${err.message}`,
      `Check ${PASSPHRASE_ENV} (the issuer key file's passphrase); if it is right, set the secret again: STATION_UPSTREAM_SECRET=… station upstream set`);
  }
}

/**
 * null when no host is configured (the station works offline). The passphrase for an encrypted
 * secret is read from `env` (STATION_KEYS_PASSPHRASE) when the secret is first used.
 */
export function loadUpstreamSettings(home: string, env: NodeJS.ProcessEnv = process.env): UpstreamSettings | null {
  const file = upstreamFile(home);
  if (!existsSync(file)) return null;
  let raw: { version?: unknown; url?: unknown; stationId?: unknown; secret?: unknown; setAt?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
  } catch (err) {
    throw new StationError('CONFIG', `${UPSTREAM_FILE} is not valid JSON: ${(err as Error).message}`, 'Run `station upstream set` again');
  }
  const plain = raw.version === PLAIN_VERSION && typeof raw.secret === 'string';
  const encrypted = raw.version === ENCRYPTED_VERSION && isEncryptedKeyFile(raw.secret);
  if ((!plain && !encrypted) || typeof raw.url !== 'string' || typeof raw.stationId !== 'string') {
    throw new StationError('CONFIG', `${UPSTREAM_FILE} is incomplete`, 'Run `station upstream set` again');
  }
  const v = { url: raw.url, stationId: raw.stationId, setAt: typeof raw.setAt === 'string' ? raw.setAt : '', encrypted };
  const passphrase = env[PASSPHRASE_ENV];
  return withHiddenSecret(v, plain ? () => raw.secret as string : () => openSecret(raw.secret, file, passphrase));
}

/** A live station refuses a secret kept in the clear, as it refuses a plain key file (core/station-keys.ts). */
export function assertUpstreamFitsMode(settings: UpstreamSettings, config: Pick<StationConfig, 'mode'>): void {
  if (config.mode !== 'live' || settings.encrypted) return;
  throw new StationError('KEYS', `Refusing the clearing host secret kept in the clear in ${UPSTREAM_FILE} in live mode: it is kept encrypted at rest`,
    `Encrypt it: ${PASSPHRASE_ENV}=… station upstream set (keeps the URL and the secret, rewrites ${UPSTREAM_FILE} encrypted)`);
}

/** The host settings an open station uses: loaded, and refused in live mode when the secret is in the clear. */
export function loadStationUpstream(home: string, config: Pick<StationConfig, 'mode'>, env: NodeJS.ProcessEnv = process.env): UpstreamSettings | null {
  const settings = loadUpstreamSettings(home, env);
  if (settings !== null) assertUpstreamFitsMode(settings, config);
  return settings;
}

export interface SaveUpstreamOptions {
  /** Encrypts the secret (STATION_KEYS_PASSPHRASE). Without one the secret is written in the clear, which a live station refuses. */
  passphrase?: string | undefined;
  mode?: StationConfig['mode'];
}

export function saveUpstreamSettings(home: string, s: { url: string; stationId: string; secret: string | undefined }, opts: SaveUpstreamOptions = {}, at: Date = systemClock()): UpstreamSettings {
  const url = validateUpstreamUrl(s.url);
  const secret = validateSecret(s.secret);
  if (!/^[0-9A-F]{12}$/.test(s.stationId)) throw new BadInputError('--station-id must be 12 upper-case hex digits');
  const encrypt = opts.passphrase !== undefined && opts.passphrase !== '';
  if (!encrypt && opts.mode === 'live') {
    throw new StationError('KEYS', 'No passphrase to encrypt the clearing host secret with: a live station keeps it encrypted at rest',
      `Set ${PASSPHRASE_ENV} (the issuer key file's passphrase; never on the command line)`);
  }
  const stored = encrypt
    ? { version: ENCRYPTED_VERSION, url, stationId: s.stationId, secret: JSON.parse(encryptKeyFileText(secret, checkNewPassphrase(opts.passphrase))) as unknown, setAt: at.toISOString() }
    : { version: PLAIN_VERSION, url, stationId: s.stationId, secret, setAt: at.toISOString() };
  ensurePrivateDir(home);
  const file = upstreamFile(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
  return withHiddenSecret({ url, stationId: s.stationId, setAt: at.toISOString(), encrypted: encrypt }, () => secret);
}

/** The signed client for these settings (common/upstream-client.ts; no retries, the relay owns backoff). */
export function clientFor(settings: UpstreamSettings, timeoutMs = 15_000): UpstreamClient {
  return new UpstreamClient({ baseUrl: settings.url, stationId: settings.stationId, secret: settings.secret, timeoutMs });
}
