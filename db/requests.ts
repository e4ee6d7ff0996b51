/**
 * Queued counter requests (the `requests` table): a replacement after loss waiting for the
 * clearing host's balance, a damaged card waiting for its new card. `details` is JSON; a
 * request moves waiting → ready → done (or cancelled).
 */
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import type { RequestKind, RequestState } from '../common/card-intents.ts';
import { StationError } from '../common/errors.ts';
import type { Queryable } from './sqlite.ts';

export type { RequestKind, RequestState };

export interface RequestRow {
  requestId: string;
  kind: RequestKind;
  cardRef: string;
  state: RequestState;
  readyAfter: string;
  details: { [key: string]: Json };
  entryId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  request_id: string;
  kind: RequestKind;
  card_ref: string;
  state: RequestState;
  ready_after: string;
  details: string;
  entry_id: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): RequestRow => ({
  requestId: r.request_id, kind: r.kind, cardRef: r.card_ref, state: r.state, readyAfter: r.ready_after,
  details: JSON.parse(r.details) as { [key: string]: Json }, entryId: r.entry_id, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function createRequest(db: Queryable, r: Omit<RequestRow, 'updatedAt'>): Promise<void> {
  await db.run(
    'INSERT INTO requests (request_id, kind, card_ref, state, ready_after, details, entry_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [r.requestId, r.kind, r.cardRef, r.state, r.readyAfter, canonicalJson(r.details), r.entryId, r.createdAt, r.createdAt]);
}

export async function getRequest(db: Queryable, requestId: string): Promise<RequestRow | undefined> {
  const row = await db.get<Row>('SELECT * FROM requests WHERE request_id = ?', [requestId]);
  return row ? fromRow(row) : undefined;
}

/** Open (waiting or ready) requests of one card, oldest first. */
export async function openRequestsForCard(db: Queryable, cardRef: string): Promise<RequestRow[]> {
  const rows = await db.all<Row>("SELECT * FROM requests WHERE card_ref = ? AND state IN ('waiting', 'ready') ORDER BY created_at", [cardRef]);
  return rows.map(fromRow);
}

/** Sets the state and/or merges keys into details. */
export async function updateRequest(db: Queryable, requestId: string, change: { state?: RequestState; details?: { [key: string]: Json }; entryId?: string }, at: Date): Promise<void> {
  const row = await db.get<Row>('SELECT * FROM requests WHERE request_id = ?', [requestId]);
  if (!row) throw new StationError('INTERNAL', `no request ${requestId}`);
  const details = { ...(JSON.parse(row.details) as { [key: string]: Json }), ...(change.details ?? {}) };
  await db.run('UPDATE requests SET state = ?, details = ?, entry_id = COALESCE(?, entry_id), updated_at = ? WHERE request_id = ?',
    [change.state ?? row.state, canonicalJson(details), change.entryId ?? null, at.toISOString(), requestId]);
}

/** Open replacement requests of the holder whose keyed ID-number hash is `idNumberHash` (of card `cardRef` when given), oldest first. */
export async function openReplacementsOfHolder(db: Queryable, idNumberHash: string, cardRef: string | null): Promise<RequestRow[]> {
  const rows = await db.all<Row>(
    "SELECT * FROM requests WHERE kind = 'replacement' AND state IN ('waiting', 'ready') AND json_extract(details, '$.idNumberHash') = ? AND (? IS NULL OR card_ref = ?) ORDER BY created_at",
    [idNumberHash, cardRef, cardRef]);
  return rows.map(fromRow);
}
