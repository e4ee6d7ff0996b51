/**
 * The simulation runner: one run = a fresh station (copied template), a few customers' CPU
 * cards and old M1 cards, a seeded sequence of workflow actions with card faults at random
 * APDU indices, process deaths before random database writes, a full disk and the clearing
 * host down, then a restart, every unfinished upgrade or replacement finished, every returned
 * card placed once more (recovery), and the auditor's final check.
 */
import { StationError } from '../../common/errors.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { M1Card } from '../../devices/emulator/m1-card.ts';
import { Auditor, entryMatches, snapshot, type CardSnapshot } from './auditor.ts';
import { readEntries } from '../../db/ledger.ts';
import { ACTIONS, issueAction, lostAction, migrateAction, nextCardFor, observe, placeAndSettle, replaceAction, shiftAction, type Ask, type SimAction } from './actions.ts';
import { FAULT_KINDS, FLOAT_FEN, M1_FAULT_KINDS, ProxyCard, READER, Rng, SimCrash, World, type SimCard, type SimFault } from './world.ts';
import { CLERK_FAULTS, FLOW_STEPS, UI_ACTIONS, UI_SWEPT, type ClerkFault } from './ui-actions.ts';
import { ConnectionLost } from './ui-client.ts';
import { UiCounter } from './ui-counter.ts';
import { CONCURRENT_ACTIONS, cliEnv } from './ui-concurrent.ts';
import { runStationInProcess } from '../harness/cli.ts';

export interface RunStats {
  runs: number;
  actions: number;
  /** Card faults armed, and how many actually hit an APDU. */
  faultsArmed: number;
  faultsFired: number;
  crashesArmed: number;
  crashesFired: number;
  cardsNeverReturned: number;
  violations: string[];
  byAction: Record<string, number>;
  /** Card changes the auditor saw, by kind (load, sale, refund, damaged_block, exchange_issue, m1_zero, …). */
  byMovement: Record<string, number>;
  /**
   * Faults that fired, by class: each card fault kind (on the first card or, after a one-reader
   * swap, on the second: 'new-card:<kind>'), 'process-death', 'disk-full' (actions in which a
   * write failed with SQLITE_FULL), 'upstream-down' (actions in which the host did not answer).
   */
  byFault: Record<string, number>;
  /** Disk-full faults armed (a full disk only fires when a write needs a new page). */
  diskFullArmed: number;
  /** UI simulation: the clerk's faults that fired, by kind@step. */
  byClerk: Record<string, number>;
}

export function emptyStats(): RunStats {
  return { runs: 0, actions: 0, faultsArmed: 0, faultsFired: 0, crashesArmed: 0, crashesFired: 0, cardsNeverReturned: 0, violations: [], byAction: {}, byMovement: {}, byFault: {}, diskFullArmed: 0, byClerk: {} };
}

const bump = (rec: Record<string, number>, key: string): void => { rec[key] = (rec[key] ?? 0) + 1; };

/** Largest APDU count (first card, and the card a one-reader swap placed) and write count seen per action. */
interface Reach { apdus: number; newApdus: number; writes: number; clean: number }
const reach = new Map<string, Reach>();
function reachOf(name: string): Reach {
  let r = reach.get(name);
  if (!r) { r = { apdus: 0, newApdus: 0, writes: 0, clean: 0 }; reach.set(name, r); }
  return r;
}

export interface Forced {
  action: string;
  fault?: SimFault | null;
  /** A fault for the card a one-reader swap places (upgrade, damaged exchange). */
  newCardFault?: SimFault | null;
  crashAtWrite?: number | null;
  /** A full disk: SQLite may add this many pages during the action. */
  diskFullPages?: number | null;
  /** UI simulation: the clerk's mistake in this action. */
  clerk?: ClerkFault | null;
}

