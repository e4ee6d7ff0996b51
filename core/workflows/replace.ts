/**
 * Replacement after loss (补卡), PRODUCT.md workflow 6: for a card reported lost at least
 * policy.replacementWaitDays ago, by its registered holder (ID number checked against the
 * registration). Every replacement is a `requests` row (kind 'replacement') with a
 * 'replacement_request' entry (no postings, goes upstream). The balance is the one the
 * clearing host confirms for the lost ASN (UpstreamPort.lostCardBalance):
 *  - host answers: a new stock card is activated ('enable' step) and loaded with that balance
 *    ('load' step) right away;
 *  - offline: the request waits and the customer gets a pickup slip; `replaceLostCard` with
 *    `request` (station replace --request ID) fulfils it once the host answers.
 * The confirmed balance and the new card's number are kept in the request, so an interrupted
 * fulfilment resumes on the same new card.
 *
 * Ledger (no cash moves):
 *  - 'replacement_out' when the host confirms the balance (card_ref = the lost card): debit
 *    card_float / credit customer_payable — the balance leaves the lost card (payload
 *    balanceAfterFen 0, so the host's balance for it is 0 from then on and it cannot be
 *    replaced twice) and is owed to the customer until the new card has it.
 *  - 'replacement_issue' on activation: the deposit moves from the lost card to the new one —
 *    debit deposits_held / credit deposits_held (same amount; the liability stays, the card it
 *    belongs to changes: registry old card 'replaced' deposit 0, new card active with it) — and
 *    the 工本费 (issue 17, policy.feeSchedule.replacementFen) is paid: debit cash_drawer |
 *    other_payment_clearing / credit fee_income; a supervisor may waive it with a reason
 *    (core/workflows/card-fee.ts). The fee is fixed before the intent, so recovery books it too;
 *    a queued request pays it when the new card is issued, not when it is queued.
 *  - 'replacement_load' when the new card has the balance: debit customer_payable / credit
 *    card_float. Over the whole replacement card_float and deposits_held are unchanged: the
 *    stored-value liability follows the money from the lost card to the new one.
 */
