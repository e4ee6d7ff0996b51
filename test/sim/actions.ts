/**
 * Workflow plug-ins of the simulation. Each action picks its card (if any), runs the real
 * workflow of core/workflows/, and states what the customer asked for; the shared observer
 * then tells the auditor what happened, judged from the cards' own before/after state —
 * never from what the station answered.
 */
import { StationError } from '../../common/errors.ts';
import { currentShift } from '../../db/shifts.ts';
import { readEntries } from '../../db/ledger.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { settleCardOps } from '../../core/card-ops.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { topup } from '../../core/workflows/topup.ts';
import { payAccount, type Auditor, type CardSnapshot, type Pay } from './auditor.ts';
import { FAULT_KINDS, FLOAT_FEN, ProxyCard, READER, type SimCard, type World } from './world.ts';

/** What the customer asked for (and would pay / be paid), so changes on a card can be judged. */
export interface Ask {
  load?: { amountFen: number; pay: Pay };
  sale?: { depositFen: number; pay: Pay };
  refund?: { depositFen: number };
  /** Damaged-card exchange (quality fault): old card blocked, balance to a new card. */
  exchange?: { oldCard: SimCard; depositFen: number };
}

export interface ActionRun {
  world: World;
  auditor: Auditor;
  card: SimCard | null;
  ask: Ask;
  before: Map<string, CardSnapshot>;
  after: Map<string, CardSnapshot>;
  result: unknown;
  error: unknown;
}

export interface SimAction {
  name: string;
  /** Relative weight now (0 = not possible). */
  weight(world: World, auditor: Auditor): number;
  /** The card the customer hands over, or null (no card), or undefined (none available). */
  pickCard(world: World, auditor: Auditor): SimCard | null | undefined;
  /** Runs the workflow (the card, if any, is already in the reader). */
  perform(world: World, auditor: Auditor, card: SimCard | null, ask: Ask): Promise<unknown>;
  /** Checks of the station's answer beyond the card changes (optional). */
  check?(run: ActionRun): Promise<void>;
}

export function customers(world: World): SimCard[] {
  return world.customers.filter((c) => !c.gone && !c.stranger && !c.stock);
}

/**
 * Judges every card's change against the request: a load (balance + amount, counter + 1), a
 * sale (activated), a refund (application blocked). Anything else is a violation.
 */
