/**
 * Workflow plug-ins of the simulation. Each action picks its card (if any), runs the real
 * workflow of core/workflows/, and tells the auditor what the customer paid for, judged from
 * the card's own before/after state — never from what the station answered.
 */
import { StationError } from '../../common/errors.ts';
import { currentShift } from '../../db/shifts.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { settleCardOps } from '../../core/card-ops.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { topup } from '../../core/workflows/topup.ts';
import { readEntries } from '../../db/ledger.ts';
import type { Auditor, CardSnapshot, Pay } from './auditor.ts';
import { FLOAT_FEN, READER, type SimCard, type World } from './world.ts';

export interface ActionRun {
  world: World;
  auditor: Auditor;
  card: SimCard | null;
  /** Card state before the action, by card name (every card of the world). */
  before: Map<string, CardSnapshot>;
  after: Map<string, CardSnapshot>;
  /** The workflow's answer, or the error it threw. */
  result: unknown;
  error: unknown;
}

export interface SimAction {
  name: string;
  /** Relative weight now (0 = not possible). */
  weight(world: World, auditor: Auditor): number;
  /** The card the customer hands over, or null (no card). */
  pickCard(world: World, auditor: Auditor): SimCard | null;
  /** Runs the workflow (the card, if any, is already in the reader). */
  perform(world: World, auditor: Auditor, card: SimCard | null): Promise<unknown>;
  /** Updates the auditor's truth from the cards' before/after state. */
  audit(run: ActionRun): Promise<void>;
}

function present(world: World): SimCard[] {
  return world.customers.filter((c) => !c.gone && !c.stranger);
}

/** Any card that changed although the action did not ask for it is a violation. */
export function unexpectedChanges(run: ActionRun, except: SimCard | null): void {
  for (const [name, b] of run.before) {
    const a = run.after.get(name)!;
    if (except?.name === name) continue;
    if (a.json !== b.json) run.auditor.violation(`${name} changed during ${run.card?.name ?? 'an action'} on another card (balance ${b.balanceFen} → ${a.balanceFen})`);
  }
}

interface TopupAsk { amountFen: number; pay: Pay }
const asks = new WeakMap<World, TopupAsk>();

export const topupAction: SimAction = {
  name: 'topup',
  weight: (_w, a) => (a.shiftOpen ? 6 : 0),
  pickCard: (w) => w.rng.pick(present(w)),
  async perform(world, _auditor, card) {
    const rng = world.rng;
    const amountFen = rng.pick([1000, 2000, 5000, 10000, rng.int(1000, 30000)]);
    const pay: Pay = rng.chance(0.75) ? 'cash' : 'other';
    asks.set(world, { amountFen, pay });
    void card;
    return topup(world.station, world.operator, {
      amount: String(amountFen), pay, tendered: pay === 'cash' ? String(amountFen + rng.pick([0, 0, 50, 10000])) : undefined,
      reference: pay === 'other' ? `POS-${rng.int(1, 99999)}` : undefined, reader: READER,
    });
  },
  async audit(run) {
    const { auditor } = run;
    const ask = asks.get(run.world)!;
    const acknowledged = run.error === undefined;
    // The load lands on whatever card was in the field (after a swap: the other one).
    const changed = run.world.customers.filter((c) => run.before.get(c.name)!.json !== run.after.get(c.name)!.json);
    const target = changed.length === 1 ? changed[0]! : run.card!;
    unexpectedChanges(run, target);
    const b = run.before.get(target.name)!;
    const a = run.after.get(target.name)!;
    if (a.balanceFen === b.balanceFen && a.onlineAtc === b.onlineAtc) {
      if (acknowledged) auditor.violation(`${target.name}: top-up reported success but the card did not change`);
    } else if (a.balanceFen === b.balanceFen + ask.amountFen && a.onlineAtc === b.onlineAtc + 1) {
      auditor.loadSeen(target, b.onlineAtc, ask.amountFen, ask.pay, acknowledged);
    } else {
      auditor.violation(`${target.name}: top-up of ${ask.amountFen} moved the card ${b.balanceFen}→${a.balanceFen}, counter ${b.onlineAtc}→${a.onlineAtc}`);
    }
    if (acknowledged) {
      const r = run.result as { entryId: string; balanceAfterFen: number; balanceBeforeFen: number; cardRef: string };
      if (r.cardRef !== target.ref) auditor.violation(`station says it loaded ${r.cardRef}, the card loaded was ${target.ref}`);
      if (r.balanceAfterFen !== a.balanceFen) auditor.violation(`${target.name}: station says balance ${r.balanceAfterFen}, card shows ${a.balanceFen}`);
      if (r.balanceBeforeFen !== b.balanceFen) auditor.violation(`${target.name}: station says balance before ${r.balanceBeforeFen}, card showed ${b.balanceFen}`);
      const es = await readEntries(run.world.station.db, 'entry_id = ?', [r.entryId]);
      if (es.length !== 1) auditor.violation(`${target.name}: reported entry ${r.entryId} is not in the ledger`);
      // Success means the earlier incomplete operations of this card were settled first.
      auditor.markSettled(target);
    } else if (!(run.error instanceof StationError && ['POLICY', 'BAD_INPUT'].includes(run.error.code) && changed.length === 0)) {
      auditor.markUnsettled(target);
      if (target !== run.card) auditor.markUnsettled(run.card!);
    }
  },
};