/**
 * What must have happened before a forced action can run (clean, no faults): a registered
 * card sold before a lost report; sold and reported lost before a replacement; and the request
 * queued with the host down before a pickup.
 */
const SETUP: Record<string, (world: World, auditor: Auditor, stats: RunStats) => Promise<void>> = {
  lost: async (world, auditor, stats) => {
    world.registerNext = true;
    await step(world, auditor, stats, issueAction, null, null);
    world.registerNext = null;
  },
  replace: async (world, auditor, stats) => {
    await SETUP.lost!(world, auditor, stats);
    await step(world, auditor, stats, lostAction, null, null);
  },
  'lost-parallel': (world, auditor, stats) => SETUP.lost!(world, auditor, stats),
  'replace-pickup': async (world, auditor, stats) => {
    await SETUP.replace!(world, auditor, stats);
    world.forceHostDown = true;
    await step(world, auditor, stats, replaceAction, null, null);
    world.forceHostDown = false;
  },
};

export interface RunOptions {
  seed: number;
  actions?: SimAction[];
  /** Force the first action (and its trouble), for exhaustive sweeps. */
  forced?: Forced;
  steps?: number;
  faultRate?: number;
  crashRate?: number;
  diskFullRate?: number;
  /** Chance that a customer whose transaction went wrong walks away for good (default 0.2). */
  walkAwayRate?: number;
  /** Drive the workflows through `station serve`'s WebSocket API as the counter screens do (test/sim/ui-actions.ts). */
  ui?: boolean;
  /** UI simulation: chance of a clerk's mistake per action (default 0.5). */
  clerkRate?: number;
  /** The UI simulation with several clients at once and the CLI beside the server (test/sim/ui-concurrent.ts). */
  concurrent?: boolean;
}

function snapshots(world: World): Map<string, CardSnapshot> {
  return new Map(world.customers.map((c) => [c.name, snapshot(c)]));
}

function errorIsExpected(err: unknown): boolean {
  // (UI simulation: an answer lost with the connection is what the screen shows as "unknown".)
  if (err instanceof SimCrash || err instanceof ConnectionLost) return true;
  return err instanceof StationError && err.code !== 'INTERNAL';
}

interface Trouble { newCardFault?: SimFault | null; diskFullPages?: number | null; clerk?: ClerkFault | null }

