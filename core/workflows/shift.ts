/**
 * Shift and end of day (交班/日结), PRODUCT.md workflow 9: open with a float (the shift's 备用金,
 * from the safe); close with the drawer counted by denomination; expected (float + takings −
 * paid out − 交款 ± transfers, core/workflows/cash-box.ts) vs counted; a supervisor signs off a
 * difference, which is booked against cash_over_short so the drawer account matches the real
 * drawer; then the 备用金 goes back to the safe.
 */
import { clerkTime } from '../../common/china-time.ts';
import { BadInputError, StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { newId } from '../../common/ids.ts';
import { formatYuan, isFen } from '../../common/money.ts';
import { writeAudit } from '../../db/audit.ts';
import { credit, debit } from '../../db/ledger.ts';
import { openOps } from '../../db/intents.ts';
import { shiftCashBox } from '../../db/cash-box.ts';
import { closeShiftRow, currentShift, getShift, openShiftRow, shiftCashNetFen, type ShiftRow } from '../../db/shifts.ts';
import { requireRole, requireSignOff, type Actor } from '../auth.ts';
import type { Policy } from '../policy.ts';
import { recordInTx } from '../record.ts';
import type { Station } from '../station.ts';
import { MAX_RANGE_CARDS, stockCounts, type StockCount } from '../stock.ts';
import { refused } from './validate.ts';

/** RMB notes and coins, in fen. */
export const DENOMINATIONS_FEN = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1] as const;

/** The drawer-count limits of policy (core/policy.ts). */
export type CountLimits = Pick<Policy, 'maxPiecesPerDenomination' | 'maxPiecesTotal' | 'maxCountedFen'>;

/**
 * Parses "10000x2,5000x1" (denomination in fen × count). A denomination given twice is added
 * up, and the sum is held to the same per-denomination limit as one entry.
 */
export function parseCashCount(text: string, limits: CountLimits): Record<string, number> {
  const out: Record<string, number> = {};
  const trimmed = text.trim();
  if (trimmed === '') return out;
  let pieces = 0;
  for (const part of trimmed.split(',')) {
    const m = /^\s*([0-9]{1,6})\s*[xX×]\s*([0-9]{1,9})\s*$/.exec(part);
    if (!m) throw new BadInputError(`cash count "${part.slice(0, 40)}" is not DENOMINATIONxCOUNT (e.g. 10000x2)`, 'Give each denomination in fen and its number of pieces in ASCII digits, e.g. 10000x2,5000x1', say('cashCountFormat'));
    const denom = Number(m[1]);
    const count = Number(m[2]);
    if (!(DENOMINATIONS_FEN as readonly number[]).includes(denom)) {
      throw new BadInputError(`${denom} fen is not an RMB denomination (${DENOMINATIONS_FEN.join(', ')})`, 'Count each note and coin under its own denomination, in fen (¥100 is 10000)', say('cashDenomination', { denom: `¥${formatYuan(denom)}` }));
    }
    const sum = (out[String(denom)] ?? 0) + count;
    if (sum > limits.maxPiecesPerDenomination) {
      throw new BadInputError(`${sum} pieces of ${denom} fen is above the limit of ${limits.maxPiecesPerDenomination} pieces per denomination`, 'Check the count typed for that denomination', say('cashPiecesPerDenomination', { n: sum, denom: `¥${formatYuan(denom)}`, max: limits.maxPiecesPerDenomination }));
    }
    pieces += count;
    if (pieces > limits.maxPiecesTotal) throw new BadInputError(`${pieces} pieces counted is above the limit of ${limits.maxPiecesTotal} pieces in all`, 'Check the counts typed', say('cashPiecesTotal', { n: pieces, max: limits.maxPiecesTotal }));
    out[String(denom)] = sum;
  }
  const total = countedFen(out);
  if (total > limits.maxCountedFen) throw new BadInputError(`the count totals ${total} fen, above the limit of ${limits.maxCountedFen} fen (¥${formatYuan(limits.maxCountedFen)})`, 'Check the counts typed', say('cashCountAboveLimit', { total: `¥${formatYuan(total)}`, max: `¥${formatYuan(limits.maxCountedFen)}` }));
  return out;
}

export function countedFen(counted: Record<string, number>): number {
  return Object.entries(counted).reduce((sum, [d, n]) => sum + Number(d) * n, 0);
}

/** A float within policy: a whole number of fen from 0 to policy.maxFloatFen. */
export function checkFloat(policy: Policy, value: unknown): number {
  if (!isFen(value) || value < 0) throw new BadInputError(`the float must be a whole number of fen (0 or more), got ${String(value)}`, 'Amounts are in fen: 500 yuan is 50000', say('floatInvalid'));
  if (value > policy.maxFloatFen) throw new BadInputError(`a float of ${value} fen is above the limit of ${policy.maxFloatFen} fen (¥${formatYuan(policy.maxFloatFen)})`, 'Check the amount typed: it is in fen', say('floatAboveLimit', { max: `¥${formatYuan(policy.maxFloatFen)}` }));
  return value;
}

