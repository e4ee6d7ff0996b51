/**
 * The card steps a workflow runs, each inside the intent journal (core/card-ops.ts) around its
 * card's transaction manager (devices/cpu/card-tx.ts, devices/m1/card-tx.ts): a load, an
 * activation, an application block, an M1 zeroing. The journal's order is the recovery
 * promise: the intent is durable before the first APDU that can change the card, and a
 * committing APDU whose outcome is unknown leaves the op in doubt for its settler
 * (core/card-settlers.ts).
 */
import { canonicalJson } from '../common/canonical-json.ts';
import { chinaYmd } from '../common/china-time.ts';
import type { CardOpRequest, StepOf } from '../common/card-intents.ts';
import { StationError } from '../common/errors.ts';
import { updateOp } from '../db/intents.ts';
import type { StoredEntry } from '../db/ledger.ts';
import type { CardChannel } from '../devices/channel.ts';
import { CpuCardTransaction } from '../devices/cpu/card-tx.ts';
import type { ConcessionFile } from '../devices/cpu/concession-file.ts';
import { hostDateTimeOf, type PendingLoad } from '../devices/cpu/load.ts';
import { M1CardTransaction } from '../devices/m1/card-tx.ts';
import type { ZeroAndBlacklistResult } from '../devices/m1/operations.ts';
import type { HostDateTime } from '../devices/sam/security-module.ts';
import {
  abortCardOp, beginCardOp, commitCardOp, committingFailed, incomplete, markInDoubt, outcomeUnknown, runCommitting, unrecorded,
  type KnownOp, type OpContext, type PreparedEvent,
} from './card-ops.ts';
import type { Station } from './station.ts';

export interface LoadOutcome {
  entry: StoredEntry;
  tac: string;
  tacVerified: boolean;
  balanceBeforeFen: number;
  balanceAfterFen: number;
}

/** A load of `amountFen` onto the (selected) card on `channel`, recording `event` once the card has it. */
export async function loadCardOp(station: Station, ctx: OpContext, channel: CardChannel, card: { asn: string; cityCode: string }, amountFen: number, event: PreparedEvent): Promise<LoadOutcome> {
  const { entry, ...rest } = await loadCardOpCommitting(station, ctx, channel, card, amountFen, event);
  return { entry: await entry, ...rest };
}

/**
 * Like loadCardOp, but returns once the card has the money, with the entry's durable write
 * already issued (`entry`): the caller can release the card while it is written. The load has
 * succeeded only when `entry` resolves.
 */
export async function loadCardOpCommitting(station: Station, ctx: OpContext, channel: CardChannel, card: { asn: string; cityCode: string }, amountFen: number, event: PreparedEvent): Promise<Omit<LoadOutcome, 'entry'> & { entry: Promise<StoredEntry> }> {
  const step = { step: 'load' as const, asn: card.asn, cityCode: card.cityCode, amountFen, terminalId: station.config.terminalId, keyIndex: station.policy.loadKeyIndex };
  const { opId, op, tac, pending, tacVerified } = await runLoadStep(station, ctx, channel, step, event);
  const balanceAfterFen = pending.init.oldBalanceFen + amountFen;
  const entry = commitCardOp(station, opId, {
    tac, tacVerified, balanceBeforeFen: pending.init.oldBalanceFen, balanceAfterFen, onlineAtc: pending.init.onlineAtc,
    hostDate: pending.hostDateTime?.date ?? null, hostTime: pending.hostDateTime?.time ?? null,
  }, false, op);
  // Awaited by the caller; this keeps a failure from being reported as unhandled meanwhile.
  entry.catch(() => undefined);
  return { entry, tac, tacVerified, balanceBeforeFen: pending.init.oldBalanceFen, balanceAfterFen };
}