async function step(world: World, auditor: Auditor, stats: RunStats, action: SimAction, fault: SimFault | null, crashAtWrite: number | null, trouble: Trouble = {}): Promise<void> {
  const picked = action.pickCard(world, auditor);
  if (picked === undefined) return; // no card this action could take right now
  const card = picked;
  const proxy = card ? new ProxyCard(world, card.card) : null;
  world.placed = proxy;
  world.clerkFault = trouble.clerk ?? null;
  world.clerkFired = [];
  if (proxy) world.cards.insert(READER, proxy);
  else world.cards.remove(READER);
  if (fault && proxy) {
    stats.faultsArmed++;
    if (fault.kind === 'swap') {
      const other = world.rng.pick(world.customers.filter((c) => c !== card && !c.gone));
      proxy.armSwap(fault.atApdu, other.card);
    } else {
      // (partial-write: M1 cards only; on a CPU card it is a tear before the commit.)
      const kind = fault.kind === 'partial-write' && card!.kind !== 'm1' ? 'tear-before-commit' : fault.kind;
      (card!.card as M1Card).armFault(kind === 'partial-write' ? { kind, atApdu: fault.atApdu, bytes: 1 + (fault.atApdu * 7) % 15 } : { kind, atApdu: fault.atApdu });
    }
  }
  world.writes = 0;
  world.diskFullHits = 0;
  world.hostMisses = 0;
  world.swapProxy = null;
  world.nextCardFault = trouble.newCardFault ?? null;
  if (trouble.newCardFault) stats.faultsArmed++;
  world.crashAtWrite = crashAtWrite;
  if (crashAtWrite !== null) stats.crashesArmed++;
  const diskFull = trouble.diskFullPages ?? null;
  if (diskFull !== null) {
    stats.diskFullArmed++;
    await world.fillDisk(diskFull);
  }
  const before = snapshots(world);
  let result: unknown;
  let error: unknown;
  const ask: Ask = {};
  try {
    result = await action.perform(world, auditor, card, ask);
  } catch (err) {
    error = err;
  }
  card?.card.armFault(null);
  for (const c of world.extraFaultCards.splice(0)) c.card.armFault(null);
  const newCardFault = world.nextCardFault === null ? trouble.newCardFault ?? null : null;
  const swapped = world.swapProxy as ProxyCard | null;
  world.nextCardFault = null;
  const crashed = world.crashed;
  if (diskFull !== null && !crashed) await world.freeDisk();
  if (crashed) { stats.crashesFired++; bump(stats.byFault, 'process-death'); }
  const fired = fault !== null && proxy !== null && proxy.apdus > fault.atApdu;
  if (fired) { stats.faultsFired++; bump(stats.byFault, fault.kind); }
  if (newCardFault !== null && swapped !== null && swapped.apdus > newCardFault.atApdu) { stats.faultsFired++; bump(stats.byFault, `new-card:${newCardFault.kind}`); }
  if (world.diskFullHits > 0) {
    bump(stats.byFault, 'disk-full');
    // A full disk must say so (the operator frees space); a generic storage error would send them to station doctor.
    // (Not after the simulated process death: the server of this process still answers then,
    // INTERNAL for the SimCrash its database throws, where a real dead process answers nothing
    // and the screen sees the connection drop. A concurrent run saw that answer as a full disk
    // reported INTERNAL.)
    if (!crashed && error instanceof StationError && ['STORAGE', 'INTERNAL'].includes(error.code)) auditor.violation(`${action.name}: a full disk was reported as ${error.code}: ${error.message}`);
  }
  if (world.hostMisses > 0) bump(stats.byFault, 'upstream-down');
  for (const f of world.clerkFired) { bump(stats.byClerk, f); bump(stats.byFault, `clerk:${f.split('@')[0]!}`); }
  if (error !== undefined && !crashed && !errorIsExpected(error)) {
    auditor.violation(`${action.name}${fault ? ` with ${fault.kind}@${fault.atApdu}` : ''}${crashAtWrite !== null ? ` crash@w${crashAtWrite}` : ''}: unexpected ${(error as Error).name}: ${(error as Error).message}${process.env.SIM_STACKS ? `\n${(error as Error).stack}` : ''}`);
  }
  if (!fault && !crashed && diskFull === null && newCardFault === null) {
    const r = reachOf(action.name);
    if (proxy) r.apdus = Math.max(r.apdus, proxy.apdus);
    if (swapped) r.newApdus = Math.max(r.newApdus, swapped.apdus);
    r.writes = Math.max(r.writes, world.writes);
    if (error === undefined) r.clean++;
  }
  const after = snapshots(world);
  if (process.env.SIM_TRACE) {
    const what = error === undefined ? 'ok' : `${(error as Error).name} ${(error as { code?: string }).code ?? ''} ${(error as Error).message}${process.env.SIM_STACKS ? `\n${(error as Error).stack}\ncause: ${((error as Error).cause as Error | undefined)?.stack}` : ''}`;
    const moved = world.customers.filter((c) => before.get(c.name)!.json !== after.get(c.name)!.json).map((c) => c.name);
    process.stderr.write(`[${auditor.label}] ${action.name} card=${card?.name ?? '-'}${moved.length > 0 ? ` changed=${moved.join(',')}` : ''}${fault ? ` ${fault.kind}@${fault.atApdu}` : ''}${crashAtWrite !== null ? ` crash@w${crashAtWrite}` : ''}${diskFull !== null ? ` full+${diskFull}` : ''}${newCardFault ? ` new:${newCardFault.kind}@${newCardFault.atApdu}` : ''}${world.clerkFired.length > 0 ? ` clerk:${world.clerkFired.join(',')}` : ''} → ${process.env.SIM_STACKS ? what : what.slice(0, 300)}\n`);
  }
  const run = { world, auditor, card, ask, before, after, result, error: crashed && error === undefined ? new SimCrash() : error };
  const seenBefore = auditor.movements.length;
  observe(run);
  // A full disk reported as such ("nothing was written") while a card change it made is not
  // in the ledger would have the operator hand the money back: it must say "incomplete".
  if (!crashed && error instanceof StationError && error.code === 'DISK_FULL' && auditor.movements.length > seenBefore) {
    const entries = await readEntries(world.station.db, 'card_ref IS NOT NULL', [], 1_000_000);
    for (const m of auditor.movements.slice(seenBefore)) {
      if (!entries.some((e) => entryMatches(m, e))) auditor.violation(`${action.name}: ${m.card.name}'s ${m.kind} is on the card but not recorded, and the station answered DISK_FULL: ${error.message}`);
    }
  }
  await action.check?.(run);
  stats.actions++;
  stats.byAction[action.name] = (stats.byAction[action.name] ?? 0) + 1;
  if (crashed) await world.restart();
  world.cards.remove(READER);
  // A customer whose transaction went wrong may walk away for good (not with an old M1 card:
  // what a half-written M1 purse holds is only known once the station has settled it; and a
  // stock card stays at the counter, where an upgrade whose activation of it is in doubt
  // finds it again).
  if (card && card.kind === 'cpu' && !card.stock && (fired || crashed) && error !== undefined && !card.gone && world.rng.chance(world.walkAwayRate)) {
    card.gone = true;
    stats.cardsNeverReturned++;
  }
}