export function observe(run: ActionRun): void {
  const { auditor, ask } = run;
  const acknowledged = run.error === undefined;
  const changed = run.world.customers.filter((c) => run.before.get(c.name)!.json !== run.after.get(c.name)!.json);
  // Blocks first: an exchange's load is judged against the balance its block set aside.
  const blockedNow = (c: SimCard) => !run.before.get(c.name)!.blocked && run.after.get(c.name)!.blocked;
  for (const c of [...changed.filter(blockedNow), ...changed.filter((c) => !blockedNow(c))]) {
    const b = run.before.get(c.name)!;
    const a = run.after.get(c.name)!;
    let explained = false;
    if (ask.exchange && !b.enabled && a.enabled) {
      // Quality fault: the old deposit changes card (Dr/Cr deposits_held: no net movement).
      auditor.seen({ card: c, kind: 'exchange_issue', onlineAtc: null, pay: 'cash', acknowledged, deltas: {} });
      auditor.depositPaid.set(c.name, ask.exchange.depositFen);
      auditor.exchangeNewCard.set(ask.exchange.oldCard.name, c);
      c.stock = false;
      explained = true;
    } else if (ask.sale && !b.enabled && a.enabled) {
      auditor.seen({ card: c, kind: 'sale', onlineAtc: null, pay: ask.sale.pay, acknowledged, deltas: { [payAccount(ask.sale.pay)]: ask.sale.depositFen, deposits_held: -ask.sale.depositFen } });
      auditor.depositPaid.set(c.name, ask.sale.depositFen);
      c.stock = false;
      explained = true;
    }
    if (a.onlineAtc !== b.onlineAtc || a.balanceFen !== b.balanceFen) {
      const held = ask.exchange ? auditor.exchangeHeld.get(ask.exchange.oldCard.name) : undefined;
      if (held !== undefined && c !== ask.exchange!.oldCard && a.balanceFen === b.balanceFen + held && a.onlineAtc === b.onlineAtc + 1) {
        auditor.seen({ card: c, kind: 'load', onlineAtc: b.onlineAtc, pay: 'cash', acknowledged, deltas: { customer_payable: held, card_float: -held } });
        auditor.exchangeHeld.delete(ask.exchange!.oldCard.name);
        explained = true;
      } else if (ask.load && a.balanceFen === b.balanceFen + ask.load.amountFen && a.onlineAtc === b.onlineAtc + 1) {
        auditor.seen({ card: c, kind: 'load', onlineAtc: b.onlineAtc, pay: ask.load.pay, acknowledged, deltas: { [payAccount(ask.load.pay)]: ask.load.amountFen, card_float: -ask.load.amountFen } });
        explained = true;
      } else {
        auditor.violation(`${c.name}: balance ${b.balanceFen}→${a.balanceFen}, counter ${b.onlineAtc}→${a.onlineAtc} during ${JSON.stringify(ask)}`);
        explained = true;
      }
    }
    if (!b.blocked && a.blocked) {
      if (ask.exchange) {
        // The card blocked is whichever the station found in the field (after a swap: another).
        ask.exchange.oldCard = c;
        auditor.seen({ card: c, kind: 'damaged_block', onlineAtc: null, pay: 'cash', acknowledged, deltas: a.balanceFen > 0 ? { card_float: a.balanceFen, customer_payable: -a.balanceFen } : {} });
        if (a.balanceFen > 0) auditor.exchangeHeld.set(c.name, a.balanceFen);
      } else if (ask.refund) {
        const dep = ask.refund.depositFen;
        auditor.seen({ card: c, kind: 'refund', onlineAtc: null, pay: 'cash', acknowledged, deltas: { card_float: a.balanceFen, deposits_held: dep, cash_drawer: -(a.balanceFen + dep) } });
      } else {
        auditor.violation(`${c.name}: blocked during ${JSON.stringify(ask)}`);
      }
      explained = true;
    }
    if (!explained) auditor.violation(`${c.name}: changed unexpectedly during ${JSON.stringify(ask)}`);
  }
  const target = changed.length === 1 ? changed[0]! : run.card;
  if (!target) return;
  if (acknowledged) auditor.markSettled(target);
  else if (!(run.error instanceof StationError && ['POLICY', 'BAD_INPUT', 'CARD_UNSUPPORTED'].includes(run.error.code) && changed.length === 0)) {
    auditor.markUnsettled(target);
    if (run.card && target !== run.card) auditor.markUnsettled(run.card);
  }
}

async function entryExists(run: ActionRun, entryId: string): Promise<void> {
  const es = await readEntries(run.world.station.db, 'entry_id = ?', [entryId]);
  if (es.length !== 1) run.auditor.violation(`reported entry ${entryId} is not in the ledger`);
}

/** The changed card (after a swap, the one that really was in the field). */
function changedCard(run: ActionRun): SimCard | null {
  const changed = run.world.customers.filter((c) => run.before.get(c.name)!.json !== run.after.get(c.name)!.json);
  return changed.length === 1 ? changed[0]! : null;
}

function pickPay(world: World): Pay {
  return world.rng.chance(0.75) ? 'cash' : 'other';
}

