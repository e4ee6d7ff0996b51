/**
 * The `param_changes` table: the station parameters as numbered changes, each a whole value.
 * Versions are handed out under a transaction-scoped advisory lock (see blacklist-changes.ts).
 */
import type { Json } from '../../common/canonical-json.ts';
import type { Queryable } from './database.ts';

const PARAMS_LOCK = 7_000_003;

export interface ParamRow {
  version: number;
  key: string;
  value: Json;
  at: Date | string;
}

/** Takes the lock that orders new parameter versions, to the end of `tx`. */
export async function lockParamVersions(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [PARAMS_LOCK]);
}

/** Inserts the value (canonical JSON text) as the next version (call under lockParamVersions). */
export async function insertParamChange(tx: Queryable, key: string, valueJson: string): Promise<ParamRow> {
  const r = await tx.query<ParamRow>('INSERT INTO param_changes (version, key, value) SELECT COALESCE(MAX(version), 0) + 1, $1, $2::jsonb FROM param_changes RETURNING *', [key, valueJson]);
  return r.rows[0]!;
}

/** Up to `limit` changes after version `since`, in order. */
export async function selectParamChangesSince(db: Queryable, since: number, limit: number): Promise<ParamRow[]> {
  return (await db.query<ParamRow>('SELECT * FROM param_changes WHERE version > $1 ORDER BY version LIMIT $2', [since, limit])).rows;
}

export async function latestParamVersion(db: Queryable): Promise<number> {
  return Number((await db.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM param_changes')).rows[0]!.v);
}

/** The key's latest change, or null. */
export async function selectLatestParamChange(db: Queryable, key: string): Promise<ParamRow | null> {
  return (await db.query<ParamRow>('SELECT * FROM param_changes WHERE key = $1 ORDER BY version DESC LIMIT 1', [key])).rows[0] ?? null;
}
