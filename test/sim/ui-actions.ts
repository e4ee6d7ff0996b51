/**
 * The workflows of the UI simulation: what the counter screens do, sent over `station serve`'s
 * WebSocket (test/sim/ui-counter.ts) — read (the card panel shows the card placed), confirm (the
 * confirmation screen, the customer display's 请核对金额) and commit (the money method) as
 * separate calls — with the clerk's own mistakes at each of those steps:
 *   swap        another card is put on the reader in place of the one on the screen
 *   remove      the card is taken off (and put back when the station says it is missing)
 *   enter-twice Enter pressed twice (the same confirmation / the same commit sent twice)
 *   two-tabs    a second browser tab on the same session does the same
 *   lock        the session is locked (F9, or idle) and unlocked with the PIN
 *   drop        the socket drops and the page reconnects (resume)
 *   restart     the core restarts (server and station), the clerk logs in again
 * The card faults and process deaths of the direct simulation stay armed underneath. What the
 * customers asked for goes into the same `Ask` the auditor judges the cards by; on top of that
 * every card changed must be the card the clerk confirmed, and a request sent twice is booked once.
 */
import type { CardSlot, CardViewDto, MethodName } from '../../common/api.ts';
import { METHODS } from '../../common/api.ts';
import { StationError } from '../../common/errors.ts';
import { countText, customers, issueAction, lostAction, lostReport, presentAction, refundAction, topupAction, type ActionRun, type Ask, type SimAction } from './actions.ts';
import type { Auditor, Pay } from './auditor.ts';
import { SUPERVISOR, type UiCounter } from './ui-counter.ts';
import { ApiRefusal, ConnectionLost } from './ui-client.ts';
import { FLOAT_FEN, READER, type SimCard, type World } from './world.ts';
import { settleCashInDoubt } from './cash-actions.ts';
import { currentShift } from '../../db/shifts.ts';

export const CLERK_FAULTS = ['swap', 'remove', 'enter-twice', 'two-tabs', 'lock', 'drop', 'restart'] as const;
export type ClerkFaultKind = (typeof CLERK_FAULTS)[number];
/** Where in the flow the mistake happens: card on the panel, confirmation on screen, commit sent (answer not back). */
export const FLOW_STEPS = ['read', 'confirm', 'commit'] as const;
export type FlowStep = (typeof FLOW_STEPS)[number];
export interface ClerkFault { kind: ClerkFaultKind; at: FlowStep }
/** Faults that need a card on the reader. */
export const CARD_FAULTS_OF_CLERK: readonly ClerkFaultKind[] = ['swap', 'remove'];

/** A field the API contract has for this method (picked up as the contract grows: confirmedCard, idempotencyKey). */
function accepts(method: MethodName, field: string): boolean {
  return field in (METHODS[method].params as unknown as { shape: Record<string, unknown> }).shape;
}

/**
 * A commit's params as the screen sends them: with the card the confirmation showed and the
 * confirmation's idempotency key, as far as the contract has those fields.
 */
export function bound(method: MethodName, p: Record<string, unknown>, view: CardViewDto | null, key: string): Record<string, unknown> {
  if (view && accepts(method, 'confirmedCard')) p.confirmedCard = { reader: view.reader, ...(view.asn !== null ? { asn: view.asn } : { uid: view.uid }) };
  if (accepts(method, 'idempotencyKey')) p.idempotencyKey = key;
  return p;
}

export const ui = (world: World): UiCounter => {
  if (!world.ui) throw new Error('the UI simulation needs world.ui');
  return world.ui;
};

/** What a flow needs: the card (if any), the confirmation the customer display shows, the commit. */
interface Flow {
  card: SimCard | null;
  method: MethodName;
  pending: { kind: string; amountFen: number; tenderedFen?: number } | null;
  /** The commit's params, from the card the confirmation shows (null: no card). */
  params(view: CardViewDto | null): Record<string, unknown>;
}

/** The card the station shows on the panel; one it could not read is lifted and placed again (twice at most). */
export async function readPanel(world: World, reader = READER, expect?: SimCard): Promise<Extract<CardSlot, { state: 'card' }>> {
  const counter = ui(world);
  for (let attempt = 0; ; attempt++) {
    let slot: CardSlot | null = await counter.panel(reader);
    // A clerk who has just put a card down waits until the panel shows it (bounded): under load
    // the panel may still show the card that was there before.
    for (let waitedMs = 0; expect !== undefined && slot?.state === 'card' && !shows(slot.view, expect) && waitedMs < PANEL_CATCH_UP_MS; waitedMs += 20) {
      await new Promise((r) => setTimeout(r, 20));
      slot = await counter.panel(reader);
    }
    if (slot?.state === 'card') return slot;
    if (attempt >= 2 || world.placed === null || reader !== READER) {
      // The screen refuses to go on without a card (needCard): nothing is sent.
      throw new StationError('NO_CARD', `the panel shows no card${slot?.state === 'error' ? ` (${slot.error.code}: ${slot.error.message})` : ''}`, 'Place the card again');
    }
    world.cards.insert(READER, world.placed);
  }
}

