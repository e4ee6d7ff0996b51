/**
 * Sell / issue a CPU card (售卡), PRODUCT.md workflow 2: a pre-personalised stock card of this
 * city, not yet activated; the deposit collected (cash with tendered/change, or other with its
 * reference); optional registration (stored masked plus a salted ID hash, core/registration.ts);
 * activation through the 'enable' card step (EF 0015 enable flag and issue date, line-protected
 * UPDATE BINARY); optional first load as a second card operation (the top-up's own load).
 *
 * Ledger: 'card_sale' on activation — debit cash_drawer (or other_payment_clearing) / credit
 * deposits_held for the deposit; the registry row (active, deposit, registration) is written in
 * the same transaction, by the workflow or by recovery. The first load is a normal 'topup'
 * entry (debit cash/other, credit card_float).
 */
import { StationError } from '../../common/errors.ts';
import { credit, debit } from '../../db/ledger.ts';
import { requireRole, type Actor } from '../auth.ts';
import type { SettledOp } from '../card-settlers.ts';
import { enableCardOp } from '../card-tx.ts';
import { maskRegistration, type MaskedRegistration, type RegistrationInput } from '../registration.ts';
import type { Station } from '../station.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';
import { checkStockCard, readSettled, refusedAll } from './card-steps.ts';
import { readCard } from './read-card.ts';
import { requireOpenShift } from './shift.ts';
import { checkTopupAmount, loadOnChannel, type TopupResult } from './topup.ts';
import { payment, type PaymentMethod } from './validate.ts';
import { eligibilityEvidence, isCardTypeCode, writeVerification } from './concession.ts';
import { STANDARD_CARD, type CardTypeCode } from '../concession.ts';
import { loadConcessionSchedule } from '../policy.ts';
import { say } from '../../common/say.ts';

/**
 * The product sold (issue 17): its type, and for a concession card the registration it needs and
 * what eligibility proof was checked (docs/COUNTER-RULES.md §2).
 */
function cardProduct(input: IssueInput, registered: boolean): { cardType: CardTypeCode; eligibility: string | null } {
  const t = input.cardType ?? STANDARD_CARD;
  if (!isCardTypeCode(t)) throw new StationError('BAD_INPUT', `card type must be 00, 01, 02 or 03, got "${String(t).slice(0, 8)}"`, undefined, { say: say('badField', { field: 'cardType' }) });
  if (t === STANDARD_CARD) return { cardType: t, eligibility: null };
  if (!registered) throw new StationError('POLICY', 'a concession card is sold registered only', 'Fill in the holder\'s name and ID number', { say: say('concessionNotRegistered') });
  return { cardType: t, eligibility: eligibilityEvidence(input.eligibility) };
}

export interface IssueInput {
  pay?: PaymentMethod | string;
  /** Cash handed over for the whole sale (deposit + first load). */
  tendered?: unknown;
  reference?: string;
  reader?: string;
  /** The stock card the clerk confirmed (core/card-binding.ts). */
  confirmedCard?: CardBinding;
  /** Registration (记名): name and ID number required, phone optional. */
  registration?: RegistrationInput | null;
  /** First load in fen (same rules as a top-up). */
  firstLoad?: unknown;
  /** The card type sold (issue 17): 00 普通卡 (default), 01 学生卡, 02 老年卡, 03 爱心卡. */
  cardType?: unknown;
  /** A concession card's eligibility: what was checked (never a document's copy or number). */
  eligibility?: unknown;
}

export interface IssueResult {
  entryId: string;
  cardRef: string;
  asn: string;
  cityCode: string;
  depositFen: number;
  issueDate: string;
  registered: boolean;
  holderName: string | null;
  idNumberMasked: string | null;
  phoneMasked: string | null;
  pay: PaymentMethod;
  /** Due for the whole sale: deposit + first load. */
  totalFen: number;
  tenderedFen: number;
  changeFen: number;
  firstLoad: Omit<TopupResult, 'settled' | 'receipt'> | null;
  cardType: CardTypeCode;
  /** A concession card's first verified-until date, read back from its concession file; null for a 普通卡. */
  verifiedUntil: string | null;
  settled: SettledOp[];
  receipt: string | null;
}

