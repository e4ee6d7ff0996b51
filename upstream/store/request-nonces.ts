/** The `request_nonces` table: nonces of signed requests seen, so a replay to any host process is refused. */
import type { Queryable } from './database.ts';

/** Records the nonce; false when it was already there (a replay). */
export async function insertNonce(db: Queryable, stationId: string, nonce: string): Promise<boolean> {
  const r = await db.query('INSERT INTO request_nonces (station_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING nonce', [stationId, nonce]);
  return r.rows.length > 0;
}

export async function deleteNoncesOlderThan(db: Queryable, seconds: number): Promise<void> {
  await db.query(`DELETE FROM request_nonces WHERE seen_at < now() - make_interval(secs => $1)`, [seconds]);
}
