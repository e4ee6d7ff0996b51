/**
 * Top-up (充值/圈存), PRODUCT.md workflow 3 and CARD-PROTOCOL.md §8.2: amount ≥ the minimum,
 * resulting balance ≤ the limit; cash (tendered, change) or other (reference); INITIALIZE FOR
 * LOAD → MAC1 verified → MAC2 from the security module → CREDIT FOR LOAD → TAC verified and
 * stored. The intent is durable before CREDIT FOR LOAD; recovery settles a torn load.
 */
import { BadInputError, StationError } from '../../common/errors.ts';
import { formatYuan } from '../../common/money.ts';
import { say } from '../../common/say.ts';
import { credit, debit, type StoredEntry } from '../../db/ledger.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { requireRole, type Actor } from '../auth.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';
import { settleCardOps, type SettledOp } from '../card-settlers.ts';
import { loadCardOpCommitting } from '../card-tx.ts';
import type { Policy } from '../policy.ts';
import type { Station } from '../station.ts';
import { concessionTopupCheck } from './concession.ts';
import { readCard, type CardView } from './read-card.ts';
import { requireOpenShift } from './shift.ts';
import { amountFen, assertServiceable, payment, refused, type Payment, type PaymentMethod } from './validate.ts';

export interface TopupInput {
  amount: unknown;
  pay?: PaymentMethod | string;
  tendered?: unknown;
  reference?: string;
  reader?: string;
  /** The card the clerk confirmed (core/card-binding.ts); another card on the reader is refused. */
  confirmedCard?: CardBinding;
}

export interface TopupResult {
  entryId: string;
  cardRef: string;
  asn: string;
  amountFen: number;
  balanceBeforeFen: number;
  balanceAfterFen: number;
  tac: string;
  tacVerified: boolean;
  pay: PaymentMethod;
  tenderedFen: number;
  changeFen: number;
  /** Earlier incomplete transactions of this card, settled before this load. */
  settled: SettledOp[];
  /** Receipt PDF path (receipts arrive with issue 4). */
  receipt: string | null;
  /** A concession card in its 年审 month (issue 17): loaded, and the clerk reminds the customer. */
  concessionDue?: { verifiedUntil: string };
}

/** The amount rules of a load, before any card is touched. */
export function checkTopupAmount(policy: Policy, value: unknown, what = 'top-up amount'): number {
  const a = amountFen(value, what);
  // Both bounds come from policy; a figure outside them is a typing slip (BAD_INPUT naming the limit), not a card's state.
  if (a < policy.minTopupFen) throw new BadInputError(`${what} must be at least ¥${formatYuan(policy.minTopupFen)} (got ¥${formatYuan(a)})`, `Load at least ¥${formatYuan(policy.minTopupFen)}`, say('topupBelowMin', { min: `¥${formatYuan(policy.minTopupFen)}` }));
  if (a > policy.maxBalanceFen) {
    throw new BadInputError(`${what} of ¥${formatYuan(a)} exceeds the balance limit of ¥${formatYuan(policy.maxBalanceFen)}`, `Check the amount typed: it is in fen, and a card holds at most ¥${formatYuan(policy.maxBalanceFen)}`, say('topupAboveMax', { max: `¥${formatYuan(policy.maxBalanceFen)}` }));
  }
  return a;
}

export async function topup(station: Station, actor: Actor, input: TopupInput): Promise<TopupResult> {
  await requireRole(station.db, actor, 'operator', 'topup');
  const { policy, db } = station;
  const amount = await refused(db, actor.staffId, 'topup', () => checkTopupAmount(policy, input.amount));
  const pay = await refused(db, actor.staffId, 'topup', () => payment(input.pay, amount, input.tendered, input.reference, station.policy.maxTenderedFen));
  // The shift lookup (a database round trip) runs while the card is taken (PC/SC connect) and
  // read; nothing that changes the card or the ledger happens before it has answered.
  const shiftLookup = requireOpenShift(station, actor);
  shiftLookup.catch(() => undefined); // awaited below

  let loaded: { load: LoadCommitting; settled: SettledOp[] };
  try {
    loaded = await station.cards.withCard(input.reader, async (channel) => {
      // The log is the card panel's business: a top-up needs identity, status and balance only.
      let view = await readCard(db, channel, station.config.cityCode, station.now(), { log: false });
      await requireConfirmedCard(station, actor.staffId, 'topup', view, input.confirmedCard);
      const shift = await shiftLookup;
      const settled = view.incomplete.length > 0 ? await settleCardOps(station, channel, view.cardRef) : [];
      if (settled.length > 0) view = await readCard(db, channel, station.config.cityCode, station.now(), { log: false });
      return { load: await startLoadOnChannel(station, actor, shift.shift_id, channel, view, amount, pay), settled };
    });
  } catch (err) {
    await shiftLookup; // no open shift is reported first, as when it was checked before the card
    throw err;
  }
  // The entry's durable write was issued right after CREDIT FOR LOAD and overlapped releasing
  // the card; the top-up has succeeded only once it is durable.
  const { entry, ...r } = loaded.load;
  return { entryId: (await entry).entryId, ...r, settled: loaded.settled, receipt: null };
}

