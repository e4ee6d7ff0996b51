/**
 * The simulation runner: one run = a fresh station (copied template), a few customers' CPU
 * cards, a seeded sequence of workflow actions with card faults at random APDU indices and
 * process deaths before random database writes, then a restart, every returned card placed
 * once more (recovery), and the auditor's final check.
 */
import { StationError } from '../../common/errors.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { Auditor, snapshot, type CardSnapshot } from './auditor.ts';
import { ACTIONS, observe, placeAndSettle, type Ask, type SimAction } from './actions.ts';
import { FAULT_KINDS, FLOAT_FEN, ProxyCard, READER, Rng, SimCrash, World, type SimCard, type SimFault } from './world.ts';

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
  /** Card changes the auditor saw, by kind (load, sale, refund, damaged_block, exchange_issue). */
  byMovement: Record<string, number>;
}

export function emptyStats(): RunStats {
  return { runs: 0, actions: 0, faultsArmed: 0, faultsFired: 0, crashesArmed: 0, crashesFired: 0, cardsNeverReturned: 0, violations: [], byAction: {}, byMovement: {} };
}

/** Largest APDU count and write count seen per action (so faults cover every index). */
const reach = new Map<string, { apdus: number; writes: number; clean: number }>();
function reachOf(name: string): { apdus: number; writes: number; clean: number } {
  let r = reach.get(name);
  if (!r) { r = { apdus: 0, writes: 0, clean: 0 }; reach.set(name, r); }
  return r;
}

export interface Forced {
  action: string;
  fault?: SimFault | null;
  crashAtWrite?: number | null;
}

export interface RunOptions {
  seed: number;
  actions?: SimAction[];
  /** Force the first action (and its trouble), for exhaustive sweeps. */
  forced?: Forced;
  steps?: number;
  faultRate?: number;
  crashRate?: number;
}

function snapshots(world: World): Map<string, CardSnapshot> {
  return new Map(world.customers.map((c) => [c.name, snapshot(c)]));
}

function errorIsExpected(err: unknown): boolean {
  if (err instanceof SimCrash) return true;
  return err instanceof StationError && err.code !== 'INTERNAL';
}

async function step(world: World, auditor: Auditor, stats: RunStats, action: SimAction, fault: SimFault | null, crashAtWrite: number | null): Promise<void> {
  const picked = action.pickCard(world, auditor);
  if (picked === undefined) return; // no card this action could take right now
  const card = picked;
  const proxy = card ? new ProxyCard(world, card.card) : null;
  if (proxy) world.cards.insert(READER, proxy);
  else world.cards.remove(READER);
  if (fault && proxy) {
    stats.faultsArmed++;
    if (fault.kind === 'swap') {
      const other = world.rng.pick(world.customers.filter((c) => c !== card && !c.gone));
      proxy.armSwap(fault.atApdu, other.card);
    } else {
      card!.card.armFault({ kind: fault.kind, atApdu: fault.atApdu });
    }
  }
  world.writes = 0;
  world.crashAtWrite = crashAtWrite;
  if (crashAtWrite !== null) stats.crashesArmed++;
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
  const crashed = world.crashed;
  if (crashed) stats.crashesFired++;
  const fired = fault !== null && proxy !== null && proxy.apdus > fault.atApdu;
  if (fired) stats.faultsFired++;
  if (error !== undefined && !crashed && !errorIsExpected(error)) {
    auditor.violation(`${action.name}${fault ? ` with ${fault.kind}@${fault.atApdu}` : ''}${crashAtWrite !== null ? ` crash@w${crashAtWrite}` : ''}: unexpected ${(error as Error).name}: ${(error as Error).message}${process.env.SIM_STACKS ? `\n${(error as Error).stack}` : ''}`);
  }
  if (!fault && !crashed) {
    const r = reachOf(action.name);
    if (proxy) r.apdus = Math.max(r.apdus, proxy.apdus);
    r.writes = Math.max(r.writes, world.writes);
    if (error === undefined) r.clean++;
  }
  const after = snapshots(world);
  const run = { world, auditor, card, ask, before, after, result, error: crashed && error === undefined ? new SimCrash() : error };
  observe(run);
  await action.check?.(run);
  stats.actions++;
  stats.byAction[action.name] = (stats.byAction[action.name] ?? 0) + 1;
  if (crashed) await world.restart();
  world.cards.remove(READER);
  // A customer whose transaction went wrong may walk away for good.
  if (card && (fired || crashed) && error !== undefined && !card.gone && world.rng.chance(0.2)) {
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
  const asn = `31${(seed >>> 0).toString(16).padStart(8, '0').slice(-8)}${n.toString(16).padStart(6, '0')}`.toUpperCase();
  const card = makeLabCard({ kind: 'cpu', city: '3100', id: asn, balanceFen: stock ? 0 : rng.pick([0, 500, rng.int(0, 60_000)]), enabled: !stock }) as CpuCard;
  return { name, card, ref: `cpu:${asn}`, asn, initialBalanceFen: card.balanceFen, initialOnlineAtc: card.onlineAtc, gone: false, stranger: false, stock };
}

export async function runOnce(opts: RunOptions, stats: RunStats): Promise<string[]> {
  const rng = new Rng(opts.seed);
  const actions = opts.actions ?? ACTIONS;
  const world = await World.create(rng);
  const auditor = new Auditor(FLOAT_FEN, `seed ${opts.seed}`);
  try {
    const nCards = rng.int(2, 4);
    for (let i = 0; i < nCards; i++) world.customers.push(newCard(rng, `card${i}`, i, opts.seed));
    const nStock = opts.forced ? 1 : rng.int(0, 2);
    for (let i = 0; i < nStock; i++) world.customers.push(newCard(rng, `stock${i}`, 0x80 + i, opts.seed, true));
    world.customers.push({ ...newCard(rng, 'stranger', 0xff, opts.seed), stranger: true });
    const steps = opts.steps ?? rng.int(4, 12);
    const faultRate = opts.faultRate ?? 0.45;
    const crashRate = opts.crashRate ?? 0.2;
    for (let i = 0; i < steps; i++) {
      let action: SimAction | null;
      let fault: SimFault | null = null;
      let crash: number | null = null;
      if (i === 0 && opts.forced) {
        action = actions.find((a) => a.name === opts.forced!.action) ?? null;
        if (action && action.weight(world, auditor) === 0) action = null;
        fault = opts.forced.fault ?? null;
        crash = opts.forced.crashAtWrite ?? null;
      } else {
        action = pickAction(world, auditor, actions);
        if (action === null) break;
        const r = reachOf(action.name);
        if (rng.chance(faultRate)) fault = { kind: rng.pick(FAULT_KINDS), atApdu: rng.int(0, Math.max(r.apdus, 8)) };
        if (rng.chance(crashRate)) crash = rng.int(0, Math.max(r.writes, 4));
      }
      if (action === null) continue;
      await step(world, auditor, stats, action, fault, crash);
    }
    // The station restarts; every customer who still has their card comes back once more.
    await world.restart();
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
    for (const m of auditor.movements) stats.byMovement[m.kind] = (stats.byMovement[m.kind] ?? 0) + 1;
  } catch (err) {
    auditor.violation(`run aborted: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await world.dispose();
  }
  stats.runs++;
  stats.violations.push(...auditor.violations);
  return auditor.violations;
}

/** The APDU and write reach measured so far for an action (clean runs). */
export function measuredReach(name: string): { apdus: number; writes: number; clean: number } {
  return { ...reachOf(name) };
}