export const topupAction: SimAction = {
  name: 'topup',
  weight: (w, a) => (a.shiftOpen && customers(w).length > 0 ? 6 : 0),
  pickCard: (w) => (customers(w).length > 0 ? w.rng.pick(customers(w)) : undefined),
  async perform(world, _auditor, _card, ask) {
    const rng = world.rng;
    const amountFen = rng.pick([1000, 2000, 5000, 10000, rng.int(1000, 30000)]);
    const pay = pickPay(world);
    ask.load = { amountFen, pay };
    return topup(world.station, world.operator, {
      amount: String(amountFen), pay, tendered: pay === 'cash' ? String(amountFen + rng.pick([0, 0, 50, 10000])) : undefined,
      reference: pay === 'other' ? `POS-${rng.int(1, 99999)}` : undefined, reader: READER,
    });
  },
  async check(run) {
    if (run.error !== undefined) return;
    const target = changedCard(run);
    const r = run.result as { entryId: string; balanceAfterFen: number; balanceBeforeFen: number; cardRef: string };
    if (!target) { run.auditor.violation(`top-up reported success (${r.entryId}) but no card changed`); return; }
    const a = run.after.get(target.name)!;
    const b = run.before.get(target.name)!;
    if (r.cardRef !== target.ref) run.auditor.violation(`station says it loaded ${r.cardRef}, the card loaded was ${target.ref}`);
    if (r.balanceAfterFen !== a.balanceFen || r.balanceBeforeFen !== b.balanceFen) run.auditor.violation(`${target.name}: station says ${r.balanceBeforeFen}→${r.balanceAfterFen}, card shows ${b.balanceFen}→${a.balanceFen}`);
    await entryExists(run, r.entryId);
  },
};

/** Card sale: a stock card activated for the deposit, sometimes with a first load. */
export const issueAction: SimAction = {
  name: 'issue',
  weight: (w, a) => (a.shiftOpen && w.customers.some((c) => c.stock && !c.gone) ? 2 : 0),
  pickCard: (w) => {
    const stock = w.customers.filter((c) => c.stock && !c.gone);
    return stock.length > 0 ? w.rng.pick(stock) : undefined;
  },
  async perform(world, _auditor, _card, ask) {
    const rng = world.rng;
    const pay = pickPay(world);
    const firstLoad = rng.chance(0.5) ? rng.pick([1000, 5000, 10000]) : 0;
    ask.sale = { depositFen: world.station.policy.depositFen, pay };
    if (firstLoad > 0) ask.load = { amountFen: firstLoad, pay };
    return issueCard(world.station, world.operator, {
      pay, reader: READER, firstLoad: firstLoad > 0 ? String(firstLoad) : undefined,
      reference: pay === 'other' ? `POS-${rng.int(1, 99999)}` : undefined,
    });
  },
  async check(run) {
    if (run.error !== undefined) return;
    await entryExists(run, (run.result as { entryId: string }).entryId);
  },
};

/** Known deposit: what the customer paid at this counter, else the policy's deposit (no record). */
function depositOf(world: World, auditor: Auditor, card: SimCard): number {
  return auditor.depositPaid.get(card.name) ?? world.station.policy.depositFen;
}

/** Cards a refund could pay out from the drawer as it stands (a cashier cannot pay out more). */
function affordable(world: World, auditor: Auditor): SimCard[] {
  const all = customers(world);
  if (all.length < 2) return [];
  const cash = auditor.drawerFen();
  return all.filter((c) => (c.card as unknown as { balanceFen: number }).balanceFen + depositOf(world, auditor, c) <= cash);
}

/** Refund: the balance and the deposit paid out in cash, the card blocked and kept. */
export const refundAction: SimAction = {
  name: 'refund',
  weight: (w, a) => (a.shiftOpen && affordable(w, a).length > 0 ? 1 : 0),
  pickCard: (w, a) => (affordable(w, a).length > 0 ? w.rng.pick(affordable(w, a)) : undefined),
  async perform(world, auditor, card, ask) {
    ask.refund = { depositFen: depositOf(world, auditor, card!) };
    const balance = (card!.card as unknown as { balanceFen: number }).balanceFen;
    const supervisor = balance > world.station.policy.refundCashLimitFen && world.rng.chance(0.7) ? world.supervisor : null;
    return refundCard(world.station, world.operator, { reader: READER, supervisor });
  },
  async check(run) {
    if (run.error !== undefined) return;
    const r = run.result as { entryId: string; totalFen: number };
    await entryExists(run, r.entryId);
  },
};

