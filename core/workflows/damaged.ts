/**
 * Damaged-card exchange (换卡), PRODUCT.md workflow 7.
 *  - Readable card: its balance moves to a new stock card like the M1 upgrade — the old
 *    application is blocked first ('block' step, with its intent), then the new card is
 *    activated ('enable') and loaded ('load'). Old and new card sit on two readers (a
 *    one-reader counter does the old card first, then `request` with the new card).
 *  - Unreadable card: a `requests` row (kind 'damaged') ready after
 *    policy.damagedPickupWorkingDays working days (weekends skipped), the ASN blacklisted
 *    locally so the stored value cannot be spent meanwhile, and a pickup slip. The balance
 *    then comes from the clearing host (UpstreamPort.lostCardBalance) when the customer returns
 *    (`request`).
 *  - Deposit: quality fault → the old deposit moves to the new card free; customer damage with
 *    policy.customerDamageChargesDeposit → the old deposit is forfeited (the station keeps the
 *    damaged card) and a new deposit is charged.
 *
 * Ledger:
 *  - 'damaged_card_block' (readable, when the old card is blocked): debit card_float / credit
 *    customer_payable for the balance — the money is off the old card and owed to the customer
 *    until the new card has it; the request row is created in the same transaction.
 *  - 'damaged_card_request' (unreadable): no postings (the balance is not known yet);
 *    'damaged_card_out' when the host confirms it: debit card_float / credit customer_payable.
 *  - 'damaged_exchange_issue' (new card activated): quality → debit deposits_held / credit
 *    deposits_held (the deposit changes card); customer damage → debit deposits_held / credit
 *    fee_income (old deposit forfeited) and debit cash_drawer|other_payment_clearing / credit
 *    deposits_held (new deposit), and the 工本费 (issue 17, policy.feeSchedule.replacementFen):
 *    debit cash_drawer|other_payment_clearing / credit fee_income, waivable by a supervisor with
 *    a reason (core/workflows/card-fee.ts). A card fault pays no 工本费. The fee is fixed before
 *    the first intent (the readable card's block), so recovery books the figure the clerk saw.
 *  - 'damaged_exchange_load' (new card loaded): debit customer_payable / credit card_float.
 */
import { addWorkingDays, chinaDate, chinaDayStart } from '../../common/china-time.ts';
import { asJson, DamagedDetailsSchema, parseStored, type DamagedDetails } from '../../common/card-intents.ts';
import { BadInputError, CardUnsupportedError, StationError } from '../../common/errors.ts';
import { say, type Say } from '../../common/say.ts';
import { newId } from '../../common/ids.ts';
import { formatYuan } from '../../common/money.ts';
import { credit, debit, type Posting, type StoredEntry } from '../../db/ledger.ts';
import { getCard, isBlacklisted, type CardRow } from '../../db/registry.ts';
import { getRequest, openRequestsForCard, type RequestRow } from '../../db/requests.ts';
import { currentShift } from '../../db/shifts.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { requireRole, type Actor } from '../auth.ts';
import { applyCardEffects, type CardEffect } from '../card-effects.ts';
import { cardRef } from '../card-kind.ts';
import { beginCardOp, commitCardOp, type OpContext } from '../card-ops.ts';
import type { SettledOp } from '../card-settlers.ts';
import { enableCardOp, loadCardOp, runBlockStep } from '../card-tx.ts';
import { recordInTx } from '../record.ts';
import type { Station } from '../station.ts';
import {
  askHostBalance, checkStockCard, pickupSlip, readSettled, recordConfirmedBalance, refusedAll, type PickupSlip,
} from './card-steps.ts';
import { parseAsn } from './lost.ts';
import { readCard, type CardView } from './read-card.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';
import { requireOpenShift } from './shift.ts';
import type { PaymentMethod } from './validate.ts';
import type { FeeLine } from '../../common/fees.ts';
import { feePostings } from '../fee-charge.ts';
import { feePayload, replacementFeeDue, type CardFeeDue, type CardFeeInput } from './card-fee.ts';

export type DamageFault = 'quality' | 'customer';