/** How long a clerk waits for the panel to show the card just placed. */
const PANEL_CATCH_UP_MS = 5_000;

function shows(view: CardViewDto, card: SimCard): boolean {
  return (card.kind === 'cpu' ? view.asn : view.uid) === card.asn;
}

/** The name of the customer card the confirmation shows. */
export function confirmedOf(world: World, view: CardViewDto): string[] {
  const c = world.customers.find((x) => (x.kind === 'cpu' ? x.asn === view.asn : x.asn === view.uid));
  return c ? [c.name] : [];
}

function noteFired(world: World, f: ClerkFault): void {
  world.clerkFired.push(`${f.kind}@${f.at}`);
}

/** Another customer's card (any that is at the counter), for a swap. */
function otherCard(world: World, card: SimCard): SimCard | null {
  const others = world.customers.filter((c) => c !== card && !c.gone && !c.lost && c.reserved !== true);
  return others.length > 0 ? world.rng.pick(others) : null;
}

/** The clerk puts the customer's card back (after a removal, a swap, a restart) and waits for the panel. */
async function placeBack(world: World): Promise<void> {
  if (world.placed) world.cards.insert(READER, world.placed);
}

/** Every answer a request got beyond the first: a second booking or a script error is a violation. */
function judgeExtra(world: World, auditor: Auditor, what: string, first: Outcome, extra: Outcome[]): void {
  for (const o of extra) {
    if (o.error !== undefined) {
      if (!(o.error instanceof StationError) && !(o.error instanceof ConnectionLost)) auditor.violation(`${what}: the repeated request failed with ${(o.error as Error).name}: ${(o.error as Error).message}`);
      else if (o.error instanceof StationError && o.error.code === 'INTERNAL' && !world.crashed) auditor.violation(`${what}: the repeated request answered INTERNAL: ${o.error.message}`);
      continue;
    }
    const a = entryIdsOf(first.result);
    const b = entryIdsOf(o.result);
    if (first.error === undefined && a.join() !== b.join()) auditor.violation(`${what}: one request sent twice was booked twice (${a.join(',')} and ${b.join(',')})`);
  }
}

export interface Outcome { result?: unknown; error?: unknown }
export const settle = (p: Promise<unknown>): Promise<Outcome> => p.then((result) => ({ result }), (error: unknown) => ({ error }));

function entryIdsOf(r: unknown): string[] {
  const o = r as { entryId?: string; entryIds?: string[]; issueEntryId?: string | null; loadEntryId?: string | null } | undefined;
  return [o?.entryId, ...(o?.entryIds ?? []), o?.issueEntryId, o?.loadEntryId].filter((x): x is string => typeof x === 'string');
}

/**
 * read → confirm → commit over the socket, with the clerk fault armed for this action (if any).
 * Returns the commit's answer (as the screen shows it) or throws its refusal.
 */
