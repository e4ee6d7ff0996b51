/**
 * The station's side of the clearing host, put together: the signed client from
 * STATION_HOME/upstream.json, the relay (sync/relay.ts) over the station's database
 * (core/sync-store.ts), `station sync` and `station upstream set`, and the doctor's upstream
 * check. The CLI and the UI reach sync/ only through here (layer rule).
 */
import { systemClock, type Clock } from '../common/clock.ts';
import { StationError, toStationError } from '../common/errors.ts';
import { say, type Say } from '../common/say.ts';
import { entryCount, lastSeq } from '../db/ledger-stats.ts';
import type { Database } from '../db/sqlite.ts';
import { SyncRelay, type RelayOptions, type SyncEvent, type SyncStatus, type CycleReport } from '../sync/relay.ts';
import type { QuarantinedEntry, DayRecord } from '../sync/store.ts';
import type { StationConfig } from './config.ts';
import { saveConfig } from './config.ts';
import { loadPolicy } from './policy.ts';
import type { Station } from './station.ts';
import { openStationDb } from './station-db.ts';
import { SqliteSyncStore } from './sync-store.ts';
import { PASSPHRASE_ENV } from './station-keys.ts';
import { assertUpstreamFitsMode, clientFor, loadStationUpstream, loadUpstreamSettings, saveUpstreamSettings, type UpstreamSettings } from './upstream-config.ts';

export { SyncRelay, SqliteSyncStore, clientFor };
export type { SyncEvent, SyncStatus, CycleReport, QuarantinedEntry, DayRecord, UpstreamSettings };

/**
 * The relay for an open station (null when no host is configured). Policy is reloaded when
 * parameters change. `env` holds STATION_KEYS_PASSPHRASE for an encrypted secret.
 */
export function openRelay(station: Station, opts: Partial<Omit<RelayOptions, 'store'>> = {}, env: NodeJS.ProcessEnv = process.env): SyncRelay | null {
  const settings = loadStationUpstream(station.home, station.config, env);
  if (settings === null && opts.client === undefined) return null;
  const relay = new SyncRelay({ ...opts, client: opts.client ?? clientFor(settings!), store: new SqliteSyncStore(station.db, station.config.stationId, station.now) });
  relay.on((e) => {
    if (e.type === 'params') void loadPolicy(station.db).then((p) => Object.assign(station.policy, p), () => undefined);
  });
  return relay;
}

/**
 * `station upstream set`: the host's URL, the station id it registered, the secret (from the
 * environment). A station id other than the configured one is adopted only while the ledger is
 * empty: every entry carries the station id it was hashed with. With a passphrase
 * (STATION_KEYS_PASSPHRASE) the secret is stored encrypted; without a new URL or secret the
 * stored ones are kept, so `STATION_KEYS_PASSPHRASE=… station upstream set` rewrites an older
 * upstream.json (secret in the clear) encrypted.
 */
export async function setUpstream(home: string, config: StationConfig, db: Database, input: { url?: string | undefined; stationId?: string | undefined; secret: string | undefined; passphrase?: string | undefined }): Promise<{ settings: UpstreamSettings; stationIdChanged: boolean }> {
  const given = (v: string | undefined): v is string => v !== undefined && v !== '';
  // The stored settings only when something is not given (a broken file can still be replaced).
  const before = given(input.url) && given(input.secret) ? null : loadUpstreamSettings(home, { [PASSPHRASE_ENV]: input.passphrase });
  const url = given(input.url) ? input.url : (before?.url ?? '');
  const secret = given(input.secret) ? input.secret : before?.secret;
  const stationId = (input.stationId ?? config.stationId).toUpperCase();
  let changed = false;
  if (stationId !== config.stationId) {
    const n = await entryCount(db);
    if (n > 0) {
      throw new StationError('CONFIG', `This station's ledger already has ${n} entries as station ${config.stationId}; it cannot become ${stationId}`,
        `Register the station at the host as ${config.stationId} (npm run upstream -- register-station --station-id ${config.stationId})`);
    }
    changed = true;
  }
  const settings = saveUpstreamSettings(home, { url, stationId, secret }, { passphrase: input.passphrase, mode: config.mode });
  if (changed) saveConfig(home, { ...config, stationId });
  return { settings, stationIdChanged: changed };
}

