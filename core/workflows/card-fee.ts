/**
 * The replacement 工本费 (issue 17 item 1) as a lost-card replacement and a holder-damaged
 * exchange charge it: the schedule's `replacementFen` (policy.feeSchedule), or waived by a
 * supervisor other than the operator with a reason (core/fee-charge.ts, the same rules as the
 * refund fee), paid like a top-up (cash with tendered/change, or other with a reference).
 * Fixed before the new card's intent, so the intent's prepared event carries it and recovery
 * books exactly the fee the clerk confirmed.
 */
import type { FeeLine } from '../../common/fees.ts';
import type { Actor } from '../auth.ts';
import { chargedFen, chargeFee, type FeeWaiverInput } from '../fee-charge.ts';
import type { Station } from '../station.ts';
import { refusedAll } from './card-steps.ts';
import { payment, type Payment, type PaymentMethod } from './validate.ts';

/** How the customer pays what the new card costs, and a waiver of its 工本费. */
export interface CardFeeInput {
  pay?: PaymentMethod | string;
  tendered?: unknown;
  reference?: string;
  waiver?: FeeWaiverInput | null;
}

export interface CardFeeDue {
  /** The 工本费 line; null when the schedule asks none. */
  fee: FeeLine | null;
  /** The payment of `otherDueFen` + the fee charged; null when nothing is due. */
  pay: Payment | null;
}

/**
 * The 工本费 of a new card and the payment of everything the customer pays for it (`otherDueFen`:
 * a holder-damaged exchange's new deposit; `scheduledFen` 0 for a card fault, which pays none). Refusals (waiver, payment) are audited; nothing is
 * written.
 */
export async function replacementFeeDue(station: Station, actor: Actor, action: string, otherDueFen: number, input: CardFeeInput, scheduledFen = station.policy.feeSchedule.replacementFen): Promise<CardFeeDue> {
  const { db, policy } = station;
  const fee = await chargeFee(db, actor, 'replacement', scheduledFen, policy.feeSchedule.version, input.waiver);
  const due = otherDueFen + chargedFen(fee);
  const pay = due > 0 ? await refusedAll(db, actor.staffId, action, () => payment(input.pay, due, input.tendered, input.reference, policy.maxTenderedFen)) : null;
  return { fee, pay };
}

/** The fee and payment fields of an entry's payload (absent when no fee applies, so older payloads keep their shape). */
export function feePayload(fee: FeeLine | null): { fee?: FeeLine } {
  return fee !== null ? { fee } : {};
}
