/**
 * The concurrent simulation's patterns (`npm run sim -- --concurrent`): several clients of one
 * `station serve` at once — tabs on the clerk's session and second logins of the same clerk —
 * and the CLI beside it on the same station home (cli/station.ts main in this process, its own
 * database connection), on the same card and on two cards:
 *   topup-same-card     two top-ups of one card sent at once (two requests, both may book)
 *   topup-two-cards     top-ups of the cards on both readers at once
 *   close-parallel      the same shift close sent by 2–4 clients at once (one may succeed)
 *   lost-parallel       the same lost report from 2–4 clients (one a CLI `station lost` now and then)
 *   topup-vs-close      a top-up racing the shift close (never booked into the closed shift)
 * The auditor judges the cards as ever (each counter a card used is matched to a load asked for
 * by the amount its log shows), and checks each shift and card: one close per shift, nothing
 * after it, one lost report per loss, one booking per request.
 */
import { StationError } from '../../common/errors.ts';
import { currentShift } from '../../db/shifts.ts';
import type { CardViewDto } from '../../common/api.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { countText, customers, lostAction, lostReport, topupAction, type Ask, type SimAction } from './actions.ts';
import type { Auditor } from './auditor.ts';
import { ApiRefusal, type ApiTab } from './ui-client.ts';
import { bound, confirmedOf, confirmedOnly, randomKey, readPanel, settle, ui, type Outcome } from './ui-actions.ts';
import { CLERK } from './ui-counter.ts';
import { READER, READER2, type SimCard, type World } from './world.ts';
import { settleCashInDoubt } from './cash-actions.ts';

/** Another client: a tab on the clerk's session, or the clerk logged in a second time (another browser). */
async function client(world: World): Promise<ApiTab> {
  const counter = ui(world);
  await counter.tab();
  const tab = await counter.openTab();
  counter.extraTabs.push(tab);
  if (world.rng.chance(0.5)) await tab.call('login', CLERK);
  return tab;
}

async function clients(world: World, n: number): Promise<ApiTab[]> {
  const tabs = [await ui(world).tab()];
  while (tabs.length < n) tabs.push(await client(world));
  return tabs;
}

/**
 * The action's answer: a success if any; else the failure of a request that did something to a
 * card (its outcome is not 'none'), so the auditor holds that request's answer to what the card
 * shows. (Two top-ups of one card on a full disk: the first's load was on the card and answered
 * in doubt; the second, refused before its own load, said "disk full, nothing written" — true
 * of it — and was taken as the answer for the first's load.)
 */
function firstSuccess(outcomes: Outcome[]): unknown {
  const ok = outcomes.find((o) => o.error === undefined);
  if (ok) return ok.result;
  throw (outcomes.find((o) => o.error instanceof ApiRefusal && o.error.outcome !== undefined && o.error.outcome !== 'none') ?? outcomes[0]!).error;
}

function pattern(world: World, name: string): void {
  world.clerkFired.push(name);
}

function topupParams(world: World, ask: Ask, card: SimCard, view: CardViewDto, pay: 'cash' | 'other'): Record<string, unknown> {
  const amountFen = world.rng.pick([1000, 2000, 5000, world.rng.int(1000, 20000)]);
  // The load is asked for the card the confirmation shows (after a silent swap, not the one put down).
  const shown = view.asn !== null ? world.cardByAsn(view.asn) : undefined;
  ask.loads = [...(ask.loads ?? []), { card: (shown ?? card).name, amountFen, pay }];
  const p = { amountFen, pay, reader: view.reader, print: 'never', ...(pay === 'cash' ? { tenderedFen: amountFen } : { reference: `POS-${world.rng.int(1, 99999)}` }) };
  return bound('topup', p, view, randomKey(world));
}

/** Close every extra client, whatever happened. */
async function withClients<T>(world: World, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await ui(world).closeExtraTabs();
  }
}

export const topupSameCardAction: SimAction = {
  name: 'topup-same-card',
  weight: (w, a) => topupAction.weight(w, a) / 3,
  pickCard: topupAction.pickCard,
  perform: (world, _auditor, card, ask) => withClients(world, async () => {
    pattern(world, 'topup-same-card');
    const { view } = await readPanel(world, READER, card!);
    ask.confirmed = confirmedOf(world, view);
    const tabs = await clients(world, 2);
    const outcomes = await Promise.all(tabs.map((t) => settle(t.call('topup', topupParams(world, ask, card!, view, world.rng.chance(0.75) ? 'cash' : 'other')))));
    return firstSuccess(outcomes);
  }),
  check: async (run) => confirmedOnly(run),
};

