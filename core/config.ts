/**
 * Station configuration in STATION_HOME/config.json. STATION_HOME defaults to the OS app-data
 * folder, so the Electron app and the `station` command find the same ledger.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StationError } from '../common/errors.ts';
import { isHex } from '../common/hex.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './home-permissions.ts';

export const APP_DIR_NAME = 'city-union-station';
export const CONFIG_FILE = 'config.json';
export const CONFIG_VERSION = 1;

export type StationMode = 'training' | 'live';

export interface StationConfig {
  version: number;
  /** Stable id of this station at the clearing host (assigned at init, 12 hex digits). */
  stationId: string;
  mode: StationMode;
  /** The station's own city (EF 0015 bytes 2–3): cards with another code are other cities'. */
  cityCode: string;
  /** The 6-byte terminal number written into card logs (12 hex digits). */
  terminalId: string;
  /** Key file for the software security module; relative paths are relative to STATION_HOME. */
  keysFile: string | null;
  /** Reader to use when a command names none; null = the first reader with a card. */
  defaultReader: string | null;
  createdAt: string;
}

export function defaultStationHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STATION_HOME) return path.resolve(env.STATION_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
  }
}

export function validateConfig(raw: unknown): StationConfig {
  const fail = (why: string): never => {
    throw new StationError('CONFIG', `config.json is invalid: ${why}`, 'Fix the file or run `station init --force`');
  };
  if (typeof raw !== 'object' || raw === null) return fail('not an object');
  const c = raw as Record<string, unknown>;
  if (c.version !== CONFIG_VERSION) fail(`unsupported version ${String(c.version)}`);
  if (typeof c.stationId !== 'string' || !isHex(c.stationId, 6)) fail('stationId must be 12 hex digits');
  if (c.mode !== 'training' && c.mode !== 'live') fail('mode must be "training" or "live"');
  if (typeof c.cityCode !== 'string' || !isHex(c.cityCode, 2)) fail('cityCode must be 4 hex digits');
  if (typeof c.terminalId !== 'string' || !isHex(c.terminalId, 6)) fail('terminalId must be 12 hex digits');
  if (c.keysFile !== null && typeof c.keysFile !== 'string') fail('keysFile must be a path or null');
  if (c.defaultReader !== null && typeof c.defaultReader !== 'string') fail('defaultReader must be a name or null');
  if (typeof c.createdAt !== 'string') fail('createdAt missing');
  return {
    version: CONFIG_VERSION,
    stationId: (c.stationId as string).toUpperCase(),
    mode: c.mode as StationMode,
    cityCode: (c.cityCode as string).toUpperCase(),
    terminalId: (c.terminalId as string).toUpperCase(),
    keysFile: c.keysFile as string | null,
    defaultReader: c.defaultReader as string | null,
    createdAt: c.createdAt as string,
  };
}

export function configPath(home: string): string {
  return path.join(home, CONFIG_FILE);
}

export function loadConfig(home: string): StationConfig {
  const file = configPath(home);
  if (!existsSync(file)) {
    throw new StationError('CONFIG', `No station configured in ${home}`, 'Run `station init` first (or set STATION_HOME)');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StationError('CONFIG', `config.json is not valid JSON: ${(err as Error).message}`, 'Fix the file or run `station init --force`');
  }
  return validateConfig(raw);
}

/** Writes atomically (temp file + rename) so a crash never leaves half a config. */
export function saveConfig(home: string, config: StationConfig): void {
  ensurePrivateDir(home);
  const file = configPath(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(validateConfig(config), null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
}

/** Resolves the key file: STATION_KEYS wins, then config.keysFile (relative to home). */
export function resolveKeysFile(home: string, config: StationConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.STATION_KEYS) return path.resolve(env.STATION_KEYS);
  if (config.keysFile === null) return null;
  return path.isAbsolute(config.keysFile) ? config.keysFile : path.join(home, config.keysFile);
}
