/**
 * Writing a business event: ledger entry (+ outbox row), the intent it settles, the audit
 * line — all in one statement and so in one transaction: either everything about the event is
 * durable or nothing.
 */
import { newId } from '../common/ids.ts';
import { ledgerEventOrThrow } from '../common/ledger-events.ts';
import { appendEntry, type NewEntry, type StoredEntry } from '../db/ledger.ts';
import type { Queryable } from '../db/sqlite.ts';
import { currentRequestKey } from './request-key.ts';
import type { Station } from './station.ts';

const bookedUnder = (key: string | null | undefined): { requestKey?: string } => (key === null || key === undefined ? {} : { requestKey: key });

/**
 * An event to record: a NewEntry without what the ledger fills in (id, time, station). `kind` is
 * one of common/ledger-events.ts's kinds and `payload` must parse with its schema; `operatorId` is
 * who acted (for a recovered event: who started it).
 */
export interface EventToRecord extends Omit<NewEntry, 'entryId' | 'at' | 'stationId'> {
  /** The intent this entry settles (state → recorded). */
  opId?: string;
  at?: Date;
  /**
   * The idempotency key the entry marks as booked (migration 6). Default: the key of the keyed
   * request running now (core/request-key.ts); null for an entry that is not that request's own
   * (an earlier operation settled from the card on the way).
   */
  requestKey?: string | null;
}

/**
 * The event as ONE statement (db/ledger.ts appendEntry through the ledger_append view): the
 * entry, its postings and outbox row, the op it closes and the audit line. Inside the
 * caller's transaction when it has more to write; see `record` for an event on its own.
 */
export async function recordInTx(station: Pick<Station, 'now' | 'config'>, tx: Queryable, ev: EventToRecord): Promise<StoredEntry> {
  // The one write door of the ledger: a payload that does not parse with its kind's schema
  // (common/ledger-events.ts) is a programming error, refused before anything is written.
  ledgerEventOrThrow(ev.kind, ev.payload);
  const at = ev.at ?? station.now();
  const entryId = newId(at.getTime());
  return appendEntry(tx, {
    entryId,
    kind: ev.kind,
    at: at.toISOString(),
    stationId: station.config.stationId,
    operatorId: ev.operatorId,
    shiftId: ev.shiftId,
    cardRef: ev.cardRef,
    amountFen: ev.amountFen,
    payload: ev.payload,
    postings: ev.postings,
  }, {
    ...(ev.opId !== undefined ? { closeOpId: ev.opId } : {}),
    ...bookedUnder(ev.requestKey === undefined ? currentRequestKey() : ev.requestKey),
    audit: { action: ev.kind, details: { entryId, amountFen: ev.amountFen, cardRef: ev.cardRef } },
  });
}

/**
 * An event with nothing else to write: its one statement runs on its own (autocommit), which
 * is its durable transaction — one round trip into the database thread instead of three.
 */
export function record(station: Station, ev: EventToRecord): Promise<StoredEntry> {
  return recordInTx(station, station.db, ev);
}
