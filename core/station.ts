/**
 * An open station: its configuration, its database (the training lab keeps its own file so
 * practice never touches the real ledger), its policy, its security module and its card
 * access. The CLI, the UI server and tests all build one with `openStation`.
 */
import { systemClock } from '../common/clock.ts';
import path from 'node:path';
import type { Database } from '../db/sqlite.ts';
import { openStationDb } from '../db/station-db.ts';
import { SoftwareSam, type SecurityModule } from '../devices/sam/index.ts';
import type { CardAccess } from './card-access.ts';
import { loadConfig, type StationConfig } from './config.ts';
import { loadStationKeys } from './station-keys.ts';
import { loadPolicy, type Policy } from './policy.ts';
import { HostBackedSecurityModule } from './host-sam.ts';
import { upstreamFromClient, type UpstreamPort } from './upstream-port.ts';
import { clientFor, loadStationUpstream } from './upstream-config.ts';
import { tightenHome } from './home-permissions.ts';
import { useStationSecret } from './station-secret.ts';

export interface Station {
  home: string;
  config: StationConfig;
  db: Database;
  policy: Policy;
  /** null when no key file is configured: loads then need a SAM or the upstream host. */
  sam: SecurityModule | null;
  cards: CardAccess;
  /** The clearing host as the workflows see it; absent = offline (requests are queued). */
  upstream?: UpstreamPort;
  now: () => Date;
  close(): Promise<void>;
}

export function databaseFile(home: string, config: StationConfig): string {
  return path.join(home, config.mode === 'training' ? 'training.sqlite' : 'station.sqlite');
}

export function openSecurityModule(home: string, config: StationConfig, env: NodeJS.ProcessEnv): SecurityModule | null {
  // Live mode refuses test keys and plain key files (core/station-keys.ts, docs/SECURITY.md).
  const keys = loadStationKeys(home, config, env);
  return keys === null ? null : new SoftwareSam(keys);
}

export interface OpenStationOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  cards: CardAccess;
  now?: () => Date;
  /** Tests may hand in a config instead of reading STATION_HOME/config.json. */
  config?: StationConfig;
  sam?: SecurityModule | null;
  upstream?: UpstreamPort;
}

export async function openStation(opts: OpenStationOptions): Promise<Station> {
  const env = opts.env ?? process.env;
  const config = opts.config ?? loadConfig(opts.home);
  // A home made by an older version or copied in with a lax umask is made private first.
  tightenHome(opts.home);
  let sam = opts.sam !== undefined ? opts.sam : openSecurityModule(opts.home, config, env);
  let upstream = opts.upstream;
  // A configured clearing host (STATION_HOME/upstream.json, `station upstream set`) serves
  // other cities' loads and lost-card balances; local cards keep their local keys. Its secret
  // opens with STATION_KEYS_PASSPHRASE like the keys; live mode refuses it in the clear.
  const host = loadStationUpstream(opts.home, config, env);
  if (host !== null) {
    const client = clientFor(host, 10_000);
    if (opts.sam === undefined) sam = new HostBackedSecurityModule(sam, client);
    upstream ??= upstreamFromClient(client);
  }
  const now = opts.now ?? systemClock;
  const db = await openStationDb(databaseFile(opts.home, config));
  try {
    // ID-number lookups and PIN verifiers are keyed with the station secret (core/station-secret.ts).
    await useStationSecret(db, opts.home, config, env, now());
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const policy = await loadPolicy(db);
  return {
    home: opts.home,
    config,
    db,
    policy,
    sam,
    cards: opts.cards,
    ...(upstream !== undefined ? { upstream } : {}),
    now,
    async close() {
      await opts.cards.close();
      await db.close();
    },
  };
}
