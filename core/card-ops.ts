/**
 * The intent journal (ARCHITECTURE.md "Recovery"), one for every kind of card: a card-changing
 * step runs as
 *   beginCardOp   — intent written durably, holding the ledger event to record if the card
 *                   commits (so recovery needs no knowledge of the workflow that started it)
 *   the card's transaction manager's steps (core/card-tx.ts over devices/cpu/card-tx.ts,
 *                   devices/m1/card-tx.ts); card evidence (e.g. the INITIALIZE answer and the
 *                   date/time MAC2 covers) is durable before the committing APDU
 *   commitCardOp  — the prepared event recorded, the op closed, one transaction
 *   abortCardOp   — the card provably did not change
 *   markInDoubt   — the committing APDU's outcome is unknown (card pulled, answer lost): the
 *                   settler of its step kind decides it the next time the card is on a reader
 *                   (core/card-settlers.ts)
 */
import type { Json } from '../common/canonical-json.ts';
import type { CardOpRequest, CardStep, PreparedEvent } from '../common/card-intents.ts';
import { CardMalformedError, CardRemovedError, CardStatusError, CardTimeoutError, PcscUnavailableError, ReaderGoneError, StationError } from '../common/errors.ts';
import { newId } from '../common/ids.ts';
import { writeAudit } from '../db/audit.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { getOp, OPEN_STATES, updateOp, writeIntent, type CardOp } from '../db/intents.ts';
import { getEntry, type StoredEntry } from '../db/ledger.ts';
import { applyCardEffects } from './card-effects.ts';
import { recordInTx } from './record.ts';
import { issueFromStock, requireInStock } from './stock.ts';
import type { Station } from './station.ts';

// What the card must do (one schema per step kind) and the event it records: common/card-intents.ts.
export type { CardStep, PreparedEvent };

export interface OpContext {
  operatorId: string | null;
  shiftId: string | null;
  workflow: string;
}

/** What each workflow's activation is called in a stock refusal. */
const ACTIVATION_OF: Record<string, string> = { issue: 'Card sale', replace: 'Replacement', exchange: 'Damaged-card exchange', migrate: 'Upgrade' };

export async function beginCardOp(station: Station, ctx: OpContext, step: CardStep, event: PreparedEvent, evidence?: object): Promise<string> {
  const at = station.now();
  const opId = newId(at.getTime());
  // An activation ('enable') issues a blank card from the station's stock (issue 17 item 3):
  // the card must be in stock, checked inside the same write as the intent, and its entry
  // moves it out of stock in the entry's own transaction (commitCardOp, recovery too).
  const activation = step.step === 'enable';
  const request: CardOpRequest = { step, event: activation ? { ...event, effects: [...(event.effects ?? []), { type: 'stock-issue', asn: step.asn }] } : event };
  const intent = {
    opId, workflow: ctx.workflow, cardRef: event.cardRef, amountFen: event.amountFen, operatorId: ctx.operatorId, shiftId: ctx.shiftId,
    request, createdAt: at.toISOString(), ...(evidence === undefined ? {} : { evidence }),
  };
  if (!activation) {
    await writeIntent(station.db, intent);
  } else {
    await station.db.transaction(async (tx) => {
      await requireInStock(tx, step.asn, ACTIVATION_OF[ctx.workflow] ?? 'Card activation');
      await writeIntent(tx, intent);
    }).catch(async (err: unknown) => {
      if (err instanceof StationError && err.code === 'POLICY') await writeAudit(station.db, ctx.operatorId, ctx.workflow, 'refused', { code: err.code, message: err.message });
      throw err;
    });
  }
  opsOfRequest.getStore()?.push(opId);
  return opId;
}

/** The intents written while a request runs (trackCardOps), in order. */
const opsOfRequest = new AsyncLocalStorage<string[]>();

/**
 * What a failed request did to cards (core/ui-server.ts answers with it, docs/RELIABILITY.md
 * "Certain outcomes"): 'none' — no intent was written, or every one was closed as not applied,
 * so no card-changing command reached a card and nothing was charged; 'in-doubt' — an
 * operation is still open (placing the card settles it); 'partial' — some operation was
 * recorded before the failure (the error says which).
 */
export type RequestOutcome = 'none' | 'partial' | 'in-doubt';

/** Runs `fn`, collecting the ids of the intents it writes (also when it throws: `ops` is filled as it goes). */
export function trackCardOps<T>(fn: () => Promise<T>): { ops: string[]; done: Promise<T> } {
  const ops: string[] = [];
  return { ops, done: opsOfRequest.run(ops, fn) };
}

export async function requestOutcome(station: Station, opIds: readonly string[]): Promise<RequestOutcome> {
  const ops = await Promise.all(opIds.map((id) => getOp(station.db, id)));
  if (ops.some((o) => o !== undefined && OPEN_STATES.includes(o.state))) return 'in-doubt';
  return ops.every((o) => o === undefined || o.state === 'aborted') ? 'none' : 'partial';
}

