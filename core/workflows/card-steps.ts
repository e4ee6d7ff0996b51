/**
 * Pieces the card-changing workflows share (sale, replacement, damaged exchange, refund):
 * reading a card with its open operations settled first, the checks a stock card must pass,
 * pickup slips and the host's balance of a card out of circulation. The card steps themselves
 * (load, activation, block, M1 zeroing) are core/card-tx.ts.
 */
import type { Json } from '../../common/canonical-json.ts';
import { chinaDate } from '../../common/china-time.ts';
import { CardUnsupportedError, StationError } from '../../common/errors.ts';
import { say, type Say } from '../../common/say.ts';
import { writeAudit } from '../../db/audit.ts';
import { credit, debit, type StoredEntry } from '../../db/ledger.ts';
import { updateRequest } from '../../db/requests.ts';
import { currentShift } from '../../db/shifts.ts';
import { getCard } from '../../db/registry.ts';
import type { Queryable } from '../../db/sqlite.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';
import { settleCardOps, type SettledOp } from '../card-settlers.ts';
import { recordInTx } from '../record.ts';
import { requireInStock } from '../stock.ts';
import type { Station } from '../station.ts';
import { readCard, type CardView } from './read-card.ts';
import { refused } from './validate.ts';

/** Whose request a card is read for, and the card the clerk confirmed for it (core/card-binding.ts). */
export interface BoundRead {
  actor: string;
  action: string;
  confirmed: CardBinding;
}

/**
 * The card on `channel`, after settling any open operation of it (read again when one was).
 * With `bound`, a card other than the confirmed one is refused first, before anything is settled.
 */
export async function readSettled(station: Station, channel: CardChannel, bound?: BoundRead): Promise<{ view: CardView; settled: SettledOp[] }> {
  let view = await readCard(station.db, channel, station.config.cityCode, station.now());
  if (bound !== undefined) await requireConfirmedCard(station, bound.actor, bound.action, view, bound.confirmed);
  const settled = view.incomplete.length > 0 ? await settleCardOps(station, channel, view.cardRef) : [];
  if (settled.length > 0) view = await readCard(station.db, channel, station.config.cityCode, station.now());
  return { view, settled };
}

/** Like `refused` (validate.ts), and also audits refusals for an incomplete transaction or an unreachable host. */
export async function refusedAll<T>(db: Queryable, actor: string | null, action: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await refused(db, actor, action, fn);
  } catch (err) {
    if (err instanceof StationError && ['INCOMPLETE', 'UPSTREAM', 'CARD_MISMATCH'].includes(err.code)) {
      await writeAudit(db, actor, action, 'refused', { code: err.code, message: err.message });
    }
    throw err;
  }
}

/** A fresh card from stock: ours, City Union CPU, not activated, not known as sold, not stopped. */
export async function checkStockCard(station: Station, view: CardView, what: string): Promise<void> {
  if (view.kind === 'tunion') throw new CardUnsupportedError(`${what}: a T-Union (交通联合) card cannot be sold here`, 'Use a City Union stock card');
  if (view.kind !== 'cpu' || view.asn === null || view.cityCode === null) throw new StationError('POLICY', `${what} needs a City Union CPU stock card; this is a ${view.kind} card`, 'Place a new card from stock', { say: say('stockNotCpu') });
  const refuse = (why: string, hint: string, said: Say): never => { throw new StationError('POLICY', `${what} refused: ${why}`, hint, { say: said }); };
  const card = view.asn;
  if (view.otherCity) refuse(`the card belongs to another member city (${view.city ?? view.cityCode}), not to this station's city ${station.config.cityCode}`, 'Use a stock card of this city', say('stockOtherCity', { card, city: view.city ?? view.cityCode }));
  if (!view.flags.includes('not-enabled')) refuse(`card ${view.asn} is already activated (sold)`, 'Use a new card from stock; to load this card use top-up', say('stockAlreadySold', { card }));
  if (view.flags.includes('blacklisted')) refuse(`card ${view.asn} is blacklisted`, 'Put the card aside and take another from stock', say('stockBlacklisted', { card }));
  if (view.flags.includes('blocked')) refuse(`card ${view.asn} is blocked`, 'Put the card aside and take another from stock', say('stockBlocked', { card }));
  if (view.flags.includes('expired')) refuse(`card ${view.asn} expired on ${view.expiryDate}`, 'Put the card aside and take another from stock', say('stockExpired', { card, date: view.expiryDate ?? '' }));
  if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', `card ${view.asn} has an incomplete operation that could not be settled`, 'Keep the card on the reader and try again');
  const known = await getCard(station.db, view.cardRef);
  if (known) refuse(`card ${view.asn} is already in the registry (${known.status})`, 'Use a new card from stock', say('stockInRegistry', { card }));
  // Said before payment and confirmation; the check that guards the sale runs again inside the
  // intent's write (core/card-ops.ts beginCardOp).
  await requireInStock(station.db, view.asn, what);
  if (station.sam === null || !(await station.sam.canServe(view.cityCode))) {
    throw new StationError('KEYS', `No keys to activate cards of ${view.cityCode}`, 'Configure the key file or SAM (station doctor)');
  }
}