/**
 * A load (圈存) on the selected card, its op included. INITIALIZE FOR LOAD changes nothing on
 * the card, so the intent is written after it, with its evidence (counter, old balance, the
 * host date/time MAC2 covers) in the same durable INSERT, and before CREDIT FOR LOAD, the first
 * APDU that can change the card: one durable write before the card moves instead of two. A
 * failure before that leaves no op (nothing happened). After CREDIT the op stays `intent` with
 * that evidence until the caller's commitCardOp records the entry and closes it in one
 * transaction; a crash in between is settled from the card (proveLoad: counter, balance, log
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
export async function runLoadStep(station: Station, ctx: OpContext, channel: CardChannel, step: StepOf<'load'>, event: PreparedEvent): Promise<{ opId: string; op: KnownOp; tac: string; pending: PendingLoad; tacVerified: boolean }> {
  const sam = station.sam;
  const card = new CpuCardTransaction(channel, sam);
  card.requireLoadKeys();
  const initialised = await card.prepareLoad(step);
  const at = station.now();
  let pending: PendingLoad;
  let intent: Promise<string>;
  let authorized: { pending: Promise<PendingLoad>; fixed: HostDateTime } | null = null;
  if (await sam?.localLoadKeys?.(step.cityCode)) {
    // The evidence recovery needs: the INITIALIZE answer and the date/time MAC2 will cover.
    const fixed = hostDateTimeOf(at);
    pending = { ...initialised, hostDateTime: fixed };
    intent = beginCardOp(station, ctx, step, event, pending);
    // MAC1 check and MAC2 while the intent is written (after the write went to the database thread).
    authorized = { pending: nextTurn(() => card.authoriseLoad(initialised, at)), fixed };
    authorized.pending.catch(() => undefined); // awaited below
  } else {
    pending = await card.authoriseLoad(initialised, at);
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
  const credit = card.processLoad(authorised);
  credit.catch(() => undefined); // awaited below
  // While the card works on CREDIT FOR LOAD, prepare what follows it: the TAC it must return
  // and the op as stored. Started once the command has gone out, so it never delays it.
  const afterCredit = nextTurn(async () => ({
    tacCheck: await card.prepareTacCheck(authorised), // null: checkLoadTac after CREDIT
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
  const tacVerified = tacCheck !== null ? tacCheck(tac) : await card.checkLoadTac(authorised, tac);
  return { opId, op: { operatorId: ctx.operatorId, shiftId: ctx.shiftId, request }, tac, pending, tacVerified };
}

/** Runs `fn` on the next turn of the event loop, after the microtasks that issue pending I/O. */
function nextTurn<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(fn);
}

/**
 * Activates the stock card on `channel` (enable flag + issue date, and with `cardType` the type
 * sold in EF 0015 byte 28), recording `event` on success.
 */
export async function enableCardOp(station: Station, ctx: OpContext, channel: CardChannel, card: { asn: string | null; cityCode: string | null }, event: PreparedEvent, cardType?: StepOf<'enable'>['cardType']): Promise<{ entry: StoredEntry; issueDate: string }> {
  const issueDate = chinaYmd(station.now()); // EF 0015's issue date: 4 BCD bytes, hex YYYYMMDD
  const step = { step: 'enable' as const, asn: card.asn!, cityCode: card.cityCode!, issueDate, ...(cardType === undefined ? {} : { cardType }) };
  const opId = await beginCardOp(station, ctx, step, { ...event, payload: { ...event.payload, issueDate } });
  await runEnableStep(station, channel, opId, step);
  const entry = await commitCardOp(station, opId);
  return { entry, issueDate: `${issueDate.slice(0, 4)}-${issueDate.slice(4, 6)}-${issueDate.slice(6, 8)}` };
}