async function drive(world: World, auditor: Auditor, ask: Ask, flow: Flow): Promise<unknown> {
  const counter = ui(world);
  const fault = world.clerkFault;
  const faultAt = (s: FlowStep): ClerkFaultKind | null => (fault !== null && fault.at === s && (flow.card !== null || !CARD_FAULTS_OF_CLERK.includes(fault.kind)) ? fault.kind : null);
  const what = `${flow.method}${fault ? ` with ${fault.kind}@${fault.at}` : ''}`;
  const extra: Array<Promise<Outcome>> = [];
  let key = randomKey(world);

  // ── read: the panel shows the card placed
  let view: CardViewDto | null = flow.card ? (await readPanel(world)).view : null;
  if (view) ask.confirmed = confirmedOf(world, view);
  const show = async () => { if (flow.pending) await (await counter.tab()).call('customerShow', { pending: flow.pending }); };
  const params = () => bound(flow.method, flow.params(view), view, key);
  /** Before the commit is sent: the fault happens, and the clerk deals with it as the screen tells them. */
  const before = async (s: FlowStep): Promise<void> => {
    const k = faultAt(s);
    if (k === null) return;
    noteFired(world, fault!);
    switch (k) {
      case 'swap': {
        const other = otherCard(world, flow.card!);
        if (other === null) return;
        world.cards.insert(READER, other.card);
        // Seen on the panel before the confirmation: the clerk confirms the card now shown.
        if (s === 'read') { view = (await readPanel(world)).view; ask.confirmed = confirmedOf(world, view); }
        return;
      }
      case 'remove':
        world.cards.remove(READER);
        return;
      case 'enter-twice':
        // Enter on the form twice: the confirmation is shown twice.
        if (s === 'read') await Promise.all([show(), show()]);
        return;
      case 'two-tabs': {
        const tab = await counter.openTab();
        counter.extraTabs.push(tab);
        await Promise.all([tab.call('status', {}), tab.call('card', {}), tab.call('customerShow', { pending: null })]);
        if (s === 'confirm') extra.push(settle(tab.call(flow.method, params())));
        return;
      }
      case 'lock':
        await counter.lock();
        return;
      case 'drop':
        await counter.dropAndReconnect();
        return;
      case 'restart':
        await world.restart();
        await placeBack(world);
        return;
    }
  };

  await before('read');
  // ── confirm: the confirmation screen and the customer display
  await show();
  await before('confirm');

  // ── commit
  // Locked while the confirmation was on screen: Enter reaches the station before the lock screen.
  const tab = faultAt('confirm') === 'lock' ? await counter.tabAsItIs() : await counter.tab();
  if (faultAt('commit') !== null || faultAt('confirm') === 'enter-twice') noteFiredOnce(world, fault!);
  const sent = settle(tab.call(flow.method, params()));
  if (faultAt('confirm') === 'enter-twice') extra.push(settle(tab.call(flow.method, params())));
  let lostAnswer = false;
  switch (faultAt('commit')) {
    case 'swap': { const other = otherCard(world, flow.card!); if (other) world.cards.insert(READER, other.card); break; }
    case 'remove': world.cards.remove(READER); break;
    case 'two-tabs': { const t2 = await counter.openTab(); counter.extraTabs.push(t2); extra.push(settle(t2.call(flow.method, params()))); break; }
    case 'lock': await counter.lock().catch(() => undefined); break;
    case 'drop': tab.drop(); lostAnswer = true; break;
    case 'restart': await world.restart(); lostAnswer = true; break;
    default: break;
  }
  let first = await sent;
  if (faultAt('commit') === 'enter-twice') extra.push(settle(tab.closed ? Promise.reject(new ConnectionLost()) : tab.call(flow.method, params())));

  // The station said the card or the session is not as confirmed, before anything was sent to
  // the card: the clerk puts the card back / unlocks, and confirms again.
  // Only when the station also said nothing reached a card: a sale whose first load met another
  // card answers CARD_CHANGED with outcome 'partial' (the card was sold), and that is the answer.
  const saidNoneOrNothing = !(first.error instanceof ApiRefusal) || first.error.outcome === undefined || first.error.outcome === 'none';
  const refusedBefore = first.error instanceof StationError && (['NO_CARD', 'AUTH', 'CARD_CHANGED'] as string[]).includes(first.error.code) && saidNoneOrNothing;
  if (refusedBefore && !lostAnswer && (faultAt('read') !== null || faultAt('confirm') !== null)) {
    // Only a lock at the confirmation reaches the station locked (at `read` the clerk unlocked before confirming).
    if (fault!.kind === 'lock' && faultAt('confirm') === 'lock' && (first.error as StationError).code !== 'AUTH') auditor.violation(`${what}: a locked session's commit answered ${(first.error as StationError).code}, not AUTH`);
    await placeBack(world);
    // Every card the clerk confirmed in this action stays confirmed (the first may have changed).
    if (flow.card) { view = (await readPanel(world)).view; ask.confirmed = [...new Set([...(ask.confirmed ?? []), ...confirmedOf(world, view)])]; }
    key = randomKey(world);
    await show();
    first = await settle((await counter.tab()).call(flow.method, params()));
  }
  if (faultAt('commit') === 'swap' || faultAt('commit') === 'remove' || faultAt('commit') === 'restart') {
    // The customer's card goes back on the reader: the panel reads it and settles what is open.
    await placeBack(world);
    if (flow.card) await readPanel(world).catch(() => undefined);
  }
  if (lostAnswer && first.error instanceof ConnectionLost && accepts(flow.method, 'idempotencyKey')) {
    // The page reconnected: the same request again, with the same key, gets the first answer.
    first = await settle((await counter.tab()).call(flow.method, params()));
  }
  const extras = await Promise.all(extra);
  judgeExtra(world, auditor, what, first, extras);
  // The station said no card-changing command reached a card (未办理，未收款), for this request and
  // for every repeat of it: confirmedOnly holds it to that.
  const saidNone = (o: Outcome) => o.error instanceof ApiRefusal && o.error.outcome === 'none';
  ask.nothingDone = saidNone(first) && extras.every(saidNone);
  await counter.closeExtraTabs();
  if (counter.locked) await counter.tab(); // the clerk unlocks
  if (first.error !== undefined) throw first.error;
  return first.result;
}