function pickAction(world: World, auditor: Auditor, actions: SimAction[]): SimAction | null {
  const weights = actions.map((a) => a.weight(world, auditor));
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) return null;
  let x = world.rng.next() * total;
  for (let i = 0; i < actions.length; i++) {
    x -= weights[i]!;
    if (x < 0) return actions[i]!;
  }
  return actions[actions.length - 1]!;
}

function newCard(rng: Rng, name: string, n: number, seed: number, stock = false): SimCard {
  // A stock card is one the station received (the training stock, core/station-home.ts
  // TRAINING_STOCK): a decimal serial in its range, one per card of the run.
  const asn = stock ? `310000000000${String(n).padStart(4, '0')}` : `31${(seed >>> 0).toString(16).padStart(8, '0').slice(-8)}${n.toString(16).padStart(6, '0')}`.toUpperCase();
  const card = makeLabCard({ kind: 'cpu', city: '3100', id: asn, balanceFen: stock ? 0 : rng.pick([0, 500, rng.int(0, 60_000)]), enabled: !stock }) as CpuCard;
  return { name, kind: 'cpu', card, ref: `cpu:${asn}`, asn, initialBalanceFen: card.balanceFen, initialOnlineAtc: card.onlineAtc, gone: false, stranger: false, stock, idNumber: null, lost: false };
}

/** An old M1 card of this city (sold before the ledger existed: no registry row). */
function newM1Card(rng: Rng, name: string, n: number, seed: number): SimCard {
  const uid = `${((seed * 31 + n) >>> 0).toString(16).padStart(8, '0').slice(-6)}${n.toString(16).padStart(2, '0')}`.toUpperCase();
  const card = makeLabCard({ kind: 'm1', city: '3100', id: uid, balanceFen: rng.pick([0, 800, rng.int(1, 50_000)]) }) as M1Card;
  const m1 = { name, kind: 'm1' as const, card, ref: `m1:${uid}`, asn: uid, initialBalanceFen: 0, initialOnlineAtc: 0, gone: false, stranger: false, stock: false, idNumber: null, lost: false };
  m1.initialBalanceFen = snapshot(m1).balanceFen;
  return m1;
}