/** Errors after which the committing APDU may or may not have reached the card. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof CardRemovedError || err instanceof CardTimeoutError || err instanceof ReaderGoneError
    || err instanceof PcscUnavailableError || err instanceof CardMalformedError;
}

export function incomplete(opId: string, what: string, cause: unknown): StationError {
  return new StationError('INCOMPLETE', `${what}: the card left before the station saw the result; the transaction is incomplete (${opId})`,
    'Place the same card on the reader again: the station finishes or cancels it by itself', { cause });
}

export async function markInDoubt(station: Station, op: string, cause: unknown): Promise<void> {
  await updateOp(station.db, op, 'in_doubt', {}, station.now());
  await writeAudit(station.db, null, 'card-op-in-doubt', 'error', { opId: op, cause: (cause as Error).message ?? String(cause) });
}

export async function abortCardOp(station: Station, opId: string, reason: string): Promise<void> {
  await updateOp(station.db, opId, 'aborted', {}, station.now());
  await writeAudit(station.db, null, 'card-op-aborted', 'ok', { opId, reason });
}

/** What commitCardOp needs of an op its caller has just written. */
export type KnownOp = Pick<CardOp, 'operatorId' | 'shiftId' | 'request'>;

/** Records the prepared event (plus what the card returned) and closes the op. */
export async function commitCardOp(station: Station, opId: string, extra: { [key: string]: Json } = {}, recovered = false, known?: KnownOp): Promise<StoredEntry> {
  // The caller that wrote the op may hand it over: one read fewer on the hot path.
  const op = known ?? await getOp(station.db, opId);
  if (!op) throw new StationError('INTERNAL', `no card operation ${opId}`);
  const { event } = op.request;
  const at = station.now();
  const ev = {
    kind: event.kind, operatorId: op.operatorId, shiftId: op.shiftId, cardRef: event.cardRef, amountFen: event.amountFen,
    payload: { ...event.payload, ...extra, opId, ...(recovered ? { recovered: true } : {}) }, postings: event.postings, opId, at,
    // A settlement records an earlier request's operation: not a booking of the request running now.
    ...(recovered ? { requestKey: null } : {}),
  };
  const effects = event.effects ?? [];
  try {
    // Without registry effects (a top-up) the event is one statement: its own durable
    // transaction, one round trip. With them, one transaction holds the event and the effects.
    if (effects.length === 0) return await recordInTx(station, station.db, ev);
    return await station.db.transaction(async (tx) => {
      const entry = await recordInTx(station, tx, ev);
      await applyCardEffects(tx, effects, at, entry.entryId);
      // The activated card leaves stock: its own entry (stock_issued) needs the station to be written.
      for (const e of effects) if (e.type === 'stock-issue') await issueFromStock(station, tx, e.asn, entry);
      return entry;
    });
  } catch (err) {
    // Recorded meanwhile by another writer: the load's entry is written while its card is
    // already released, and a parallel request on the same card (or the card panel) may have
    // settled the op from the card first. The event is in the ledger once: that entry is this
    // op's answer (it was an INTERNAL "recorded → recorded is not allowed", found by the
    // concurrent simulation: two top-ups of one card).
    const meanwhile = await recordedEntry(station, opId).catch(() => undefined);
    if (meanwhile !== undefined) return meanwhile;
    // The card already has the change (a full disk found by the simulation): "nothing was
    // written" would have the operator hand the money back or do it again. The op stays open
    // and is recorded from the card when it is placed again.
    if (!recovered) throw unrecorded(event.cardRef, opId, err);
    throw err;
  }
}

/** The entry that closed `opId`, when the op is recorded. */
async function recordedEntry(station: Station, opId: string): Promise<StoredEntry | undefined> {
  const op = await getOp(station.db, opId);
  if (op?.state !== 'recorded' || op.entryId === null || op.entryId === undefined) return undefined;
  return getEntry(station.db, op.entryId);
}

/**
 * A card change the station could not write down (a full disk or another storage failure):
 * the op stays open and is recorded from the card when it is placed again. Anything else is
 * passed through unchanged.
 */
export function unrecorded(cardRef: string, opId: string, err: unknown): unknown {
  if (!(err instanceof StationError) || (err.code !== 'DISK_FULL' && err.code !== 'STORAGE')) return err;
  return new StationError('INCOMPLETE', `The card ${cardRef.slice(cardRef.indexOf(':') + 1)} has the change, but the station could not record it: ${err.message} (operation ${opId} stays open)`,
    `${err.code === 'DISK_FULL' ? 'Free disk space, then place' : 'Place'} the same card again to record it; do not do it again and do not hand back money`, { cause: err });
}

/** Runs a committing command of an op already written: a refusal aborts the op, an unknown outcome leaves it in doubt, success marks it card_committed. */
export async function runCommitting(station: Station, opId: string, what: string, cardRef: string, command: () => Promise<void>): Promise<void> {
  try {
    await command();
  } catch (err) {
    return committingFailed(station, opId, what, err);
  }
  await updateOp(station.db, opId, 'card_committed', {}, station.now()).catch((err: unknown) => { throw unrecorded(cardRef, opId, err); });
}

/**
 * The committing APDU failed: a refusal by the card (status word) means nothing changed on
 * it, so the op is aborted; a lost answer or a card gone leaves the outcome unknown, so the
 * op stays in doubt for settlement. Always throws.
 */
export async function committingFailed(station: Station, opId: string, what: string, err: unknown): Promise<never> {
  if (err instanceof CardStatusError) {
    await abortCardOp(station, opId, err.message);
    throw err;
  }
  if (outcomeUnknown(err)) {
    // If even this write fails (a full disk), the op stays 'intent', which settlement decides
    // from the card all the same; the operator must still hear "incomplete", not "nothing written".
    await markInDoubt(station, opId, err).catch(() => undefined);
    throw incomplete(opId, what, err);
  }
  throw err;
}

