/** Station registry: who may talk to the host, with which secret. */
import { StationIdSchema } from '../common/upstream-protocol.ts';
import { newSecret } from '../common/upstream-signing.ts';
import { sqlState, type Queryable } from './store/database.ts';
import { HostError } from './host-error.ts';
import { insertStation, selectStations, selectStationSecret, updateStationDisabled, updateStationSecret, type StationRow } from './store/stations.ts';

export interface StationRecord {
  stationId: string;
  name: string;
  cityCode: string | null;
  disabled: boolean;
  headSeq: number;
  headHash: string;
  createdAt: string;
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
    return { station: toRecord(await insertStation(db, { stationId: id.data, name: input.name ?? '', cityCode, secret })), secret };
  } catch (err) {
    if (sqlState(err) === '23505') throw new HostError(409, 'CONFLICT', `station ${id.data} is already registered (rotate its secret instead)`);
    throw err;
  }
}

/** A new secret for an existing station; the old one stops working at once. */
export async function rotateSecret(db: Queryable, stationId: string): Promise<string> {
  const secret = newSecret();
  if (!(await updateStationSecret(db, stationId, secret))) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
  return secret;
}

export async function setDisabled(db: Queryable, stationId: string, disabled: boolean): Promise<void> {
  if (!(await updateStationDisabled(db, stationId, disabled))) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
}

export async function listStations(db: Queryable): Promise<StationRecord[]> {
  return (await selectStations(db)).map(toRecord);
}

/** The secret and state used to verify one request. */
export async function stationAuth(db: Queryable, stationId: string): Promise<{ secret: string; disabled: boolean } | null> {
  return selectStationSecret(db, stationId);
}