/** A card placed on the reader: the station reads it and settles its open operations. */
export const presentAction: SimAction = {
  name: 'present',
  weight: (w, a) => (present(w).some((c) => a.unsettled.has(c.name)) ? 3 : 1),
  pickCard(w, a) {
    const pending = present(w).filter((c) => a.unsettled.has(c.name));
    return w.rng.pick(pending.length > 0 ? pending : present(w));
  },
  perform: (world) => placeAndSettle(world),
  async audit(run) {
    unexpectedChanges(run, null);
    if (run.error === undefined) run.auditor.markSettled(run.card!);
  },
};

/** What a station does when a card is placed: read it, and settle its open operations. */
export async function placeAndSettle(world: World): Promise<unknown> {
  return world.cards.withCard(READER, async (ch) => {
    const view = await readCard(world.station.db, ch, world.station.config.cityCode, world.station.now());
    const settled = view.incomplete.length > 0 ? await settleCardOps(world.station, ch, view.cardRef) : [];
    const still = settled.filter((s) => s.outcome === 'still-in-doubt');
    if (still.length > 0) throw new StationError('INCOMPLETE', `still in doubt: ${still.map((s) => s.detail).join('; ')}`);
    return settled;
  });
}

/** A drawer of `fen` as notes and coins (100-yuan notes, 1-yuan coins, fen coins). */
export function countText(fen: number): string {
  const parts = [[10000, Math.floor(fen / 10000)], [100, Math.floor((fen % 10000) / 100)], [1, fen % 100]].filter(([, n]) => n! > 0);
  return parts.map(([d, n]) => `${d}x${n}`).join(',');
}

/** Shift change: close the drawer (counted exactly as the auditor knows it) and open the next. */
export const shiftAction: SimAction = {
  name: 'shift',
  weight: (_w, a) => (a.shiftOpen && a.shiftHasUnsettledCash() ? 0 : 1),
  pickCard: () => null,
  async perform(world, auditor) {
    const open = await currentShift(world.station.db, world.operator.staffId);
    if (open) {
      const expected = auditor.shiftFloatFen + auditor.shiftCashFen();
      const r = await closeShift(world.station, world.operator, countText(expected), null);
      auditor.shiftOpen = false;
      auditor.shiftNo++;
      if (r.differenceFen !== 0) auditor.violation(`shift close: station expected ${r.expectedFen}, the drawer holds ${expected}`);
    }
    auditor.shiftOpen = false;
    const float = world.rng.pick([0, FLOAT_FEN, 20_000]);
    await openShift(world.station, world.operator, float);
    auditor.shiftFloatFen = float;
    auditor.shiftOpen = true;
    return null;
  },
  async audit(run) {
    unexpectedChanges(run, null);
  },
};

export const ACTIONS: SimAction[] = [topupAction, presentAction, shiftAction];