/**
 * The customers come back: an upgrade or a replacement left unfinished is run again (no
 * faults, host up) with the M1 card / the ID number and the card the station activated for it,
 * or a fresh stock card. One whose activated card was never brought back stays unfinished.
 */
async function finishOpenWork(world: World, auditor: Auditor, stats: RunStats): Promise<void> {
  const stock = (): SimCard => {
    const free = world.customers.find((c) => c.stock && !c.gone);
    if (free) return free;
    const c = newCard(world.rng, `stock-final${world.customers.length}`, 0xc0 + world.customers.length, 7, true);
    world.customers.push(c);
    return c;
  };
  for (let round = 0; round < 3; round++) {
    if (!auditor.shiftOpen) await step(world, auditor, stats, shiftAction, null, null);
    let pending = 0;
    for (const m1 of world.customers.filter((c) => c.kind === 'm1' && auditor.m1Tried.has(c.name) && !auditor.m1Done.has(c.name))) {
      const activated = auditor.m1NewCard.get(m1.name);
      if (activated?.gone) { m1.gone = true; continue; }
      if (!activated) stock();
      pending++;
      await step(world, auditor, stats, { ...migrateAction, weight: () => 1, pickCard: () => m1 }, null, null);
    }
    for (const lost of world.customers.filter((c) => auditor.lostConfirmed.has(c.name) && auditor.replaceTried.has(c.name) && !auditor.replaceDone.has(c.name))) {
      const activated = auditor.replaceNewCard.get(lost.name);
      if (activated?.gone) continue;
      if (!activated) stock();
      pending++;
      world.forceHostUp = true;
      auditor.replaceSlip.delete(lost.name);
      await step(world, auditor, stats, { ...replaceAction, weight: () => 1, pickCard: (w, a) => {
        a.target = lost;
        const next = nextCardFor(w, a.replaceNewCard.get(lost.name), a.replaceCandidate.get(lost.name));
        if (next !== undefined) a.replaceCandidate.set(lost.name, next);
        return next;
      } }, null, null);
      world.forceHostUp = false;
    }
    if (pending === 0) return;
  }
  for (const m1 of world.customers.filter((c) => c.kind === 'm1' && auditor.m1Tried.has(c.name) && !auditor.m1Done.has(c.name) && !c.gone)) auditor.violation(`${m1.name}: the upgrade could not be finished`);
  for (const lost of world.customers.filter((c) => auditor.replaceTried.has(c.name) && !auditor.replaceDone.has(c.name) && auditor.replaceNewCard.get(c.name)?.gone !== true)) auditor.violation(`${lost.name}: the replacement could not be finished`);
}