export interface UpstreamReport {
  configured: boolean;
  url: string | null;
  stationId: string | null;
  reachable: boolean | null;
  hostAckSeq: number | null;
  status: SyncStatus | null;
  quarantinedEntries: QuarantinedEntry[];
  days: DayRecord[];
  error: string | null;
}

/**
 * What `station sync --json` without a cycle and the doctor show: local state plus a probe of
 * the host. Only the probe needs the secret (`env`: STATION_KEYS_PASSPHRASE): without it the
 * status bar's poll never decrypts anything.
 */
export async function upstreamReport(home: string, db: Database, config: StationConfig, probe = true, env: NodeJS.ProcessEnv = process.env, now: Clock = systemClock): Promise<UpstreamReport> {
  const settings = loadUpstreamSettings(home, env);
  const store = new SqliteSyncStore(db, config.stationId, now);
  const client = settings === null || !probe ? null : clientFor(settings, 5000);
  const relay = new SyncRelay({
    client: client ?? { uploadEntries: nope, blacklistDelta: nope, paramDelta: nope, reportBlacklist: nope, checkpointDay: nope, health: nope },
    store,
  });
  let reachable: boolean | null = null;
  let hostAckSeq: number | null = null;
  let error: string | null = null;
  if (probe && client !== null) {
    try {
      const h = await client.health();
      reachable = h.ok && h.db === 'ok';
      if (!reachable) error = 'the host answers but its database is down';
      else hostAckSeq = (await client.head()).ackSeq;
    } catch (err) {
      reachable = false;
      error = toStationError(err).message;
    }
  }
  return {
    configured: settings !== null, url: settings?.url ?? null, stationId: settings?.stationId ?? null, reachable, hostAckSeq,
    status: await relay.status(), quarantinedEntries: await store.quarantined(20), days: await store.days(7), error,
  };
}

async function nope(): Promise<never> {
  throw new StationError('CONFIG', 'No clearing host configured', 'Run `station upstream set --url URL` with STATION_UPSTREAM_SECRET set');
}

/**
 * The doctor's upstream check: the secret at rest (encrypted, opens with the passphrase; in the
 * clear: a warning, in live mode a failure), reachable?, backlog, quarantined entries with their reasons.
 */
export async function upstreamCheck(home: string, config: StationConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ status: 'ok' | 'warn' | 'fail'; detail: string; hint?: string; say?: Say }> {
  const settings = loadUpstreamSettings(home, env);
  if (settings === null) {
    return { status: 'warn', detail: 'no clearing host configured: the ledger waits in the outbox, other cities\' cards cannot be loaded', hint: 'station upstream set --url URL (secret in STATION_UPSTREAM_SECRET)', say: say('doctorUpstreamNone') };
  }
  assertUpstreamFitsMode(settings, config); // live: refused in the clear (a KEYS failure with the next step)
  void settings.secret; // opens it: a missing or wrong passphrase fails here with its next step
  const checked = await upstreamStateCheck(home, config, env);
  if (settings.encrypted || checked.status === 'fail') return checked;
  return { status: 'warn', detail: `${checked.detail}; the secret is kept in the clear in upstream.json`,
    hint: `Encrypt it: ${PASSPHRASE_ENV}=… station upstream set (keeps the URL and the secret)${checked.hint ? `; ${checked.hint}` : ''}` };
}

async function upstreamStateCheck(home: string, config: StationConfig, env: NodeJS.ProcessEnv): Promise<{ status: 'ok' | 'warn' | 'fail'; detail: string; hint?: string }> {
  const db = await openStationDb(home, config);
  try {
    const r = await upstreamReport(home, db, config, true, env);
    const s = r.status!;
    const parts = [`${r.url} as ${r.stationId}`, r.reachable ? `reachable, host holds through seq ${r.hostAckSeq}` : `NOT reachable (${r.error})`,
      `backlog ${s.backlog} of ${s.lastSeq}`, `last ok ${s.lastOkAt ?? 'never'}`];
    if (s.quarantined > 0 || s.blocked !== null) {
      const list = r.quarantinedEntries.map((q) => `#${q.seq} ${q.kind}: ${q.reason}`).join('; ');
      return { status: 'fail', detail: `${parts.join(', ')}; ${s.quarantined} quarantined entr${s.quarantined === 1 ? 'y' : 'ies'}: ${list}`,
        hint: s.blocked !== null ? 'The host refused an entry the chain cannot pass; later entries wait. Call support with this list' : 'The host holds these entries but will not clear them: call support with this list' };
    }
    const mismatch = r.days.find((d) => d.status === 'mismatch' || d.status === 'error');
    if (mismatch) return { status: 'fail', detail: `${parts.join(', ')}; day ${mismatch.day} ${mismatch.status}: ${mismatch.detail}`, hint: 'The host and the station disagree about that day: call support' };
    if (!r.reachable) return { status: 'warn', detail: parts.join(', '), hint: 'The station keeps working; entries go up when the host is back (station sync)' };
    return { status: 'ok', detail: parts.join(', ') };
  } finally {
    await db.close();
  }
}