export async function requireOpenShift(station: Station, actor: Actor): Promise<ShiftRow> {
  const shift = await currentShift(station.db, actor.staffId);
  if (!shift) {
    await writeAudit(station.db, actor.staffId, 'cash-workflow', 'refused', { reason: 'no open shift' });
    throw new StationError('NO_SHIFT', `${actor.staffId} has no open shift`, 'Open one first: station shift open --float FEN');
  }
  return shift;
}

export async function openShift(station: Station, actor: Actor, floatValue: unknown): Promise<{ shiftId: string; floatFen: number; entryId: string }> {
  await requireRole(station.db, actor, 'operator', 'shift-open');
  const floatFen = await refused(station.db, actor.staffId, 'shift-open', () => checkFloat(station.policy, floatValue));
  const at = station.now();
  const shiftId = newId(at.getTime());
  const entry = await station.db.transaction(async (tx) => {
    // Checked inside the write (BEGIN IMMEDIATE serialises it with every other process's):
    // of two parallel opens, the second sees the first's shift.
    const existing = await currentShift(tx, actor.staffId);
    if (existing) throw new StationError('POLICY', `${actor.staffId} already has shift ${existing.shift_id} open since ${clerkTime(existing.opened_at, at)}`, 'Close it first', { say: say('shiftAlreadyOpen', { since: clerkTime(existing.opened_at, at) }) });
    await openShiftRow(tx, shiftId, actor.staffId, floatFen, at);
    // The float is the shift's 备用金, issued from the safe (docs/COUNTER-RULES.md §4): debit
    // cash_drawer, credit safe. Expected cash = float + the drawer's other postings during the
    // shift (db/shifts.ts shiftCashNetFen leaves this entry out, so shifts opened before the
    // float was booked, with no postings, count the same).
    const postings = floatFen > 0 ? [debit('cash_drawer', floatFen), credit('safe', floatFen)] : [];
    return recordInTx(station, tx, { kind: 'shift_open', operatorId: actor.staffId, shiftId, cardRef: null, amountFen: floatFen, payload: { floatFen, fromSafe: true }, postings, at });
  });
  return { shiftId, floatFen, entryId: entry.entryId };
}

/** The blank cards counted at the close, per card type, beside the station's stock (issue 17 item 3). */
export interface BlankCardCount {
  cardType: string;
  counted: number;
  expected: number;
  /** counted − expected: a missing card is negative. Shown and recorded; the supervisor follows it up on the stock screen. */
  difference: number;
}