export async function issueCard(station: Station, actor: Actor, input: IssueInput): Promise<IssueResult> {
  await requireRole(station.db, actor, 'operator', 'issue');
  const { db, policy } = station;
  const reg: MaskedRegistration | null = input.registration
    ? await refusedAll(db, actor.staffId, 'issue', () => maskRegistration(db, input.registration!))
    : null;
  const product = await refusedAll(db, actor.staffId, 'issue', () => cardProduct(input, reg !== null));
  const hasLoad = input.firstLoad !== undefined && input.firstLoad !== null && input.firstLoad !== '' && input.firstLoad !== 0 && input.firstLoad !== '0';
  const loadFen = hasLoad ? await refusedAll(db, actor.staffId, 'issue', () => checkTopupAmount(policy, input.firstLoad, 'first load')) : 0;
  const depositFen = policy.depositFen;
  const totalFen = depositFen + loadFen;
  const pay = totalFen > 0
    ? await refusedAll(db, actor.staffId, 'issue', () => payment(input.pay, totalFen, input.tendered, input.reference, station.policy.maxTenderedFen))
    : { method: 'cash' as const, tenderedFen: 0, changeFen: 0, reference: null };
  const shift = await requireOpenShift(station, actor);

  return station.cards.withCard(input.reader, async (channel) => {
    const { view, settled } = await readSettled(station, channel, { actor: actor.staffId, action: 'issue', confirmed: input.confirmedCard });
    await refusedAll(db, actor.staffId, 'issue', () => checkStockCard(station, view, 'Card sale'));
    const asn = view.asn!;
    const cityCode = view.cityCode!;
    const payAccount = pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing';
    const ctx = { operatorId: actor.staffId, shiftId: shift.shift_id, workflow: 'issue' };
    const { entry, issueDate } = await enableCardOp(station, ctx, channel, view, {
      kind: 'card_sale', cardRef: view.cardRef, amountFen: depositFen,
      payload: {
        asn, cityCode, depositFen, registered: reg !== null, pay: pay.method, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen,
        reference: pay.reference, firstLoadFen: loadFen, cardType: product.cardType,
        ...(product.eligibility === null ? {} : { eligibility: product.eligibility }),
      },
      postings: depositFen > 0 ? [debit(payAccount, depositFen), credit('deposits_held', depositFen)] : [],
      effects: [{
        type: 'card-upsert',
        card: {
          cardRef: view.cardRef, kind: 'cpu', cityCode, status: 'active', depositFen, registered: reg !== null,
          holderName: reg?.holderName ?? null, idNumberMasked: reg?.idNumberMasked ?? null, idNumberHash: reg?.idNumberHash ?? null, phoneMasked: reg?.phoneMasked ?? null,
          cardType: product.cardType,
        },
      }],
    }, product.cardType);
    let verifiedUntil: string | null = null;
    if (product.cardType !== STANDARD_CARD) {
      // A concession card leaves the counter verified: its first date, written and read back.
      try {
        const sold = await readCard(db, channel, station.config.cityCode, station.now(), { log: false });
        await requireConfirmedCard(station, actor.staffId, 'issue', sold, { reader: view.reader, asn });
        const schedule = await loadConcessionSchedule(db);
        verifiedUntil = (await writeVerification(station, ctx, channel, sold, product.cardType, schedule, product.eligibility!, 'sale')).verifiedUntil;
      } catch (err) {
        const e = err instanceof StationError ? err : new StationError('INTERNAL', (err as Error).message);
        throw new StationError(e.code, `The card ${asn} was sold (entry ${entry.entryId}, deposit collected) but its 年审 date was not written: ${e.message}`,
          e.hint ?? 'Do the 年审 of this card now (F7), before any top-up', { cause: err });
      }
    }
    let firstLoad: IssueResult['firstLoad'] = null;
    if (loadFen > 0) {
      try {
        const enabled = await readCard(db, channel, station.config.cityCode, station.now());
        // The first load is a card change of its own: only onto the card just sold (a card put in
        // its place after the enable is refused, not loaded).
        await requireConfirmedCard(station, actor.staffId, 'issue', enabled, { reader: view.reader, asn });
        firstLoad = await loadOnChannel(station, actor, shift.shift_id, channel, enabled, loadFen, { method: pay.method, tenderedFen: loadFen, changeFen: 0, reference: pay.reference }, 'issue');
      } catch (err) {
        const e = err instanceof StationError ? err : new StationError('INTERNAL', (err as Error).message);
        throw new StationError(e.code, `The card ${asn} was sold (entry ${entry.entryId}, deposit collected) but the first load failed: ${e.message}`,
          e.hint ?? 'Give back the first-load money, or load the card again with station topup', { cause: err });
      }
    }
    return {
      entryId: entry.entryId, cardRef: view.cardRef, asn, cityCode, depositFen, issueDate, registered: reg !== null,
      holderName: reg?.holderName ?? null, idNumberMasked: reg?.idNumberMasked ?? null, phoneMasked: reg?.phoneMasked ?? null,
      pay: pay.method, totalFen, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen, firstLoad, cardType: product.cardType, verifiedUntil, settled, receipt: null,
    };
  });
}
