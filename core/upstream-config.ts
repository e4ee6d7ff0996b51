/**
 * Where the station's clearing host is: STATION_HOME/upstream.json (mode 0600) with the URL,
 * the station id the host knows and the station's secret. Kept out of config.json so that file
 * can be shown and copied freely. The secret is given by STATION_UPSTREAM_SECRET to
 * `station upstream set` (never argv) and is never printed: the object returned here carries
 * it as a non-enumerable property, so JSON, logs and `--json` output leave it out.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../common/errors.ts';
import { UpstreamClient } from '../common/upstream-client.ts';

export const UPSTREAM_FILE = 'upstream.json';

export interface UpstreamSettings {
  url: string;
  stationId: string;
  setAt: string;
  /** Non-enumerable: present, but never serialised. */
  readonly secret: string;
}

export function upstreamFile(home: string): string {
  return path.join(home, UPSTREAM_FILE);
}

function withHiddenSecret(v: { url: string; stationId: string; setAt: string }, secret: string): UpstreamSettings {
  const out = { url: v.url, stationId: v.stationId, setAt: v.setAt } as UpstreamSettings;
  Object.defineProperty(out, 'secret', { value: secret, enumerable: false });
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

/** null when no host is configured (the station works offline). */
export function loadUpstreamSettings(home: string): UpstreamSettings | null {
  const file = upstreamFile(home);
  if (!existsSync(file)) return null;
  let raw: { version?: unknown; url?: unknown; stationId?: unknown; secret?: unknown; setAt?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
  } catch (err) {
    throw new StationError('CONFIG', `${UPSTREAM_FILE} is not valid JSON: ${(err as Error).message}`, 'Run `station upstream set` again');
  }
  if (raw.version !== 1 || typeof raw.url !== 'string' || typeof raw.stationId !== 'string' || typeof raw.secret !== 'string') {
    throw new StationError('CONFIG', `${UPSTREAM_FILE} is incomplete`, 'Run `station upstream set` again');
  }
  return withHiddenSecret({ url: raw.url, stationId: raw.stationId, setAt: typeof raw.setAt === 'string' ? raw.setAt : '' }, raw.secret);
}

export function saveUpstreamSettings(home: string, s: { url: string; stationId: string; secret: string | undefined }, at: Date = new Date()): UpstreamSettings {
  const url = validateUpstreamUrl(s.url);
  const secret = validateSecret(s.secret);
  if (!/^[0-9A-F]{12}$/.test(s.stationId)) throw new BadInputError('--station-id must be 12 upper-case hex digits');
  mkdirSync(home, { recursive: true });
  const file = upstreamFile(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, url, stationId: s.stationId, secret, setAt: at.toISOString() }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return withHiddenSecret({ url, stationId: s.stationId, setAt: at.toISOString() }, secret);
}

/** The signed client for these settings (common/upstream-client.ts; no retries, the relay owns backoff). */
export function clientFor(settings: UpstreamSettings, timeoutMs = 15_000): UpstreamClient {
  return new UpstreamClient({ baseUrl: settings.url, stationId: settings.stationId, secret: settings.secret, timeoutMs });
}
