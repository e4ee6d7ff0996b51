/**
 * Writing a business event: ledger entry (+ outbox row), the intent it settles, the audit
 * line — all in one transaction, so either everything about the event is durable or nothing.
 */
import type { Json } from '../common/canonical-json.ts';
import { newId } from '../common/ids.ts';
import { writeAudit } from '../db/audit.ts';
import { updateOp } from '../db/intents.ts';
import { appendEntry, type Posting, type StoredEntry } from '../db/ledger.ts';
import type { Queryable } from '../db/sqlite.ts';
import type { Station } from './station.ts';

export interface EventToRecord {
  kind: string;
  /** Who acted (for a recovered event: who started it). */
  operatorId: string | null;
  shiftId: string | null;
  cardRef: string | null;
  amountFen: number;
  payload: Json;
  postings: Posting[];
  /** The intent this entry settles (state → recorded). */
  opId?: string;
  at?: Date;
}

export async function recordInTx(station: Station, tx: Queryable, ev: EventToRecord): Promise<StoredEntry> {
  const at = ev.at ?? station.now();
  const entry = await appendEntry(tx, {
    entryId: newId(at.getTime()),
    kind: ev.kind,
    at: at.toISOString(),
    stationId: station.config.stationId,
    operatorId: ev.operatorId,
    shiftId: ev.shiftId,
    cardRef: ev.cardRef,
    amountFen: ev.amountFen,
    payload: ev.payload,
    postings: ev.postings,
  });
  if (ev.opId !== undefined) await updateOp(tx, ev.opId, 'recorded', { entryId: entry.entryId }, at);
  await writeAudit(tx, ev.operatorId, ev.kind, 'ok', { entryId: entry.entryId, amountFen: ev.amountFen, cardRef: ev.cardRef }, at);
  return entry;
}

export function record(station: Station, ev: EventToRecord): Promise<StoredEntry> {
  return station.db.transaction((tx) => recordInTx(station, tx, ev));
}