export interface ExchangeInput extends CardFeeInput {
  /** Who caused the damage: 'quality' (manufacturing fault) or 'customer'. Not needed with `request`. */
  fault?: DamageFault | string;
  /** Reader of the old (damaged) card. */
  reader?: string;
  /** Reader of the new stock card. */
  newReader?: string;
  /** The old card cannot be read: its number (ASN) typed from the card face. */
  unreadable?: boolean;
  card?: string;
  /**
   * The cards the clerk confirmed (core/card-binding.ts): `confirmedCard` the old card (or the
   * stock card when collecting a queued request), `confirmedNewCard` the stock card on the
   * second reader; another card is refused before anything is written.
   */
  confirmedCard?: CardBinding;
  confirmedNewCard?: CardBinding;
  /** Fulfil this queued damaged-card request (new card on `newReader`, or `reader`). */
  request?: string;
  /**
   * One-reader counters: called after the old card is blocked, resolves once the new card is on
   * the same reader (the UI asks the operator to swap). Used when `newReader` is absent or equal.
   */
  swapCards?: (reader: string) => Promise<void>;
}

export type ExchangeResult =
  | { state: 'queued'; requestId: string; oldCardRef: string; entryId: string | null; slip: PickupSlip }
  | {
    state: 'done'; requestId: string; oldCardRef: string; newCardRef: string; asn: string; balanceFen: number;
    /** Deposit now on record for the new card. */
    depositFen: number;
    newDepositChargedFen: number;
    forfeitedDepositFen: number;
    /** The 工本费 charged or waived (customer damage, issue 17); null when none was charged by this call. */
    fee: FeeLine | null;
    pay: PaymentMethod | null;
    changeFen: number;
    blockEntryId: string | null;
    issueEntryId: string | null;
    loadEntryId: string | null;
    tac: string | null;
    settled: SettledOp[];
    receipt: string | null;
  };

/** A damaged-card request's details, parsed (common/card-intents.ts). */
function damagedDetails(r: RequestRow): DamagedDetails {
  return parseStored(DamagedDetailsSchema, r.details, `request ${r.requestId}'s details`);
}

function parseFault(value: unknown): DamageFault {
  if (value !== 'quality' && value !== 'customer') throw new BadInputError(`the damage must be "quality" (card fault) or "customer" (customer damage), got "${String(value)}"`, 'Pass --fault quality|customer', say('damagedFault'));
  return value;
}

function registration(row: CardRow | undefined): Pick<DamagedDetails, 'registered' | 'holderName' | 'idNumberMasked' | 'idNumberHash' | 'phoneMasked'> {
  return {
    registered: row?.registered === 1, holderName: row?.holder_name ?? null, idNumberMasked: row?.id_number_masked ?? null,
    idNumberHash: row?.id_number_hash ?? null, phoneMasked: row?.phone_masked ?? null,
  };
}

function depositOnRecord(station: Station, row: CardRow | undefined): number {
  if (row !== undefined) return row.deposit_fen;
  return station.policy.refundDepositWithoutRecord ? station.policy.depositFen : 0;
}

/** The new deposit charged for this exchange (0 for a quality fault). */
function chargeFor(station: Station, fault: DamageFault): number {
  return fault === 'customer' && station.policy.customerDamageChargesDeposit ? station.policy.depositFen : 0;
}

/** The 工本费 the schedule asks for this exchange: a card damaged by its holder pays it, a card fault does not. */
function cardFeeFor(station: Station, fault: DamageFault): number {
  return fault === 'customer' ? station.policy.feeSchedule.replacementFen : 0;
}

/** The new deposit and the 工本费 (or its waiver) this exchange charges, and their payment; refusals audited, nothing written. */
async function exchangeDue(station: Station, actor: Actor, fault: DamageFault, input: CardFeeInput): Promise<CardFeeDue> {
  return replacementFeeDue(station, actor, 'exchange', chargeFor(station, fault), input, cardFeeFor(station, fault));
}

