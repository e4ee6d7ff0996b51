/**
 * Policies are configuration, not constants (PRODUCT.md "Workflows"): these defaults apply
 * until the city's parameter set (params table, pulled from the host) overrides a key.
 */
import { StationError } from '../common/errors.ts';
import { DEFAULT_FEE_SCHEDULE, FeeScheduleSchema, type FeeSchedule } from '../common/fees.ts';
import { readParam } from '../db/params.ts';
import { ConcessionScheduleSchema, DEFAULT_CONCESSION_SCHEDULE, type ConcessionSchedule } from './concession.ts';
import type { Queryable } from '../db/sqlite.ts';

export interface Policy {
  depositFen: number;
  minTopupFen: number;
  maxBalanceFen: number;
  /** Refunds of a balance above this go to the main service center. */
  refundCashLimitFen: number;
  replacementWaitDays: number;
  damagedPickupWorkingDays: number;
  migrationFeeFen: number;
  /** M1 upgrade: the old deposit is carried into the new card's balance or refunded in cash. */
  migrationDeposit: 'carry' | 'refund';
  lostReportFeeFen: number;
  /** Damaged card by customer fault: a new deposit is charged. */
  customerDamageChargesDeposit: boolean;
  /**
   * Refund of an own-city card this station has no registry row for (sold elsewhere or before
   * the registry): true = refund policy.depositFen as its deposit, false = refund the balance only.
   */
  refundDepositWithoutRecord: boolean;
  /** INITIALIZE FOR LOAD key index. */
  loadKeyIndex: number;
  /**
   * Limits on what a clerk types (issue 14 item 7): beyond them a field is a typing mistake,
   * refused as BAD_INPUT naming the limit, never carried into a receipt or the ledger.
   */
  maxFloatFen: number;
  /** Cash handed over for one transaction. */
  maxTenderedFen: number;
  /** Drawer count at shift close: pieces of one denomination (repeats of it added up), pieces in all, and the total. */
  maxPiecesPerDenomination: number;
  maxPiecesTotal: number;
  maxCountedFen: number;
  /**
   * The fee schedule in force (issue 17, common/fees.ts): the host distributes it as the policy
   * key `feeSchedule` of its `fees` (or `policy`) parameter, whole and versioned; its version is
   * printed on every receipt that charges or waives a fee. No host: `local-default-2026-12`.
   */
  feeSchedule: FeeSchedule;
}

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  depositFen: 2000,
  minTopupFen: 1000,
  maxBalanceFen: 100_000,
  refundCashLimitFen: 10_000,
  replacementWaitDays: 7,
  damagedPickupWorkingDays: 4,
  migrationFeeFen: 0,
  migrationDeposit: 'carry',
  lostReportFeeFen: 0,
  customerDamageChargesDeposit: true,
  refundDepositWithoutRecord: true,
  loadKeyIndex: 1,
  maxFloatFen: 1_000_000,
  maxTenderedFen: 1_000_000,
  maxPiecesPerDenomination: 10_000,
  maxPiecesTotal: 20_000,
  maxCountedFen: 10_000_000,
  feeSchedule: DEFAULT_FEE_SCHEDULE,
});

const FEN_KEYS = ['depositFen', 'minTopupFen', 'maxBalanceFen', 'refundCashLimitFen', 'migrationFeeFen', 'lostReportFeeFen', 'maxFloatFen', 'maxTenderedFen', 'maxCountedFen'] as const;
const COUNT_KEYS = ['replacementWaitDays', 'damagedPickupWorkingDays', 'loadKeyIndex', 'maxPiecesPerDenomination', 'maxPiecesTotal'] as const;

/** Validates a partial policy (from params or config); unknown keys and bad values are refused. */
export function mergePolicy(base: Policy, overrides: Record<string, unknown>): Policy {
  const out: Policy = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const bad = (): never => { throw new StationError('CONFIG', `policy ${key} has an invalid value ${JSON.stringify(value)}`); };
    if ((FEN_KEYS as readonly string[]).includes(key) || (COUNT_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad();
      (out as unknown as Record<string, number>)[key] = value as number;
    } else if (key === 'migrationDeposit') {
      if (value !== 'carry' && value !== 'refund') bad();
      out.migrationDeposit = value as 'carry' | 'refund';
    } else if (key === 'feeSchedule') {
      // A schedule replaces the whole schedule (its version names all its figures together).
      const parsed = FeeScheduleSchema.safeParse(value);
      if (!parsed.success) bad();
      else out.feeSchedule = parsed.data;
    } else if (key === 'customerDamageChargesDeposit' || key === 'refundDepositWithoutRecord') {
      if (typeof value !== 'boolean') bad();
      out[key] = value as boolean;
    } else {
      throw new StationError('CONFIG', `unknown policy key ${key}`);
    }
  }
  if (out.minTopupFen < 1) throw new StationError('CONFIG', 'minTopupFen must be at least 1 fen');
  return out;
}

export async function loadPolicy(db: Queryable): Promise<Policy> {
  const value = await readParam(db, 'policy');
  return value !== undefined ? mergePolicy({ ...DEFAULT_POLICY }, JSON.parse(value) as Record<string, unknown>) : { ...DEFAULT_POLICY };
}

/**
 * The 年审 schedule in force (issue 17, docs/COUNTER-RULES.md §2): the clearing host's
 * `concession` parameter (params `host.concession`, versioned like the fee schedule), else the
 * local default of core/concession.ts. A host value that does not parse is not applied: the
 * default stays in force (as a refused policy value does, core/sync-store.ts).
 */
export async function loadConcessionSchedule(db: Queryable): Promise<ConcessionSchedule> {
  const value = await readParam(db, 'host.concession');
  if (value === undefined) return DEFAULT_CONCESSION_SCHEDULE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return DEFAULT_CONCESSION_SCHEDULE;
  }
  const r = ConcessionScheduleSchema.safeParse(parsed);
  return r.success ? r.data : DEFAULT_CONCESSION_SCHEDULE;
}
