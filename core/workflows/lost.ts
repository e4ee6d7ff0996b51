/**
 * Lost report (挂失), PRODUCT.md workflow 5: registered cards only. The card is found by the
 * holder's ID number (salted-hash lookup) or by its card number (ASN); the ID number given
 * must match the registration. The ASN is blacklisted locally (source 'local'), the registry
 * shows 'lost', and a 'lost_report' entry joins the ledger — like every entry it goes upstream
 * through the outbox, which is how the host learns of the loss.
 *
 * Ledger: 'lost_report' with no postings; with policy.lostReportFeeFen > 0 the fee is
 * debit cash_drawer (or other_payment_clearing) / credit fee_income (needs an open shift).
 */
import { addChinaDays, chinaDate } from '../../common/china-time.ts';
import { BadInputError, StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { isHex } from '../../common/hex.ts';
import { credit, debit, latestEntryOf, type Posting } from '../../db/ledger.ts';
import { findCardsByIdHash, getCard, type CardRow } from '../../db/registry.ts';
import { currentShift } from '../../db/shifts.ts';
import { requireRole, type Actor } from '../auth.ts';
import { applyCardEffects } from '../card-effects.ts';
import { cardRef } from '../card-kind.ts';
import { recordInTx } from '../record.ts';
import { hashIdNumber, parseIdNumber } from '../registration.ts';
import type { Station } from '../station.ts';
import { refusedAll } from './card-steps.ts';
import { requireOpenShift } from './shift.ts';
import { payment, type PaymentMethod } from './validate.ts';

export interface LostInput {
  /** The holder's ID number: always needed (it proves who reports). */
  idNumber: unknown;
  /** The card number (ASN, 16 hex digits); needed when the ID number has several cards. */
  card?: string;
  pay?: PaymentMethod | string;
  tendered?: unknown;
  reference?: string;
}

export interface LostResult {
  entryId: string;
  cardRef: string;
  asn: string;
  holderName: string | null;
  idNumberMasked: string | null;
  lostAt: string;
  /** China local date from which a replacement can be issued (policy.replacementWaitDays). */
  replacementFrom: string;
  feeFen: number;
  pay: PaymentMethod | null;
  changeFen: number;
  receipt: string | null;
}

export function parseAsn(value: unknown): string {
  const asn = typeof value === 'string' ? value.replace(/\s/g, '').toUpperCase() : '';
  if (!isHex(asn, 8)) throw new BadInputError(`card number must be the 16 hex digits of the card (ASN), got "${String(value)}"`, 'Read it from the card\'s receipt or the registration record', say('asnInvalid'));
  return asn;
}

/** Finds the registered card and checks the ID number against its registration. */
export async function findRegisteredCard(station: Station, idNumber: unknown, card: string | undefined, what: string, statuses: string[]): Promise<CardRow> {
  const id = parseIdNumber(idNumber);
  const hash = await hashIdNumber(station.db, id);
  if (card !== undefined && card !== '') {
    const asn = parseAsn(card);
    const row = await getCard(station.db, cardRef('cpu', asn));
    if (!row || row.registered !== 1 || row.id_number_hash === null) {
      throw new StationError('POLICY', `${what} refused: card ${asn} is not a registered card here; unregistered (anonymous) cards cannot be reported lost or replaced`, 'Only registered cards are protected; the balance of an anonymous card cannot be recovered', { say: say('lostNotRegistered', { card: asn }) });
    }
    if (row.id_number_hash !== hash) throw new StationError('POLICY', `${what} refused: the ID number does not match the registration of card ${asn}`, 'Check the ID card of the person reporting; only the registered holder may do this', { say: say('lostIdMismatch', { card: asn }) });
    if (!statuses.includes(row.status)) {
      throw new StationError('POLICY', `${what} refused: card ${asn} is ${row.status}`, row.status === 'lost' ? 'It is already reported lost; a replacement can be issued after the waiting period' : undefined,
        { say: row.status === 'lost' ? say('lostAlreadyLost', { card: asn }) : say('lostWrongStatus', { card: asn, status: row.status }) });
    }
    return row;
  }
  const rows = (await findCardsByIdHash(station.db, hash)).filter((r) => r.registered === 1);
  if (rows.length === 0) throw new StationError('POLICY', `${what} refused: no registered card for this ID number`, 'Unregistered (anonymous) cards cannot be reported lost; check the ID number', { say: say('lostNoCardForId') });
  const candidates = rows.filter((r) => statuses.includes(r.status));
  if (candidates.length === 0) {
    throw new StationError('POLICY', `${what} refused: the cards registered to this ID number are ${rows.map((r) => `${r.card_ref.slice(4)} (${r.status})`).join(', ')}`, undefined,
      { say: say('lostNoCandidate', { cards: rows.map((r) => r.card_ref.slice(4)).join('、') }) });
  }
  if (candidates.length > 1) {
    throw new StationError('POLICY', `${what}: ${candidates.length} cards are registered to this ID number (${candidates.map((r) => r.card_ref.slice(4)).join(', ')})`, 'Pass the card number with --card',
      { say: say('lostSeveralCards', { n: candidates.length, cards: candidates.map((r) => r.card_ref.slice(4)).join('、') }) });
  }
  return candidates[0]!;
}

export async function reportLost(station: Station, actor: Actor, input: LostInput): Promise<LostResult> {
  const { db, policy } = station;
  await requireRole(db, actor, 'operator', 'lost');
  const row = await refusedAll(db, actor.staffId, 'lost', () => findRegisteredCard(station, input.idNumber, input.card, 'Lost report', ['active']));
  const feeFen = policy.lostReportFeeFen;
  const pay = feeFen > 0 ? await refusedAll(db, actor.staffId, 'lost', () => payment(input.pay, feeFen, input.tendered, input.reference, station.policy.maxTenderedFen)) : null;
  const shift = feeFen > 0 ? await requireOpenShift(station, actor) : await currentShift(db, actor.staffId);
  const asn = row.card_ref.slice(4);
  const at = station.now();
  const postings: Posting[] = pay === null ? [] : [debit(pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing', feeFen), credit('fee_income', feeFen)];
  // Of parallel reports of one card, the ledger takes the first (migration 5: no lost_report for
  // a card the registry already shows lost); the others are refused inside their write.
  const entry = await refusedAll(db, actor.staffId, 'lost', () => db.transaction(async (tx) => {
    const e = await recordInTx(station, tx, {
      kind: 'lost_report', operatorId: actor.staffId, shiftId: shift?.shift_id ?? null, cardRef: row.card_ref, amountFen: feeFen, at,
      payload: { asn, cityCode: row.city_code, idNumberMasked: row.id_number_masked, depositFen: row.deposit_fen, feeFen, pay: pay?.method ?? null, tenderedFen: pay?.tenderedFen ?? 0, changeFen: pay?.changeFen ?? 0, reference: pay?.reference ?? null, blacklist: true },
      postings,
    });
    await applyCardEffects(tx, [{ type: 'blacklist', cardRef: row.card_ref, reason: 'lost' }, { type: 'card-status', cardRef: row.card_ref, status: 'lost' }], at, e.entryId);
    return e;
  }));
  return {
    entryId: entry.entryId, cardRef: row.card_ref, asn, holderName: row.holder_name, idNumberMasked: row.id_number_masked, lostAt: at.toISOString(),
    replacementFrom: addChinaDays(chinaDate(at), policy.replacementWaitDays), feeFen, pay: pay?.method ?? null, changeFen: pay?.changeFen ?? 0, receipt: null,
  };
}

/** When the card was reported lost (the latest lost_report entry), or null. */
export async function lostReportedAt(station: Station, ref: string): Promise<Date | null> {
  const report = await latestEntryOf(station.db, 'lost_report', ref);
  return report ? new Date(report.at) : null;
}