function checkDamagedCard(station: Station, view: CardView, row: CardRow | undefined): void {
  const what = 'Damaged-card exchange';
  if (view.kind === 'tunion') throw new CardUnsupportedError(`${what}: T-Union (交通联合) cards are not served at City Union counters`, 'Send the customer to a T-Union service point');
  if (view.kind !== 'cpu' || view.asn === null) throw new StationError('POLICY', `${what} needs a City Union CPU card; this is a ${view.kind} card`, view.kind === 'm1' ? 'Old M1 cards are upgraded: station migrate' : undefined, { say: say('needsCpuCard') });
  const refuse = (said: Say, why: string, hint?: string): never => { throw new StationError('POLICY', `${what} refused: ${why}`, hint, { say: said }); };
  const card = view.asn;
  if (view.otherCity) refuse(say('cardOtherCity', { card, city: view.city ?? view.cityCode ?? '' }), `the card was issued by another member city (${view.city ?? view.cityCode})`, 'Its issuer exchanges it');
  const flagSays = { blacklisted: say('cardBlacklisted', { card }), lost: say('cardLost', { card }), refunded: say('cardRefunded', { card }), migrated: say('cardRegistryStatus', { card, status: 'migrated' }) };
  for (const flag of ['blacklisted', 'lost', 'refunded', 'migrated'] as const) if (view.flags.includes(flag)) refuse(flagSays[flag], `the card is ${flag}`);
  if (view.flags.includes('blocked')) refuse(say('damagedBlocked', { card }), 'the card application is already blocked', 'If an exchange was started for it, continue it with its request number');
  if (view.flags.includes('not-enabled')) refuse(say('cardNotEnabled', { card }), 'the card was never activated', 'A stock card is not exchanged; sell it instead');
  if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', `${what} refused: the card has an incomplete transaction that could not be settled`, 'Keep the card on the reader and try again');
  if (view.balanceFen === null) refuse(say('damagedNoBalance', { card }), 'the card does not show its balance', 'Treat it as unreadable (--unreadable --card ASN)');
  if (row !== undefined && row.status !== 'active') refuse(say('cardRegistryStatus', { card, status: row.status }), `the registry shows the card as ${row.status}`);
}

