/**
 * Card-changing steps with their intents (ARCHITECTURE.md "Recovery"). Every step that can
 * change a card runs as:
 *   beginCardOp   — intent written durably, holding the ledger event to record if the card
 *                   commits (so recovery needs no knowledge of the workflow that started it)
 *   run…Step      — the APDUs; card evidence (e.g. the INITIALIZE answer and the date/time
 *                   MAC2 covers) is made durable before the committing APDU (a load writes its intent and that
 *                   evidence together, after INITIALIZE: see runLoadStep)
 *   commitCardOp  — the prepared event recorded, the op closed, one transaction
 * When the committing APDU's outcome is unknown (card pulled, answer lost), the op is marked
 * in_doubt and `settleCardOps` decides it the next time the card is on a reader.
 */
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import { LoadEvidenceSchema, parseStored, type CardOpRequest, type CardStep, type PreparedEvent } from '../common/card-intents.ts';
import { CardMalformedError, CardRemovedError, CardStatusError, CardTimeoutError, PcscUnavailableError, ReaderGoneError, StationError } from '../common/errors.ts';
import { newId } from '../common/ids.ts';
import { formatYuan } from '../common/money.ts';
import { writeAudit } from '../db/audit.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { getOp, OPEN_STATES, openOpsForCard, opsOfMigration, updateOp, writeIntent, type CardOp } from '../db/intents.ts';
import { getEntry, type StoredEntry } from '../db/ledger.ts';
import type { CardChannel } from '../devices/channel.ts';
import type { HostDateTime } from '../devices/sam/security-module.ts';
import { CpuClient } from '../devices/cpu/cpu-client.ts';
import { EF0015_BYTES, parseEf0015 } from '../devices/cpu/files.ts';
import { authorizeLoad, creditLoad, hostDateTimeOf, initLoad, prepareLoadTacCheck, settleLoad, verifyLoadTac, type PendingLoad } from '../devices/cpu/load.ts';
import { DefaultM1KeyScheme, DefaultM1Layout, normaliseM1Card, readM1Card, zeroAndBlacklist, type ZeroAndBlacklistResult } from '../devices/m1/index.ts';
import { getRequest } from '../db/requests.ts';
import { applyCardEffects } from './card-effects.ts';
import { recordInTx } from './record.ts';
import type { Station } from './station.ts';

// What the card must do (one schema per step kind) and the event it records: common/card-intents.ts.
export type { CardStep, PreparedEvent };

export interface OpContext {
  operatorId: string | null;
  shiftId: string | null;
  workflow: string;
}

