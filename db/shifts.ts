/** Shifts: one open shift per operator; the drawer is counted by denomination at close. */
import { canonicalJson } from '../common/canonical-json.ts';
import type { Queryable } from './sqlite.ts';

export interface ShiftRow {
  shift_id: string;
  operator_id: string;
  opened_at: string;
  float_fen: number;
  closed_at: string | null;
  counted: string | null;
  counted_fen: number | null;
  expected_fen: number | null;
  difference_fen: number | null;
  signed_off_by: string | null;
  signed_off_at: string | null;
}

export async function openShiftRow(db: Queryable, shiftId: string, operatorId: string, floatFen: number, at: Date): Promise<void> {
  await db.run('INSERT INTO shifts (shift_id, operator_id, opened_at, float_fen) VALUES (?, ?, ?, ?)', [shiftId, operatorId, at.toISOString(), floatFen]);
}

export async function currentShift(db: Queryable, operatorId: string): Promise<ShiftRow | undefined> {
  return db.get<ShiftRow>('SELECT * FROM shifts WHERE operator_id = ? AND closed_at IS NULL', [operatorId]);
}

export async function getShift(db: Queryable, shiftId: string): Promise<ShiftRow | undefined> {
  return db.get<ShiftRow>('SELECT * FROM shifts WHERE shift_id = ?', [shiftId]);
}

/**
 * Net cash that entered the drawer during a shift after its float, from the ledger's postings:
 * takings − change − refunds − 交款 ± transfers. The float's own issue (shift_open, since issue
 * 17) and its return at the close (float_return) are left out: expected = float + this, for
 * shifts opened before and after the float was booked.
 */
export async function shiftCashNetFen(db: Queryable, shiftId: string): Promise<number> {
  const row = await db.get<{ net: number | null }>(
    `SELECT SUM(p.debit_fen) - SUM(p.credit_fen) AS net FROM postings p JOIN ledger_entries e ON e.seq = p.entry_seq
     WHERE e.shift_id = ? AND p.account = 'cash_drawer' AND e.kind NOT IN ('shift_open', 'float_return')`, [shiftId]);
  return row?.net ?? 0;
}

/** Closes the shift if it is still open; false when it was not (already closed, or unknown). */
export async function closeShiftRow(db: Queryable, shiftId: string, fields: { counted: Record<string, number>; countedFen: number; expectedFen: number; signedOffBy: string | null }, at: Date): Promise<boolean> {
  const r = await db.run(
    `UPDATE shifts SET closed_at = ?, counted = ?, counted_fen = ?, expected_fen = ?, difference_fen = ?, signed_off_by = ?, signed_off_at = ?
     WHERE shift_id = ? AND closed_at IS NULL`,
    [at.toISOString(), canonicalJson(fields.counted), fields.countedFen, fields.expectedFen, fields.countedFen - fields.expectedFen,
      fields.signedOffBy, fields.signedOffBy === null ? null : at.toISOString(), shiftId]);
  return r.changes === 1;
}