/** Writes EF 0015's enable flag and issue date with line protection (devices/cpu/card-tx.ts), the op already written. */
export async function runEnableStep(station: Station, channel: CardChannel, opId: string, step: StepOf<'enable'>): Promise<void> {
  const card = new CpuCardTransaction(channel, station.sam);
  const prepared = await card.prepareActivation(step.issueDate, step.cardType).catch(async (err: unknown) => {
    // Nothing was written to the card: a missing module or an unreadable EF 0015 closes the op.
    if (!(err instanceof StationError && err.code === 'KEYS')) await abortCardOp(station, opId, (err as Error).message);
    throw err;
  });
  await runCommitting(station, opId, 'Card activation', `cpu:${step.asn}`, () => card.processActivation(step, prepared));
}

/**
 * 年审 (issue 17): writes the concession file SFI 0x1C (card type, verified-until, today, this
 * station) with line protection and records `event` once the card's file, read back, holds the
 * new date. The intent is durable before UPDATE BINARY; a torn write is settled from the card
 * (core/card-settlers.ts settleVerifyOp). Returns the file as read back: what the receipt prints.
 */
export async function verifyCardOp(station: Station, ctx: OpContext, channel: CardChannel, step: StepOf<'verify'>, event: PreparedEvent): Promise<{ entry: StoredEntry; readBack: ConcessionFile }> {
  const card = new CpuCardTransaction(channel, station.sam);
  // Reads the file (and refuses a card without one) before the intent: nothing changes yet.
  const { data } = await card.prepareVerification(step);
  const opId = await beginCardOp(station, ctx, step, event);
  await runCommitting(station, opId, '年审 write', `cpu:${step.asn}`, () => card.processVerification(step, data));
  const readBack = await card.readConcessionFile().catch((err: unknown) => { throw incomplete(opId, 'Reading back the 年审 date', err); });
  if (readBack?.verifiedUntil !== step.verifiedUntil || readBack.cardType !== step.cardType) {
    // The card said 9000 but holds another date: never record what the card does not show.
    await markInDoubt(station, opId, new Error(`the card's concession file reads ${readBack?.verifiedUntil ?? 'nothing'} after writing ${step.verifiedUntil}`)).catch(() => undefined);
    throw new StationError('INCOMPLETE', `年审: the card's concession file does not read back ${step.verifiedUntil}`, 'Keep the card on the reader and try again');
  }
  const entry = await commitCardOp(station, opId, { verifiedUntil: readBack.verifiedUntil });
  return { entry, readBack };
}

/** APPLICATION BLOCK (devices/cpu/card-tx.ts), the op already written. */
export async function runBlockStep(station: Station, channel: CardChannel, opId: string, step: StepOf<'block'>): Promise<void> {
  const card = new CpuCardTransaction(channel, station.sam);
  await runCommitting(station, opId, 'Application block', `cpu:${step.asn}`, () => card.processBlock(step));
}

/**
 * Zeroes the M1 purse and sets the blacklist flag (CARD-PROTOCOL.md §9.6 step 2 a–e). The
 * intent must be durable before this is called. Any failure can leave the card half-written
 * (an M1 card has no atomic transaction), so every failure marks the op in doubt and the
 * card itself decides on settlement (devices/m1/card-tx.ts proveZero).
 */
export async function runM1ZeroStep(station: Station, channel: CardChannel, opId: string, step: StepOf<'m1-zero'>): Promise<ZeroAndBlacklistResult> {
  let result: ZeroAndBlacklistResult;
  try {
    result = await new M1CardTransaction(channel).processZero({ uid: step.uid, balanceFen: step.balanceFen, txCount: step.txCount, terminal: step.terminal, at: new Date(step.at) });
  } catch (err) {
    await markInDoubt(station, opId, err).catch(() => undefined);
    if (outcomeUnknown(err)) throw incomplete(opId, 'Zeroing the M1 card', err);
    throw err;
  }
  await updateOp(station.db, opId, 'card_committed', { evidence: { outcome: result.outcome, image: result.image.image } }, station.now())
    .catch((err: unknown) => { throw unrecorded(`m1:${step.uid}`, opId, err); });
  return result;
}