export async function exchangeDamagedCard(station: Station, actor: Actor, input: ExchangeInput): Promise<ExchangeResult> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'exchange');
  if (input.request !== undefined) return fulfilQueued(station, actor, input);
  const fault = await refusedAll(db, actor.staffId, 'exchange', () => parseFault(input.fault));
  if (input.unreadable === true) return queueUnreadable(station, actor, input, fault);

  const due = await exchangeDue(station, actor, fault, input);
  const shift = due.pay !== null ? await requireOpenShift(station, actor) : await currentShift(db, actor.staffId);
  const ctx: OpContext = { operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, workflow: 'exchange' };
  const newReader = input.newReader;
  const oldReader = input.reader ?? (await station.cards.readers()).find((r) => r.cardPresent && r.name !== newReader)?.name;
  const oneReader = input.swapCards !== undefined && oldReader !== undefined && (newReader === undefined || newReader === oldReader);
  await refusedAll(db, actor.staffId, 'exchange', () => {
    if (!oneReader && (newReader === undefined || oldReader === undefined || newReader === oldReader)) {
      throw new BadInputError('a readable damaged card is exchanged with the new card on a second reader', 'Pass --new-reader NAME (and --reader for the old card); on a one-reader counter use --unreadable, or block first and finish with --request', say('exchangeReaders'));
    }
  });

  /** Blocks the old card (its balance then held in customer_payable, the request created with the entry). */
  const blockOld = async (oldChannel: CardChannel) => {
    const { view, settled } = await readSettled(station, oldChannel, { actor: actor.staffId, action: 'exchange', confirmed: input.confirmedCard });
    const row = await getCard(db, view.cardRef);
    await refusedAll(db, actor.staffId, 'exchange', () => checkDamagedCard(station, view, row));
    const asn = view.asn!;
    const balanceFen = view.balanceFen!;
    const requestId = newId(station.now().getTime());
    const details: DamagedDetails = {
      asn, oldCardRef: view.cardRef, cityCode: view.cityCode, fault, depositFen: depositOnRecord(station, row), balanceSource: 'card', balanceFen, ...registration(row),
    };
    const step = { step: 'block' as const, asn, cityCode: view.cityCode! };
    const opId = await beginCardOp(station, ctx, step, {
      kind: 'damaged_card_block', cardRef: view.cardRef, amountFen: balanceFen,
      payload: { requestId, asn, cityCode: view.cityCode, balanceFen, depositFen: details.depositFen, fault },
      postings: balanceFen > 0 ? [debit('card_float', balanceFen), credit('customer_payable', balanceFen)] : [],
      effects: [
        { type: 'request-create', requestId, kind: 'damaged', cardRef: view.cardRef, state: 'ready', readyAfter: station.now().toISOString(), details: asJson(details) },
        { type: 'card-status', cardRef: view.cardRef, status: 'damaged' },
      ],
    });
    await runBlockStep(station, oldChannel, opId, step);
    const blockEntry = await commitCardOp(station, opId);
    return { requestId, details, balanceFen, blockEntry, settled };
  };

  /** The new card's part; a failure names the request that finishes the exchange. */
  const onNew = async (old: Awaited<ReturnType<typeof blockOld>>, newChannel: CardChannel, newView: CardView) => {
    try {
      return await fulfil(station, ctx, newChannel, newView, old.requestId, old.details, old.balanceFen, due);
    } catch (err) {
      const e = err instanceof StationError ? err : new StationError('INTERNAL', (err as Error).message);
      throw new StationError(e.code, `The old card ${old.details.asn} is blocked and its balance ¥${formatYuan(old.balanceFen)} is held for the customer (request ${old.requestId}), but the new card failed: ${e.message}`,
        `${e.hint ?? 'Check the new card'}; then finish with station exchange --request ${old.requestId}`, { cause: err });
    }
  };

  if (oneReader) {
    // One reader: the old card first, then the swap, then the new card (no look at it beforehand;
    // a wrong new card leaves the request open, with the money held for the customer).
    const old = await station.cards.withCard(oldReader, blockOld);
    await input.swapCards!(oldReader!);
    return station.cards.withCard(oldReader, async (newChannel) => {
      const { view: newView, settled: newSettled } = await readSettled(station, newChannel, { actor: actor.staffId, action: 'exchange', confirmed: input.confirmedNewCard });
      const done = await onNew(old, newChannel, newView);
      return { ...done, blockEntryId: old.blockEntry.entryId, settled: [...old.settled, ...newSettled] };
    });
  }
  return station.cards.withCard(oldReader, (oldChannel) => station.cards.withCard(newReader, async (newChannel) => {
    // Two readers: the new card is checked before the old one is touched.
    const { view: newView, settled: newSettled } = await readSettled(station, newChannel, { actor: actor.staffId, action: 'exchange', confirmed: input.confirmedNewCard });
    await refusedAll(db, actor.staffId, 'exchange', () => checkStockCard(station, newView, 'Damaged-card exchange (new card)'));
    const old = await blockOld(oldChannel);
    const done = await onNew(old, newChannel, newView);
    return { ...done, blockEntryId: old.blockEntry.entryId, settled: [...old.settled, ...newSettled] };
  }));
}

