/**
 * Card products and 年审 (issue 17 item 2; decisions in docs/COUNTER-RULES.md §2). A concession
 * card (学生卡, 老年卡, 爱心卡) carries its verified-until date in its concession file SFI 0x1C;
 * the 年审 at the counter writes the next one with secure messaging and reads it back
 * (core/card-tx.ts verifyCardOp), recorded as a `concession_verified` ledger event without
 * postings (nothing is paid). An overdue card is refused for top-up (topup.ts, inside the
 * serialised load) and rides as 普通卡 (core/concession.ts fareCardType).
 *
 * The renderer drives it as read → confirm → commit: `concessionCheck` reads the card and says
 * what the 年审 would write (no change), `verifyConcession` writes it for the card the clerk
 * confirmed (core/card-binding.ts).
 */
import { chinaDate } from '../../common/china-time.ts';
import { StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { getCard } from '../../db/registry.ts';
import { requireRole, type Actor } from '../auth.ts';
import type { CardBinding } from '../card-binding.ts';
import type { SettledOp } from '../card-settlers.ts';
import { verifyCardOp } from '../card-tx.ts';
import type { OpContext, PreparedEvent } from '../card-ops.ts';
import { CARD_TYPE_CODES, STANDARD_CARD, needsVerification, verificationState, verifiedUntilAfter, type CardTypeCode, type ConcessionSchedule, type VerificationState } from '../concession.ts';
import { loadConcessionSchedule } from '../policy.ts';
import type { Station } from '../station.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { readSettled, refusedAll } from './card-steps.ts';
import type { CardView } from './read-card.ts';
import { requireOpenShift } from './shift.ts';

export const isCardTypeCode = (v: unknown): v is CardTypeCode => typeof v === 'string' && (CARD_TYPE_CODES as readonly string[]).includes(v);

/** The type a card view carries (EF 0015 byte 28); a code this project does not use reads as 普通卡. */
export function cardTypeOf(view: Pick<CardView, 'kind' | 'cardType'>): CardTypeCode {
  return view.kind === 'cpu' && isCardTypeCode(view.cardType) ? view.cardType : STANDARD_CARD;
}

/** Where a card stands for 年审 on the station's China date. */
export function concessionStateOf(view: Pick<CardView, 'kind' | 'cardType' | 'verifiedUntil'>, today: string, schedule: ConcessionSchedule): VerificationState {
  return verificationState(cardTypeOf(view), view.verifiedUntil ?? null, today, schedule);
}

/**
 * What a clerk wrote as the eligibility checked: 1–120 characters, trimmed. Never a document's
 * number: a run of 6 or more digits is refused (a student or ID number typed by mistake).
 */
export function eligibilityEvidence(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length < 1 || text.length > 120 || /\d{6,}/.test(text)) {
    throw new StationError('BAD_INPUT', 'the eligibility evidence must say what was checked (1–120 characters, no document number)', 'e.g. "学生证 checked, 第一中学"', { say: say('concessionEvidence') });
  }
  return text;
}

/** The top-up's check (inside its serialised load): an overdue concession card is refused, a due one answers with a reminder. */
export async function concessionTopupCheck(station: Station, view: CardView): Promise<{ reminder: { verifiedUntil: string } | null }> {
  const type = cardTypeOf(view);
  if (type === STANDARD_CARD) return { reminder: null };
  const schedule = await loadConcessionSchedule(station.db);
  const state = verificationState(type, view.verifiedUntil ?? null, chinaDate(station.now()), schedule);
  const card = view.asn ?? view.cardRef;
  if (state.state === 'overdue') {
    const date = state.verifiedUntil === '0000-00-00' ? '—' : state.verifiedUntil;
    throw new StationError('POLICY', `card ${card} is a concession card whose 年审 ran out (verified until ${date}): top-up refused`, 'Do the 年审 at the counter first, then top up',
      { say: say('concessionOverdue', { card, date }) });
  }
  return { reminder: state.state === 'due' ? { verifiedUntil: state.verifiedUntil } : null };
}

export interface ConcessionCheck {
  cardRef: string;
  asn: string;
  cardType: CardTypeCode;
  /** As the card's concession file holds it now; null when never verified. */
  verifiedUntil: string | null;
  state: VerificationState['state'];
  /** The date a 年审 today would write. */
  newVerifiedUntil: string;
  scheduleVersion: string;
}

export interface ConcessionInput {
  reader?: string;
  confirmedCard?: CardBinding;
  /** What eligibility proof was checked (e.g. "学生证 checked, 第一中学"). */
  evidence?: unknown;
}

export interface ConcessionResult {
  entryId: string;
  cardRef: string;
  asn: string;
  cardType: CardTypeCode;
  previousUntil: string | null;
  /** Read back from the card after writing. */
  verifiedUntil: string;
  verifiedOn: string;
  scheduleVersion: string;
  settled: SettledOp[];
}