/** What the customer takes home when the new card is not handed over today. */
export interface PickupSlip {
  requestId: string;
  kind: 'replacement' | 'damaged';
  /** The old card's number (ASN). */
  cardNumber: string;
  holderName: string | null;
  idNumberMasked: string | null;
  stationId: string;
  createdAt: string;
  /** China local date from which the new card can be collected (replacement: also needs the host's answer). */
  readyFrom: string;
  instructions: string;
}

export function pickupSlip(station: Station, r: { requestId: string; kind: 'replacement' | 'damaged'; asn: string; holderName: string | null; idNumberMasked: string | null; createdAt: Date; readyAfter: Date }): PickupSlip {
  const readyFrom = chinaDate(r.readyAfter);
  return {
    requestId: r.requestId, kind: r.kind, cardNumber: r.asn, holderName: r.holderName, idNumberMasked: r.idNumberMasked,
    stationId: station.config.stationId, createdAt: r.createdAt.toISOString(), readyFrom,
    instructions: r.kind === 'replacement'
      ? `凭本单及身份证于 ${readyFrom} 起到本网点领取新卡；余额以清分中心确认为准 / Bring this slip and your ID card from ${readyFrom}; the balance is the one the clearing center confirms`
      : `凭本单于 ${readyFrom} 起到本网点领取新卡 / Bring this slip from ${readyFrom} to collect the new card`,
  };
}

/** The balance the clearing host confirms for a card out of circulation, or null when it cannot be asked now or has no answer yet. */
export async function askHostBalance(station: Station, asn: string): Promise<number | null> {
  if (station.upstream === undefined) return null;
  let answer: { balanceFen: number } | null;
  try {
    answer = await station.upstream.lostCardBalance(asn);
  } catch (err) {
    // A StationError explains itself (bad configuration, protocol); anything else is the network.
    if (err instanceof StationError) throw err;
    return null;
  }
  if (answer === null) return null;
  if (!Number.isSafeInteger(answer.balanceFen) || answer.balanceFen < 0) throw new StationError('UPSTREAM', `the clearing host answered an invalid balance for ${asn}: ${String(answer.balanceFen)}`);
  return answer.balanceFen;
}

/** Plain JSON of a value for ledger payloads. */
export const json = (v: unknown): Json => JSON.parse(JSON.stringify(v)) as Json;

/**
 * The host has confirmed the balance of a card out of circulation (lost, or unreadable): it is
 * taken off that card and owed to the customer until the new card has it — Dr card_float /
 * Cr customer_payable on the old card's reference (payload.balanceAfterFen 0, so the host's
 * balance of the old card is 0 from here on and it cannot be replaced twice), and the request
 * keeps the amount; one transaction.
 */
export async function recordConfirmedBalance(station: Station, actor: string, kind: string, requestId: string, oldCardRef: string, balanceFen: number): Promise<StoredEntry> {
  const at = station.now();
  const shift = await currentShift(station.db, actor);
  return station.db.transaction(async (tx) => {
    const e = await recordInTx(station, tx, {
      kind, operatorId: actor, shiftId: shift?.shift_id ?? null, cardRef: oldCardRef, amountFen: balanceFen, at,
      payload: { requestId, asn: oldCardRef.slice(4), confirmedBalanceFen: balanceFen, balanceAfterFen: 0, source: 'upstream' },
      postings: balanceFen > 0 ? [debit('card_float', balanceFen), credit('customer_payable', balanceFen)] : [],
    });
    await updateRequest(tx, requestId, { state: 'ready', details: { balanceFen } }, at);
    return e;
  });
}