export const topupTwoCardsAction: SimAction = {
  name: 'topup-two-cards',
  weight: (w, a) => (customers(w).length >= 2 ? topupAction.weight(w, a) / 3 : 0),
  pickCard: topupAction.pickCard,
  perform: (world, _auditor, card, ask) => withClients(world, async () => {
    const others = customers(world).filter((c) => c !== card);
    if (others.length === 0) throw new StationError('NO_CARD', 'sim: no second card at the counter');
    pattern(world, 'topup-two-cards');
    const second = world.rng.pick(others);
    world.cards.insert(READER2, second.card);
    try {
      const [a, b] = [await readPanel(world, READER, card!), await readPanel(world, READER2, second)];
      ask.confirmed = [...confirmedOf(world, a.view), ...confirmedOf(world, b.view)];
      const [t1, t2] = await clients(world, 2);
      const outcomes = await Promise.all([
        settle(t1!.call('topup', topupParams(world, ask, card!, a.view, 'cash'))),
        settle(t2!.call('topup', topupParams(world, ask, second, b.view, 'cash'))),
      ]);
      return firstSuccess(outcomes);
    } finally {
      world.cards.remove(READER2);
    }
  }),
  check: async (run) => confirmedOnly(run),
};

/** The shift's close as the auditor counts the drawer, sent by `n` clients at once; then the next shift opens. */
async function closeInParallel(world: World, auditor: Auditor, n: number, racing?: (tab: ApiTab) => Promise<Outcome>): Promise<Outcome[]> {
  await settleCashInDoubt(world, auditor);
  const tabs = await clients(world, n);
  const status = async () => ((await tabs[0]!.call('status', {})) as { shift: { shiftId: string } | null }).shift;
  const open = await status();
  if (!open) throw new StationError('POLICY', 'sim: no shift open');
  const drawer = auditor.drawerFen();
  const counted = Object.fromEntries(countText(drawer).split(',').filter((x) => x !== '').map((x) => x.split('x')).map(([d, k]) => [d!, Number(k)]));
  const sends = tabs.map((t) => settle(t.call('shiftClose', bound('shiftClose', { counted, print: 'never' }, null, randomKey(world)))));
  const race = racing ? [racing(tabs[tabs.length - 1]!)] : [];
  const outcomes = await Promise.all(sends);
  await Promise.all(race);
  const ok = outcomes.filter((o) => o.error === undefined);
  if (ok.length > 1) auditor.violation(`${ok.length} of ${n} parallel closes of shift ${open.shiftId} succeeded`);
  for (const o of ok) {
    const r = o.result as { expectedFen: number; countedFen: number };
    if (r.expectedFen !== r.countedFen) auditor.violation(`shift ${open.shiftId} close: station expected ${r.expectedFen}, the drawer holds ${r.countedFen}`);
  }
  for (const o of outcomes) {
    if (o.error !== undefined && !world.crashed && !(o.error instanceof StationError && o.error.code !== 'INTERNAL')) auditor.violation(`a parallel shift close failed with ${(o.error as Error).message}`);
  }
  // When the status cannot be read (the process died), the ledger says once it is back whether
  // the close committed (and so the float went back to the safe).
  const now = await status().then((s) => ({ known: true, shift: s }), () => ({ known: false, shift: null }));
  if (!now.known) {
    auditor.cashInDoubt.push(async (db) => { if ((await currentShift(db, 'op1'))?.shift_id !== open.shiftId) auditor.closedWith(drawer); });
    throw new StationError('INCOMPLETE', 'sim: the shift\'s status is unknown after the parallel closes');
  }
  if (now.shift?.shiftId !== open.shiftId) {
    auditor.closedWith(drawer);
    const float = world.rng.pick([0, 20_000]);
    await tabs[0]!.call('shiftOpen', bound('shiftOpen', { floatFen: float }, null, randomKey(world))).catch((err: unknown) => {
      auditor.shiftOpenInDoubt(float);
      throw err;
    });
    auditor.shiftOpened(float);
  }
  return outcomes;
}