/** A load whose card part is done and whose ledger entry is being written (`entry`). */
type LoadCommitting = Omit<TopupResult, 'settled' | 'receipt' | 'entryId'> & { entry: Promise<StoredEntry> };

/**
 * The load itself on a card already read (and settled) on `channel`: the card checks, the
 * intent, INITIALIZE → MAC2 → CREDIT, the entry. Shared by top-up and a sale's first load.
 */
export async function loadOnChannel(station: Station, actor: Actor, shiftId: string, channel: CardChannel, view: CardView, amount: number, pay: Payment, action = 'topup'): Promise<Omit<TopupResult, 'settled' | 'receipt'>> {
  const { entry, ...r } = await startLoadOnChannel(station, actor, shiftId, channel, view, amount, pay, action);
  return { entryId: (await entry).entryId, ...r };
}

/** loadOnChannel up to CREDIT FOR LOAD, with the entry's durable write issued but not awaited. */
async function startLoadOnChannel(station: Station, actor: Actor, shiftId: string, channel: CardChannel, view: CardView, amount: number, pay: Payment, action = 'topup'): Promise<LoadCommitting> {
  const { policy, db } = station;
  const concession = await refused(db, actor.staffId, action, async () => {
    // Other member cities' cards load with their issuer's keys: held locally, or through the
    // clearing host's authorisation (core/host-sam.ts) — checked below.
    assertServiceable(view, 'Top-up', { allowOtherCity: true });
    if (view.kind !== 'cpu' || view.asn === null || view.cityCode === null) throw new StationError('POLICY', 'Top-up needs a City Union CPU card', 'M1 cards are upgraded to CPU cards, not loaded', { say: say('needsCpuCard') });
    if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', 'This card has an incomplete transaction that could not be settled', 'Keep the card on the reader and try again, or see station doctor');
    if (view.balanceFen === null) throw new StationError('POLICY', 'The card does not show its balance', undefined, { say: say('cardNoBalance') });
    if (view.balanceFen + amount > policy.maxBalanceFen) {
      throw new StationError('POLICY', `balance would be ¥${formatYuan(view.balanceFen + amount)}, above the limit of ¥${formatYuan(policy.maxBalanceFen)}`, `At most ¥${formatYuan(policy.maxBalanceFen - view.balanceFen)} can be loaded`,
        { say: say('balanceAboveLimit', { balance: `¥${formatYuan(view.balanceFen + amount)}`, max: `¥${formatYuan(policy.maxBalanceFen)}`, room: `¥${formatYuan(Math.max(0, policy.maxBalanceFen - view.balanceFen))}` }) });
    }
    if (station.sam === null || !(await station.sam.canServe(view.cityCode))) {
      const why = station.upstream === undefined ? 'and this station has no clearing host configured' : 'and the clearing host cannot be reached now';
      throw new StationError('UPSTREAM', `Cards of ${view.city ?? view.cityCode} (city ${view.cityCode}) can only be loaded with the clearing host's authorisation, ${why}`, 'Nothing was loaded or charged. Local cards can still be loaded; try this card again when the host is reachable');
    }
    // 年审 (issue 17): checked here, on the card as read inside this serialised load, never on an earlier read.
    return concessionTopupCheck(station, view);
  });
  const asn = view.asn!;
  const cityCode = view.cityCode!;
  const payAccount = pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing';
  const { entry, tac, tacVerified, balanceBeforeFen, balanceAfterFen } = await loadCardOpCommitting(station, { operatorId: actor.staffId, shiftId, workflow: 'topup' }, channel, { asn, cityCode }, amount, {
    kind: 'topup', cardRef: view.cardRef, amountFen: amount,
    payload: { asn, cityCode, pay: pay.method, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen, reference: pay.reference, terminalId: station.config.terminalId },
    postings: [debit(payAccount, amount), credit('card_float', amount)],
  });
  return {
    entry, cardRef: view.cardRef, asn, amountFen: amount, balanceBeforeFen, balanceAfterFen,
    tac, tacVerified, pay: pay.method, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen,
    ...(concession.reminder === null ? {} : { concessionDue: concession.reminder }),
  };
}
