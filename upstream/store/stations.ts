/**
 * The `stations` table: the registry (secret, disabled) and each station's chain head. The
 * head is read `FOR UPDATE` inside an upload or a day checkpoint, so one station's writes take
 * turns on any host process.
 */
import type { Queryable } from './database.ts';

export interface StationRow {
  station_id: string;
  name: string;
  city_code: string | null;
  disabled: boolean;
  head_seq: number;
  head_hash: string;
  created_at: Date | string;
}

/** Inserts a station; a duplicate id throws SQLSTATE 23505. */
export async function insertStation(db: Queryable, s: { stationId: string; name: string; cityCode: string | null; secret: string }): Promise<StationRow> {
  const r = await db.query<StationRow>('INSERT INTO stations (station_id, name, city_code, secret) VALUES ($1, $2, $3, $4) RETURNING *', [s.stationId, s.name, s.cityCode, s.secret]);
  return r.rows[0]!;
}

/** Whether the station exists (and now has `secret`). */
export async function updateStationSecret(db: Queryable, stationId: string, secret: string): Promise<boolean> {
  const r = await db.query('UPDATE stations SET secret = $2 WHERE station_id = $1 RETURNING station_id', [stationId, secret]);
  return r.rows.length > 0;
}

/** Whether the station exists (and is now `disabled`). */
export async function updateStationDisabled(db: Queryable, stationId: string, disabled: boolean): Promise<boolean> {
  const r = await db.query('UPDATE stations SET disabled = $2 WHERE station_id = $1 RETURNING station_id', [stationId, disabled]);
  return r.rows.length > 0;
}

export async function selectStations(db: Queryable): Promise<StationRow[]> {
  return (await db.query<StationRow>('SELECT * FROM stations ORDER BY station_id')).rows;
}

export async function selectStationSecret(db: Queryable, stationId: string): Promise<{ secret: string; disabled: boolean } | null> {
  const r = await db.query<{ secret: string; disabled: boolean }>('SELECT secret, disabled FROM stations WHERE station_id = $1', [stationId]);
  return r.rows[0] ?? null;
}

export interface StationHead {
  headSeq: number;
  headHash: string;
}

const toHead = (row: { head_seq: number; head_hash: string } | undefined): StationHead | null =>
  row === undefined ? null : { headSeq: Number(row.head_seq), headHash: row.head_hash };

/** The station's chain head, or null when it is not registered. */
export async function selectStationHead(db: Queryable, stationId: string): Promise<StationHead | null> {
  return toHead((await db.query<{ head_seq: number; head_hash: string }>('SELECT head_seq, head_hash FROM stations WHERE station_id = $1', [stationId])).rows[0]);
}

/** The head under the station's row lock (held to the end of `tx`), or null. */
export async function lockStationHead(tx: Queryable, stationId: string): Promise<StationHead | null> {
  return toHead((await tx.query<{ head_seq: number; head_hash: string }>('SELECT head_seq, head_hash FROM stations WHERE station_id = $1 FOR UPDATE', [stationId])).rows[0]);
}

export async function updateStationHead(tx: Queryable, stationId: string, head: StationHead): Promise<void> {
  await tx.query('UPDATE stations SET head_seq = $2, head_hash = $3 WHERE station_id = $1', [stationId, head.headSeq, head.headHash]);
}
