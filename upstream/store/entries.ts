/**
 * The `entries` table: each station's chain as the host holds it, one row per entry, with its
 * status (`accepted`, or `rejected` with the reason) and the canonical payload text its hash
 * was taken over.
 */
import type { WireEntry } from '../../common/upstream-protocol.ts';
import type { Queryable } from './database.ts';

/** A held entry as compared with a repeat of it (upstream/entries.ts). */
export interface HeldEntryRow {
  seq: number;
  entry_id: string;
  hash: string;
  status: string;
  reject_code: string | null;
  reject_reason: string | null;
}

export async function selectHeldRange(tx: Queryable, stationId: string, fromSeq: number, toSeq: number): Promise<HeldEntryRow[]> {
  const r = await tx.query<HeldEntryRow>(
    'SELECT seq, entry_id, hash, status, reject_code, reject_reason FROM entries WHERE station_id = $1 AND seq BETWEEN $2 AND $3',
    [stationId, fromSeq, toSeq],
  );
  return r.rows;
}

/** Which of `entryIds` the host holds already (any station, any seq). */
export async function selectTakenIds(tx: Queryable, entryIds: readonly string[]): Promise<Set<string>> {
  const r = await tx.query<{ entry_id: string }>('SELECT entry_id FROM entries WHERE entry_id = ANY($1::text[])', [entryIds]);
  return new Set(r.rows.map((row) => row.entry_id));
}

/**
 * The rows as one JSON document, spread into columns by json_to_recordset: one parameter and
 * one round trip per batch, serialised by V8's JSON.stringify instead of pg's per-element
 * array escaping (which cost as much as the hashing). The payload travels as the canonical
 * text the hash was taken over and is stored as that text.
 */
export const INSERT_ENTRIES_SQL = `INSERT INTO entries (station_id, seq, entry_id, kind, at, operator_id, shift_id, card_ref, amount_fen, payload, postings, prev_hash, hash, status, reject_code, reject_reason)
  SELECT $1, r.seq, r.entry_id, r.kind, r.at, r.operator_id, r.shift_id, r.card_ref, r.amount_fen, r.payload, r.postings, r.prev_hash, r.hash, r.status, r.reject_code, r.reject_reason
  FROM json_to_recordset($2::json) AS r(seq bigint, entry_id text, kind text, at text, operator_id text, shift_id text, card_ref text, amount_fen bigint, payload text,
    postings jsonb, prev_hash text, hash text, status text, reject_code text, reject_reason text)`;

/** One row to store: the entry, its canonical payload text and the host's verdict on its money. */
export interface NewEntryRow {
  e: WireEntry;
  payloadJson: string;
  status: 'accepted' | 'rejected';
  code: string | null;
  reason: string | null;
}

/** One row of the INSERT_ENTRIES_SQL document. */
export function entryRowJson(e: WireEntry, payloadJson: string, status: 'accepted' | 'rejected', code: string | null, reason: string | null): Record<string, unknown> {
  return {
    seq: e.seq, entry_id: e.entryId, kind: e.kind, at: e.at, operator_id: e.operatorId, shift_id: e.shiftId, card_ref: e.cardRef, amount_fen: e.amountFen,
    payload: payloadJson, postings: e.postings, prev_hash: e.prevHash, hash: e.hash, status, reject_code: code, reject_reason: reason,
  };
}

export async function insertEntries(tx: Queryable, stationId: string, rows: readonly NewEntryRow[]): Promise<void> {
  await tx.query(INSERT_ENTRIES_SQL, [stationId, JSON.stringify(rows.map((r) => entryRowJson(r.e, r.payloadJson, r.status, r.code, r.reason)))]);
}

/** Count and sum by kind of the station's entries firstSeq..lastSeq (a day checkpoint). */
export async function selectKindTotals(tx: Queryable, stationId: string, firstSeq: number, lastSeq: number): Promise<{ kind: string; count: number; amountFen: number }[]> {
  const r = await tx.query<{ kind: string; n: number; fen: number }>(
    'SELECT kind, COUNT(*) AS n, COALESCE(SUM(amount_fen), 0) AS fen FROM entries WHERE station_id = $1 AND seq BETWEEN $2 AND $3 GROUP BY kind',
    [stationId, firstSeq, lastSeq],
  );
  return r.rows.map((k) => ({ kind: k.kind, count: Number(k.n), amountFen: Number(k.fen) }));
}

/** The hash of the station's entry `seq`, or null. */
export async function selectEntryHash(tx: Queryable, stationId: string, seq: number): Promise<string | null> {
  const r = await tx.query<{ hash: string }>('SELECT hash FROM entries WHERE station_id = $1 AND seq = $2', [stationId, seq]);
  return r.rows[0]?.hash ?? null;
}

/** A card's accepted entries (by any of its references), in time order, at most `limit`. */
export async function selectCardEntries(
  db: Queryable,
  cardRefs: readonly string[],
  limit: number,
): Promise<{ entry_id: string; station_id: string; seq: number; at: string; kind: string; payload: string }[]> {
  const r = await db.query<{ entry_id: string; station_id: string; seq: number; at: string; kind: string; payload: string }>(
    `SELECT entry_id, station_id, seq, at, kind, payload FROM entries
     WHERE card_ref = ANY($1::text[]) AND status = 'accepted' ORDER BY at, station_id, seq LIMIT $2`,
    [cardRefs, limit],
  );
  return r.rows;
}

export interface StoredEntryRow {
  seq: number; entry_id: string; kind: string; at: string; operator_id: string | null; shift_id: string | null; card_ref: string | null;
  amount_fen: number; payload: string; postings: WireEntry['postings']; prev_hash: string; hash: string; status: string; reject_code: string | null;
}

/** The station's entries from `fromSeq`, in seq order, at most `limit`. */
export async function selectStationEntries(db: Queryable, stationId: string, fromSeq: number, limit: number): Promise<StoredEntryRow[]> {
  return (await db.query<StoredEntryRow>('SELECT * FROM entries WHERE station_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [stationId, fromSeq, limit])).rows;
}
