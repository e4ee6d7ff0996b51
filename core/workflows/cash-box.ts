/**
 * The teller's cash box (issue 17 item 4, docs/COUNTER-RULES.md §4), besides the float the shift
 * opens with (its 备用金, core/workflows/shift.ts) and gives back at the close:
 * - 交款: cash out of the drawer to the safe or the bank, during a shift, signed by a supervisor
 *   other than the teller (PIN checked by the caller, four eyes checked here) — debit safe,
 *   credit cash_drawer;
 * - a transfer to another open shift: sent (debit cash_in_transit, credit cash_drawer) and taken
 *   by the other teller (debit cash_drawer, credit cash_in_transit). Until it is taken the cash is
 *   in transit; the day-end flags any left.
 * Every check that guards a write (the shift still open, the drawer holding the amount, the
 * transfer not yet taken) runs again inside the serialised write.
 */
import { BadInputError, StationError } from '../../common/errors.ts';
import { newId } from '../../common/ids.ts';
import { formatYuan } from '../../common/money.ts';
import { say } from '../../common/say.ts';
import { writeAudit } from '../../db/audit.ts';
import { pendingTransfers, type PendingTransfer } from '../../db/cash-box.ts';
import { credit, debit } from '../../db/ledger.ts';
import { currentShift, getShift, shiftCashNetFen, type ShiftRow } from '../../db/shifts.ts';
import type { Queryable } from '../../db/sqlite.ts';
import { requireRole, requireSignOff, type Actor } from '../auth.ts';
import { recordInTx } from '../record.ts';
import type { Station } from '../station.ts';
import { requireOpenShift } from './shift.ts';
import { amountFen, refused } from './validate.ts';

export type HandoverTo = 'safe' | 'bank';

/** What the drawer should hold now by the ledger: float + takings − paid out − 交款 ± transfers. */
export async function drawerExpectedFen(db: Queryable, shift: ShiftRow): Promise<number> {
  return shift.float_fen + (await shiftCashNetFen(db, shift.shift_id));
}

/** The shift, still open inside the write, and the amount within what its drawer holds. */
async function openShiftHolding(tx: Queryable, shift: ShiftRow, fen: number): Promise<void> {
  const now = await getShift(tx, shift.shift_id);
  if (now === undefined || now.closed_at !== null) throw new StationError('NO_SHIFT', `Shift ${shift.shift_id} is already closed`, 'Open a shift first');
  const holds = await drawerExpectedFen(tx, now);
  if (fen > holds) {
    throw new StationError('POLICY', `¥${formatYuan(fen)} is more than the drawer holds by the ledger (¥${formatYuan(holds)})`, 'Check the amount: it cannot be more than the cash in the drawer',
      { say: say('cashAboveDrawer', { amount: `¥${formatYuan(fen)}`, expected: `¥${formatYuan(holds)}` }) });
  }
}

export interface HandoverResult {
  handoverId: string;
  shiftId: string;
  amountFen: number;
  to: HandoverTo;
  supervisorId: string;
  entryId: string;
  /** What the drawer should hold after it. */
  drawerFen: number;
}

/** 交款: `supervisor` has been authenticated by the caller (PIN); four eyes are checked here. */
export async function handOver(station: Station, actor: Actor, amountValue: unknown, toValue: unknown, supervisor: Actor | null): Promise<HandoverResult> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'cash-handover');
  const fen = await refused(db, actor.staffId, 'cash-handover', () => amountFen(amountValue, 'the 交款 amount'));
  const to = await refused(db, actor.staffId, 'cash-handover', () => {
    if (toValue !== 'safe' && toValue !== 'bank') throw new BadInputError(`交款 goes to the safe or the bank, not "${String(toValue).slice(0, 20)}"`, 'Choose safe or bank', say('badField', { field: 'to' }));
    return toValue;
  });
  const signer = await requireSignOff(db, actor, supervisor, 'cash-handover');
  const shift = await requireOpenShift(station, actor);
  const handoverId = newId(station.now().getTime());
  const r = await db.transaction(async (tx) => {
    await openShiftHolding(tx, shift, fen);
    const e = await recordInTx(station, tx, {
      kind: 'cash_handover', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: fen,
      payload: { handoverId, amountFen: fen, to, supervisorId: signer.staffId }, postings: [debit('safe', fen), credit('cash_drawer', fen)],
    });
    return { entryId: e.entryId, drawerFen: await drawerExpectedFen(tx, shift) };
  }).catch(auditRefusal(station, actor, 'cash-handover'));
  return { handoverId, shiftId: shift.shift_id, amountFen: fen, to, supervisorId: signer.staffId, ...r };
}

export interface TransferSent {
  transferId: string;
  amountFen: number;
  fromShiftId: string;
  toOperatorId: string;
  toShiftId: string;
  entryId: string;
  drawerFen: number;
}

