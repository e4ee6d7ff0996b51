/** Input checks shared by the workflows: amounts, payment, card state. All refusals are audited. */
import { BadInputError, CardUnsupportedError, StationError } from '../../common/errors.ts';
import { say, type Say } from '../../common/say.ts';
import { formatYuan, parseFen } from '../../common/money.ts';
import { writeAudit } from '../../db/audit.ts';
import type { Queryable } from '../../db/sqlite.ts';
import type { CardView } from './read-card.ts';

export type PaymentMethod = 'cash' | 'other';

/** Amounts arrive as text (CLI, UI fields) or numbers; anything but whole positive fen is refused. */
export function amountFen(value: unknown, what: string): number {
  const fen = typeof value === 'number' ? (Number.isSafeInteger(value) ? value : null) : typeof value === 'string' ? parseFen(value) : null;
  if (fen === null) throw new BadInputError(`${what} must be a whole number of fen (分), got "${String(value).slice(0, 40)}"`, 'Amounts are in fen: 50 yuan is 5000', say('amountInvalid'));
  if (fen <= 0) throw new BadInputError(`${what} must be more than 0 fen, got ${fen}`, 'Amounts are in fen: 50 yuan is 5000', say('amountNotPositive'));
  return fen;
}

export interface Payment {
  method: PaymentMethod;
  /** Cash handed over (≥ the amount); equals the amount for other payments. */
  tenderedFen: number;
  changeFen: number;
  reference: string | null;
}

/** `maxTenderedFen` is policy.maxTenderedFen: more cash than that for one transaction is a typing slip. */
export function payment(method: unknown, totalFen: number, tendered: unknown, reference: unknown, maxTenderedFen: number): Payment {
  const m = method ?? 'cash';
  if (m !== 'cash' && m !== 'other') throw new BadInputError(`payment must be cash or other, got "${String(m)}"`, undefined, say('paymentMethod'));
  if (m === 'other') {
    if (typeof reference !== 'string' || reference.trim() === '' || reference.length > 64) {
      throw new BadInputError('a non-cash payment needs its reference (1–64 characters)', 'Pass --reference with the payment terminal\'s slip number', say('referenceNeeded'));
    }
    return { method: 'other', tenderedFen: totalFen, changeFen: 0, reference: reference.trim() };
  }
  const tenderedFen = tendered === undefined || tendered === null ? totalFen : amountFen(tendered, 'cash tendered');
  if (tenderedFen > Math.max(maxTenderedFen, totalFen)) {
    throw new BadInputError(`cash tendered (${tenderedFen} fen) is above the limit of ${maxTenderedFen} fen (¥${formatYuan(maxTenderedFen)}) for one transaction`, 'Check the amount typed: it is in fen (50 yuan is 5000)', say('tenderedTooMuch', { limit: `¥${formatYuan(maxTenderedFen)}` }));
  }
  if (tenderedFen < totalFen) throw new BadInputError(`cash tendered (${tenderedFen} fen) is less than the amount due (${totalFen} fen)`, undefined, say('tenderedTooLittle', { tendered: `¥${formatYuan(tenderedFen)}`, due: `¥${formatYuan(totalFen)}` }));
  return { method: 'cash', tenderedFen, changeFen: tenderedFen - totalFen, reference: null };
}

/** The number a clerk knows a card by (issue 16 item 8): the ASN, an M1 card's printed number, else its UID. */
export function printedNumber(view: Pick<CardView, 'asn' | 'cardNo' | 'uid' | 'cardRef'>): string {
  return view.asn ?? (view.cardNo ? view.cardNo : null) ?? view.uid ?? view.cardRef;
}

/** Refuses cards a money workflow must not touch, with the reason the operator can act on. */
export function assertServiceable(view: CardView, what: string, opts: { allowNotEnabled?: boolean; allowOtherCity?: boolean } = {}): void {
  if (view.kind === 'tunion') throw new CardUnsupportedError(`${what}: T-Union (交通联合) cards are not served at City Union counters`, 'Send the customer to a T-Union service point');
  const refuse = (why: string, hint: string | undefined, said: Say): never => { throw new StationError('POLICY', `${what} refused: ${why}`, hint, { say: said }); };
  const card = printedNumber(view);
  if (view.flags.includes('blacklisted')) refuse('the card is blacklisted', 'Check the card with a supervisor (lost or migrated card)', say('cardBlacklisted', { card }));
  if (view.flags.includes('lost')) refuse('the card is reported lost', 'A found card can be returned by a supervisor', say('cardLost', { card }));
  if (view.flags.includes('blocked')) refuse('the card application is blocked', undefined, say('cardBlocked', { card }));
  if (view.flags.includes('refunded')) refuse('the card was refunded', undefined, say('cardRefunded', { card }));
  if (view.flags.includes('expired')) refuse(`the card expired on ${view.expiryDate}`, 'Offer a damaged/expired card exchange', say('cardExpired', { card, date: view.expiryDate ?? '' }));
  if (!opts.allowNotEnabled && view.flags.includes('not-enabled')) refuse('the card is not activated yet', 'Sell (activate) it first', say('cardNotEnabled', { card }));
  if (!opts.allowOtherCity && view.otherCity) refuse(`the card was issued by another member city (${view.city ?? view.cityCode})`, undefined, say('cardOtherCity', { card, city: view.city ?? view.cityCode ?? '' }));
}

export async function refused<T>(db: Queryable, actor: string | null, action: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StationError && ['BAD_INPUT', 'POLICY', 'CARD_UNSUPPORTED'].includes(err.code)) {
      await writeAudit(db, actor, action, 'refused', { code: err.code, message: err.message });
    }
    throw err;
  }
}
