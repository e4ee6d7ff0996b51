/**
 * Blacklist and parameter deltas. Each change gets the next version number of its list.
 * Versions are handed out under a transaction-scoped advisory lock, so they commit in version
 * order: a reader that got version N never later finds a version < N appear (which a plain
 * sequence would allow, and which would make a station skip a blacklisted card).
 */
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import type { BlacklistChange, BlacklistDelta, BlacklistReport, DeltaQuery, ParamChange, ParamDelta } from '../common/upstream-protocol.ts';
import type { Database, Queryable } from './store/database.ts';
import { HostError } from './host-error.ts';
import {
  insertBlacklistChange, latestBlacklistVersion, lockBlacklistVersions, selectBlacklistChangeByRequest, selectBlacklistChangesSince, selectLatestBlacklistChange,
  type BlacklistRow,
} from './store/blacklist-changes.ts';
import { insertParamChange, latestParamVersion, lockParamVersions, selectLatestParamChange, selectParamChangesSince, type ParamRow } from './store/param-changes.ts';

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
    await lockBlacklistVersions(tx);
    if (input.requestId !== null) {
      const p = await selectBlacklistChangeByRequest(tx, input.requestId);
      if (p) {
        if (p.asn !== asn || p.action !== input.action || p.reason !== input.reason || p.station_id !== input.stationId) {
          throw new HostError(409, 'CONFLICT', `request ${input.requestId} was already used for a different blacklist change`);
        }
        return { change: toChange(p), repeated: true };
      }
    }
    return { change: toChange(await insertBlacklistChange(tx, { ...input, asn })), repeated: false };
  });
}

export function reportBlacklist(db: Database, stationId: string, report: BlacklistReport): Promise<{ change: BlacklistChange; repeated: boolean }> {
  return addBlacklistChange(db, { asn: report.asn, action: report.action, reason: report.reason, stationId, requestId: report.requestId });
}

export async function blacklistDelta(db: Queryable, q: DeltaQuery): Promise<BlacklistDelta> {
  const rows = await selectBlacklistChangesSince(db, q.since, q.limit + 1);
  const latest = await latestBlacklistVersion(db);
  const changes = rows.slice(0, q.limit).map(toChange);
  return { version: changes.length > 0 ? changes[changes.length - 1]!.version : q.since, latest, more: rows.length > q.limit, changes };
}

/** Whether the ASN's latest blacklist change is an add, and when. */
export async function blacklistStatus(db: Queryable, asn: string): Promise<{ blacklisted: boolean; at: string | null }> {
  const last = await selectLatestBlacklistChange(db, asn.toUpperCase());
  return last && last.action === 'add' ? { blacklisted: true, at: new Date(last.at).toISOString() } : { blacklisted: false, at: null };
}

const toParam = (r: ParamRow): ParamChange => ({ version: Number(r.version), key: r.key, value: r.value, at: new Date(r.at).toISOString() });

/** Sets a parameter (a new version of it); the whole value replaces the previous one. */
export async function setParam(db: Database, key: string, value: Json): Promise<ParamChange> {
  return db.transaction(async (tx) => {
    await lockParamVersions(tx);
    return toParam(await insertParamChange(tx, key, canonicalJson(value)));
  });
}

export async function paramDelta(db: Queryable, q: DeltaQuery): Promise<ParamDelta> {
  const rows = await selectParamChangesSince(db, q.since, q.limit + 1);
  const latest = await latestParamVersion(db);
  const changes = rows.slice(0, q.limit).map(toParam);
  return { version: changes.length > 0 ? changes[changes.length - 1]!.version : q.since, latest, more: rows.length > q.limit, changes };
}

/** The current value of one parameter, or undefined. */
export async function currentParam(db: Queryable, key: string): Promise<Json | undefined> {
  return (await selectLatestParamChange(db, key))?.value;
}
