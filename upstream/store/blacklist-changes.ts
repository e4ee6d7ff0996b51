/**
 * The `blacklist_changes` table: the blacklist as numbered changes. Versions are handed out
 * under a transaction-scoped advisory lock, so they commit in version order (upstream/deltas.ts).
 */
import type { Queryable } from './database.ts';

const BLACKLIST_LOCK = 7_000_002;

export interface BlacklistRow {
  version: number;
  asn: string;
  action: 'add' | 'remove';
  reason: string;
  station_id: string | null;
  request_id: string | null;
  at: Date | string;
}

/** Takes the lock that orders new blacklist versions, to the end of `tx`. */
export async function lockBlacklistVersions(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [BLACKLIST_LOCK]);
}

export async function selectBlacklistChangeByRequest(tx: Queryable, requestId: string): Promise<BlacklistRow | null> {
  return (await tx.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE request_id = $1', [requestId])).rows[0] ?? null;
}

/** Inserts the change as the next version (call under lockBlacklistVersions). */
export async function insertBlacklistChange(
  tx: Queryable,
  c: { asn: string; action: 'add' | 'remove'; reason: string; stationId: string | null; requestId: string | null },
): Promise<BlacklistRow> {
  const r = await tx.query<BlacklistRow>(
    `INSERT INTO blacklist_changes (version, asn, action, reason, station_id, request_id)
     SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4, $5 FROM blacklist_changes RETURNING *`,
    [c.asn, c.action, c.reason, c.stationId, c.requestId],
  );
  return r.rows[0]!;
}

/** Up to `limit` changes after version `since`, in order. */
export async function selectBlacklistChangesSince(db: Queryable, since: number, limit: number): Promise<BlacklistRow[]> {
  return (await db.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE version > $1 ORDER BY version LIMIT $2', [since, limit])).rows;
}

export async function latestBlacklistVersion(db: Queryable): Promise<number> {
  return Number((await db.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM blacklist_changes')).rows[0]!.v);
}

/** The ASN's latest change, or null. */
export async function selectLatestBlacklistChange(db: Queryable, asn: string): Promise<BlacklistRow | null> {
  return (await db.query<BlacklistRow>('SELECT * FROM blacklist_changes WHERE asn = $1 ORDER BY version DESC LIMIT 1', [asn])).rows[0] ?? null;
}
