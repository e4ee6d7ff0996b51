/**
 * Blacklist and parameter deltas. Each change gets the next version number of its list.
 * Versions are handed out under a transaction-scoped advisory lock, so they commit in version
 * order: a reader that got version N never later finds a version < N appear (which a plain
 * sequence would allow, and which would make a station skip a blacklisted card).
 */
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import type { BlacklistChange, BlacklistDelta, BlacklistReport, DeltaQuery, ParamChange, ParamDelta } from '../common/upstream-protocol.ts';
import type { Queryable } from './store/database.ts';
import { HostError } from './host-error.ts';
import type { Database } from './store/database.ts';

const BLACKLIST_LOCK = 7_000_002;
const PARAMS_LOCK = 7_000_003;

interface BlacklistRow {
  version: number;
  asn: string;
  action: 'add' | 'remove';
  reason: string;
  station_id: string | null;
  request_id: string | null;
  at: Date | string;
}

const toChange = (r: BlacklistRow): BlacklistChange => ({
  version: Number(r.version),
  asn: r.asn,
  action: r.action,
  reason: r.reason,
  stationId: r.station_id,
  at: new Date(r.at).toISOString(),
});

/** Adds one blacklist change; idempotent by requestId (same content → the same change). */
export async function addBlacklistChange(
  db: Database,
  input: { asn: string; action: 'add' | 'remove'; reason: string; stationId: string | null; requestId: string | null },
): Promise<{ change: BlacklistChange; repeated: boolean }> {
  const asn = input.asn.toUpperCase();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BLACKLIST_LOCK]);
    if (input.requestId !== null) {
      const prior = await tx.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE request_id = $1', [input.requestId]);
      const p = prior.rows[0];
      if (p) {
        if (p.asn !== asn || p.action !== input.action || p.reason !== input.reason || p.station_id !== input.stationId) {
          throw new HostError(409, 'CONFLICT', `request ${input.requestId} was already used for a different blacklist change`);
        }
        return { change: toChange(p), repeated: true };
      }
    }
    const r = await tx.query<BlacklistRow>(
      `INSERT INTO blacklist_changes (version, asn, action, reason, station_id, request_id)
       SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4, $5 FROM blacklist_changes RETURNING *`,
      [asn, input.action, input.reason, input.stationId, input.requestId],
    );
    return { change: toChange(r.rows[0]!), repeated: false };
  });
}

export function reportBlacklist(db: Database, stationId: string, report: BlacklistReport): Promise<{ change: BlacklistChange; repeated: boolean }> {
  return addBlacklistChange(db, { asn: report.asn, action: report.action, reason: report.reason, stationId, requestId: report.requestId });
}

export async function blacklistDelta(db: Queryable, q: DeltaQuery): Promise<BlacklistDelta> {
  const r = await db.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE version > $1 ORDER BY version LIMIT $2', [q.since, q.limit + 1]);
  const latest = await db.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM blacklist_changes');
  const more = r.rows.length > q.limit;
  const changes = r.rows.slice(0, q.limit).map(toChange);
  return { version: changes.length > 0 ? changes[changes.length - 1]!.version : q.since, latest: Number(latest.rows[0]!.v), more, changes };
}

/** Whether the ASN's latest blacklist change is an add, and when. */
export async function blacklistStatus(db: Queryable, asn: string): Promise<{ blacklisted: boolean; at: string | null }> {
  const r = await db.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE asn = $1 ORDER BY version DESC LIMIT 1', [asn.toUpperCase()]);
  const last = r.rows[0];
  return last && last.action === 'add' ? { blacklisted: true, at: new Date(last.at).toISOString() } : { blacklisted: false, at: null };
}

interface ParamRow {
  version: number;
  key: string;
  value: Json;
  at: Date | string;
}

const toParam = (r: ParamRow): ParamChange => ({ version: Number(r.version), key: r.key, value: r.value, at: new Date(r.at).toISOString() });

/** Sets a parameter (a new version of it); the whole value replaces the previous one. */
export async function setParam(db: Database, key: string, value: Json): Promise<ParamChange> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PARAMS_LOCK]);
    const r = await tx.query<ParamRow>(
      'INSERT INTO param_changes (version, key, value) SELECT COALESCE(MAX(version), 0) + 1, $1, $2::jsonb FROM param_changes RETURNING *',
      [key, canonicalJson(value)],
    );
    return toParam(r.rows[0]!);
  });
}

export async function paramDelta(db: Queryable, q: DeltaQuery): Promise<ParamDelta> {
  const r = await db.query<ParamRow>('SELECT * FROM param_changes WHERE version > $1 ORDER BY version LIMIT $2', [q.since, q.limit + 1]);
  const latest = await db.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM param_changes');
  const more = r.rows.length > q.limit;
  const changes = r.rows.slice(0, q.limit).map(toParam);
  return { version: changes.length > 0 ? changes[changes.length - 1]!.version : q.since, latest: Number(latest.rows[0]!.v), more, changes };
}

/** The current value of one parameter, or undefined. */
export async function currentParam(db: Queryable, key: string): Promise<Json | undefined> {
  const r = await db.query<ParamRow>('SELECT * FROM param_changes WHERE key = $1 ORDER BY version DESC LIMIT 1', [key]);
  return r.rows[0]?.value;
}
