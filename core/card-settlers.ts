/**
 * How an unknown outcome is settled (ARCHITECTURE.md "Recovery"): every open intent of the card
 * on the reader is decided from the card itself, by the settler of its step kind — the card's
 * transaction manager proves what became of the step (devices/cpu/card-tx.ts,
 * devices/m1/card-tx.ts) and the settler records the prepared event (the card has the change),
 * aborts the op (it provably has not) or leaves it in doubt. Runs on start-up and whenever a
 * card is placed (core/card-watch.ts, card-steps.ts readSettled, before a top-up).
 */
import { LoadEvidenceSchema, parseStored, type CardStepKind, type StepOf } from '../common/card-intents.ts';
import { StationError } from '../common/errors.ts';
import { formatYuan } from '../common/money.ts';
import { getOp, OPEN_STATES, openOpsForCard, opsOfMigration, updateOp, type CardOp } from '../db/intents.ts';
import type { StoredEntry } from '../db/ledger.ts';
import { getRequest } from '../db/requests.ts';
import type { CardChannel } from '../devices/channel.ts';
import { CpuCardTransaction } from '../devices/cpu/card-tx.ts';
import { M1CardTransaction } from '../devices/m1/card-tx.ts';
import { abortCardOp, commitCardOp, unrecorded } from './card-ops.ts';
import type { Station } from './station.ts';

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

/** What a settler gets: the station, the card's channel, the open op and its answer's common part. */
interface SettleContext {
  station: Station;
  channel: CardChannel;
  op: CardOp;
  base: Pick<SettledOp, 'opId' | 'workflow' | 'requestId'>;
}

type Settler<K extends CardStepKind> = (ctx: SettleContext, step: StepOf<K>) => Promise<SettledOp>;

/** The settler of each step kind: "how an unknown outcome is settled", one entry per kind of card step. */
const SETTLERS: { [K in CardStepKind]: Settler<K> } = {
  load: settleLoadOp,
  enable: settleActivationOp,
  verify: settleVerifyOp,
  block: settleBlockOp,
  'm1-zero': settleM1ZeroOp,
  migration: settleMigrationOp,
};

function settlerOf<K extends CardStepKind>(kind: K): Settler<K> {
  return SETTLERS[kind];
}

async function settleOne(station: Station, channel: CardChannel, op: CardOp): Promise<SettledOp> {
  const { step, event } = op.request;
  const requestId = event.payload.requestId;
  const base = { opId: op.opId, workflow: op.workflow, ...(typeof requestId === 'string' ? { requestId } : {}) };
  try {
    return await settlerOf(step.step)({ station, channel, op, base }, step);
  } catch (err) {
    if (err instanceof StationError && err.code === 'CARD_MISMATCH') {
      if (op.state !== 'in_doubt') await updateOp(station.db, op.opId, 'in_doubt', {}, station.now());
      return { ...base, outcome: 'still-in-doubt', detail: err.message };
    }
    throw err;
  }
}

