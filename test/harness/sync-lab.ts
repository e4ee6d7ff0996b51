/**
 * A clearing host on a private PostgreSQL (pg-lab) on a fixed port (so it can be stopped and
 * started again at the same address), and stations (station-fixture) pointed at it with
 * `station upstream set`'s code path, each with a relay tuned for tests.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import { readEntries } from '../../db/ledger.ts';
import { loadUpstreamSettings } from '../../core/upstream-config.ts';
import { clientFor, openRelay, setUpstream, type SyncRelay } from '../../core/sync.ts';
import { TRAINING_KEYS_SOURCE } from '../../core/station-home.ts';
import { readHeldEntries } from '../../upstream/entries.ts';
import { openPostgres, type Database as HostDb } from '../../upstream/store/database.ts';
import { registerStation } from '../../upstream/stations.ts';
import { startPgLab, type PgLab } from './pg-lab.ts';
import { stationFixture, type Fixture } from './station-fixture.ts';
import { spawnHost, type HostProcess } from './upstream-client.ts';
import { readFileSync } from 'node:fs';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface SyncLab {
  pg: PgLab;
  db: HostDb;
  env: Record<string, string>;
  port: number;
  url: string;
  host: HostProcess | null;
  startHost(): Promise<void>;
  stopHost(): Promise<void>;
  stop(): Promise<void>;
}

/** The host holds the training key file (both 3100 and 2000 issuers). */
export async function startSyncLab(name: string): Promise<SyncLab> {
  const pg = await startPgLab();
  const env = { DATABASE_URL: await pg.createDatabase(name), UPSTREAM_KEYS: TRAINING_KEYS_SOURCE };
  const port = await freePort();
  const lab: SyncLab = {
    pg, env, port, url: `http://127.0.0.1:${port}`, host: null,
    db: null as unknown as HostDb,
    async startHost() {
      lab.host = await spawnHost(env, ['--port', String(port)]);
    },
    async stopHost() {
      await lab.host?.stop();
      lab.host = null;
    },
    async stop() {
      await lab.stopHost().catch(() => undefined);
      await lab.db?.close().catch(() => undefined);
      await pg.stop();
    },
  };
  await lab.startHost(); // migrates
  lab.db = openPostgres({ connectionString: env.DATABASE_URL });
  return lab;
}

export interface SyncStation {
  fx: Fixture;
  stationId: string;
  relay: SyncRelay;
  cleanup(): Promise<void>;
}

export interface StationOptions {
  url: string;
  /** Keep only these issuers in the station's key file (a card of another city is then the host's). */
  issuers?: string[];
  timeoutMs?: number;
  batchEntries?: number;
}

export async function syncStation(lab: SyncLab, o: StationOptions): Promise<SyncStation> {
  const fx = await stationFixture();
  if (o.issuers) {
    const keys = JSON.parse(readFileSync(TRAINING_KEYS_SOURCE, 'utf8')) as { issuers: Record<string, unknown> };
    keys.issuers = Object.fromEntries(Object.entries(keys.issuers).filter(([c]) => o.issuers!.includes(c)));
    writeFileSync(path.join(fx.home, 'keys', 'training-keys.json'), JSON.stringify(keys));
  }
  const stationId = fx.station.config.stationId;
  const { secret } = await registerStation(lab.db, { stationId, name: `test ${stationId}` });
  await setUpstream(fx.home, fx.station.config, fx.station.db, { url: o.url, secret });
  await fx.reopen(); // host-backed security module and upstream port from upstream.json
  const s: SyncStation = {
    fx, stationId,
    relay: makeRelay(fx, o),
    async cleanup() {
      await s.relay.stop();
      await fx.cleanup();
    },
  };
  return s;
}

export function makeRelay(fx: Fixture, o: Pick<StationOptions, 'timeoutMs' | 'batchEntries'>): SyncRelay {
  const settings = loadUpstreamSettings(fx.home)!;
  return openRelay(fx.station, {
    client: clientFor(settings, o.timeoutMs ?? 1200), batchEntries: o.batchEntries ?? 7,
    backoffBaseMs: 20, backoffCapMs: 300, intervalMs: 150,
  })!;
}

/** Cycles until one completes with nothing left to send (bounded). */
export async function drain(relay: SyncRelay, maxCycles = 40): Promise<void> {
  let last = '';
  for (let i = 0; i < maxCycles; i++) {
    const r = await relay.syncOnce();
    if (r.ok && r.status.backlog === 0) return;
    last = r.error ?? `backlog ${r.status.backlog}`;
    await new Promise((res) => setTimeout(res, 30));
  }
  throw new Error(`relay did not drain in ${maxCycles} cycles: ${last}`);
}

/** The host's copy of the station's chain equals the station's, entry for entry and hash for hash; nothing twice. */
export async function assertSameLedger(lab: SyncLab, s: SyncStation): Promise<number> {
  const mine = await readEntries(s.fx.station.db, '1=1', [], 1_000_000);
  const held = await readHeldEntries(lab.db, s.stationId, 1, 1_000_000);
  assert.equal(held.length, mine.length, `${s.stationId}: host holds ${held.length}, station has ${mine.length}`);
  assert.deepEqual(held.map(({ status: _s, rejectCode: _r, ...e }) => e), mine.map((e) => ({ ...e })), `${s.stationId}: entries differ`);
  const dup = await lab.db.query<{ n: string; d: string }>('SELECT COUNT(*) AS n, COUNT(DISTINCT entry_id) AS d FROM entries WHERE station_id = $1', [s.stationId]);
  assert.equal(Number(dup.rows[0]!.n), Number(dup.rows[0]!.d), 'no entry twice');
  const pending = await s.fx.station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'");
  assert.equal(pending?.n, 0, 'every outbox row acknowledged or quarantined');
  return mine.length;
}