export async function runOnce(opts: RunOptions, stats: RunStats): Promise<string[]> {
  const rng = new Rng(opts.seed);
  const ui = opts.ui === true || opts.concurrent === true;
  const actions = opts.actions ?? (opts.concurrent ? [...UI_ACTIONS, ...CONCURRENT_ACTIONS] : ui ? UI_ACTIONS : ACTIONS);
  const world = await World.create(rng);
  world.walkAwayRate = opts.walkAwayRate ?? 0.2;
  const auditor = new Auditor(FLOAT_FEN, `seed ${opts.seed}${opts.forced ? ` forced ${JSON.stringify(opts.forced)}${opts.steps !== undefined ? ` steps ${opts.steps}` : ''}` : ''}`);
  try {
    if (ui) world.ui = await UiCounter.attach(world);
    const nCards = rng.int(2, 4);
    for (let i = 0; i < nCards; i++) world.customers.push(newCard(rng, `card${i}`, i, opts.seed));
    const nStock = opts.forced ? 2 : rng.int(1, 3);
    for (let i = 0; i < nStock; i++) world.customers.push(newCard(rng, `stock${i}`, 0x80 + i, opts.seed, true));
    const nM1 = opts.forced ? 1 : rng.int(0, 2);
    for (let i = 0; i < nM1; i++) world.customers.push(newM1Card(rng, `m1-${i}`, 0x40 + i, opts.seed));
    world.customers.push({ ...newCard(rng, 'stranger', 0xff, opts.seed), stranger: true });
    const steps = opts.steps ?? rng.int(4, 12);
    const faultRate = opts.faultRate ?? 0.45;
    const crashRate = opts.crashRate ?? 0.2;
    const diskFullRate = opts.diskFullRate ?? 0.08;
    if (opts.forced && SETUP[opts.forced.action]) await SETUP[opts.forced.action]!(world, auditor, stats);
    for (let i = 0; i < steps; i++) {
      let action: SimAction | null;
      let fault: SimFault | null = null;
      let crash: number | null = null;
      const trouble: Trouble = {};
      if (i === 0 && opts.forced) {
        action = actions.find((a) => a.name === opts.forced!.action) ?? null;
        if (action && action.weight(world, auditor) === 0) action = null;
        fault = opts.forced.fault ?? null;
        crash = opts.forced.crashAtWrite ?? null;
        trouble.newCardFault = opts.forced.newCardFault ?? null;
        trouble.diskFullPages = opts.forced.diskFullPages ?? null;
        trouble.clerk = opts.forced.clerk ?? null;
        world.forceHostUp = true;
      } else {
        world.forceHostUp = false;
        action = pickAction(world, auditor, actions);
        if (action === null) break;
        const r = reachOf(action.name);
        if (rng.chance(faultRate)) fault = { kind: rng.pick(action.name === 'migrate' ? M1_FAULT_KINDS : FAULT_KINDS), atApdu: rng.int(0, Math.max(r.apdus, 8)) };
        if (rng.chance(crashRate)) crash = rng.int(0, Math.max(r.writes, 4));
        if (rng.chance(diskFullRate)) trouble.diskFullPages = rng.int(0, 1);
        if (ui && UI_SWEPT.includes(action.name) && rng.chance(opts.clerkRate ?? 0.5)) trouble.clerk = { kind: rng.pick(CLERK_FAULTS), at: rng.pick(FLOW_STEPS) };
      }
      if (action === null) continue;
      await step(world, auditor, stats, action, fault, crash, trouble);
    }
    world.forceHostUp = false;
    // The station restarts; the customers come back to finish what is open, then every
    // customer who still has their card places it once more.
    await world.restart();
    world.calm = true;
    await finishOpenWork(world, auditor, stats);
    for (const c of world.customers) {
      if (c.gone) continue;
      world.cards.insert(READER, c.card);
      try {
        await placeAndSettle(world);
      } catch (err) {
        auditor.violation(`recovery of ${c.name} failed: ${(err as Error).message}`);
      }
      world.cards.remove(READER);
    }
    await auditor.finalCheck(world);
    // Beside the server, the CLI's own verdict on the same ledger (one run in four).
    if (opts.concurrent && rng.chance(0.25)) {
      bump(stats.byClerk, 'cli-ledger-verify');
      const r = await runStationInProcess(['ledger', 'verify', '--json'], cliEnv(world));
      if (r.code !== 0) auditor.violation(`station ledger verify: ${r.stdout.trim()} ${r.stderr.trim()}`);
    }
    for (const m of auditor.movements) stats.byMovement[m.kind] = (stats.byMovement[m.kind] ?? 0) + 1;
  } catch (err) {
    auditor.violation(`run aborted: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await world.ui?.detach();
    world.ui = null;
    await world.dispose();
  }
  stats.runs++;
  stats.violations.push(...auditor.violations);
  return auditor.violations;
}

/** The APDU and write reach measured so far for an action (clean runs). */
export function measuredReach(name: string): Reach {
  return { ...reachOf(name) };
}
