/** Station registry: who may talk to the host, with which secret. */
import { StationIdSchema } from '../common/upstream-protocol.ts';
import { newSecret } from '../common/upstream-signing.ts';
import { sqlState, type Queryable } from './store/database.ts';
import { HostError } from './host-error.ts';

export interface StationRecord {
  stationId: string;
  name: string;
  cityCode: string | null;
  disabled: boolean;
  headSeq: number;
  headHash: string;
  createdAt: string;
}

interface StationRow {
  station_id: string;
  name: string;
  city_code: string | null;
  disabled: boolean;
  head_seq: number;
  head_hash: string;
  created_at: Date | string;
}

const toRecord = (r: StationRow): StationRecord => ({
  stationId: r.station_id,
  name: r.name,
  cityCode: r.city_code,
  disabled: r.disabled,
  headSeq: Number(r.head_seq),
  headHash: r.head_hash,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Registers a station and returns its new secret (shown once; give it to the station). */
export async function registerStation(db: Queryable, input: { stationId: string; name?: string; cityCode?: string | null }): Promise<{ station: StationRecord; secret: string }> {
  const id = StationIdSchema.safeParse(input.stationId.toUpperCase());
  if (!id.success) throw new HostError(400, 'BAD_REQUEST', 'station id must be 12 hex digits');
  const cityCode = input.cityCode == null ? null : input.cityCode.toUpperCase();
  if (cityCode !== null && !/^[0-9A-F]{4}$/.test(cityCode)) throw new HostError(400, 'BAD_REQUEST', 'city code must be 4 hex digits');
  const secret = newSecret();
  try {
    const r = await db.query<StationRow>(
      'INSERT INTO stations (station_id, name, city_code, secret) VALUES ($1, $2, $3, $4) RETURNING *',
      [id.data, input.name ?? '', cityCode, secret],
    );
    return { station: toRecord(r.rows[0]!), secret };
  } catch (err) {
    if (sqlState(err) === '23505') throw new HostError(409, 'CONFLICT', `station ${id.data} is already registered (rotate its secret instead)`);
    throw err;
  }
}

/** A new secret for an existing station; the old one stops working at once. */
export async function rotateSecret(db: Queryable, stationId: string): Promise<string> {
  const secret = newSecret();
  const r = await db.query('UPDATE stations SET secret = $2 WHERE station_id = $1 RETURNING station_id', [stationId, secret]);
  if (r.rows.length === 0) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
  return secret;
}

export async function setDisabled(db: Queryable, stationId: string, disabled: boolean): Promise<void> {
  const r = await db.query('UPDATE stations SET disabled = $2 WHERE station_id = $1 RETURNING station_id', [stationId, disabled]);
  if (r.rows.length === 0) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
}

export async function listStations(db: Queryable): Promise<StationRecord[]> {
  const r = await db.query<StationRow>('SELECT * FROM stations ORDER BY station_id');
  return r.rows.map(toRecord);
}

/** The secret and state used to verify one request. */
export async function stationAuth(db: Queryable, stationId: string): Promise<{ secret: string; disabled: boolean } | null> {
  const r = await db.query<{ secret: string; disabled: boolean }>('SELECT secret, disabled FROM stations WHERE station_id = $1', [stationId]);
  return r.rows[0] ?? null;
}