/** A card this counter may verify: own city City Union, sold registered, a concession type. */
async function checkConcessionCard(station: Station, view: CardView, schedule: ConcessionSchedule): Promise<CardTypeCode> {
  const card = view.asn ?? view.cardRef;
  if (view.kind !== 'cpu' || view.asn === null || view.cityCode === null) throw new StationError('POLICY', '年审 needs a City Union CPU card', 'M1 cards are upgraded to CPU cards first', { say: say('needsCpuCard') });
  if (view.otherCity) throw new StationError('POLICY', `card ${card} belongs to another member city (${view.city ?? view.cityCode})`, 'Verify it in its own city', { say: say('cardOtherCity', { card, city: view.city ?? view.cityCode }) });
  for (const flag of ['blacklisted', 'lost', 'blocked', 'refunded', 'not-enabled'] as const) {
    if (view.flags.includes(flag)) {
      const id = ({ blacklisted: 'cardBlacklisted', lost: 'cardLost', blocked: 'cardBlocked', refunded: 'cardRefunded', 'not-enabled': 'cardNotEnabled' } as const)[flag];
      throw new StationError('POLICY', `年审 refused: card ${card} is ${flag}`, undefined, { say: say(id, { card }) });
    }
  }
  if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', `card ${card} has an incomplete operation that could not be settled`, 'Keep the card on the reader and try again');
  const type = cardTypeOf(view);
  if (!needsVerification(type, schedule)) throw new StationError('POLICY', `card ${card} is a regular card (type ${view.cardType ?? '00'}): no 年审`, undefined, { say: say('concessionNotConcession', { card }) });
  const row = await getCard(station.db, view.cardRef);
  if (row === undefined || row.registered !== 1) throw new StationError('POLICY', `card ${card} is not a registered card of this station's registry: a concession card is registered`, 'Ask the supervisor', { say: say('concessionNotRegistered') });
  if (station.sam === null || !(await station.sam.canServe(view.cityCode))) throw new StationError('KEYS', `No keys to write cards of ${view.cityCode}`, 'Configure the key file or SAM (station doctor)');
  return type;
}

/** The read step: what the card holds and what a 年审 today would write. Changes nothing. */
export async function concessionCheck(station: Station, actor: Actor, input: { reader?: string }): Promise<ConcessionCheck> {
  await requireRole(station.db, actor, 'operator', 'concession-verify');
  const schedule = await loadConcessionSchedule(station.db);
  return station.cards.withCard(input.reader, async (channel) => {
    const { view } = await readSettled(station, channel);
    const type = await refusedAll(station.db, actor.staffId, 'concession-verify', () => checkConcessionCard(station, view, schedule));
    const today = chinaDate(station.now());
    return {
      cardRef: view.cardRef, asn: view.asn!, cardType: type, verifiedUntil: view.verifiedUntil ?? null,
      state: verificationState(type, view.verifiedUntil ?? null, today, schedule).state,
      newVerifiedUntil: verifiedUntilAfter(today, type, schedule), scheduleVersion: schedule.version,
    };
  });
}

/** The commit step: 年审 of the confirmed card. */
export async function verifyConcession(station: Station, actor: Actor, input: ConcessionInput): Promise<ConcessionResult> {
  await requireRole(station.db, actor, 'operator', 'concession-verify');
  const evidence = await refusedAll(station.db, actor.staffId, 'concession-verify', () => eligibilityEvidence(input.evidence));
  const shift = await requireOpenShift(station, actor);
  const schedule = await loadConcessionSchedule(station.db);
  return station.cards.withCard(input.reader, async (channel) => {
    const { view, settled } = await readSettled(station, channel, { actor: actor.staffId, action: 'concession-verify', confirmed: input.confirmedCard });
    const type = await refusedAll(station.db, actor.staffId, 'concession-verify', () => checkConcessionCard(station, view, schedule));
    const done = await writeVerification(station, { operatorId: actor.staffId, shiftId: shift.shift_id, workflow: 'concession-verify' }, channel, view, type, schedule, evidence, 'annual');
    return { ...done, settled };
  });
}

/**
 * Writes the verified-until date a 年审 (or a concession sale, `reason` 'sale') on today's China
 * date grants, and records it. Shared by the 年审 and the sale of a concession card.
 */
export async function writeVerification(station: Station, ctx: OpContext, channel: CardChannel, view: CardView, type: CardTypeCode, schedule: ConcessionSchedule, evidence: string, reason: 'sale' | 'annual'): Promise<Omit<ConcessionResult, 'settled'>> {
  const today = chinaDate(station.now());
  const asn = view.asn!;
  const cityCode = view.cityCode!;
  const verifiedUntil = verifiedUntilAfter(today, type, schedule);
  const previousUntil = reason === 'sale' ? null : view.verifiedUntil ?? null;
  const event: PreparedEvent = {
    kind: 'concession_verified', cardRef: view.cardRef, amountFen: 0,
    payload: { asn, cityCode, cardType: type, verifiedUntil, previousUntil, verifiedOn: today, reason, evidence, scheduleVersion: schedule.version },
    postings: [],
    effects: [{ type: 'card-verified', cardRef: view.cardRef, cardType: type, verifiedUntil }],
  };
  const step = { step: 'verify' as const, asn, cityCode, cardType: type, verifiedUntil, lastVerified: today, stationId: station.config.stationId };
  const { entry, readBack } = await verifyCardOp(station, ctx, channel, step, event).catch((err: unknown) => {
    if (err instanceof StationError && err.code === 'CARD_UNSUPPORTED') throw new StationError('CARD_UNSUPPORTED', err.message, err.hint, { say: say('concessionNoFile', { card: asn }) });
    throw err;
  });
  return { entryId: entry.entryId, cardRef: view.cardRef, asn, cardType: type, previousUntil, verifiedUntil: readBack.verifiedUntil!, verifiedOn: today, scheduleVersion: schedule.version };
}
