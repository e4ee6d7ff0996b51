/**
 * The counter's fee schedule (issue 17 item 1; defaults and sources in docs/COUNTER-RULES.md,
 * after ../shared/docs/PRODUCT.md "Fees, concession cards and stock"). A schedule is a versioned
 * parameter set the clearing host distributes (policy key `feeSchedule`, core/policy.ts); a
 * station with no host uses DEFAULT_FEE_SCHEDULE. In common/ because the core charges it, the
 * ledger events record it and the screens show the same figure before the clerk confirms.
 * Every figure is integer fen; percentages are basis points (1 bp = 0.01 %), so a fee is computed
 * with integer arithmetic only and rounds the same way on the station, the host and the auditor.
 */
import { z } from 'zod';

/** Far above any counter fee: a schedule asking more is a typing mistake upstream, refused. */
export const MAX_FEE_FEN = 100_000;
const BP_PER_WHOLE = 10_000;

const fen = z.number().int().min(0).max(MAX_FEE_FEN);

export const FeeScheduleSchema = z.object({
  /** Version of the parameter set; printed on every receipt that charges or waives a fee. */
  version: z.string().min(1).max(40),
  refund: z.object({
    /** 500 bp = 5 % of the refunded balance (never of the deposit). */
    rateBp: z.number().int().min(0).max(BP_PER_WHOLE),
    /** No fee below this balance (上海: ¥10). */
    thresholdFen: fen,
    minFen: fen,
    /** null: no cap. */
    capFen: fen.nullable(),
  }).strict(),
  /** 工本费 of a replacement card (lost, or damaged by the holder). */
  replacementFen: fen,
  /** A card damaged by its holder forfeits its deposit; a card fault moves it to the new card. */
  customerDamageForfeitsDeposit: z.boolean(),
  lostReportFen: fen,
}).strict();
export type FeeSchedule = z.infer<typeof FeeScheduleSchema>;

export const DEFAULT_FEE_SCHEDULE: Readonly<FeeSchedule> = Object.freeze({
  version: 'local-default-2026-12',
  refund: Object.freeze({ rateBp: 500, thresholdFen: 1000, minFen: 0, capFen: null }),
  replacementFen: 1000,
  customerDamageForfeitsDeposit: true,
  lostReportFen: 0,
});

/**
 * The refund fee on a refunded balance: rateBp of it, half up to the fen, at least minFen and at
 * most capFen, never more than the balance itself; 0 below the threshold.
 * ¥35.00 at 5 % → 175 fen (¥1.75); ¥10.01 → 50.05 → 50 fen; ¥10.10 → 50.5 → 51 fen.
 */
export function refundFeeFen(balanceFen: number, schedule: Pick<FeeSchedule, 'refund'>): number {
  if (!Number.isSafeInteger(balanceFen) || balanceFen < 0) throw new RangeError(`refunded balance must be whole fen ≥ 0, got ${balanceFen}`);
  const r = schedule.refund;
  if (balanceFen < r.thresholdFen || balanceFen === 0) return 0;
  // Half up with integers: (balance × bp + half a whole) ÷ whole, floored. balance ≤ 2^32 fen and
  // bp ≤ 10,000 keep the product far below 2^53.
  let fee = Math.floor((balanceFen * r.rateBp + BP_PER_WHOLE / 2) / BP_PER_WHOLE);
  fee = Math.max(fee, r.minFen);
  if (r.capFen !== null) fee = Math.min(fee, r.capFen);
  return Math.min(fee, balanceFen);
}

export const FEE_KINDS = ['refund', 'replacement', 'lost-report'] as const;
export type FeeKind = (typeof FEE_KINDS)[number];

/** Longest waiver reason kept (it is printed on the receipt and goes upstream). */
export const MAX_WAIVER_REASON_CHARS = 120;

/**
 * A fee as charged, or waived by a supervisor with a reason: its own posting line (fee_income)
 * and receipt line. Recorded in the ledger event's payload (`fee`, common/ledger-events.ts).
 */
export const FeeLineSchema = z.object({
  kind: z.enum(FEE_KINDS),
  /** What the schedule asks. */
  scheduledFen: fen,
  /** What is charged: 0 when waived. */
  chargedFen: fen,
  scheduleVersion: z.string().min(1).max(40),
  waiver: z.object({ supervisorId: z.string().min(1), reason: z.string().min(1).refine((r) => [...r].length <= MAX_WAIVER_REASON_CHARS, 'at most 120 characters') }).nullable(),
});
export type FeeLine = z.infer<typeof FeeLineSchema>;

/**
 * The fee line of a transaction. A waiver needs a supervisor who is not the operator and a
 * reason a person wrote (not blank); the caller has already checked the supervisor's PIN and role.
 */
export function feeLine(kind: FeeKind, scheduledFen: number, scheduleVersion: string, operatorId: string, waiver: { supervisorId: string; reason: string } | null): FeeLine {
  if (!Number.isSafeInteger(scheduledFen) || scheduledFen < 0 || scheduledFen > MAX_FEE_FEN) throw new RangeError(`a fee is whole fen 0..${MAX_FEE_FEN}, got ${scheduledFen}`);
  if (waiver === null) return { kind, scheduledFen, chargedFen: scheduledFen, scheduleVersion, waiver: null };
  const reason = waiver.reason.trim();
  if (waiver.supervisorId === operatorId) throw new FeeWaiverRefused('same-person');
  if (reason.length === 0) throw new FeeWaiverRefused('no-reason');
  if ([...reason].length > MAX_WAIVER_REASON_CHARS) throw new FeeWaiverRefused('reason-too-long');
  return { kind, scheduledFen, chargedFen: 0, scheduleVersion, waiver: { supervisorId: waiver.supervisorId, reason } };
}

/** Why a waiver was refused; the workflow maps it to the clerk's words (say ids). */
export class FeeWaiverRefused extends Error {
  constructor(readonly why: 'same-person' | 'no-reason' | 'reason-too-long') {
    super(`fee waiver refused: ${why}`);
    this.name = 'FeeWaiverRefused';
  }
}