/** A load: the card's counter, balance and log decide; GET TRANSACTION PROVE gives the TAC. */
async function settleLoadOp({ station, channel, op, base }: SettleContext): Promise<SettledOp> {
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
  const verdict = await new CpuCardTransaction(channel, station.sam).proveLoad(evidence);
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

/** An activation: the card's EF 0015 enable flag decides. */
async function settleActivationOp({ station, channel, op, base }: SettleContext, step: StepOf<'enable'>): Promise<SettledOp> {
  const info = await new CpuCardTransaction(channel, station.sam).proveActivation();
  if (info.asn !== step.asn) return { ...base, outcome: 'still-in-doubt', detail: `another card (${info.asn}) is on the reader` };
  if (info.enabled) {
    const e = await commitCardOp(station, op.opId, {}, true);
    return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the card had been activated; the sale was recorded' };
  }
  await abortCardOp(station, op.opId, 'card is not enabled');
  return { ...base, outcome: 'aborted', detail: 'the card was not activated; nothing was charged' };
}

/**
 * 年审 (issue 17): the card's concession file decides. UPDATE BINARY writes the file whole or not
 * at all, so the intent's date (and type) there means it was written; anything else, not.
 */
async function settleVerifyOp({ station, channel, op, base }: SettleContext, step: StepOf<'verify'>): Promise<SettledOp> {
  const card = new CpuCardTransaction(channel, station.sam);
  const pub = await card.publicInfo();
  if (pub.blocked) return { ...base, outcome: 'still-in-doubt', detail: 'the card is blocked: its 年审 file cannot be read' };
  if (pub.info.asn !== step.asn) return { ...base, outcome: 'still-in-doubt', detail: `another card (${pub.info.asn}) is on the reader` };
  const file = await card.readConcessionFile();
  if (file?.verifiedUntil === step.verifiedUntil && file.cardType === step.cardType) {
    const e = await commitCardOp(station, op.opId, { verifiedUntil: file.verifiedUntil }, true);
    return { ...base, outcome: 'recorded', entryId: e.entryId, detail: `the card holds the 年审 date ${step.verifiedUntil}; the 年审 was recorded` };
  }
  await abortCardOp(station, op.opId, `the card's concession file reads ${file?.verifiedUntil ?? 'nothing'}, not ${step.verifiedUntil}`);
  return { ...base, outcome: 'aborted', detail: 'the 年审 date never reached the card; do the 年审 again' };
}

/** An application block: SELECT answering blocked decides; only this very card, unblocked, proves it never happened. */
async function settleBlockOp({ station, channel, op, base }: SettleContext, step: StepOf<'block'>): Promise<SettledOp> {
  // card_committed: the card itself acknowledged APPLICATION BLOCK before the station died.
  const proof = op.state === 'card_committed' ? { blocked: true as const } : await new CpuCardTransaction(channel, station.sam).proveBlock();
  if (proof.blocked) {
    const e = await commitCardOp(station, op.opId, {}, true);
    return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the card had been blocked; the entry was recorded' };
  }
  if (proof.info.asn !== step.asn) return { ...base, outcome: 'still-in-doubt', detail: `another card (${proof.info.asn}) is on the reader` };
  await abortCardOp(station, op.opId, 'application not blocked');
  return { ...base, outcome: 'aborted', detail: 'the card was not blocked; nothing was paid out' };
}

/**
 * An M1 zeroing (§9.6 crash matrix for the old card, devices/m1/card-tx.ts proveZero): zeroed →
 * recorded; half-zeroed → finished now and recorded; untouched → aborted; otherwise in doubt.
 */
async function settleM1ZeroOp({ station, channel, op, base }: SettleContext, step: StepOf<'m1-zero'>): Promise<SettledOp> {
  const m1 = new M1CardTransaction(channel);
  const intent = { uid: step.uid, balanceFen: step.balanceFen, txCount: step.txCount, terminal: step.terminal, at: new Date(step.at) };
  const proof = await m1.proveZero(intent);
  switch (proof.verdict) {
    case 'different-card':
      return { ...base, outcome: 'still-in-doubt', detail: `another card (${proof.uid}) is on the reader` };
    case 'zeroed': {
      const e = await commitCardOp(station, op.opId, { outcome: 'already-done', image: proof.image }, true);
      return { ...base, outcome: 'recorded', entryId: e.entryId, detail: `the M1 card had been zeroed and blacklisted; ¥${formatYuan(step.balanceFen)} is owed to the customer` };
    }
    case 'half-zeroed': {
      const r = await m1.finishZero(intent);
      // finishZero has just written the card (the blacklist flag): a full disk from here on is
      // not "nothing was written" but INCOMPLETE, the op left open — placed again, the card
      // proves 'zeroed' and the entry is recorded then (seed 5456's violation).
      const e = await (async () => {
        await updateOp(station.db, op.opId, 'card_committed', { evidence: { outcome: r.outcome, image: r.image.image } }, station.now());
        return commitCardOp(station, op.opId, { outcome: 'finished-on-settlement', image: r.image.image }, true);
      })().catch((err: unknown) => { throw unrecorded(op.cardRef, op.opId, err); });
      return { ...base, outcome: 'recorded', entryId: e.entryId, detail: 'the M1 purse had been zeroed; the blacklist flag was finished and the entry recorded' };
    }
    case 'untouched':
      await abortCardOp(station, op.opId, `M1 purse still holds ${proof.balanceFen} fen`);
      return { ...base, outcome: 'aborted', detail: 'the M1 card was not zeroed; nothing moved' };
    case 'unknown':
      if (op.state !== 'in_doubt') await updateOp(station.db, op.opId, 'in_doubt', {}, station.now());
      return { ...base, outcome: 'still-in-doubt', detail: proof.detail };
  }
}

/** An upgrade's umbrella: decided from its card steps, after them (it changes no card itself). */
async function settleMigrationOp({ station, op, base }: SettleContext): Promise<SettledOp> {
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

function isUmbrella(op: CardOp): boolean {
  return op.request.step.step === 'migration';
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
  const recorded = (kind: CardStepKind) => steps.find((s) => s.state === 'recorded' && s.request.step.step === kind);
  const [zero, enable, load] = [recorded('m1-zero'), recorded('enable'), recorded('load')];
  if (zero === undefined || enable === undefined || (plan.loadFen > 0 && load === undefined)) return null;
  const enabled = enable.request.step;
  if (enabled.step !== 'enable') throw new StationError('INTERNAL', `card operation ${enable.opId} is not an activation`);
  const asn = enabled.asn;
  return commitCardOp(station, migration.opId, {
    migrationId: migration.opId, newCardRef: `cpu:${asn}`, newAsn: asn, refundedDepositFen: plan.deposit === 'refund' ? plan.depositFen : 0,
    migrateOutEntry: zero.entryId, migrateIssueEntry: enable.entryId, migrateInEntry: plan.loadFen > 0 ? (load?.entryId ?? null) : null,
  }, by === undefined, by === undefined ? migration : { ...migration, ...by });
}