export async function beginCardOp(station: Station, ctx: OpContext, step: CardStep, event: PreparedEvent, evidence?: object): Promise<string> {
  const at = station.now();
  const opId = newId(at.getTime());
  const request: CardOpRequest = { step, event };
  await writeIntent(station.db, {
    opId, workflow: ctx.workflow, cardRef: event.cardRef, amountFen: event.amountFen, operatorId: ctx.operatorId, shiftId: ctx.shiftId,
    request, createdAt: at.toISOString(), ...(evidence === undefined ? {} : { evidence }),
  });
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

function incomplete(opId: string, what: string, cause: unknown): StationError {
  return new StationError('INCOMPLETE', `${what}: the card left before the station saw the result; the transaction is incomplete (${opId})`,
    'Place the same card on the reader again: the station finishes or cancels it by itself', { cause });
}

async function markInDoubt(station: Station, op: string, cause: unknown): Promise<void> {
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
function unrecorded(cardRef: string, opId: string, err: unknown): unknown {
  if (!(err instanceof StationError) || (err.code !== 'DISK_FULL' && err.code !== 'STORAGE')) return err;
  return new StationError('INCOMPLETE', `The card ${cardRef.slice(cardRef.indexOf(':') + 1)} has the change, but the station could not record it: ${err.message} (operation ${opId} stays open)`,
    `${err.code === 'DISK_FULL' ? 'Free disk space, then place' : 'Place'} the same card again to record it; do not do it again and do not hand back money`, { cause: err });
}

/**
 * A load (圈存) on the selected card, its op included. INITIALIZE FOR LOAD changes nothing on
 * the card, so the intent is written after it, with its evidence (counter, old balance, the
 * host date/time MAC2 covers) in the same durable INSERT, and before CREDIT FOR LOAD, the first
 * APDU that can change the card: one durable write before the card moves instead of two. A
 * failure before that leaves no op (nothing happened). After CREDIT the op stays `intent` with
 * that evidence until the caller's commitCardOp records the entry and closes it in one
 * transaction; a crash in between is settled from the card (settleLoad: counter, balance, log
 * record, GET TRANSACTION PROVE — none of which needs MAC2).
 *
 * When the security module computes MAC2 here for the date/time the station proposes
 * (localLoadKeys), that date/time is fixed first and the intent carries it without MAC2: MAC1
 * is checked and MAC2 computed while the intent's write runs, and CREDIT waits for both. A
 * refusal then (MAC1 not genuine, key mismatch) aborts the op; CREDIT was never sent. A module
 * whose MAC2 comes from the clearing host (another city's card) answers with the host's own
 * date/time, so there the authorisation comes first and the intent holds its MAC2 as well.
 * Throws StationError('INCOMPLETE') when the outcome is unknown (op left in_doubt).
 */
export async function runLoadStep(station: Station, ctx: OpContext, channel: CardChannel, step: Extract<CardStep, { step: 'load' }>, event: PreparedEvent): Promise<{ opId: string; op: KnownOp; tac: string; pending: PendingLoad; tacVerified: boolean }> {
  const sam = station.sam;
  if (sam === null) throw new StationError('KEYS', 'No security module: this station cannot load cards', 'Configure a key file or SAM (station doctor)');
  const client = new CpuClient(channel);
  const initialised = await initLoad(client, step);
  const at = station.now();
  let pending: PendingLoad;
  let intent: Promise<string>;
  let authorized: { pending: Promise<PendingLoad>; fixed: HostDateTime } | null = null;
  if (await sam.localLoadKeys?.(step.cityCode)) {
    // The evidence recovery needs: the INITIALIZE answer and the date/time MAC2 will cover.
    const fixed = hostDateTimeOf(at);
    pending = { ...initialised, hostDateTime: fixed };
    intent = beginCardOp(station, ctx, step, event, pending);
    // MAC1 check and MAC2 while the intent is written (after the write went to the database thread).
    authorized = { pending: nextTurn(() => authorizeLoad(sam, initialised, at)), fixed };
    authorized.pending.catch(() => undefined); // awaited below
  } else {
    pending = await authorizeLoad(sam, initialised, at);
    intent = beginCardOp(station, ctx, step, event, pending);
  }
  intent.catch(() => undefined); // awaited below
  const opId = await intent;
  if (authorized !== null) {
    try {
      pending = await authorized.pending;
      const { fixed } = authorized;
      if (pending.hostDateTime?.date !== fixed.date || pending.hostDateTime.time !== fixed.time) {
        throw new StationError('INTERNAL', `security module answered for ${pending.hostDateTime?.date} ${pending.hostDateTime?.time}, the intent holds ${fixed.date} ${fixed.time}`);
      }
    } catch (err) {
      // Nothing was sent to the card: the op is closed as aborted (if even that cannot be
      // written, the card settles it as not applied when it is placed again).
      await abortCardOp(station, opId, (err as Error).message ?? String(err)).catch(() => undefined);
      throw err;
    }
  }
  const authorised = pending;
  const credit = creditLoad(client, authorised);
  credit.catch(() => undefined); // awaited below
  // While the card works on CREDIT FOR LOAD, prepare what follows it: the TAC it must return
  // and the op as stored. Started once the command has gone out, so it never delays it.
  const afterCredit = nextTurn(async () => ({
    tacCheck: await prepareLoadTacCheck(sam, authorised).catch(() => null), // on failure: verifyLoadTac after CREDIT, as before
    // As stored (and as recovery would read it back): the same canonical JSON.
    request: JSON.parse(canonicalJson({ step, event })) as CardOpRequest,
  }));
  afterCredit.catch(() => undefined); // awaited after CREDIT; unused when CREDIT fails
  let tac: string;
  try {
    tac = await credit;
  } catch (err) {
    return committingFailed(station, opId, 'Load', err);
  }
  const { tacCheck, request } = await afterCredit;
  const tacVerified = tacCheck !== null ? tacCheck(tac) : await verifyLoadTac(sam, pending, tac);
  return { opId, op: { operatorId: ctx.operatorId, shiftId: ctx.shiftId, request }, tac, pending, tacVerified };
}

/** Runs `fn` on the next turn of the event loop, after the microtasks that issue pending I/O. */
function nextTurn<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(fn);
}

/** Writes EF 0015's enable flag (byte 8 = 01) and issue date (bytes 20..23) with line protection. */
export async function runEnableStep(station: Station, channel: CardChannel, opId: string, step: Extract<CardStep, { step: 'enable' }>): Promise<void> {
  const sam = station.sam;
  if (sam === null) throw new StationError('KEYS', 'No security module: this station cannot activate cards', 'Configure a key file or SAM (station doctor)');
  const client = new CpuClient(channel);
  const ef = await client.readEf0015Raw().catch(async (err: unknown) => {
    await abortCardOp(station, opId, (err as Error).message);
    throw err;
  });
  const updated = Uint8Array.from(ef.subarray(8, 24));
  updated[0] = 0x01;
  updated.set(Buffer.from(step.issueDate, 'hex'), 12);
  await runCommitting(station, opId, 'Card activation', `cpu:${step.asn}`, () => client.updateBinarySecure(sam, { asn: step.asn, cityCode: step.cityCode, sfi: 0x15, offset: 8, data: updated }));
}

export async function runBlockStep(station: Station, channel: CardChannel, opId: string, step: Extract<CardStep, { step: 'block' }>): Promise<void> {
  const sam = station.sam;
  if (sam === null) throw new StationError('KEYS', 'No security module: this station cannot block cards', 'Configure a key file or SAM (station doctor)');
  const client = new CpuClient(channel);
  await runCommitting(station, opId, 'Application block', `cpu:${step.asn}`, () => client.applicationBlock(sam, { asn: step.asn, cityCode: step.cityCode }));
}

async function runCommitting(station: Station, opId: string, what: string, cardRef: string, command: () => Promise<void>): Promise<void> {
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
async function committingFailed(station: Station, opId: string, what: string, err: unknown): Promise<never> {
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

export interface SettledOp {
  opId: string;
  workflow: string;
  outcome: 'recorded' | 'aborted' | 'still-in-doubt';
  entryId?: string;
  detail: string;
  /**
   * The queued request the op belongs to (a damaged-card exchange, a replacement): when its
   * new card's step is aborted the request stays open with the balance held for the customer,
   * and the screen names it as the way to finish.
   */
  requestId?: string;
  /**
   * Recorded, but the workflow it is a step of is not finished (an upgrade whose new card is not
   * loaded yet, an exchange whose request is still open): the balance is held for the customer,
   * so the screen says how to finish instead of 已入账.
   */
  unfinished?: true;
}

/**
 * Settles every open op of the card on `channel` (on start-up / card placement). Each op is
 * decided from the card itself; an op the card cannot prove either way stays in doubt.
 */
export async function settleCardOps(station: Station, channel: CardChannel, cardRef: string): Promise<SettledOp[]> {
  const out: SettledOp[] = [];
  const ops = await openOpsForCard(station.db, cardRef);
  // An umbrella op (migration) is decided after the card steps it spans (stable sort).
  ops.sort((a, b) => Number(isUmbrella(a)) - Number(isUmbrella(b)));
  for (const listed of ops) {
    // An upgrade closed by the settlement of its last card step is not settled again.
    const op = isUmbrella(listed) ? await getOp(station.db, listed.opId) : listed;
    if (op === undefined || !OPEN_STATES.includes(op.state)) continue;
    const settled = await settleOne(station, channel, op);
    // The last card step of an upgrade recorded here closes the upgrade too (its receipt then exists).
    const closed = settled.outcome === 'recorded' ? await closeMigrationOf(station, op) : null;
    if (closed !== null) out.push({ ...settled, entryId: closed.entryId, detail: `${settled.detail}; the upgrade is complete` });
    else out.push(settled.outcome === 'recorded' && await workflowOpen(station, op) ? { ...settled, unfinished: true } : settled);
  }
  return out;
}

/** Whether the upgrade or the queued request `op` is a step of is still open after it. */
async function workflowOpen(station: Station, op: CardOp): Promise<boolean> {
  const { payload } = op.request.event;
  if (typeof payload.migrationId === 'string') {
    const migration = await getOp(station.db, payload.migrationId);
    return migration !== undefined && OPEN_STATES.includes(migration.state);
  }
  if (typeof payload.requestId === 'string') {
    const request = await getRequest(station.db, payload.requestId);
    return request !== undefined && request.state !== 'done';
  }
  return false;
}

/** The upgrade `op` is a card step of, closed when every card step it needs is recorded; else null. */
async function closeMigrationOf(station: Station, op: CardOp): Promise<StoredEntry | null> {
  const { event, step } = op.request;
  const migrationId = event.payload.migrationId;
  if (step.step === 'migration' || typeof migrationId !== 'string') return null;
  const migration = await getOp(station.db, migrationId);
  return migration !== undefined && OPEN_STATES.includes(migration.state) ? closeMigration(station, migration) : null;
}

/**
 * §9.6 step 5: records `migrate_done` for an upgrade whose card steps are all recorded (the old
 * card zeroed, the new card activated and, when there is a balance to move, loaded), closing
 * its umbrella op; null while a step is missing. `by`: the clerk finishing it now (station
 * migrate); without it the event keeps who started it and is marked recovered (settlement).
 */
export async function closeMigration(station: Station, migration: CardOp, by?: { operatorId: string; shiftId: string }): Promise<StoredEntry | null> {
  const plan = migration.request.step;
  if (plan.step !== 'migration') throw new StationError('INTERNAL', `card operation ${migration.opId} is a ${plan.step}, not an upgrade`);
  const steps = await opsOfMigration(station.db, migration.opId);
  const recorded = (kind: CardStep['step']) => steps.find((s) => s.state === 'recorded' && s.request.step.step === kind);
  const [zero, enable, load] = [recorded('m1-zero'), recorded('enable'), recorded('load')];
  if (zero === undefined || enable === undefined || (plan.loadFen > 0 && load === undefined)) return null;
  const enabled = enable.request.step;
  if (enabled.step !== 'enable') throw new StationError('INTERNAL', `card operation ${enable.opId} is not an activation`);
  const { asn } = enabled;
  return commitCardOp(station, migration.opId, {
    migrationId: migration.opId, newCardRef: `cpu:${asn}`, newAsn: asn, refundedDepositFen: plan.deposit === 'refund' ? plan.depositFen : 0,
    migrateOutEntry: zero.entryId, migrateIssueEntry: enable.entryId, migrateInEntry: plan.loadFen > 0 ? (load?.entryId ?? null) : null,
  }, by === undefined, by === undefined ? migration : { ...migration, ...by });
}

async function settleOne(station: Station, channel: CardChannel, op: CardOp): Promise<SettledOp> {
  const { step, event } = op.request;
  const requestId = event.payload.requestId;
  const base = { opId: op.opId, workflow: op.workflow, ...(typeof requestId === 'string' ? { requestId } : {}) };
  const client = new CpuClient(channel);
  try {
    switch (step.step) {
      case 'load': {
        const evidence = op.evidence === null ? null : parseStored(LoadEvidenceSchema, op.evidence, `card operation ${op.opId}'s load evidence`);
        if (evidence === null || (evidence.mac2 === undefined && evidence.hostDateTime === undefined)) {
          // CREDIT FOR LOAD is sent only after the date/time its MAC2 covers is durable (with
          // MAC2 itself when the clearing host gave it): without either the card never saw one.
          // With the date/time but no MAC2 (computed here while the intent was written), the
          // card decides below like any other torn load.
          await abortCardOp(station, op.opId, 'no CREDIT FOR LOAD was sent');
          return { ...base, outcome: 'aborted', detail: 'the load never reached the card' };
        }
        if (op.state === 'card_committed' && evidence.tac !== undefined) {
          const e = await commitCardOp(station, op.opId, { tac: evidence.tac, balanceBeforeFen: evidence.init.oldBalanceFen, balanceAfterFen: evidence.init.oldBalanceFen + evidence.amountFen, onlineAtc: evidence.init.onlineAtc }, true);
          return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the card had committed; the entry was recorded' };
        }
        const verdict = await settleLoad(client, evidence, station.sam ?? undefined);
        if (verdict.verdict === 'committed') {
          const e = await commitCardOp(station, op.opId, { tac: verdict.tac, tacVerified: verdict.tacVerified, balanceBeforeFen: evidence.init.oldBalanceFen, balanceAfterFen: verdict.balanceFen, onlineAtc: evidence.init.onlineAtc }, true);
          return { ...base, outcome: 'recorded', entryId: e.entryId, detail: `the load had reached the card (TAC ${verdict.tac ?? 'from the log'})` };
        }
        if (verdict.verdict === 'not-applied') {
          await abortCardOp(station, op.opId, 'card shows the load was not applied');
          return { ...base, outcome: 'aborted', detail: 'the load never reached the card; nothing was charged' };
        }
        return { ...base, outcome: 'still-in-doubt', detail: `another card (${verdict.asn}) is on the reader` };
      }
      case 'enable': {
        const selected = await client.select();
        const disc = selected.fci?.discretionary;
        const info = parseEf0015(disc && disc.length === EF0015_BYTES ? disc : await client.readEf0015Raw());
        if (info.asn !== step.asn) return { ...base, outcome: 'still-in-doubt', detail: `another card (${info.asn}) is on the reader` };
        if (info.enabled) {
          const e = await commitCardOp(station, op.opId, {}, true);
          return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the card had been activated; the sale was recorded' };
        }
        await abortCardOp(station, op.opId, 'card is not enabled');
        return { ...base, outcome: 'aborted', detail: 'the card was not activated; nothing was charged' };
      }
      case 'block': {
        // card_committed: the card itself acknowledged APPLICATION BLOCK before the station died.
        const selected = op.state === 'card_committed' ? null : await client.select();
        if (selected === null || selected.blocked) {
          const e = await commitCardOp(station, op.opId, {}, true);
          return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the card had been blocked; the entry was recorded' };
        }
        // Only this very card, unblocked, proves the block never happened.
        const disc = selected.fci?.discretionary;
        const info = parseEf0015(disc && disc.length === EF0015_BYTES ? disc : await client.readEf0015Raw());
        if (info.asn !== step.asn) return { ...base, outcome: 'still-in-doubt', detail: `another card (${info.asn}) is on the reader` };
        await abortCardOp(station, op.opId, 'application not blocked');
        return { ...base, outcome: 'aborted', detail: 'the card was not blocked; nothing was paid out' };
      }
      case 'm1-zero':
        return await settleM1Zero(station, channel, op, step);
      case 'migration': {
        const steps = await opsOfMigration(station.db, op.opId);
        const done = await closeMigration(station, op);
        if (done !== null) return { ...base, outcome: 'recorded', entryId: done.entryId, detail: 'every step of the upgrade had been recorded; the upgrade is complete' };
        if (steps.every((s) => s.state === 'aborted')) {
          await abortCardOp(station, op.opId, 'no step of the migration reached a card');
          return { ...base, outcome: 'aborted', detail: 'the old card was never zeroed; the migration was cancelled and nothing moved' };
        }
        const owed = steps.some((s) => s.state === 'recorded' && s.request.step.step === 'm1-zero');
        return {
          ...base, outcome: 'still-in-doubt',
          detail: owed ? `M1 → CPU migration ${op.opId} not finished: the old card is zeroed and its money is owed to the customer; finish it with station migrate (old and new card)`
            : `M1 → CPU migration ${op.opId} has a step that could not be settled from this card`,
        };
      }
    }
  } catch (err) {
    if (err instanceof StationError && err.code === 'CARD_MISMATCH') {
      if (op.state !== 'in_doubt') await updateOp(station.db, op.opId, 'in_doubt', {}, station.now());
      return { ...base, outcome: 'still-in-doubt', detail: err.message };
    }
    throw err;
  }
}

function isUmbrella(op: CardOp): boolean {
  return op.request.step.step === 'migration';
}

const m1Layout = (): DefaultM1Layout => new DefaultM1Layout();
const m1Keys = (): DefaultM1KeyScheme => new DefaultM1KeyScheme();

function zeroInput(step: Extract<CardStep, { step: 'm1-zero' }>): { uid: string; balanceFen: number; txCount: number; terminal: string; at: Date } {
  return { uid: step.uid, balanceFen: step.balanceFen, txCount: step.txCount, terminal: step.terminal, at: new Date(step.at) };
}

/**
 * Zeroes the M1 purse and sets the blacklist flag (CARD-PROTOCOL.md §9.6 step 2 a–e). The
 * intent must be durable before this is called. Any failure can leave the card half-written
 * (an M1 card has no atomic transaction), so every failure marks the op in doubt and the
 * card itself decides on settlement (normalise + re-read).
 */
export async function runM1ZeroStep(station: Station, channel: CardChannel, opId: string, step: Extract<CardStep, { step: 'm1-zero' }>): Promise<ZeroAndBlacklistResult> {
  let result: ZeroAndBlacklistResult;
  try {
    result = await zeroAndBlacklist(channel, m1Layout(), m1Keys(), zeroInput(step));
  } catch (err) {
    await markInDoubt(station, opId, err).catch(() => undefined);
    if (outcomeUnknown(err)) throw incomplete(opId, 'Zeroing the M1 card', err);
    throw err;
  }
  await updateOp(station.db, opId, 'card_committed', { evidence: { outcome: result.outcome, image: result.image.image } }, station.now())
    .catch((err: unknown) => { throw unrecorded(`m1:${step.uid}`, opId, err); });
  return result;
}

/**
 * §9.6 crash matrix for the old card: read (same UID?), normalise (§9.5), then
 *  - blacklisted with count+1 and a migrated-out record of B, purse 0 → zeroed: recorded;
 *  - not blacklisted, count unchanged, purse 0 (B > 0) → the zeroing took the money and
 *    stopped before the flag: finished now (zeroAndBlacklist is idempotent), recorded;
 *  - not blacklisted, purse B (or the card used since with money left) → untouched: aborted;
 *  - anything else stays in doubt.
 */
async function settleM1Zero(station: Station, channel: CardChannel, op: CardOp, step: Extract<CardStep, { step: 'm1-zero' }>): Promise<SettledOp> {
  const base = { opId: op.opId, workflow: op.workflow };
  const layout = m1Layout();
  const keys = m1Keys();
  const seen = await readM1Card(channel, layout, keys);
  if (seen.uid !== step.uid.toUpperCase()) return { ...base, outcome: 'still-in-doubt', detail: `another card (${seen.uid}) is on the reader` };
  const s = (await normaliseM1Card(channel, layout, keys)).after;
  const B = step.balanceFen;
  if (s.blacklisted) {
    if (s.balanceFen === 0 && s.txCount === ((step.txCount + 1) & 0xffff) && s.migratedOut !== null && s.migratedOut.amountFen === B) {
      const e = await commitCardOp(station, op.opId, { outcome: 'already-done', image: s.image }, true);
      return { ...base, outcome: 'recorded', entryId: e.entryId, detail: `the M1 card had been zeroed and blacklisted; ¥${formatYuan(B)} is owed to the customer` };
    }
    if (op.state !== 'in_doubt') await updateOp(station.db, op.opId, 'in_doubt', {}, station.now());
    return { ...base, outcome: 'still-in-doubt', detail: 'the M1 card is blacklisted but does not show this migration' };
  }
  if (B > 0 && s.balanceFen === 0 && s.txCount === step.txCount) {
    const r = await zeroAndBlacklist(channel, layout, keys, zeroInput(step));
    await updateOp(station.db, op.opId, 'card_committed', { evidence: { outcome: r.outcome, image: r.image.image } }, station.now());
    const e = await commitCardOp(station, op.opId, { outcome: 'finished-on-settlement', image: r.image.image }, true);
    return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the M1 purse had been zeroed; the blacklist flag was finished and the entry recorded' };
  }
  if (s.balanceFen === B || (s.balanceFen > 0 && s.txCount !== step.txCount)) {
    await abortCardOp(station, op.opId, `M1 purse still holds ${s.balanceFen} fen`);
    return { ...base, outcome: 'aborted', detail: 'the M1 card was not zeroed; nothing moved' };
  }
  if (op.state !== 'in_doubt') await updateOp(station.db, op.opId, 'in_doubt', {}, station.now());
  return { ...base, outcome: 'still-in-doubt', detail: `the M1 card shows ${s.balanceFen} fen and count ${s.txCount}; the intent recorded ${B} fen and count ${step.txCount}` };
}
