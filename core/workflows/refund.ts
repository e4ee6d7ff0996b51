/**
 * Refund (退卡), PRODUCT.md workflow 8: a good card only (serviceable, no incomplete
 * transaction left after settlement); the balance is paid out in cash up to
 * policy.refundCashLimitFen — above it the customer is referred to the main service center,
 * unless a supervisor other than the operator approves (four eyes, PRODUCT.md "Roles") — plus the deposit on record (or
 * policy.depositFen for an own-city card this station has no record of, when
 * policy.refundDepositWithoutRecord). The application is blocked ('block' card step) and the
 * card kept.
 *
 * Refund fee (issue 17, docs/COUNTER-RULES.md): the schedule in force (policy.feeSchedule) takes
 * its percentage of the refunded balance, never of the deposit; a supervisor other than the
 * operator may waive it with a reason (core/fee-charge.ts). The fee is fixed before the intent,
 * so recovery books the same figures.
 *
 * Ledger: 'refund' when the card is blocked — debit card_float (balance), debit deposits_held
 * (deposit) / credit cash_drawer (paid out: total − fee), credit fee_income (fee charged);
 * registry status 'refunded', deposit 0, in the same transaction (also when recovery records it).
 */
import { StationError } from '../../common/errors.ts';
import type { FeeLine } from '../../common/fees.ts';
import { refundFeeFen } from '../../common/fees.ts';
import { formatYuan } from '../../common/money.ts';
import { say } from '../../common/say.ts';
import { credit, debit, type Posting } from '../../db/ledger.ts';
import { getCard } from '../../db/registry.ts';
import { requireRole, requireSignOff, type Actor } from '../auth.ts';
import { beginCardOp, commitCardOp } from '../card-ops.ts';
import { chargedFen, chargeFee, feePostings, type FeeWaiverInput } from '../fee-charge.ts';
import type { SettledOp } from '../card-settlers.ts';
import { runBlockStep } from '../card-tx.ts';
import type { CardBinding } from '../card-binding.ts';
import type { Policy } from '../policy.ts';
import type { Station } from '../station.ts';
import { readSettled, refusedAll } from './card-steps.ts';
import { requireOpenShift } from './shift.ts';
import { assertServiceable } from './validate.ts';

export interface RefundInput {
  reader?: string;
  /** The card the clerk confirmed (core/card-binding.ts). */
  confirmedCard?: CardBinding;
  /** A supervisor who approves a refund above the counter limit (authenticated by the caller). */
  supervisor?: Actor | null;
  /** The refund fee waived by a supervisor (authenticated by the caller) with a reason. */
  waiver?: FeeWaiverInput | null;
}

export interface RefundResult {
  entryId: string;
  cardRef: string;
  asn: string;
  balanceFen: number;
  depositFen: number;
  /** Cash paid out: balance + deposit − the fee charged. */
  totalFen: number;
  /** The refund fee charged or waived; null when the schedule asks none (balance under the threshold). */
  fee: FeeLine | null;
  /** Deposit from the registry, or from policy for a card the station has no record of. */
  depositSource: 'registry' | 'policy' | 'none';
  approvedBy: string | null;
  settled: SettledOp[];
  receipt: string | null;
}

/**
 * The deposit a refund pays back: the registry's, or — for a card this station has no record
 * of — the policy's deposit when the policy says so (else none). The card panel shows the same
 * figure (core/card-watch.ts), so what 退卡 pays is what the clerk saw.
 */
export function refundDeposit(registry: { deposit_fen: number } | undefined, policy: Pick<Policy, 'depositFen' | 'refundDepositWithoutRecord'>): { depositFen: number; depositSource: RefundResult['depositSource'] } {
  if (registry !== undefined) return { depositFen: registry.deposit_fen, depositSource: 'registry' };
  return policy.refundDepositWithoutRecord && policy.depositFen > 0 ? { depositFen: policy.depositFen, depositSource: 'policy' } : { depositFen: 0, depositSource: 'none' };
}

