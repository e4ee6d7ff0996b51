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
import { settleCardOps } from '../../core/card-settlers.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { topup } from '../../core/workflows/topup.ts';
import { TX_TYPE_EP_LOAD } from '../../devices/cpu/cpu-client.ts';
import { parseLogRecord } from '../../devices/cpu/files.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { payAccount, type Auditor, type CardSnapshot, type Pay } from './auditor.ts';
import { FAULT_KINDS, FLOAT_FEN, ProxyCard, READER, type SimCard, type World } from './world.ts';
import { CASH_ACTIONS, settleCashInDoubt } from './cash-actions.ts';
import { STOCK_ACTIONS } from './stock-actions.ts';
import { checkNoOverdueTopup, concessionAction, onlyConcessionFileChanged, pickCardType } from './concession-actions.ts';

/** What the customer asked for (and would pay / be paid), so changes on a card can be judged. */
export interface Ask {
  load?: { amountFen: number; pay: Pay };
  sale?: { depositFen: number; pay: Pay; idNumber?: string | null };
  /** waived: a supervisor waived the refund fee (the auditor then reckons none). */
  refund?: { depositFen: number; waived: boolean };
  /** Damaged-card exchange (quality fault): old card blocked, balance to a new card. */
  exchange?: { oldCard: SimCard; depositFen: number };
  /** Replacement of a lost card: a new card activated (the old deposit moves) and loaded with the host's balance. */
  replace?: { lostCard: SimCard; balanceFen: number; depositFen: number; waived: boolean };
  /** M1 → CPU upgrade: the M1 purse zeroed, a stock CPU card activated and loaded with B + deposit. */
  migrate?: { m1: SimCard; depositFen: number };
  /** The cards the clerk confirmed on the screens (UI simulation, by name): the only cards money may go to. */
  confirmed?: string[];
  /** UI simulation: the commit was answered "nothing reached a card" (outcome none) and nothing else of the action succeeded: no card may have changed. */
  nothingDone?: boolean;
  /** Several loads asked for at once (concurrent simulation), each on its card; matched to the counters the cards' logs show. */
  loads?: Array<{ card: string; amountFen: number; pay: Pay }>;
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

/** Customers holding a sold CPU card. */
export function customers(world: World): SimCard[] {
  return world.customers.filter((c) => c.kind === 'cpu' && !c.gone && !c.stranger && !c.stock && c.reserved !== true);
}

/** Customers holding an old M1 card. */
export function m1Customers(world: World): SimCard[] {
  return world.customers.filter((c) => c.kind === 'm1' && !c.gone && !c.stranger);
}

/**
 * An M1 card's change, judged on its stable states only (a half-written card is settled by
 * the station before anything else): the purse may only go from B to 0 (or the blacklist flag
 * appear) once, for an upgrade the customer asked for; that moves B from the M1 purses and the
 * deposit out of deposits_held to what the customer is owed.
 */
function observeM1(run: ActionRun, c: SimCard, acknowledged: boolean): void {
  const { auditor } = run;
  const a = run.after.get(c.name)!.m1!;
  if (!a.stable) return; // judged once the station has settled it
  const last = auditor.m1Last.get(c.name) ?? { valueFen: c.initialBalanceFen, blacklisted: false };
  if (a.valueFen === last.valueFen && a.blacklisted === last.blacklisted) return;
  auditor.m1Last.set(c.name, { valueFen: a.valueFen, blacklisted: a.blacklisted });
  const zeroed = !auditor.m1Zeroed.has(c.name) && auditor.m1Tried.has(c.name) && (a.valueFen === 0 && (last.valueFen > 0 || a.blacklisted));
  if (zeroed) {
    const B = last.valueFen;
    const D = run.world.station.policy.depositFen;
    auditor.m1Zeroed.add(c.name);
    auditor.m1Owed.set(c.name, B + D);
    auditor.seen({ card: c, kind: 'm1_zero', onlineAtc: null, pay: 'cash', acknowledged, deltas: { m1_float: B, deposits_held: D, customer_payable: -(B + D) } });
    if (run.ask.migrate) run.ask.migrate.m1 = c;
    return;
  }
  if (auditor.m1Zeroed.has(c.name) && a.valueFen === 0 && a.blacklisted) return; // the flag finished on settlement
  auditor.violation(`${c.name}: M1 purse ${last.valueFen}→${a.valueFen}, blacklisted ${String(last.blacklisted)}→${String(a.blacklisted)} during ${JSON.stringify(run.ask, (k, v) => (k === 'card' ? undefined : v))}`);
}

/**
 * Judges every card's change against the request: a load (balance + amount, counter + 1), a
 * sale (activated), a refund (application blocked). Anything else is a violation.
 */
export function observe(run: ActionRun): void {
  const { auditor, ask } = run;
  const acknowledged = run.error === undefined;
  const changedAll = run.world.customers.filter((c) => run.before.get(c.name)!.json !== run.after.get(c.name)!.json);
  for (const c of changedAll.filter((x) => x.kind === 'm1')) observeM1(run, c, acknowledged);
  const changed = changedAll.filter((x) => x.kind === 'cpu');
  // Blocks first: an exchange's load is judged against the balance its block set aside.
  const blockedNow = (c: SimCard) => !run.before.get(c.name)!.blocked && run.after.get(c.name)!.blocked;
  for (const c of [...changed.filter(blockedNow), ...changed.filter((c) => !blockedNow(c))]) {
    const b = run.before.get(c.name)!;
    const a = run.after.get(c.name)!;
    // A 年审 date written (issue 17: a 年审, a concession sale's first date, a torn one finished): only the concession file changed, no money.
    let explained = onlyConcessionFileChanged(b.json, a.json);
    if (!explained && ask.exchange && !b.enabled && a.enabled) {
      // Quality fault: the old deposit changes card (Dr/Cr deposits_held: no net movement).
      auditor.seen({ card: c, kind: 'exchange_issue', onlineAtc: null, pay: 'cash', acknowledged, deltas: {} });
      auditor.depositPaid.set(c.name, ask.exchange.depositFen);
      auditor.exchangeNewCard.set(ask.exchange.oldCard.name, c);
      c.stock = false;
      explained = true;
    } else if (ask.sale && !b.enabled && a.enabled) {
      auditor.seen({ card: c, kind: 'sale', onlineAtc: null, pay: ask.sale.pay, acknowledged, deltas: { [payAccount(ask.sale.pay)]: ask.sale.depositFen, deposits_held: -ask.sale.depositFen } });
      auditor.depositPaid.set(c.name, ask.sale.depositFen);
      c.idNumber = ask.sale.idNumber ?? null;
      c.stock = false;
      explained = true;
    } else if (ask.migrate && !b.enabled && a.enabled) {
      // Sold inside the upgrade: no new deposit (the M1 deposit travels in the load), no fee.
      auditor.seen({ card: c, kind: 'migrate_issue', onlineAtc: null, pay: 'cash', acknowledged, deltas: {} });
      auditor.depositPaid.set(c.name, 0);
      auditor.m1NewCard.set(ask.migrate.m1.name, c);
      c.stock = false;
      c.reserved = true;
      explained = true;
    } else if (ask.replace && !b.enabled && a.enabled) {
      // The lost card's deposit moves to the new card (Dr/Cr deposits_held), registered to the same holder.
      // And the 工本费 (issue 17) paid in cash on its own fee_income line, unless the supervisor waived it.
      const fee = ask.replace.waived ? 0 : auditor.replacementFee();
      auditor.seen({ card: c, kind: 'replacement_issue', onlineAtc: null, pay: 'cash', acknowledged, deltas: fee > 0 ? { cash_drawer: fee, fee_income: -fee } : {} });
      auditor.depositPaid.set(c.name, ask.replace.depositFen);
      auditor.replaceNewCard.set(ask.replace.lostCard.name, c);
      c.idNumber = ask.replace.lostCard.idNumber;
      c.stock = false;
      c.reserved = true;
      explained = true;
    }
    if (a.onlineAtc !== b.onlineAtc || a.balanceFen !== b.balanceFen) {
      const held = ask.exchange ? auditor.exchangeHeld.get(ask.exchange.oldCard.name) : undefined;
      if (held !== undefined && c !== ask.exchange!.oldCard && a.balanceFen === b.balanceFen + held && a.onlineAtc === b.onlineAtc + 1) {
        auditor.seen({ card: c, kind: 'load', onlineAtc: b.onlineAtc, pay: 'cash', acknowledged, deltas: { customer_payable: held, card_float: -held } });
        auditor.exchangeHeld.delete(ask.exchange!.oldCard.name);
        explained = true;
      } else if (ask.migrate && c.kind === 'cpu' && a.onlineAtc === b.onlineAtc + 1 && a.balanceFen - b.balanceFen === auditor.m1Owed.get(ask.migrate.m1.name)) {
        const owed = auditor.m1Owed.get(ask.migrate.m1.name)!;
        auditor.seen({ card: c, kind: 'load', onlineAtc: b.onlineAtc, pay: 'cash', acknowledged, deltas: { customer_payable: owed, card_float: -owed } });
        auditor.m1Owed.delete(ask.migrate.m1.name);
        explained = true;
      } else if (ask.replace && c !== ask.replace.lostCard && ask.replace.balanceFen > 0 && a.balanceFen === b.balanceFen + ask.replace.balanceFen && a.onlineAtc === b.onlineAtc + 1) {
        // The new card has the lost card's balance: the host's answer was booked before it.
        const B = ask.replace.balanceFen;
        auditor.bookReplacementOut(ask.replace.lostCard, acknowledged);
        auditor.seen({ card: c, kind: 'load', onlineAtc: b.onlineAtc, pay: 'cash', acknowledged, deltas: { customer_payable: B, card_float: -B } });
        explained = true;
      } else if (ask.loads && observeLoads(run, c, b, a)) {
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
        // The deposit of the card actually refunded (after a swap: another customer's).
        const dep = c === run.card ? ask.refund.depositFen : auditor.depositPaid.get(c.name) ?? run.world.station.policy.depositFen;
        // The refund fee by the auditor's own arithmetic (test/sim/auditor.ts), kept from the cash paid out.
        const fee = ask.refund.waived ? 0 : auditor.refundFee(a.balanceFen);
        auditor.seen({ card: c, kind: 'refund', onlineAtc: null, pay: 'cash', acknowledged, deltas: { card_float: a.balanceFen, deposits_held: dep, cash_drawer: -(a.balanceFen + dep - fee), ...(fee > 0 ? { fee_income: -fee } : {}) } });
      } else {
        auditor.violation(`${c.name}: blocked during ${JSON.stringify(ask)}`);
      }
      explained = true;
    }
    if (!explained) auditor.violation(`${c.name}: changed unexpectedly during ${JSON.stringify(ask)}`);
  }
  const target = changed.length === 1 && !ask.migrate ? changed[0]! : run.card;
  if (!target) return;
  if (acknowledged) auditor.markSettled(target);
  else if (!(run.error instanceof StationError && ['POLICY', 'BAD_INPUT', 'CARD_UNSUPPORTED'].includes(run.error.code) && changed.length === 0)) {
    auditor.markUnsettled(target);
    if (run.card && target !== run.card) auditor.markUnsettled(run.card);
  }
}

/**
 * Loads asked for at once (parallel requests): each counter the card used is matched, by the
 * amount its own log shows for that counter, to a load asked for on this card (used up once).
 */
function observeLoads(run: ActionRun, c: SimCard, b: CardSnapshot, a: CardSnapshot): boolean {
  const records = (c.card as CpuCard).logRecords.map(parseLogRecord);
  const left = [...run.ask.loads!];
  const matched: Array<{ atc: number; amountFen: number; pay: Pay }> = [];
  for (let atc = b.onlineAtc; atc < a.onlineAtc; atc++) {
    const rec = records.find((r) => r.seq === atc && r.type === TX_TYPE_EP_LOAD);
    const i = rec ? left.findIndex((l) => l.card === c.name && l.amountFen === rec.amountFen) : -1;
    if (i < 0) return false;
    matched.push({ atc, ...left.splice(i, 1)[0]! });
  }
  if (matched.reduce((s, m) => s + m.amountFen, 0) !== a.balanceFen - b.balanceFen) return false;
  run.ask.loads = left;
  for (const m of matched) {
    run.auditor.seen({ card: c, kind: 'load', onlineAtc: m.atc, pay: m.pay, acknowledged: run.error === undefined, deltas: { [payAccount(m.pay)]: m.amountFen, card_float: -m.amountFen } });
  }
  return true;
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
    checkNoOverdueTopup(run, target);
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
    // Half the cards sold are registered (记名): only those can be reported lost.
    const idNumber = (world.registerNext ?? rng.chance(0.6)) ? world.nextIdNumber() : null;
    ask.sale = { depositFen: world.station.policy.depositFen, pay, idNumber };
    if (firstLoad > 0) ask.load = { amountFen: firstLoad, pay };
    return issueCard(world.station, world.operator, {
      pay, reader: READER, firstLoad: firstLoad > 0 ? String(firstLoad) : undefined, ...pickCardType(world, idNumber !== null),
      registration: idNumber !== null ? { name: '王小明', idNumber, phone: rng.chance(0.5) ? '13912345678' : undefined } : null,
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
    // One refund in five has its fee waived by the supervisor (issue 17).
    const waiver = world.rng.chance(0.2) ? { supervisor: world.supervisor, reason: '模拟：值班长减免' } : null;
    ask.refund = { depositFen: depositOf(world, auditor, card!), waived: waiver !== null };
    const balance = (card!.card as unknown as { balanceFen: number }).balanceFen;
    const supervisor = balance > world.station.policy.refundCashLimitFen && world.rng.chance(0.7) ? world.supervisor : null;
    return refundCard(world.station, world.operator, { reader: READER, supervisor, waiver });
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
    world.swapProxy = proxy;
    const forced = world.nextCardFault;
    world.nextCardFault = null;
    if (forced !== null) {
      if (forced.kind === 'swap') {
        const other = world.customers.filter((c) => c !== next && !c.gone);
        if (other.length > 0) proxy.armSwap(forced.atApdu, world.rng.pick(other).card);
      } else {
        next.card.armFault({ kind: forced.kind === 'partial-write' ? 'tear-before-commit' : forced.kind, atApdu: forced.atApdu });
        world.extraFaultCards.push(next);
      }
    } else if (!world.calm && world.rng.chance(0.4)) {
      const kind = world.rng.pick(FAULT_KINDS.filter((k) => k !== 'swap' && k !== 'partial-write'));
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
    await settleCashInDoubt(world, auditor);
    const open = await currentShift(world.station.db, world.operator.staffId);
    if (open) {
      const expected = auditor.drawerFen();
      // A close (or open) whose process died is asked of the ledger once the station is back:
      // its float went back to the safe (or came out of it) only if it committed.
      const r = await closeShift(world.station, world.operator, countText(expected), null).catch((err: unknown) => {
        auditor.cashInDoubt.push(async (db) => { if ((await currentShift(db, 'op1'))?.shift_id !== open.shift_id) auditor.closedWith(expected); });
        throw err;
      });
      auditor.closedWith(expected);
      if (r.differenceFen !== 0) auditor.violation(`shift close: station expected ${r.expectedFen}, the drawer holds ${expected}`);
    }
    auditor.shiftOpen = false;
    const float = world.rng.pick([0, FLOAT_FEN, 20_000]);
    await openShift(world.station, world.operator, float).catch((err: unknown) => {
      auditor.shiftOpenInDoubt(float);
      throw err;
    });
    auditor.shiftOpened(float);
    return null;
  },
};

// ── Lost report, replacement after loss, M1 → CPU upgrade ───────────────────────────────

const hasMovement = (a: Auditor, c: SimCard, kinds: string[]): boolean => a.movements.some((m) => m.card === c && kinds.includes(m.kind));

/** Registered cards whose holder may lose them (still active as far as the customer knows). */
function losable(world: World, a: Auditor): SimCard[] {
  return customers(world).filter((c) => c.idNumber !== null && !a.exchangeHeld.has(c.name) && !a.exchangeNewCard.has(c.name) && !hasMovement(a, c, ['refund', 'damaged_block']));
}

/** Lost cards whose report the station has not confirmed yet (the holder comes back to report). */
function lostUnconfirmed(world: World, a: Auditor): SimCard[] {
  return world.customers.filter((c) => c.lost && !a.lostConfirmed.has(c.name) && !a.lostRefused.has(c.name));
}

/**
 * Lost report (挂失): the holder has lost the card (it never enters the field again, except in
 * a finder's hands) and reports it with the ID number, sometimes with the card number. No APDU;
 * the station blacklists it and freezes its balance. A report the station did not confirm
 * (process death, full disk) is made again later.
 */
export const lostAction: SimAction = {
  name: 'lost',
  weight: (w, a) => (losable(w, a).length > 0 || lostUnconfirmed(w, a).length > 0 ? 3 : 0),
  pickCard(w, a) {
    const again = lostUnconfirmed(w, a);
    const fresh = losable(w, a);
    if (again.length === 0 && fresh.length === 0) return undefined;
    const c = again.length > 0 && (fresh.length === 0 || w.rng.chance(0.7)) ? w.rng.pick(again) : w.rng.pick(fresh);
    c.lost = true;
    c.gone = true;
    a.target = c;
    return null;
  },
  perform: (world, auditor) => {
    const c = auditor.target!;
    return lostReport(auditor, () => reportLost(world.station, world.operator, { idNumber: c.idNumber, ...(world.rng.chance(0.4) ? { card: c.asn } : {}) }));
  },
  async check(run) {
    const c = run.auditor.target!;
    if (run.error !== undefined) return;
    run.auditor.lostConfirmed.add(c.name);
    const bl = await run.world.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM blacklist WHERE card_ref = ?', [c.ref]);
    if ((bl?.n ?? 0) === 0) run.auditor.violation(`${c.name}: reported lost but not on the blacklist`);
  },
};

/** A lost report however it is made (core call or API request): what its answer tells the auditor. */
export async function lostReport(auditor: Auditor, report: () => Promise<unknown>): Promise<unknown> {
  const c = auditor.target!;
  try {
    return await report();
  } catch (err) {
    // An earlier report the station did record (its answer was lost with the process).
    if (err instanceof StationError && err.code === 'POLICY' && /is lost/.test(err.message)) {
      auditor.lostConfirmed.add(c.name);
      return { already: true };
    }
    if (err instanceof StationError && err.code === 'POLICY') auditor.lostRefused.add(c.name);
    throw err;
  }
}

/** A finder tries to top up a card reported lost: refused (blacklisted), the card untouched. */
export const lostCardUseAction: SimAction = {
  name: 'lost-card-use',
  weight: (w, a) => (a.shiftOpen && w.customers.some((c) => a.lostConfirmed.has(c.name)) ? 0.5 : 0),
  pickCard: (w, a) => {
    const lost = w.customers.filter((c) => a.lostConfirmed.has(c.name));
    return lost.length > 0 ? w.rng.pick(lost) : undefined;
  },
  perform(world, _auditor, _card, ask) {
    // (A swap may bring another customer's card into the field: that one may be loaded.)
    ask.load = { amountFen: 1000, pay: 'cash' };
    return topup(world.station, world.operator, { amount: '1000', pay: 'cash', tendered: '1000', reader: READER });
  },
  async check(run) {
    const r = run.result as { cardRef?: string } | undefined;
    if (run.error === undefined && r?.cardRef === run.card!.ref) run.auditor.violation(`${run.card!.name}: a top-up of a card reported lost went through`);
    if (run.before.get(run.card!.name)!.balanceFen !== run.after.get(run.card!.name)!.balanceFen) run.auditor.violation(`${run.card!.name}: the balance of a card reported lost changed`);
  },
};

/** Lost cards a replacement can be asked for (the holder has the ID card and maybe a slip). */
function replaceable(world: World, a: Auditor, withSlip: boolean): SimCard[] {
  return world.customers.filter((c) => a.lostConfirmed.has(c.name) && !a.replaceDone.has(c.name) && a.replaceSlip.has(c.name) === withSlip
    && (a.replaceNewCard.has(c.name) ? !a.replaceNewCard.get(c.name)!.gone : stockCards(world).length > 0));
}

function replacement(withSlip: boolean): SimAction {
  return {
    name: withSlip ? 'replace-pickup' : 'replace',
    weight: (w, a) => (replaceable(w, a, withSlip).length > 0 ? 5 : 0),
    pickCard(w, a) {
      const lost = replaceable(w, a, withSlip);
      if (lost.length === 0) return undefined;
      const c = w.rng.pick(lost);
      a.target = c;
      const next = nextCardFor(w, a.replaceNewCard.get(c.name), a.replaceCandidate.get(c.name));
      if (next !== undefined) a.replaceCandidate.set(c.name, next);
      return next;
    },
    async perform(world, auditor, _card, ask) {
      const lost = auditor.target!;
      const rng = world.rng;
      if (!auditor.replaceTried.has(lost.name)) world.advanceDays(world.station.policy.replacementWaitDays + 1);
      auditor.replaceTried.add(lost.name);
      // The host is down now and then: the request waits (pickup slip), or a slip can't be served yet.
      world.host = world.forceHostDown ? 'down' : world.forceHostUp || rng.chance(0.7) ? 'up' : rng.pick(['down', 'error'] as const);
      // One replacement in five has its 工本费 waived by the supervisor (issue 17).
      const waiver = rng.chance(0.2) ? { supervisor: world.supervisor, reason: '模拟：值班长减免' } : null;
      ask.replace = { lostCard: lost, balanceFen: (lost.card as unknown as { balanceFen: number }).balanceFen, depositFen: depositOf(world, auditor, lost), waived: waiver !== null };
      const slip = auditor.replaceSlip.get(lost.name);
      try {
        return await replaceLostCard(world.station, world.operator, {
          idNumber: lost.idNumber, reader: READER, waiver,
          ...(slip !== undefined ? { request: slip } : rng.chance(0.4) ? { card: lost.asn } : {}),
        });
      } catch (err) {
        const named = namedCard(world, err);
        if (named !== undefined) auditor.replaceCandidate.set(lost.name, named);
        // Finished by an earlier attempt whose answer was lost (recorded when its card was settled).
        if (err instanceof StationError && err.code === 'POLICY' && /is already done|is replaced|\(replaced\)/.test(err.message) && auditor.replaceNewCard.has(lost.name)) {
          auditor.replaceDone.add(lost.name);
          auditor.replaceNewCard.get(lost.name)!.reserved = false;
        }
        throw err;
      } finally {
        world.host = 'up';
      }
    },
    async check(run) {
      if (run.error !== undefined) return;
      const lost = run.auditor.target!;
      const r = run.result as { state: 'queued'; requestId: string } | { state: 'done'; balanceFen: number; newCardRef: string };
      if (r.state === 'queued') {
        run.auditor.replaceSlip.set(lost.name, r.requestId);
        return;
      }
      run.auditor.replaceDone.add(lost.name);
      const activated = run.auditor.replaceNewCard.get(lost.name);
      if (activated) activated.reserved = false;
      const b = (lost.card as unknown as { balanceFen: number }).balanceFen;
      if (r.balanceFen !== b) run.auditor.violation(`${lost.name}: replaced with ${r.balanceFen} fen, the lost card holds ${b}`);
      const fresh = run.auditor.replaceNewCard.get(lost.name);
      if (fresh === undefined || fresh.ref !== r.newCardRef) run.auditor.violation(`${lost.name}: station says the new card is ${r.newCardRef}, the auditor saw ${fresh?.ref ?? 'none'} activated`);
    },
  };
}

/** Replacement after loss (补卡) with the ID number, after the waiting period. */
export const replaceAction = replacement(false);
/** The same with the pickup slip of a request queued while the host was down. */
export const replacePickupAction = replacement(true);

/**
 * The card to place for an unfinished upgrade or replacement: the one it activated, else the
 * one the station names as in doubt, else the one placed last time, else any stock card.
 */
export function nextCardFor(world: World, activated: SimCard | undefined, candidate: SimCard | undefined): SimCard | undefined {
  if (activated !== undefined) return activated.gone ? undefined : activated;
  if (candidate !== undefined && candidate.stock && !candidate.gone) return candidate;
  return stockCards(world).length > 0 ? world.rng.pick(stockCards(world)) : undefined;
}

/** The card an "incomplete" refusal names (the operator places that one next). */
function namedCard(world: World, err: unknown): SimCard | undefined {
  const m = err instanceof StationError && err.code === 'INCOMPLETE' ? /card ([0-9A-F]{16})/.exec(err.message) : null;
  return m ? world.customers.find((c) => c.kind === 'cpu' && c.asn === m[1]) : undefined;
}

function migratable(world: World, a: Auditor): SimCard[] {
  return m1Customers(world).filter((c) => !a.m1Done.has(c.name) && (a.m1NewCard.has(c.name) ? !a.m1NewCard.get(c.name)!.gone : stockCards(world).length > 0));
}

/**
 * M1 → CPU upgrade (升级换卡) on a one-reader counter: the M1 card first (zeroed, blacklisted),
 * then the swap to the CPU card (activated, loaded with B + the carried deposit). A run that
 * stopped resumes with the same M1 card and the CPU card it activated.
 */
export const migrateAction: SimAction = {
  name: 'migrate',
  weight: (w, a) => (a.shiftOpen && migratable(w, a).length > 0 ? 1.5 : 0),
  pickCard: (w, a) => (migratable(w, a).length > 0 ? w.rng.pick(migratable(w, a)) : undefined),
  async perform(world, auditor, card, ask) {
    const m1 = card!;
    const next = nextCardFor(world, auditor.m1NewCard.get(m1.name), auditor.m1Candidate.get(m1.name));
    if (next === undefined) throw new StationError('POLICY', 'sim: no card to upgrade onto');
    auditor.m1Candidate.set(m1.name, next);
    auditor.m1Tried.add(m1.name);
    ask.migrate = { m1, depositFen: world.station.policy.depositFen };
    try {
      return await migrate(world.station, world.operator, { oldReader: READER, newReader: READER, swapCards: swapTo(world, next) });
    } catch (err) {
      const named = namedCard(world, err);
      if (named !== undefined) auditor.m1Candidate.set(m1.name, named);
      throw err;
    }
  },
  async check(run) {
    if (run.error !== undefined) return;
    const r = run.result as { old: { cardRef: string }; new: { cardRef: string }; loadedFen: number; entryId: string };
    const m1 = run.ask.migrate!.m1;
    run.auditor.m1Done.add(m1.name);
    const activated = run.auditor.m1NewCard.get(m1.name);
    if (activated) activated.reserved = false;
    if (r.old.cardRef !== m1.ref) run.auditor.violation(`station upgraded ${r.old.cardRef}, the customer's M1 card is ${m1.ref}`);
    const fresh = run.auditor.m1NewCard.get(m1.name);
    if (fresh === undefined || fresh.ref !== r.new.cardRef) run.auditor.violation(`${m1.name}: station says the new card is ${r.new.cardRef}, the auditor saw ${fresh?.ref ?? 'none'} activated`);
    if (run.auditor.m1Owed.has(m1.name)) run.auditor.violation(`${m1.name}: upgrade reported done, but ${run.auditor.m1Owed.get(m1.name)} fen never reached a card`);
    await entryExists(run, r.entryId);
  },
};

export const ACTIONS: SimAction[] = [
  topupAction, issueAction, refundAction, exchangeAction, exchangeFinishAction, presentAction, shiftAction,
  lostAction, lostCardUseAction, replaceAction, replacePickupAction, migrateAction,
  // The teller's cash (issue 17 item 4): 交款, transfers between two open shifts and their taking.
  ...CASH_ACTIONS,
  // Blank-card stock (issue 17 item 3): a range received, a stock card spoiled.
  ...STOCK_ACTIONS,
  // 年审 (issue 17 item 2): concession cards come from the sale.
  concessionAction,
];
