/**
 * The station's parameters (the `params` table, migration 1): one JSON or text value per key —
 * the policy (core/policy.ts), the ID-number salt (core/registration.ts), the lookup key's check
 * value (core/station-secret.ts) and the clearing host's parameters as `host.<key>`
 * (core/sync-store.ts).
 */
import type { Queryable } from './sqlite.ts';

export async function readParam(db: Queryable, key: string): Promise<string | undefined> {
  return (await db.get<{ value: string }>('SELECT value FROM params WHERE key = ?', [key]))?.value;
}

/** A new key; a key that exists already is a constraint error (the caller checked inside its transaction). */
export async function insertParam(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db.run('INSERT INTO params (key, value, updated_at) VALUES (?, ?, ?)', [key, value, at]);
}

/** A new key, or nothing when another writer made it first (the first value stands). */
export async function insertParamIfAbsent(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db.run('INSERT INTO params (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING', [key, value, at]);
}

/** Sets a key, made or replaced. */
export async function writeParam(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db.run('INSERT INTO params (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, at]);
}