function noteFiredOnce(world: World, f: ClerkFault): void {
  if (!world.clerkFired.includes(`${f.kind}@${f.at}`)) noteFired(world, f);
}

/** A client-generated key per confirmation (seeded, so a run replays). */
export function randomKey(world: World): string {
  return Array.from({ length: 4 }, () => Math.floor(world.rng.next() * 0x1_0000_0000).toString(16).padStart(8, '0')).join('');
}

/**
 * Every card whose money changed during the action must be the card the clerk confirmed (a
 * card-less workflow changes none).
 */
export function confirmedOnly(run: ActionRun): void {
  for (const c of run.world.customers) {
    const b = run.before.get(c.name)!;
    const a = run.after.get(c.name)!;
    const moved = a.balanceFen !== b.balanceFen || a.onlineAtc !== b.onlineAtc || a.enabled !== b.enabled || a.blocked !== b.blocked;
    if (moved && !(run.ask.confirmed ?? []).includes(c.name)) {
      run.auditor.violation(`${run.world.clerkFired.join(',') || 'no clerk fault'}: ${c.name} changed (balance ${b.balanceFen}→${a.balanceFen}) but the clerk confirmed ${run.ask.confirmed?.join(', ') || 'no card'}`);
    }
    if (moved && run.ask.nothingDone === true) {
      run.auditor.violation(`${run.world.clerkFired.join(',') || 'no clerk fault'}: the station answered that nothing reached a card (outcome none), but ${c.name} changed (balance ${b.balanceFen}→${a.balanceFen})`);
    }
  }
}

function withCheck(base: SimAction, name: string, perform: SimAction['perform']): SimAction {
  return {
    name, weight: base.weight, pickCard: base.pickCard, perform,
    async check(run) {
      confirmedOnly(run);
      await base.check?.(run);
    },
  };
}

function pay(world: World): Pay {
  return world.rng.chance(0.75) ? 'cash' : 'other';
}

export const uiTopupAction = withCheck(topupAction, 'topup', async (world, _auditor, card, ask) => {
  const rng = world.rng;
  const amountFen = rng.pick([1000, 2000, 5000, 10000, rng.int(1000, 30000)]);
  const p = pay(world);
  const tenderedFen = p === 'cash' ? amountFen + rng.pick([0, 0, 50, 10000]) : undefined;
  ask.load = { amountFen, pay: p };
  const reference = `POS-${rng.int(1, 99999)}`;
  return drive(world, _auditor, ask, {
    card, method: 'topup',
    pending: { kind: 'topup', amountFen, ...(tenderedFen !== undefined ? { tenderedFen } : {}) },
    params: (view) => ({ amountFen, pay: p, reader: view!.reader, print: 'never', ...(p === 'cash' ? { tenderedFen } : { reference }) }),
  });
});

export const uiIssueAction = withCheck(issueAction, 'issue', async (world, auditor, card, ask) => {
  const rng = world.rng;
  const p = pay(world);
  const firstLoad = rng.chance(0.5) ? rng.pick([1000, 5000, 10000]) : 0;
  const idNumber = (world.registerNext ?? rng.chance(0.6)) ? world.nextIdNumber() : null;
  const depositFen = world.station.policy.depositFen;
  ask.sale = { depositFen, pay: p, idNumber };
  if (firstLoad > 0) ask.load = { amountFen: firstLoad, pay: p };
  const reference = `POS-${rng.int(1, 99999)}`;
  return drive(world, auditor, ask, {
    card, method: 'issue',
    pending: { kind: 'issue', amountFen: depositFen + firstLoad },
    params: (view) => ({
      pay: p, reader: view!.reader, print: 'never', ...(firstLoad > 0 ? { firstLoadFen: firstLoad } : {}),
      registration: idNumber !== null ? { name: '王小明', idNumber } : null,
      ...(p === 'other' ? { reference } : { tenderedFen: depositFen + firstLoad }),
    }),
  });
});

