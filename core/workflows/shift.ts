/**
 * Shift and end of day (交班/日结), PRODUCT.md workflow 9: open with a float; close with the
 * drawer counted by denomination; expected vs counted; a supervisor signs off a difference,
 * which is booked against cash_over_short so the drawer account matches the real drawer.
 */
import { BadInputError, StationError } from '../../common/errors.ts';
import { newId } from '../../common/ids.ts';
import { assertFen, formatYuan } from '../../common/money.ts';
import { writeAudit } from '../../db/audit.ts';
import { credit, debit } from '../../db/ledger.ts';
import { openOps } from '../../db/intents.ts';
import { closeShiftRow, currentShift, openShiftRow, shiftCashNetFen, type ShiftRow } from '../../db/shifts.ts';
import { hasRole, requireRole, type Actor } from '../auth.ts';
import { recordInTx } from '../record.ts';
import type { Station } from '../station.ts';

/** RMB notes and coins, in fen. */
export const DENOMINATIONS_FEN = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1] as const;
export const MAX_FLOAT_FEN = 10_000_00;
const MAX_PIECES = 100_000;

/** Parses "10000x2,5000x1" (denomination in fen × count). */
export function parseCashCount(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const trimmed = text.trim();
  if (trimmed === '') return out;
  for (const part of trimmed.split(',')) {
    const m = /^\s*([0-9]+)\s*[xX×]\s*([0-9]+)\s*$/.exec(part);
    if (!m) throw new BadInputError(`cash count "${part}" is not DENOMINATIONxCOUNT (e.g. 10000x2)`);
    const denom = Number(m[1]);
    const count = Number(m[2]);
    if (!(DENOMINATIONS_FEN as readonly number[]).includes(denom)) {
      throw new BadInputError(`${denom} fen is not an RMB denomination (${DENOMINATIONS_FEN.join(', ')})`);
    }
    if (!Number.isSafeInteger(count) || count > MAX_PIECES) throw new BadInputError(`count ${m[2]} is not a sensible number of pieces`);
    out[String(denom)] = (out[String(denom)] ?? 0) + count;
  }
  return out;
}

export function countedFen(counted: Record<string, number>): number {
  return Object.entries(counted).reduce((sum, [d, n]) => sum + Number(d) * n, 0);
}

export async function requireOpenShift(station: Station, actor: Actor): Promise<ShiftRow> {
  const shift = await currentShift(station.db, actor.staffId);
  if (!shift) {
    await writeAudit(station.db, actor.staffId, 'cash-workflow', 'refused', { reason: 'no open shift' });
    throw new StationError('NO_SHIFT', `${actor.staffId} has no open shift`, 'Open one first: station shift open --float FEN');
  }
  return shift;
}

export async function openShift(station: Station, actor: Actor, floatFen: number): Promise<{ shiftId: string; floatFen: number; entryId: string }> {
  await requireRole(station.db, actor, 'operator', 'shift-open');
  assertFen(floatFen, 'float', 0, MAX_FLOAT_FEN);
  const existing = await currentShift(station.db, actor.staffId);
  if (existing) throw new StationError('POLICY', `${actor.staffId} already has shift ${existing.shift_id} open since ${existing.opened_at}`, 'Close it first');
  const at = station.now();
  const shiftId = newId(at.getTime());
  const entry = await station.db.transaction(async (tx) => {
    await openShiftRow(tx, shiftId, actor.staffId, floatFen, at);
    // The float moves no money between our accounts (it comes from the safe), so the entry has
    // no postings; expected cash = float + the drawer's postings during the shift.
    return recordInTx(station, tx, { kind: 'shift_open', operatorId: actor.staffId, shiftId, cardRef: null, amountFen: floatFen, payload: { floatFen }, postings: [], at });
  });
  return { shiftId, floatFen, entryId: entry.entryId };
}

export interface CloseShiftResult {
  shiftId: string;
  floatFen: number;
  expectedFen: number;
  countedFen: number;
  differenceFen: number;
  counted: Record<string, number>;
  signedOffBy: string | null;
  incompleteOps: number;
  entryIds: string[];
}

/**
 * Closes the actor's shift. A difference needs a supervisor (`supervisor`, already
 * authenticated by the caller); without one the close is refused and nothing is written.
 */
export async function closeShift(station: Station, actor: Actor, countedText: string, supervisor: Actor | null): Promise<CloseShiftResult> {
  await requireRole(station.db, actor, 'operator', 'shift-close');
  const shift = await requireOpenShift(station, actor);
  const counted = parseCashCount(countedText);
  const total = countedFen(counted);
  const expected = shift.float_fen + (await shiftCashNetFen(station.db, shift.shift_id));
  const difference = total - expected;
  if (difference !== 0) {
    if (supervisor === null) {
      await writeAudit(station.db, actor.staffId, 'shift-close', 'refused', { reason: 'difference needs sign-off', differenceFen: difference });
      throw new StationError('POLICY', `Drawer differs from expected by ${formatYuan(difference)} yuan (expected ${formatYuan(expected)}, counted ${formatYuan(total)})`,
        'Recount, or have a supervisor sign the difference off (--supervisor ID with STATION_SUPERVISOR_PIN)');
    }
    if (!hasRole(supervisor, 'supervisor')) await requireRole(station.db, supervisor, 'supervisor', 'sign-off');
  }
  const incomplete = (await openOps(station.db)).filter((o) => o.shiftId === shift.shift_id).length;
  const at = station.now();
  const signedOffBy = difference !== 0 ? supervisor!.staffId : null;
  const entryIds = await station.db.transaction(async (tx) => {
    const ids: string[] = [];
    if (difference !== 0) {
      const abs = Math.abs(difference);
      const postings = difference < 0 ? [debit('cash_over_short', abs), credit('cash_drawer', abs)] : [debit('cash_drawer', abs), credit('cash_over_short', abs)];
      const e = await recordInTx(station, tx, { kind: 'cash_difference', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: difference, payload: { signedOffBy, expectedFen: expected, countedFen: total }, postings, at });
      ids.push(e.entryId);
    }
    await closeShiftRow(tx, shift.shift_id, { counted, countedFen: total, expectedFen: expected, signedOffBy }, at);
    const e = await recordInTx(station, tx, { kind: 'shift_close', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: total, payload: { counted, countedFen: total, expectedFen: expected, differenceFen: difference, signedOffBy, incompleteOps: incomplete }, postings: [], at });
    ids.push(e.entryId);
    return ids;
  });
  return { shiftId: shift.shift_id, floatFen: shift.float_fen, expectedFen: expected, countedFen: total, differenceFen: difference, counted, signedOffBy, incompleteOps: incomplete, entryIds };
}