// ------------------------------------------------------------------------ background relay
/** The relay `station serve` runs, per open station: one at most. */
const background = new WeakMap<Station, BackgroundSync>();

/** The running background relay of this station (e.g. for a "sync now" button: relay.notify()), or null. */
export function backgroundRelay(station: Station): SyncRelay | null {
  return background.get(station)?.relay ?? null;
}

export interface BackgroundSync {
  relay: SyncRelay;
  /** Stops the schedule; the batch in flight is answered and recorded first. Idempotent. */
  stop(): Promise<void>;
}

/** How often `station serve` looks for new ledger entries to send without waiting for the schedule. */
const NEW_ENTRY_POLL_MS = 2000;

/**
 * Runs the relay in the background while the station serves (null when no clearing host is
 * configured): cycles on the schedule, backoff when the host is away, and a cycle soon after
 * new entries appear (unless it is backing off). Stop it before closing the database.
 */
export function startBackgroundSync(station: Station, opts: Partial<Omit<RelayOptions, 'store'>> = {}, env: NodeJS.ProcessEnv = process.env): BackgroundSync | null {
  const running = background.get(station);
  if (running !== undefined) return running;
  const relay = openRelay(station, opts, env);
  if (relay === null) return null;
  relay.start();
  let lastSeen = 0;
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    lastSeq(station.db).then((seq) => {
      if (seq > lastSeen) relay.notifyNewEntries();
      lastSeen = seq;
    }, () => undefined).finally(() => {
      polling = false;
    });
  }, NEW_ENTRY_POLL_MS);
  poll.unref();
  let stopped: Promise<void> | null = null;
  const handle: BackgroundSync = {
    relay,
    stop() {
      stopped ??= (async () => {
        clearInterval(poll);
        await relay.stop();
        if (background.get(station) === handle) background.delete(station);
      })();
      return stopped;
    },
  };
  background.set(station, handle);
  return handle;
}

/** What the UI's status bar shows of the sync (kept small on purpose). */
export interface SyncStatusSummary {
  /** A clearing host is configured (STATION_HOME/upstream.json). */
  configured: boolean;
  /** Last cycle that finished without an error (ISO time), null before the first. */
  lastSyncAt: string | null;
  /** Entries the host does not hold yet. */
  backlog: number;
  /** Entries the host holds but will not clear (or refused): they need a person. */
  quarantined: number;
  /** Why the last cycle failed, while it is the latest news (gone after a good cycle). */
  lastError?: { code: string; message: string };
}

/**
 * The sync state for the UI status bar, from the station's own database (no call to the host;
 * cheap enough to poll). Codes: OFFLINE (host unreachable or failing), AUTH/STALE/FORBIDDEN/…
 * (the host's refusal: configuration or clock), ENTRY_CONFLICT/HASH_MISMATCH/… (the chain is
 * blocked at an entry), or a station error code.
 */
export async function syncStatus(station: Station): Promise<SyncStatusSummary> {
  const configured = loadUpstreamSettings(station.home) !== null;
  const store = new SqliteSyncStore(station.db, station.config.stationId, station.now);
  const [cursor, lastSeq, counts] = await Promise.all([store.cursor(), store.lastSeq(), store.counts()]);
  const out: SyncStatusSummary = { configured, lastSyncAt: cursor.lastOkAt, backlog: Math.max(0, lastSeq - cursor.ackSeq), quarantined: counts.quarantined };
  if (cursor.lastError !== null) {
    // Stored as "<ISO time> <message>".
    const message = cursor.lastError.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '');
    out.lastError = { code: cursor.lastErrorCode ?? 'ERROR', message };
  }
  return out;
}