async function queueUnreadable(station: Station, actor: Actor, input: ExchangeInput, fault: DamageFault): Promise<ExchangeResult> {
  const { db, policy } = station;
  const typed = await refusedAll(db, actor.staffId, 'exchange', () => parseAsn(input.card));
  const queued = (await openRequestsForCard(db, cardRef('cpu', typed))).find((r) => r.kind === 'damaged');
  if (queued) return { state: 'queued', requestId: queued.requestId, oldCardRef: queued.cardRef, entryId: queued.entryId, slip: slipOf(station, queued) };
  const { asn, row } = await refusedAll(db, actor.staffId, 'exchange', async () => {
    const a = typed;
    const r = await getCard(db, cardRef('cpu', a));
    if (r !== undefined && r.status !== 'active') throw new StationError('POLICY', `Damaged-card exchange refused: card ${a} is ${r.status} in the registry`, undefined, { say: say('cardRegistryStatus', { card: a, status: r.status }) });
    if (await isBlacklisted(db, cardRef('cpu', a))) throw new StationError('POLICY', `Damaged-card exchange refused: card ${a} is blacklisted`, undefined, { say: say('cardBlacklisted', { card: a }) });
    return { asn: a, row: r };
  });
  const ref = cardRef('cpu', asn);
  const now = station.now();
  const readyAfter = chinaDayStart(addWorkingDays(chinaDate(now), policy.damagedPickupWorkingDays));
  const requestId = newId(now.getTime());
  const details: DamagedDetails = { asn, oldCardRef: ref, cityCode: row?.city_code ?? null, fault, depositFen: depositOnRecord(station, row), balanceSource: 'host', ...registration(row) };
  const shift = await currentShift(db, actor.staffId);
  const entry = await db.transaction(async (tx) => {
    const e = await recordInTx(station, tx, {
      kind: 'damaged_card_request', operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, cardRef: ref, amountFen: 0, at: now,
      payload: { requestId, asn, fault, depositFen: details.depositFen, readyAfter: readyAfter.toISOString(), blacklist: true }, postings: [],
    });
    await applyCardEffects(tx, [
      { type: 'request-create', requestId, kind: 'damaged', cardRef: ref, state: 'waiting', readyAfter: readyAfter.toISOString(), details: asJson(details) },
      { type: 'blacklist', cardRef: ref, reason: 'damaged-exchange' },
      { type: 'card-status', cardRef: ref, status: 'damaged' },
    ], now, e.entryId);
    return e;
  });
  const request = (await getRequest(db, requestId))!;
  return { state: 'queued', requestId, oldCardRef: ref, entryId: entry.entryId, slip: slipOf(station, request) };
}

function slipOf(station: Station, r: RequestRow): PickupSlip {
  const d = damagedDetails(r);
  return pickupSlip(station, { requestId: r.requestId, kind: 'damaged', asn: d.asn, holderName: d.holderName, idNumberMasked: d.idNumberMasked, createdAt: new Date(r.createdAt), readyAfter: new Date(r.readyAfter) });
}

/** What the counter must know before it collects a queued request (换卡 pickup, F3). */
export interface DamagedRequestDue {
  requestId: string;
  cardNumber: string;
  fault: DamageFault;
  readyFrom: string;
  /** The new deposit the collection charges (customer damage, per policy); 0 when nothing is paid. */
  depositDueFen: number;
  /** The 工本费 the collection charges unless waived (customer damage, issue 17); 0 for a card fault. */
  feeDueFen: number;
  /** The fee schedule's version the 工本费 is charged under. */
  feeScheduleVersion: string;
}

/**
 * A queued damaged-card request as the collection will treat it, so the screen can show (and
 * take) the new deposit a customer-damage exchange charges before the operator confirms.
 * Read-only; the collection itself checks everything again.
 */
export async function damagedRequestDue(station: Station, actor: Actor, requestId: string): Promise<DamagedRequestDue> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'exchange');
  const r = await getRequest(db, requestId);
  if (!r || r.kind !== 'damaged') throw new StationError('POLICY', `No damaged-card request ${requestId}`, 'Check the number on the pickup slip', { say: say('damagedNoRequest', { request: requestId }) });
  if (r.state === 'done' || r.state === 'cancelled') throw new StationError('POLICY', `Damaged-card request ${r.requestId} is already ${r.state}`, undefined, { say: say('damagedRequestState', { request: r.requestId, state: r.state }) });
  const d = damagedDetails(r);
  // As fulfilQueued: the charge is taken once, when the new card is activated.
  const depositDueFen = d.newCardRef === undefined ? chargeFor(station, d.fault) : 0;
  const feeDueFen = d.newCardRef === undefined ? cardFeeFor(station, d.fault) : 0;
  return { requestId: r.requestId, cardNumber: d.asn, fault: d.fault, readyFrom: slipOf(station, r).readyFrom, depositDueFen, feeDueFen, feeScheduleVersion: station.policy.feeSchedule.version };
}