export interface CloseShiftResult {
  blankCards?: BlankCardCount[];
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
export async function closeShift(station: Station, actor: Actor, countedText: string, supervisor: Actor | null, blankCardsCounted?: Record<string, unknown> | null): Promise<CloseShiftResult> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'shift-close');
  const shift = await requireOpenShift(station, actor);
  const counted = await refused(db, actor.staffId, 'shift-close', () => parseCashCount(countedText, station.policy));
  const blankCounted = blankCardsCounted === undefined || blankCardsCounted === null ? null : await refused(db, actor.staffId, 'shift-close', () => parseBlankCardCount(blankCardsCounted));
  const total = countedFen(counted);
  // A first look outside the write, so a difference without a (valid) sign-off is refused with
  // its figures; the write below checks everything again.
  const firstExpected = shift.float_fen + (await shiftCashNetFen(db, shift.shift_id));
  if (total !== firstExpected) await signOff(station, actor, supervisor, total, firstExpected);
  const at = station.now();
  const outcome = await db.transaction(async (tx) => {
    // Inside the serialised write: the shift is still open (a parallel close, another process's
    // close), and the expected cash includes every entry booked up to now. From here to COMMIT
    // nothing else can book into this shift; after it, the ledger refuses to (migration 5).
    const now = await getShift(tx, shift.shift_id);
    if (now === undefined || now.closed_at !== null) throw new StationError('NO_SHIFT', `Shift ${shift.shift_id} is already closed`, 'Nothing more to do: look it up under F11 / station ledger export', { say: say('shiftAlreadyClosed') });
    const expected = shift.float_fen + (await shiftCashNetFen(tx, shift.shift_id));
    const difference = total - expected;
    if (difference !== 0 && difference !== total - firstExpected) {
      throw new StationError('POLICY', `The expected cash changed while closing (now ¥${formatYuan(expected)}): nothing was closed`, 'Count again and close again', { say: say('shiftExpectedChanged', { expected: `¥${formatYuan(expected)}` }) });
    }
    const incomplete = (await openOps(tx)).filter((o) => o.shiftId === shift.shift_id).length;
    // Blank cards against the stock as it is inside this write (the station's, not the shift's: the cards sit in one drawer).
    const blankCards = blankCounted === null ? undefined : blankCardLines(blankCounted, await stockCounts(tx));
    const signedOffBy = difference !== 0 ? supervisor!.staffId : null;
    const ids: string[] = [];
    if (difference !== 0) {
      const abs = Math.abs(difference);
      const postings = difference < 0 ? [debit('cash_over_short', abs), credit('cash_drawer', abs)] : [debit('cash_drawer', abs), credit('cash_over_short', abs)];
      const e = await recordInTx(station, tx, { kind: 'cash_difference', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: difference, payload: { signedOffBy, expectedFen: expected, countedFen: total }, postings, at });
      ids.push(e.entryId);
    }
    // The 备用金 goes back to the safe out of the counted drawer (never more than was counted).
    // Only a float issued from the safe is returned: a shift opened before issue 17 took none.
    const issued = (await shiftCashBox(tx, shift.shift_id)).floatIssuedFen;
    const returned = Math.min(issued, total);
    if (returned > 0) {
      const r = await recordInTx(station, tx, { kind: 'float_return', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: returned, payload: { floatFen: issued, returnedFen: returned }, postings: [debit('safe', returned), credit('cash_drawer', returned)], at });
      ids.push(r.entryId);
    }
    // The close entry while the shift is still open, then the row (the ledger refuses entries into a closed shift).
    const e = await recordInTx(station, tx, { kind: 'shift_close', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: total, payload: { counted, countedFen: total, expectedFen: expected, differenceFen: difference, signedOffBy, incompleteOps: incomplete, ...(issued > 0 ? { floatReturnedFen: returned } : {}),
      ...(blankCards === undefined ? {} : { blankCards: Object.fromEntries(blankCards.map((b) => [b.cardType, { counted: b.counted, expected: b.expected }])) }) }, postings: [], at });
    ids.push(e.entryId);
    if (!(await closeShiftRow(tx, shift.shift_id, { counted, countedFen: total, expectedFen: expected, signedOffBy }, at))) {
      throw new StationError('NO_SHIFT', `Shift ${shift.shift_id} is already closed`, undefined, { say: say('shiftAlreadyClosed') });
    }
    return { expected, difference, signedOffBy, incomplete, ids, blankCards };
  }).catch(async (err: unknown) => {
    if (err instanceof StationError && (err.code === 'NO_SHIFT' || err.code === 'POLICY')) await writeAudit(db, actor.staffId, 'shift-close', 'refused', { code: err.code, message: err.message });
    throw err;
  });
  return {
    shiftId: shift.shift_id, floatFen: shift.float_fen, expectedFen: outcome.expected, countedFen: total, differenceFen: outcome.difference, counted,
    signedOffBy: outcome.signedOffBy, incompleteOps: outcome.incomplete, entryIds: outcome.ids,
    ...(outcome.blankCards === undefined ? {} : { blankCards: outcome.blankCards }),
  };
}

/** Blank cards counted per card type ("00" → 17); whole cards, at most one delivery's worth per type. */
export function parseBlankCardCount(value: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of Object.entries(value)) {
    if (!/^[0-9]{2}$/.test(type)) throw new BadInputError(`blank cards are counted by card type (two digits), got "${type.slice(0, 10)}"`, 'Give each card type\'s count, e.g. 00=17', say('badField', { field: 'blankCards' }));
    const count = typeof n === 'string' && /^[0-9]{1,6}$/.test(n.trim()) ? Number(n) : n;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > MAX_RANGE_CARDS * 10) {
      throw new BadInputError(`the count of type ${type} blank cards must be a whole number of cards, got "${String(n).slice(0, 20)}"`, 'Count the blank cards of each type', say('badField', { field: `blankCards.${type}` }));
    }
    out[type] = count;
  }
  return out;
}

/** The count beside the stock, for every type counted or held. */
function blankCardLines(counted: Record<string, number>, stock: readonly StockCount[]): BlankCardCount[] {
  const types = [...new Set([...Object.keys(counted), ...stock.filter((s) => s.inStock > 0).map((s) => s.cardType)])].sort();
  return types.map((cardType) => {
    const expected = stock.find((s) => s.cardType === cardType)?.inStock ?? 0;
    const c = counted[cardType] ?? 0;
    return { cardType, counted: c, expected, difference: c - expected };
  });
}

/** A drawer difference: refused without a supervisor, who must not be the operator (four eyes). */
async function signOff(station: Station, actor: Actor, supervisor: Actor | null, total: number, expected: number): Promise<void> {
  const difference = total - expected;
  if (supervisor === null) {
    await writeAudit(station.db, actor.staffId, 'shift-close', 'refused', { reason: 'difference needs sign-off', differenceFen: difference });
    throw new StationError('POLICY', `Drawer differs from expected by ${formatYuan(difference)} yuan (expected ${formatYuan(expected)}, counted ${formatYuan(total)})`,
      'Recount, or have a supervisor sign the difference off (--supervisor ID with STATION_SUPERVISOR_PIN)',
      { say: say('cashDifference', { kind: difference < 0 ? 'cashShort' : 'cashOver', amount: `¥${formatYuan(Math.abs(difference))}`, expected: `¥${formatYuan(expected)}`, counted: `¥${formatYuan(total)}` }) });
  }
  await requireSignOff(station.db, actor, supervisor, 'sign-off');
}