import { chinaDate, clerkTime } from '../../common/china-time.ts';
import { StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { newId } from '../../common/ids.ts';
import { formatYuan } from '../../common/money.ts';
import { credit, debit, type Posting, type StoredEntry } from '../../db/ledger.ts';
import { parseStored, ReplacementDetailsSchema, type ReplacementDetails } from '../../common/card-intents.ts';
import { createRequest, getRequest, openReplacementsOfHolder, openRequestsForCard, type RequestRow } from '../../db/requests.ts';
import { currentShift } from '../../db/shifts.ts';
import type { FeeLine } from '../../common/fees.ts';
import { feePostings } from '../fee-charge.ts';
import { feePayload, replacementFeeDue, type CardFeeInput } from './card-fee.ts';
import { requireOpenShift } from './shift.ts';
import type { PaymentMethod } from './validate.ts';
import { requireRole, type Actor } from '../auth.ts';
import type { CardEffect } from '../card-effects.ts';
import type { OpContext } from '../card-ops.ts';
import type { SettledOp } from '../card-settlers.ts';
import { enableCardOp, loadCardOp } from '../card-tx.ts';
import { recordInTx } from '../record.ts';
import { hashIdNumber, parseIdNumber } from '../registration.ts';
import type { Station } from '../station.ts';
import { askHostBalance, checkStockCard, recordConfirmedBalance, pickupSlip, readSettled, refusedAll, type PickupSlip } from './card-steps.ts';
import { findRegisteredCard, lostReportedAt, parseAsn } from './lost.ts';
import { readCard } from './read-card.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';

export interface ReplaceInput extends CardFeeInput {
  /** The registered holder's ID number (always: it proves who collects). */
  idNumber: unknown;
  /** The lost card's number (ASN); needed when the ID number has several lost cards. */
  card?: string;
  /** Fulfil this queued request instead of starting one. */
  request?: string;
  /** Reader holding the new stock card. */
  reader?: string;
  /** The stock card the clerk confirmed (core/card-binding.ts); null: none was on the counter. */
  confirmedCard?: CardBinding;
}

export type ReplaceResult =
  | { state: 'queued'; requestId: string; oldCardRef: string; entryId: string | null; slip: PickupSlip }
  | {
    state: 'done'; requestId: string; oldCardRef: string; newCardRef: string; asn: string; balanceFen: number; depositFen: number;
    issueEntryId: string | null; loadEntryId: string | null; tac: string | null; settled: SettledOp[]; receipt: string | null;
    /** The 工本费 charged or waived (issue 17); null when none was charged by this call (schedule 0, or the card was issued earlier). */
    fee: FeeLine | null; pay: PaymentMethod | null; changeFen: number;
  };

/** A replacement request's details, parsed (common/card-intents.ts). */
function replacementDetails(r: RequestRow): ReplacementDetails {
  return parseStored(ReplacementDetailsSchema, r.details, `request ${r.requestId}'s details`);
}

async function openRequest(station: Station, actor: Actor, input: ReplaceInput): Promise<{ request: RequestRow; created: boolean; entryId: string | null }> {
  const { db, policy } = station;
  // A replacement already under way for this holder (queued, or interrupted after activation) resumes.
  const hash = await hashIdNumber(db, parseIdNumber(input.idNumber));
  const asn = input.card !== undefined && input.card !== '' ? parseAsn(input.card) : null;
  const open = await openReplacementsOfHolder(db, hash, asn === null ? null : `cpu:${asn}`);
  if (open.length === 1) {
    const r = open[0]!;
    return { request: r, created: false, entryId: r.entryId };
  }
  const row = await findRegisteredCard(station, input.idNumber, input.card, 'Replacement', ['lost']);
  const lostAt = await lostReportedAt(station, row.card_ref);
  const readyAfter = new Date((lostAt ?? new Date(row.updated_at)).getTime() + policy.replacementWaitDays * 86_400_000);
  const now = station.now();
  if (now < readyAfter) {
    throw new StationError('POLICY', `Replacement refused: card ${row.card_ref.slice(4)} was reported lost on ${chinaDate(lostAt ?? row.updated_at)}; a replacement can be issued after ${policy.replacementWaitDays} days, from ${clerkTime(readyAfter, now)}`,
      'Ask the customer to come back then (the card stays blacklisted meanwhile)',
      { say: say('replaceTooEarly', { card: row.card_ref.slice(4), lostOn: chinaDate(lostAt ?? row.updated_at), days: policy.replacementWaitDays, from: clerkTime(readyAfter, now) }) });
  }
  const existing = (await openRequestsForCard(db, row.card_ref)).find((r) => r.kind === 'replacement');
  if (existing) return { request: existing, created: false, entryId: existing.entryId };
  const details: ReplacementDetails = {
    asn: row.card_ref.slice(4), oldCardRef: row.card_ref, cityCode: row.city_code, depositFen: row.deposit_fen, holderName: row.holder_name,
    idNumberMasked: row.id_number_masked, idNumberHash: row.id_number_hash!, phoneMasked: row.phone_masked,
  };
  const requestId = newId(now.getTime());
  const shift = await currentShift(db, actor.staffId);
  const entry = await db.transaction(async (tx) => {
    const e = await recordInTx(station, tx, {
      kind: 'replacement_request', operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, cardRef: row.card_ref, amountFen: 0, at: now,
      payload: { requestId, asn: details.asn, depositFen: details.depositFen, idNumberMasked: details.idNumberMasked }, postings: [],
    });
    await createRequest(tx, { requestId, kind: 'replacement', cardRef: row.card_ref, state: 'waiting', readyAfter: readyAfter.toISOString(), details: { ...details }, entryId: e.entryId, createdAt: now.toISOString() });
    return e;
  });
  return { request: (await getRequest(db, requestId))!, created: true, entryId: entry.entryId };
}

export async function replaceLostCard(station: Station, actor: Actor, input: ReplaceInput): Promise<ReplaceResult> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'replace');
  let request: RequestRow;
  let entryId: string | null;
  let fromSlip = false;
  if (input.request !== undefined) {
    fromSlip = true;
    request = await refusedAll(db, actor.staffId, 'replace', async () => {
      const r = await getRequest(db, input.request!);
      if (!r || r.kind !== 'replacement') throw new StationError('POLICY', `No replacement request ${input.request}`, 'Check the number on the pickup slip', { say: say('replaceNoRequest', { request: input.request! }) });
      if (r.state === 'done' || r.state === 'cancelled') throw new StationError('POLICY', `Replacement request ${r.requestId} is already ${r.state}`, undefined, { say: say('replaceRequestState', { request: r.requestId, state: r.state }) });
      const hash = await hashIdNumber(db, parseIdNumber(input.idNumber));
      if (hash !== replacementDetails(r).idNumberHash) throw new StationError('POLICY', 'The ID number does not match the registration of the lost card', 'Only the registered holder may collect the replacement', { say: say('replaceIdMismatch') });
      return r;
    });
    entryId = request.entryId;
  } else {
    // A new request is a ledger entry: a swapped card is refused before it is written.
    if (input.confirmedCard) {
      const confirmed = input.confirmedCard;
      const view = await station.cards.withCard(input.reader ?? confirmed.reader, (channel) => readCard(db, channel, station.config.cityCode, station.now(), { log: false }));
      await requireConfirmedCard(station, actor.staffId, 'replace', view, confirmed);
    }
    ({ request, entryId } = await refusedAll(db, actor.staffId, 'replace', () => openRequest(station, actor, input)));
  }
  const details = replacementDetails(request);
  let balanceFen = details.balanceFen ?? null;
  if (balanceFen === null) {
    balanceFen = await askHostBalance(station, details.asn);
    if (balanceFen === null) {
      const slip = pickupSlip(station, { requestId: request.requestId, kind: 'replacement', asn: details.asn, holderName: details.holderName, idNumberMasked: details.idNumberMasked, createdAt: new Date(request.createdAt), readyAfter: new Date(request.readyAfter) });
      if (fromSlip) {
        await refusedAll(db, actor.staffId, 'replace', () => {
          throw new StationError('UPSTREAM', `The clearing host has not confirmed the balance of lost card ${details.asn} yet (request ${request.requestId})`, 'Try again when the host is reachable; the request stays queued',
            { say: say('replaceHostNotConfirmed', { card: details.asn, request: request.requestId }) });
        });
      }
      return { state: 'queued', requestId: request.requestId, oldCardRef: details.oldCardRef, entryId, slip };
    }
    await recordConfirmedBalance(station, actor.staffId, 'replacement_out', request.requestId, details.oldCardRef, balanceFen);
  }
  return fulfil(station, actor, request.requestId, details, balanceFen, input);
}

