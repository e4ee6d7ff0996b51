/** The `day_checkpoints` table: each station day's last checkpoint and the host's answer to it. */
import type { DayCheckpointAnswer, DayDifference } from '../../common/upstream-protocol.ts';
import type { Queryable } from './database.ts';

export interface CheckpointRow {
  checkpoint: string;
  status: string;
  acknowledged_at: Date | string | null;
}

export async function selectCheckpoint(tx: Queryable, stationId: string, day: string): Promise<CheckpointRow | null> {
  const r = await tx.query<CheckpointRow>('SELECT checkpoint, status, acknowledged_at FROM day_checkpoints WHERE station_id = $1 AND day = $2', [stationId, day]);
  return r.rows[0] ?? null;
}

/** Stores the latest attempt of the day (acknowledged now when `status` says so); returns acknowledged_at. */
export async function upsertCheckpoint(
  tx: Queryable,
  c: { stationId: string; day: string; checkpoint: string; status: DayCheckpointAnswer['status']; differences: DayDifference[] },
): Promise<Date | string | null> {
  const r = await tx.query<{ acknowledged_at: Date | string | null }>(
    `INSERT INTO day_checkpoints (station_id, day, checkpoint, status, differences, acknowledged_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, CASE WHEN $4 = 'acknowledged' THEN now() END)
     ON CONFLICT (station_id, day) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, status = EXCLUDED.status,
       differences = EXCLUDED.differences, acknowledged_at = EXCLUDED.acknowledged_at, updated_at = now()
     RETURNING acknowledged_at`,
    [c.stationId, c.day, c.checkpoint, c.status, JSON.stringify(c.differences)],
  );
  return r.rows[0]!.acknowledged_at;
}
