/**
 * A counter fee as a workflow charges it (issue 17 item 1): the schedule's figure, or a waiver by
 * a supervisor other than the operator with a written reason. The supervisor's PIN is checked by
 * the caller (the UI server's sessions.checkPin, the CLI's authenticate, both rate-limited) and
 * the role and the four eyes here, in the core, like every sign-off (core/auth.ts requireSignOff);
 * a refused waiver is audited and nothing is booked.
 */
import { StationError } from '../common/errors.ts';
import { feeLine, FeeWaiverRefused, MAX_WAIVER_REASON_CHARS, type FeeKind, type FeeLine } from '../common/fees.ts';
import { say } from '../common/say.ts';
import { credit, type Posting } from '../db/ledger.ts';
import type { Database } from '../db/sqlite.ts';
import { writeAudit } from '../db/audit.ts';
import { requireSignOff, type Actor } from './auth.ts';

/** A waiver as a workflow receives it: the supervisor already authenticated, the reason as typed. */
export interface FeeWaiverInput {
  supervisor: Actor;
  reason: string;
}

/**
 * The fee line of one transaction, or null when the schedule asks nothing (no line, no posting:
 * a waiver of nothing is not recorded). Throws FORBIDDEN / BAD_INPUT, audited, for a refused waiver.
 */
export async function chargeFee(db: Database, actor: Actor, kind: FeeKind, scheduledFen: number, scheduleVersion: string, waiver: FeeWaiverInput | null | undefined): Promise<FeeLine | null> {
  if (scheduledFen === 0) return null;
  if (waiver === null || waiver === undefined) return feeLine(kind, scheduledFen, scheduleVersion, actor.staffId, null);
  const supervisor = await requireSignOff(db, actor, waiver.supervisor, 'fee-waiver');
  try {
    return feeLine(kind, scheduledFen, scheduleVersion, actor.staffId, { supervisorId: supervisor.staffId, reason: waiver.reason });
  } catch (err) {
    if (!(err instanceof FeeWaiverRefused)) throw err;
    await writeAudit(db, actor.staffId, 'fee-waiver', 'refused', { reason: err.why });
    if (err.why === 'same-person') throw new StationError('FORBIDDEN', `fee-waiver: ${actor.staffId} cannot waive their own fee`, 'Ask another supervisor', { say: say('ownSignOff') });
    if (err.why === 'no-reason') throw new StationError('BAD_INPUT', 'A fee waiver needs a reason', 'The supervisor writes why the fee is waived (--waive-reason TEXT)', { say: say('feeWaiverNoReason') });
    throw new StationError('BAD_INPUT', `A fee waiver reason is at most ${MAX_WAIVER_REASON_CHARS} characters`, 'Shorten the reason', { say: say('feeWaiverReasonTooLong') });
  }
}

/** The fee's posting line: what is charged goes to fee_income (none when waived). */
export function feePostings(fee: FeeLine | null): Posting[] {
  return fee !== null && fee.chargedFen > 0 ? [credit('fee_income', fee.chargedFen)] : [];
}

/** The fee's fields for a payload and a result (absent when no fee applies, so older payloads keep their shape). */
export const chargedFen = (fee: FeeLine | null): number => fee?.chargedFen ?? 0;