async function fulfil(station: Station, actor: Actor, requestId: string, details: ReplacementDetails, balanceFen: number, input: ReplaceInput): Promise<ReplaceResult> {
  const { db } = station;
  const confirmed = input.confirmedCard;
  // The 工本费 is due once, with the new card's activation: not when an activated card is resumed.
  const pending = (await getRequest(db, requestId))!;
  const issuing = pending.state !== 'done' && replacementDetails(pending).newCardRef === undefined;
  const { fee, pay } = issuing ? await replacementFeeDue(station, actor, 'replace', 0, input) : { fee: null, pay: null };
  const shift = pay !== null ? await requireOpenShift(station, actor) : await currentShift(db, actor.staffId);
  const ctx: OpContext = { operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, workflow: 'replace' };
  const paid: { fee: FeeLine | null; pay: PaymentMethod | null; changeFen: number } = { fee: null, pay: null, changeFen: 0 };
  return station.cards.withCard(input.reader, async (channel) => {
    const { view, settled } = await readSettled(station, channel, { actor: actor.staffId, action: 'replace', confirmed });
    // A fulfilment interrupted after activation continues on the same new card.
    const current = (await getRequest(db, requestId))!;
    if (current.state === 'done') {
      if (view.cardRef !== replacementDetails(current).newCardRef) {
        throw new StationError('POLICY', `Replacement request ${requestId} is already done`, 'Nothing to do; the customer has the new card', { say: say('replaceRequestState', { request: requestId, state: 'done' }) });
      }
      // Settled from the card just now: the replacement had completed before the card left.
      const done = settled.find((s) => s.outcome === 'recorded');
      return {
        state: 'done', requestId, oldCardRef: details.oldCardRef, newCardRef: view.cardRef, asn: view.asn ?? '', balanceFen, depositFen: details.depositFen,
        issueEntryId: null, loadEntryId: done?.entryId ?? null, tac: null, settled, receipt: null, ...paid,
      };
    }
    const resumeOn = replacementDetails(current).newCardRef;
    let issueEntry: StoredEntry | null = null;
    if (resumeOn !== undefined) {
      if (view.cardRef !== resumeOn) {
        await refusedAll(db, actor.staffId, 'replace', () => {
          throw new StationError('POLICY', `Replacement ${requestId} was started on card ${resumeOn.slice(4)}; this is ${view.cardRef}`, 'Place the new card that was activated for this request', { say: say('requestOtherNewCard', { request: requestId, card: resumeOn.slice(4) }) });
        });
      }
    } else {
      await refusedAll(db, actor.staffId, 'replace', () => checkStockCard(station, view, 'Replacement'));
      const effects: CardEffect[] = [
        {
          type: 'card-upsert',
          card: {
            cardRef: view.cardRef, kind: 'cpu', cityCode: view.cityCode, status: 'active', depositFen: details.depositFen, registered: true,
            holderName: details.holderName, idNumberMasked: details.idNumberMasked, idNumberHash: details.idNumberHash, phoneMasked: details.phoneMasked,
          },
        },
        { type: 'card-status', cardRef: details.oldCardRef, status: 'replaced', depositFen: 0 },
        { type: 'request', requestId, details: { newCardRef: view.cardRef }, ...(balanceFen === 0 ? { state: 'done' as const } : {}) },
      ];
      const postings: Posting[] = details.depositFen > 0 ? [debit('deposits_held', details.depositFen), credit('deposits_held', details.depositFen)] : [];
      if (pay !== null) postings.push(debit(pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing', pay.tenderedFen - pay.changeFen), ...feePostings(fee));
      ({ entry: issueEntry } = await enableCardOp(station, ctx, channel, view, {
        kind: 'replacement_issue', cardRef: view.cardRef, amountFen: details.depositFen,
        payload: {
          requestId, asn: view.asn, cityCode: view.cityCode, oldCardRef: details.oldCardRef, depositFen: details.depositFen, balanceFen, ...feePayload(fee),
          ...(fee !== null ? { pay: pay?.method ?? null, tenderedFen: pay?.tenderedFen ?? 0, changeFen: pay?.changeFen ?? 0, reference: pay?.reference ?? null } : {}),
        },
        postings,
        effects,
      }));
      Object.assign(paid, { fee, pay: pay?.method ?? null, changeFen: pay?.changeFen ?? 0 });
    }
    let load = null;
    if (balanceFen > 0) {
      const fresh = await readCard(db, channel, station.config.cityCode, station.now());
      // The balance goes only onto the new card just issued, never onto a card put in its place.
      await requireConfirmedCard(station, ctx.operatorId, ctx.workflow, fresh, { asn: view.asn! });
      if (fresh.balanceFen !== null && fresh.balanceFen + balanceFen > station.policy.maxBalanceFen) {
        throw new StationError('POLICY', `the confirmed balance ¥${formatYuan(balanceFen)} does not fit on the new card`, 'Refer the customer to the main service center', { say: say('newCardAboveLimit', { balance: `¥${formatYuan(balanceFen)}` }) });
      }
      load = await loadCardOp(station, ctx, channel, { asn: view.asn!, cityCode: view.cityCode! }, balanceFen, {
        kind: 'replacement_load', cardRef: view.cardRef, amountFen: balanceFen,
        payload: { requestId, asn: view.asn, cityCode: view.cityCode, oldCardRef: details.oldCardRef, terminalId: station.config.terminalId },
        postings: [debit('customer_payable', balanceFen), credit('card_float', balanceFen)],
        effects: [{ type: 'request', requestId, state: 'done' }],
      });
    }
    return {
      state: 'done', requestId, oldCardRef: details.oldCardRef, newCardRef: view.cardRef, asn: view.asn!, balanceFen, depositFen: details.depositFen,
      issueEntryId: issueEntry?.entryId ?? null, loadEntryId: load?.entry.entryId ?? null, tac: load?.tac ?? null, settled, receipt: null, ...paid,
    };
  });
}