async function fulfilQueued(station: Station, actor: Actor, input: ExchangeInput): Promise<ExchangeResult> {
  const { db } = station;
  const request = await refusedAll(db, actor.staffId, 'exchange', async () => {
    const r = await getRequest(db, input.request!);
    if (!r || r.kind !== 'damaged') throw new StationError('POLICY', `No damaged-card request ${input.request}`, 'Check the number on the pickup slip', { say: say('damagedNoRequest', { request: input.request! }) });
    if (r.state === 'done' || r.state === 'cancelled') throw new StationError('POLICY', `Damaged-card request ${r.requestId} is already ${r.state}`, undefined, { say: say('damagedRequestState', { request: r.requestId, state: r.state }) });
    if (station.now() < new Date(r.readyAfter)) throw new StationError('POLICY', `Damaged-card request ${r.requestId} is ready from ${slipOf(station, r).readyFrom}`, 'Ask the customer to come back then', { say: say('damagedNotReady', { request: r.requestId, from: slipOf(station, r).readyFrom }) });
    return r;
  });
  const details = damagedDetails(request);
  let balanceFen = details.balanceFen ?? null;
  if (balanceFen === null) {
    balanceFen = await askHostBalance(station, details.asn);
    if (balanceFen === null) {
      return refusedAll(db, actor.staffId, 'exchange', () => {
        throw new StationError('UPSTREAM', `The clearing host has not confirmed the balance of card ${details.asn} yet (request ${request.requestId})`, 'Try again when the host is reachable; the request stays queued');
      });
    }
    await recordConfirmedBalance(station, actor.staffId, 'damaged_card_out', request.requestId, details.oldCardRef, balanceFen);
  }
  // The new deposit and the 工本费 are taken once, when the new card is activated.
  const due: CardFeeDue = details.newCardRef === undefined ? await exchangeDue(station, actor, details.fault, input) : { fee: null, pay: null };
  const shift = due.pay !== null ? await requireOpenShift(station, actor) : await currentShift(db, actor.staffId);
  const ctx: OpContext = { operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, workflow: 'exchange' };
  return station.cards.withCard(input.newReader ?? input.reader, async (channel) => {
    const { view, settled } = await readSettled(station, channel, { actor: actor.staffId, action: 'exchange', confirmed: input.confirmedCard });
    const done = await fulfil(station, ctx, channel, view, request.requestId, details, balanceFen!, due);
    return { ...done, settled };
  });
}

/**
 * Activates the new card and loads the balance (or resumes on the card activated earlier).
 * Over 80 lines because the three ways in (done, resumed, fresh) share the card and the
 * deposit/fee postings of one intent; splitting them would pass half the state around.
 */