export async function refundCard(station: Station, actor: Actor, input: RefundInput = {}): Promise<RefundResult> {
  const { db, policy } = station;
  await requireRole(db, actor, 'operator', 'refund');
  const supervisor = input.supervisor ?? null;
  if (supervisor !== null) await requireRole(db, supervisor, 'supervisor', 'refund-approval');
  const shift = await requireOpenShift(station, actor);

  return station.cards.withCard(input.reader, async (channel) => {
    const { view, settled } = await readSettled(station, channel, { actor: actor.staffId, action: 'refund', confirmed: input.confirmedCard });
    const registry = await getCard(db, view.cardRef);
    const checked = await refusedAll(db, actor.staffId, 'refund', () => {
      assertServiceable(view, 'Refund');
      if (view.kind !== 'cpu' || view.asn === null || view.cityCode === null) throw new StationError('POLICY', 'Refund needs a City Union CPU card', 'M1 cards are upgraded, not refunded', { say: say('needsCpuCard') });
      if (view.incomplete.length > 0) {
        throw new StationError('INCOMPLETE', 'Refund refused: this card has an incomplete transaction that could not be settled', 'Keep the card on the reader and try again; if it stays, see station doctor');
      }
      if (view.balanceFen === null) throw new StationError('POLICY', 'Refund refused: the card does not show its balance', 'Offer a damaged-card exchange', { say: say('refundNoBalance') });
      if (registry !== undefined && registry.status !== 'active') throw new StationError('POLICY', `Refund refused: the registry shows this card as ${registry.status}`, 'Check the card with a supervisor', { say: say('cardRegistryStatus', { card: view.asn, status: registry.status }) });
      const balanceFen = view.balanceFen;
      if (balanceFen > policy.refundCashLimitFen && supervisor === null) {
        throw new StationError('POLICY', `Refund refused: the balance ¥${formatYuan(balanceFen)} is above the counter's cash refund limit of ¥${formatYuan(policy.refundCashLimitFen)}; refer the customer to the main service center`,
          'A supervisor other than the operator may approve it here (--supervisor ID with STATION_SUPERVISOR_PIN)',
          { say: say('refundAboveLimit', { balance: `¥${formatYuan(balanceFen)}`, limit: `¥${formatYuan(policy.refundCashLimitFen)}` }) });
      }
      return { balanceFen, ...refundDeposit(registry, policy) };
    });
    const { balanceFen, depositFen, depositSource } = checked;
    const asn = view.asn!;
    const cityCode = view.cityCode!;
    // Four eyes: the approver is a supervisor who is not the operator, even when the operator is one.
    const approvedBy = balanceFen > policy.refundCashLimitFen ? (await requireSignOff(db, actor, supervisor, 'refund-approval')).staffId : null;
    const schedule = policy.feeSchedule;
    const fee = await chargeFee(db, actor, 'refund', refundFeeFen(balanceFen, schedule), schedule.version, input.waiver);
    const totalFen = balanceFen + depositFen - chargedFen(fee);
    const postings: Posting[] = [];
    if (balanceFen > 0) postings.push(debit('card_float', balanceFen));
    if (depositFen > 0) postings.push(debit('deposits_held', depositFen));
    if (totalFen > 0) postings.push(credit('cash_drawer', totalFen));
    postings.push(...feePostings(fee));
    const step = { step: 'block' as const, asn, cityCode };
    const opId = await beginCardOp(station, { operatorId: actor.staffId, shiftId: shift.shift_id, workflow: 'refund' }, step, {
      kind: 'refund', cardRef: view.cardRef, amountFen: totalFen,
      payload: { asn, cityCode, balanceFen, depositFen, depositSource, approvedBy, ...(fee !== null ? { fee } : {}) },
      postings,
      effects: [{ type: 'card-status', cardRef: view.cardRef, status: 'refunded', depositFen: 0 }],
    });
    await runBlockStep(station, channel, opId, step);
    const entry = await commitCardOp(station, opId);
    return { entryId: entry.entryId, cardRef: view.cardRef, asn, balanceFen, depositFen, totalFen, fee, depositSource, approvedBy, settled, receipt: null };
  });
}