export const closeParallelAction: SimAction = {
  name: 'close-parallel',
  weight: (_w, a) => (a.shiftOpen && !a.shiftHasUnsettledCash() ? 0.7 : 0),
  pickCard: () => null,
  perform: (world, auditor) => withClients(world, async () => {
    pattern(world, 'close-parallel');
    return firstSuccess(await closeInParallel(world, auditor, world.rng.int(2, 4)));
  }),
  check: async (run) => confirmedOnly(run),
};

/**
 * A top-up (paid other than cash: the drawer count is the same either way) racing the shift
 * close: before the close it is booked into the shift, after it refused — never booked into the
 * closed shift (the auditor's per-shift check).
 */
export const topupVsCloseAction: SimAction = {
  name: 'topup-vs-close',
  weight: (w, a) => (a.shiftOpen && !a.shiftHasUnsettledCash() && customers(w).length > 0 ? 0.7 : 0),
  pickCard: topupAction.pickCard,
  perform: (world, auditor, card, ask) => withClients(world, async () => {
    pattern(world, 'topup-vs-close');
    const { view } = await readPanel(world);
    ask.confirmed = confirmedOf(world, view);
    let topup: Outcome | null = null;
    // The action's answer is the top-up's. The close and the next shift's opening are other
    // requests: on a full disk the opening failed DISK_FULL and that was taken as the answer for
    // a top-up whose load was on the card (the top-up itself had said in doubt).
    let closing: { error: unknown } | null = null;
    await closeInParallel(world, auditor, 1, async (tab) => (topup = await settle(tab.call('topup', topupParams(world, ask, card!, view, 'other')))))
      .catch((error: unknown) => { closing = { error }; });
    const raced = topup as Outcome | null;
    if (raced?.error !== undefined) throw raced.error;
    if (closing !== null) throw (closing as { error: unknown }).error;
    if (raced === null) throw new StationError('INTERNAL', 'sim: the racing top-up did not run');
    return raced.result;
  }),
  check: async (run) => confirmedOnly(run),
};

/** The same lost report from several clients at once; now and then one of them is the CLI beside `station serve`. */
export const lostParallelAction: SimAction = {
  ...lostAction,
  name: 'lost-parallel',
  weight: (w, a) => lostAction.weight(w, a) / 2,
  perform: (world, auditor) => withClients(world, async () => {
    pattern(world, 'lost-parallel');
    const c = auditor.target!;
    const tabs = await clients(world, world.rng.int(2, 3));
    const params = { idNumber: c.idNumber, print: 'never', ...(world.rng.chance(0.4) ? { card: c.asn } : {}) };
    const sends = tabs.map((t) => settle(lostReport(auditor, () => t.call('lost', bound('lost', { ...params }, null, randomKey(world))))));
    if (world.rng.chance(0.3)) {
      pattern(world, 'cli-beside-serve');
      sends.push(settle(lostReport(auditor, () => cliLost(world, c))));
    }
    const outcomes = await Promise.all(sends);
    const ok = outcomes.filter((o) => o.error === undefined && !(o.result as { already?: boolean }).already);
    if (ok.length > 1) auditor.violation(`${c.name}: ${ok.length} parallel lost reports of one card were all accepted`);
    return firstSuccess(outcomes);
  }),
  async check(run) {
    confirmedOnly(run);
    await lostAction.check?.(run);
  },
};

/** `station lost` in this process on the same station home (its own connection to the database). */
async function cliLost(world: World, c: SimCard): Promise<unknown> {
  const r = await runStationInProcess(['lost', '--operator', CLERK.staffId, '--id-number-stdin', '--no-print', '--json'], cliEnv(world), `${c.idNumber}\n`);
  if (r.code === 0) return r.json;
  const e = (r.json as { error?: { code?: string; message?: string } } | null)?.error;
  throw new StationError((e?.code ?? 'INTERNAL') as StationError['code'], e?.message ?? r.stderr.trim());
}

export function cliEnv(world: World): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, STATION_HOME: world.home, STATION_PIN: CLERK.pin, STATION_KEYS: '' };
}

export const CONCURRENT_ACTIONS: SimAction[] = [topupSameCardAction, topupTwoCardsAction, closeParallelAction, topupVsCloseAction, lostParallelAction];