/** Sends cash to another teller's open shift; it is in transit until they take it. */
export async function sendTransfer(station: Station, actor: Actor, amountValue: unknown, toOperatorValue: unknown): Promise<TransferSent> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'cash-transfer');
  const fen = await refused(db, actor.staffId, 'cash-transfer', () => amountFen(amountValue, 'the transfer amount'));
  const toOperatorId = typeof toOperatorValue === 'string' ? toOperatorValue.trim() : '';
  if (toOperatorId === '' || toOperatorId === actor.staffId) {
    await writeAudit(db, actor.staffId, 'cash-transfer', 'refused', { reason: 'no other teller named' });
    throw new StationError('BAD_INPUT', 'A transfer goes to another teller\'s open shift', 'Name the staff ID of the teller who takes the cash', { say: say('transferToSelf') });
  }
  const shift = await requireOpenShift(station, actor);
  const transferId = newId(station.now().getTime());
  const r = await db.transaction(async (tx) => {
    const to = await currentShift(tx, toOperatorId);
    if (to === undefined) {
      throw new StationError('POLICY', `${toOperatorId} has no open shift to take the cash`, 'The other teller opens a shift first', { say: say('transferNoShift', { staff: toOperatorId }) });
    }
    await openShiftHolding(tx, shift, fen);
    const e = await recordInTx(station, tx, {
      kind: 'cash_transfer_out', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: fen,
      payload: { transferId, amountFen: fen, toOperatorId, toShiftId: to.shift_id }, postings: [debit('cash_in_transit', fen), credit('cash_drawer', fen)],
    });
    return { entryId: e.entryId, toShiftId: to.shift_id, drawerFen: await drawerExpectedFen(tx, shift) };
  }).catch(auditRefusal(station, actor, 'cash-transfer'));
  return { transferId, amountFen: fen, fromShiftId: shift.shift_id, toOperatorId, ...r };
}

export interface TransferTaken {
  transferId: string;
  amountFen: number;
  fromOperatorId: string;
  fromShiftId: string;
  shiftId: string;
  entryId: string;
  drawerFen: number;
}

/** The recipient takes a transfer into their open shift. */
export async function acceptTransfer(station: Station, actor: Actor, transferIdValue: unknown): Promise<TransferTaken> {
  const { db } = station;
  await requireRole(db, actor, 'operator', 'cash-transfer-accept');
  const transferId = typeof transferIdValue === 'string' ? transferIdValue : '';
  const shift = await requireOpenShift(station, actor);
  const r = await db.transaction(async (tx) => {
    const now = await getShift(tx, shift.shift_id);
    if (now === undefined || now.closed_at !== null) throw new StationError('NO_SHIFT', `Shift ${shift.shift_id} is already closed`, 'Open a shift first');
    // Inside the write: of two parallel accepts (or an accept on two screens) one finds it pending.
    const t = (await pendingTransfers(tx, actor.staffId)).find((p) => p.transferId === transferId);
    if (t === undefined) {
      throw new StationError('POLICY', `No transfer ${transferId.slice(0, 40)} is waiting for ${actor.staffId}`, 'It was taken already, or sent to another teller: see the transfers waiting for you',
        { say: say('transferNotPending') });
    }
    const e = await recordInTx(station, tx, {
      kind: 'cash_transfer_in', operatorId: actor.staffId, shiftId: shift.shift_id, cardRef: null, amountFen: t.amountFen,
      payload: { transferId, amountFen: t.amountFen, fromOperatorId: t.fromOperatorId, fromShiftId: t.fromShiftId, sentEntryId: t.entryId },
      postings: [debit('cash_drawer', t.amountFen), credit('cash_in_transit', t.amountFen)],
    });
    return { t, entryId: e.entryId, drawerFen: await drawerExpectedFen(tx, shift) };
  }).catch(auditRefusal(station, actor, 'cash-transfer-accept'));
  return { transferId, amountFen: r.t.amountFen, fromOperatorId: r.t.fromOperatorId, fromShiftId: r.t.fromShiftId, shiftId: shift.shift_id, entryId: r.entryId, drawerFen: r.drawerFen };
}

/** The transfers waiting for `actor` to take them. */
export async function transfersWaiting(station: Station, actor: Actor): Promise<PendingTransfer[]> {
  await requireRole(station.db, actor, 'operator', 'cash-transfer-list');
  return pendingTransfers(station.db, actor.staffId);
}

function auditRefusal(station: Station, actor: Actor, action: string): (err: unknown) => Promise<never> {
  return async (err: unknown) => {
    if (err instanceof StationError && (err.code === 'NO_SHIFT' || err.code === 'POLICY')) await writeAudit(station.db, actor.staffId, action, 'refused', { code: err.code, message: err.message });
    throw err;
  };
}
