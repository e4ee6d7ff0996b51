/**
 * Creating and opening a station's home folder (`station init`). The database joins it with
 * the ledger work (issue 3); for now the home holds config.json, keys/ and logs/. The home is
 * private (0700, files 0600: core/home-permissions.ts).
 */
import { systemClock } from '../common/clock.ts';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../common/errors.ts';
import { isHex, toHex } from '../common/hex.ts';
import { writeAudit } from '../db/audit.ts';
import { createStaff, getStaff } from '../db/staff.ts';
import { openStationDb } from '../db/station-db.ts';
import { CONFIG_VERSION, configPath, saveConfig, type StationConfig } from './config.ts';
import { databaseFile } from './station.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenHome } from './home-permissions.ts';
import { useStationSecret } from './station-secret.ts';
import { receiveTrainingStock } from './stock.ts';

/** Repo resources (training keys, default city codes). */
export const RESOURCES_DIR = path.resolve(import.meta.dirname, '..', 'resources');
export const TRAINING_KEYS_SOURCE = path.join(RESOURCES_DIR, 'keys', 'training-keys.json');
/** The training lab's home city: its cards are "ours", others are other member cities'. */
export const TRAINING_CITY_CODE = '3100';
/**
 * The blank cards a training station holds from the start (docs/COUNTER-RULES.md §3): received
 * when its first admin is created (core/stock.ts receiveTrainingStock). The lab's stock cards
 * come from this range (core/lab/card-specs.ts); serials below 5000 are for cards a test names.
 */
export const TRAINING_STOCK = { first: '3100000000000000', last: '3100000000009999', cardType: '00', documentNo: 'TRAINING-STOCK' } as const;

export interface InitOptions {
  home: string;
  training: boolean;
  cityCode?: string;
  terminalId?: string;
  keysFile?: string;
  force?: boolean;
  now?: Date;
}

/** `station init` refuses to overwrite a configured station without --force. */
export function assertInitAllowed(home: string, force: boolean | undefined): void {
  if (existsSync(configPath(home)) && force !== true) {
    throw new StationError('CONFIG', `A station is already configured in ${home}`, 'Use --force to overwrite the configuration (the ledger is kept)');
  }
}

export function initStationHome(opts: InitOptions): StationConfig {
  assertInitAllowed(opts.home, opts.force);
  const cityCode = (opts.cityCode ?? TRAINING_CITY_CODE).toUpperCase();
  if (!isHex(cityCode, 2)) throw new BadInputError(`--city-code must be 4 hex digits, got "${cityCode}"`);
  const stationId = toHex(randomBytes(6));
  const terminalId = (opts.terminalId ?? stationId).toUpperCase();
  if (!isHex(terminalId, 6)) throw new BadInputError(`--terminal-id must be 12 hex digits, got "${terminalId}"`);

  // The home and everything in it are private to the station's user (core/home-permissions.ts).
  ensurePrivateDir(opts.home);
  tightenHome(opts.home);
  ensurePrivateDir(path.join(opts.home, 'logs'));
  let keysFile: string | null = opts.keysFile ?? null;
  if (keysFile === null && opts.training) {
    // Training stations carry their own copy so STATION_HOME is self-contained.
    ensurePrivateDir(path.join(opts.home, 'keys'));
    const copy = path.join(opts.home, 'keys', 'training-keys.json');
    copyFileSync(TRAINING_KEYS_SOURCE, copy);
    chmodSync(copy, PRIVATE_FILE_MODE);
    keysFile = path.join('keys', 'training-keys.json');
  }
  const config: StationConfig = {
    version: CONFIG_VERSION,
    stationId,
    mode: opts.training ? 'training' : 'live',
    cityCode,
    terminalId,
    keysFile,
    defaultReader: null,
    createdAt: (opts.now ?? systemClock()).toISOString(),
  };
  saveConfig(opts.home, config);
  return config;
}

/** Creates the `admin` account (PRODUCT.md: `station init --admin-pin PIN`) if it does not exist. */
/**
 * `now`: `station init` runs on the machine's clock; a test's station passes its own.
 * `trainingStock: false`: a template home copied under other station ids receives it per copy.
 */
export async function createFirstAdmin(home: string, config: StationConfig, pin: string, env: NodeJS.ProcessEnv = process.env, opts: { now?: () => Date; trainingStock?: boolean } = {}): Promise<string | null> {
  const now = opts.now ?? systemClock;
  const db = await openStationDb(databaseFile(home, config));
  try {
    // The PIN verifier is keyed with the station secret, made here for a new station.
    await useStationSecret(db, home, config, env, now());
    if (await getStaff(db, 'admin')) return null;
    await createStaff(db, 'admin', 'Administrator', 'admin', pin);
    await writeAudit(db, 'admin', 'staff-create', 'ok', { staffId: 'admin', role: 'admin', by: 'station init' });
    if (config.mode === 'training' && opts.trainingStock !== false) await receiveTrainingStock(db, config, now, 'admin');
    return 'admin';
  } finally {
    await db.close();
  }
}
