import type { FeeLine } from '../../common/fees.ts';
import { formatYuan } from '../../common/money.ts';

const KIND_NAMES: Record<FeeLine['kind'], string> = { refund: 'refund fee', replacement: 'card fee (工本费)', 'lost-report': 'lost-report fee' };

/** A fee's line in a command's text answer (issue 17): charged or waived, and the schedule in force. */
export function feeText(fee: FeeLine | null | undefined): string[] {
  if (fee === null || fee === undefined) return [];
  const name = KIND_NAMES[fee.kind];
  if (fee.waiver !== null) return [`  ${name} ¥${formatYuan(fee.scheduledFen)} waived by ${fee.waiver.supervisorId}: ${fee.waiver.reason} (fee schedule ${fee.scheduleVersion})`];
  return [`  ${name} ¥${formatYuan(fee.chargedFen)} charged (fee schedule ${fee.scheduleVersion})`];
}