// eslint-disable-next-line max-lines-per-function -- see above
async function fulfil(station: Station, ctx: OpContext, channel: CardChannel, view: CardView, requestId: string, details: DamagedDetails, balanceFen: number, due: CardFeeDue): Promise<Extract<ExchangeResult, { state: 'done' }>> {
  const { db } = station;
  const { pay } = due;
  const fault = details.fault;
  const actor = ctx.operatorId;
  const current = (await getRequest(db, requestId))!;
  const resumeOn = damagedDetails(current).newCardRef;
  const base = {
    state: 'done' as const, requestId, oldCardRef: details.oldCardRef, newCardRef: view.cardRef, asn: view.asn ?? '', balanceFen,
    pay: pay?.method ?? null, changeFen: pay?.changeFen ?? 0, blockEntryId: null, settled: [], receipt: null, fee: due.fee,
  };
  if (current.state === 'done') {
    if (view.cardRef !== resumeOn) throw new StationError('POLICY', `Damaged-card request ${requestId} is already done`, undefined, { say: say('damagedRequestState', { request: requestId, state: 'done' }) });
    const card = await getCard(db, view.cardRef);
    return { ...base, fee: null, depositFen: card?.deposit_fen ?? 0, newDepositChargedFen: 0, forfeitedDepositFen: 0, issueEntryId: null, loadEntryId: null, tac: null };
  }
  let issueEntry: StoredEntry | null = null;
  let depositFen: number;
  let charged = 0;
  let forfeited = 0;
  if (resumeOn !== undefined) {
    if (view.cardRef !== resumeOn) {
      await refusedAll(db, actor, 'exchange', () => {
        throw new StationError('POLICY', `Exchange ${requestId} was started on new card ${resumeOn.slice(4)}; this is ${view.cardRef}`, 'Place the new card that was activated for this request', { say: say('requestOtherNewCard', { request: requestId, card: resumeOn.slice(4) }) });
      });
    }
    depositFen = (await getCard(db, view.cardRef))?.deposit_fen ?? 0;
  } else {
    await refusedAll(db, actor, 'exchange', () => checkStockCard(station, view, 'Damaged-card exchange (new card)'));
    const postings: Posting[] = [];
    if (chargeFor(station, fault) > 0) {
      // Customer damage: the old deposit stays with the damaged card the station keeps; a new one is paid.
      charged = station.policy.depositFen;
      forfeited = details.depositFen;
      depositFen = charged;
      if (forfeited > 0) postings.push(debit('deposits_held', forfeited), credit('fee_income', forfeited));
      postings.push(credit('deposits_held', charged));
    } else {
      depositFen = details.depositFen;
      if (depositFen > 0) postings.push(debit('deposits_held', depositFen), credit('deposits_held', depositFen));
    }
    // What the customer pays (new deposit + 工本费 charged) in one payment line.
    if (pay !== null) postings.push(debit(pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing', pay.tenderedFen - pay.changeFen), ...feePostings(due.fee));
    const effects: CardEffect[] = [
      {
        type: 'card-upsert',
        card: {
          cardRef: view.cardRef, kind: 'cpu', cityCode: view.cityCode, status: 'active', depositFen, registered: details.registered,
          holderName: details.holderName, idNumberMasked: details.idNumberMasked, idNumberHash: details.idNumberHash, phoneMasked: details.phoneMasked,
        },
      },
      { type: 'card-status', cardRef: details.oldCardRef, status: 'damaged', depositFen: 0 },
      { type: 'request', requestId, details: { newCardRef: view.cardRef }, ...(balanceFen === 0 ? { state: 'done' as const } : {}) },
    ];
    ({ entry: issueEntry } = await enableCardOp(station, ctx, channel, view, {
      kind: 'damaged_exchange_issue', cardRef: view.cardRef, amountFen: depositFen,
      payload: {
        requestId, asn: view.asn, cityCode: view.cityCode, oldCardRef: details.oldCardRef, fault: details.fault, depositFen, newDepositChargedFen: charged,
        forfeitedDepositFen: forfeited, pay: pay?.method ?? null, tenderedFen: pay?.tenderedFen ?? 0, changeFen: pay?.changeFen ?? 0, reference: pay?.reference ?? null,
        ...feePayload(due.fee),
      },
      postings,
      effects,
    }));
  }
  let load = null;
  if (balanceFen > 0) {
    const fresh = await readCard(db, channel, station.config.cityCode, station.now());
    // The balance goes only onto the new card just issued, never onto a card put in its place.
    await requireConfirmedCard(station, ctx.operatorId, ctx.workflow, fresh, { asn: view.asn! });
    if (fresh.balanceFen !== null && fresh.balanceFen + balanceFen > station.policy.maxBalanceFen) {
      throw new StationError('POLICY', `the balance ¥${formatYuan(balanceFen)} does not fit on the new card`, 'Refer the customer to the main service center', { say: say('newCardAboveLimit', { balance: `¥${formatYuan(balanceFen)}` }) });
    }
    load = await loadCardOp(station, ctx, channel, { asn: view.asn!, cityCode: view.cityCode! }, balanceFen, {
      kind: 'damaged_exchange_load', cardRef: view.cardRef, amountFen: balanceFen,
      payload: { requestId, asn: view.asn, cityCode: view.cityCode, oldCardRef: details.oldCardRef, balanceSource: details.balanceSource, terminalId: station.config.terminalId },
      postings: [debit('customer_payable', balanceFen), credit('card_float', balanceFen)],
      effects: [{ type: 'request', requestId, state: 'done' }],
    });
  }
  return {
    ...base, depositFen, newDepositChargedFen: charged, forfeitedDepositFen: forfeited,
    issueEntryId: issueEntry?.entryId ?? null, loadEntryId: load?.entry.entryId ?? null, tac: load?.tac ?? null,
  };
}