export const uiRefundAction = withCheck(refundAction, 'refund', async (world, auditor, card, ask) => {
  const balance = (card!.card as unknown as { balanceFen: number }).balanceFen;
  // One refund in five has its fee waived by the supervisor (issue 17), as the screen's waiver form sends it.
  const waiver = world.rng.chance(0.2) ? { ...SUPERVISOR, reason: '模拟：值班长减免' } : null;
  ask.refund = { depositFen: auditor.depositPaid.get(card!.name) ?? world.station.policy.depositFen, waived: waiver !== null };
  const supervisor = balance > world.station.policy.refundCashLimitFen && world.rng.chance(0.7) ? SUPERVISOR : null;
  const fee = waiver !== null ? 0 : auditor.refundFee(balance);
  return drive(world, auditor, ask, {
    card, method: 'refund',
    pending: { kind: 'refund', amountFen: balance + ask.refund.depositFen - fee },
    params: (view) => ({ reader: view!.reader, print: 'never', ...(supervisor ? { supervisor } : {}), ...(waiver ? { waiver } : {}) }),
  });
});

/** 挂失 at the counter: the holder's ID number (sometimes the card number); no card on the reader. */
export const uiLostAction: SimAction = {
  ...lostAction,
  async perform(world, auditor, _card, ask) {
    const c = auditor.target!;
    const withCard = world.rng.chance(0.4);
    return lostReport(auditor, () => drive(world, auditor, ask, {
      card: null, method: 'lost', pending: null,
      params: () => ({ idNumber: c.idNumber, print: 'never', ...(withCard ? { card: c.asn } : {}) }),
    }));
  },
  async check(run) {
    confirmedOnly(run);
    await lostAction.check?.(run);
  },
};

/** 交班 then 开班: the drawer counted exactly as the auditor knows it, then the next float. */
export const uiShiftAction: SimAction = {
  name: 'shift',
  weight: (_w, a) => (a.shiftOpen && a.shiftHasUnsettledCash() ? 0 : 1),
  pickCard: () => null,
  async perform(world, auditor, _card, ask) {
    const counter = ui(world);
    await settleCashInDoubt(world, auditor);
    const status = async () => ((await (await counter.tab()).call('status', {})) as { shift: { shiftId: string } | null }).shift;
    const open = await status();
    if (open) {
      const expected = auditor.drawerFen();
      const counted = Object.fromEntries(countText(expected).split(',').filter((x) => x !== '').map((x) => x.split('x') as [string, string]).map(([d, n]) => [d, Number(n)]));
      try {
        const r = await drive(world, auditor, ask, { card: null, method: 'shiftClose', pending: null, params: () => ({ counted, print: 'never' }) }) as { differenceFen: number; expectedFen: number };
        if (r.differenceFen !== 0) auditor.violation(`shift close: station expected ${r.expectedFen}, the drawer holds ${expected}`);
      } finally {
        // Whatever the answer, the screen's status bar says whether the shift is still open; when
        // it cannot say (the server died with the process), the ledger is asked once it is back.
        const now = await status().then((s) => ({ known: true, shift: s }), () => ({ known: false, shift: null }));
        if (!now.known) {
          auditor.cashInDoubt.push(async (db) => { if ((await currentShift(db, 'op1'))?.shift_id !== open.shiftId) auditor.closedWith(expected); });
        } else if (now.shift?.shiftId !== open.shiftId) auditor.closedWith(expected);
      }
    }
    if (!auditor.shiftOpen || !open) {
      auditor.shiftOpen = false;
      const float = world.rng.pick([0, FLOAT_FEN, 20_000]);
      await (await counter.tab()).call('shiftOpen', bound('shiftOpen', { floatFen: float }, null, randomKey(world))).catch((err: unknown) => {
        auditor.shiftOpenInDoubt(float);
        throw err;
      });
      auditor.shiftOpened(float);
    }
    return null;
  },
  check: async (run) => confirmedOnly(run),
};

/** A card placed: the panel reads it and settles its open operations by itself (no request but the panel's). */
export const uiPresentAction: SimAction = {
  ...presentAction,
  async perform(world) {
    const { view, settled } = await readPanel(world);
    if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', `still in doubt after the panel read: ${view.incomplete.map((o) => o.opId).join(', ')}`);
    return settled;
  },
};

export const UI_ACTIONS: SimAction[] = [uiTopupAction, uiIssueAction, uiRefundAction, uiLostAction, uiShiftAction, uiPresentAction];
/** The UI workflows a clerk fault can be swept through (every one that sends a commit). */
export const UI_SWEPT = ['topup', 'issue', 'refund', 'lost', 'shift'];

export { customers };
