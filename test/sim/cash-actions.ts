/**
 * The teller's cash in the simulation (issue 17 item 4): 交款 with the supervisor's sign-off, and
 * transfers between op1's shift and the second counter's (op2, open all run), sent and taken —
 * the take fired twice at once (two screens), of which one books. The auditor keeps its own cash
 * box (test/sim/auditor.ts: cashMove, transfersPending, teller2DrawerFen) and its final check holds
 * safe, cash_in_transit and cash_drawer to it. A request whose process died is asked of the ledger
 * once the station is back (Auditor.cashInDoubt), never guessed.
 */
import { StationError } from '../../common/errors.ts';
import { acceptTransfer, handOver, sendTransfer } from '../../core/workflows/cash-box.ts';
import { pendingTransfers } from '../../db/cash-box.ts';
import { readEntries } from '../../db/ledger.ts';
import type { SimAction } from './actions.ts';
import type { Auditor } from './auditor.ts';
import type { World } from './world.ts';

/** A refusal: nothing was written (the station says why); anything else may have booked. */
const refusedCleanly = (err: unknown): boolean => err instanceof StationError && ['BAD_INPUT', 'POLICY', 'FORBIDDEN', 'NO_SHIFT', 'DISK_FULL'].includes(err.code);

async function lastEntryOf(world: World, kind: string): Promise<number> {
  const row = await world.station.db.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM ledger_entries WHERE kind = ?', [kind]);
  return row?.seq ?? 0;
}

/** 交款 of part of op1's drawer to the safe or the bank, signed by the supervisor. */
export const handoverAction: SimAction = {
  name: 'handover',
  weight: (_w, a) => (a.shiftOpen && a.cashInDoubt.length === 0 && a.drawerFen() > 0 && !a.shiftHasUnsettledCash() ? 1 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const fen = world.rng.int(1, auditor.drawerFen());
    const to = world.rng.chance(0.5) ? 'safe' : 'bank';
    const before = await lastEntryOf(world, 'cash_handover');
    const shiftNo = auditor.shiftNo;
    const book = (): void => auditor.cashMove({ safe: fen, cash_drawer: -fen }, shiftNo);
    try {
      const r = await handOver(world.station, world.operator, fen, to, world.supervisor);
      book();
      if (r.amountFen !== fen || r.supervisorId !== 'sup1') auditor.violation(`交款 of ${fen}: the station answered ${r.amountFen} signed by ${r.supervisorId}`);
      return r;
    } catch (err) {
      if (!refusedCleanly(err)) {
        auditor.cashInDoubt.push(async (db) => {
          const after = await readEntries(db, "kind = 'cash_handover' AND seq > ?", [before]);
          if (after.length > 1) auditor.violation(`one 交款 of ${fen} left ${after.length} entries`);
          if (after.length === 1) book();
        });
      }
      throw err;
    }
  },
};

/** Cash sent from op1 to op2 or back, in transit until taken. */
export const transferAction: SimAction = {
  name: 'transfer',
  weight: (_w, a) => (a.shiftOpen && a.cashInDoubt.length === 0 && !a.shiftHasUnsettledCash() && (a.drawerFen() > 0 || a.teller2DrawerFen > 0) ? 1 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const fromOp1 = auditor.teller2DrawerFen === 0 || (auditor.drawerFen() > 0 && world.rng.chance(0.6));
    const holds = fromOp1 ? auditor.drawerFen() : auditor.teller2DrawerFen;
    const fen = world.rng.int(1, holds);
    const shiftNo = fromOp1 ? auditor.shiftNo : -1;
    const before = await lastEntryOf(world, 'cash_transfer_out');
    const book = (transferId: string): void => {
      auditor.cashMove({ cash_in_transit: fen, cash_drawer: -fen }, shiftNo);
      if (!fromOp1) auditor.teller2DrawerFen -= fen;
      auditor.transfersPending.set(transferId, { amountFen: fen, to: fromOp1 ? 'op2' : 'op1' });
    };
    try {
      const r = await sendTransfer(world.station, fromOp1 ? world.operator : world.teller2, fen, fromOp1 ? 'op2' : 'op1');
      book(r.transferId);
      return r;
    } catch (err) {
      if (!refusedCleanly(err)) {
        auditor.cashInDoubt.push(async (db) => {
          const after = await readEntries(db, "kind = 'cash_transfer_out' AND seq > ?", [before]);
          if (after.length > 1) auditor.violation(`one transfer of ${fen} left ${after.length} entries`);
          if (after.length === 1) book((after[0]!.payload as { transferId: string }).transferId);
        });
      }
      throw err;
    }
  },
};

/** The other teller takes a transfer — on two screens at once: exactly one books. */
export const acceptAction: SimAction = {
  name: 'accept',
  weight: (_w, a) => (a.shiftOpen && a.cashInDoubt.length === 0 && a.transfersPending.size > 0 ? 2 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const [transferId, t] = world.rng.pick([...auditor.transfersPending.entries()]);
    const actor = t.to === 'op1' ? world.operator : world.teller2;
    const shiftNo = t.to === 'op1' ? auditor.shiftNo : -1;
    const book = (): void => {
      auditor.cashMove({ cash_drawer: t.amountFen, cash_in_transit: -t.amountFen }, shiftNo);
      if (t.to === 'op2') auditor.teller2DrawerFen += t.amountFen;
      auditor.transfersPending.delete(transferId);
    };
    const both = await Promise.allSettled([acceptTransfer(world.station, actor, transferId), acceptTransfer(world.station, actor, transferId)]);
    const ok = both.filter((b) => b.status === 'fulfilled');
    const failed = both.flatMap((b) => (b.status === 'rejected' ? [b.reason as unknown] : []));
    if (ok.length > 1) auditor.violation(`transfer ${transferId} taken ${ok.length} times`);
    if (ok.length === 1) {
      book();
      return ok[0]!.value;
    }
    if (failed.every(refusedCleanly) && !world.crashed) {
      // A full disk is a refusal with nothing written, not a wrong one (seed 3258): the
      // transfer must still be waiting for the teller, to be taken once there is room.
      if (failed.some((e) => e instanceof StationError && e.code === 'DISK_FULL')) {
        if ((await pendingTransfers(world.station.db)).every((p) => p.transferId !== transferId)) auditor.violation(`transfer ${transferId} refused for a full disk is no longer waiting`);
        throw failed[0];
      }
      auditor.violation(`transfer ${transferId} (${t.amountFen} to ${t.to}) could not be taken: ${failed.map((e) => (e as Error).message).join('; ')}`);
      throw failed[0];
    }
    auditor.cashInDoubt.push(async (db) => {
      if ((await pendingTransfers(db)).every((p) => p.transferId !== transferId)) book();
    });
    throw failed.find((e) => !refusedCleanly(e)) ?? failed[0];
  },
};

/** Resolves what a dead process left in doubt before the drawer is counted or moved again. */
export async function settleCashInDoubt(world: World, auditor: Auditor): Promise<void> {
  if (auditor.cashInDoubt.length > 0 && !world.crashed) await auditor.resolveCashInDoubt(world.station.db);
}

export const CASH_ACTIONS: SimAction[] = [handoverAction, transferAction, acceptAction];