function stockCards(world: World): SimCard[] {
  return world.customers.filter((c) => c.stock && !c.gone);
}

/** One-reader swap: the old card leaves, the new one is placed (sometimes with a fault of its own). */
function swapTo(world: World, next: SimCard): () => Promise<void> {
  return async () => {
    const proxy = new ProxyCard(world, next.card);
    if (world.rng.chance(0.4)) {
      const kind = world.rng.pick(FAULT_KINDS.filter((k) => k !== 'swap'));
      next.card.armFault({ kind: kind as Exclude<typeof kind, 'swap'>, atApdu: world.rng.int(0, 12) });
      world.extraFaultCards.push(next);
    }
    world.cards.insert(READER, proxy);
  };
}

/** Damaged-card exchange on a one-reader counter (quality fault: nothing to pay). */
export const exchangeAction: SimAction = {
  name: 'exchange',
  weight: (w) => (stockCards(w).length > 0 && customers(w).length > 1 ? 1 : 0),
  pickCard: (w) => (stockCards(w).length > 0 && customers(w).length > 1 ? w.rng.pick(customers(w)) : undefined),
  async perform(world, auditor, card, ask) {
    const next = world.rng.pick(stockCards(world));
    ask.exchange = { oldCard: card!, depositFen: depositOf(world, auditor, card!) };
    return exchangeDamagedCard(world.station, world.operator, { fault: 'quality', reader: READER, swapCards: swapTo(world, next) });
  },
};

/** Finishing an exchange whose new card failed: `station exchange --request ID` with the new card. */
export const exchangeFinishAction: SimAction = {
  name: 'exchange-finish',
  weight: (_w, a) => (a.exchangeHeld.size > 0 ? 2 : 0),
  pickCard(w, a) {
    const open = [...a.exchangeHeld.keys()].map((n) => w.customers.find((c) => c.name === n)!);
    if (open.length === 0) return undefined;
    const old = w.rng.pick(open);
    const next = a.exchangeNewCard.get(old.name) ?? (stockCards(w).length > 0 ? w.rng.pick(stockCards(w)) : undefined);
    if (next === undefined || next.gone) return undefined;
    a.finishing = old;
    return next;
  },
  async perform(world, auditor, _card, ask) {
    const old = auditor.finishing!;
    ask.exchange = { oldCard: old, depositFen: depositOf(world, auditor, old) };
    const row = await world.station.db.get<{ request_id: string }>("SELECT request_id FROM requests WHERE kind = 'damaged' AND card_ref = ? AND state IN ('waiting', 'ready')", [old.ref]);
    if (!row) throw new StationError('POLICY', `sim: no open damaged-card request for ${old.ref}`);
    return exchangeDamagedCard(world.station, world.operator, { request: row.request_id, reader: READER });
  },
};

/** A card placed on the reader: the station reads it and settles its open operations. */
export const presentAction: SimAction = {
  name: 'present',
  weight: (w, a) => (customers(w).length === 0 ? 0 : customers(w).some((c) => a.unsettled.has(c.name)) ? 3 : 1),
  pickCard(w, a) {
    const all = w.customers.filter((c) => !c.gone && !c.stranger);
    const pending = all.filter((c) => a.unsettled.has(c.name));
    if (all.length === 0) return undefined;
    return w.rng.pick(pending.length > 0 ? pending : all);
  },
  perform: (world) => placeAndSettle(world),
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
      const expected = auditor.drawerFen();
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
};

export const ACTIONS: SimAction[] = [topupAction, issueAction, refundAction, exchangeAction, exchangeFinishAction, presentAction, shiftAction];
