/**
 * The simulation's world: a real station (real SQLite file copied from a template home, the
 * training keys, the software SAM) with in-process readers, a set of emulated cards, a seeded
 * random source, and the two kinds of trouble the sim injects:
 *  - card faults at a chosen APDU index (the emulator's own tear hooks, plus a silent swap
 *    for another card), applied through a proxy card placed in the reader;
 *  - process death before the k-th database write of an action (every later statement and
 *    every later APDU fails, as nothing runs after a SIGKILL), then the database is closed
 *    and reopened as a restarted station would.
 */
import { cpSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, type Actor } from '../../core/auth.ts';
import { InProcessCardAccess } from '../../core/card-access.ts';
import { loadConfig } from '../../core/config.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { openShift } from '../../core/workflows/shift.ts';
import type { Database } from '../../db/sqlite.ts';
import type { CardAnswer, Fault, VirtualCard } from '../../devices/emulator/virtual-card.ts';

export const READER = 'Virtual Reader 00 00';
export const FLOAT_FEN = 50_000;

/** Deterministic random source (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) { this.#s = seed >>> 0; }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]!; }
  chance(p: number): boolean { return this.next() < p; }
}

/** Thrown by every database call and APDU after the simulated process death. */
export class SimCrash extends Error {
  constructor() { super('simulated process death'); this.name = 'SimCrash'; }
}

export type SimFaultKind = 'tear-before-commit' | 'tear-after-commit' | 'response-lost' | 'remove' | 'swap';
export const FAULT_KINDS: readonly SimFaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove', 'swap'];

export interface SimFault { kind: SimFaultKind; atApdu: number }

/** One customer's card. `gone`: the customer left with it and never comes back. */
export interface SimCard {
  name: string;
  card: VirtualCard;
  ref: string;
  asn: string;
  initialBalanceFen: number;
  initialOnlineAtc: number;
  gone: boolean;
  /** Another customer's card that only ever enters the field by a swap. */
  stranger: boolean;
  /** A card from the station's stock, not sold yet (not activated). */
  stock: boolean;
}

/**
 * What the reader holds during an action: the customer's card, or (after a swap) another one.
 * Counts APDUs; after a crash nothing reaches any card.
 */
export class ProxyCard implements VirtualCard {
  apdus = 0;
  #active: VirtualCard;
  #swapAt: number | null = null;
  #swapTo: VirtualCard | null = null;
  swapped = false;
  constructor(readonly world: World, readonly first: VirtualCard) { this.#active = first; }
  get kind() { return this.#active.kind; }
  get active(): VirtualCard { return this.#active; }
  atr(): Uint8Array { return this.#active.atr(); }
  reset(): void { this.#active.reset(); }
  armSwap(atApdu: number, to: VirtualCard): void { this.#swapAt = atApdu; this.#swapTo = to; }
  armFault(f: Fault | null): void { this.#active.armFault(f); }
  toJSON(): unknown { return this.#active.toJSON(); }
  process(apdu: Uint8Array): CardAnswer {
    if (this.world.crashed) throw new SimCrash();
    if (this.#swapAt !== null && this.apdus === this.#swapAt && this.#swapTo !== null) {
      // The customer's card leaves and another enters between two APDUs; the new card is
      // freshly powered (nothing selected) — the reader did not notice.
      this.#swapTo.reset();
      this.#active = this.#swapTo;
      this.swapped = true;
      this.#swapAt = null;
    }
    this.apdus++;
    return this.#active.process(apdu);
  }
}

interface Template { dir: string; operator: Actor; supervisor: Actor; admin: Actor }
let template: Template | null = null;

function scratchDir(prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  return mkdtempSync(path.join(base, prefix));
}

export const SIM_START = new Date('2026-11-23T02:00:00Z');

/** A station home with staff and an open shift, made once per process and copied per run. */
async function getTemplate(): Promise<Template> {
  if (template) return template;
  const dir = scratchDir('station-sim-tpl-');
  const config = initStationHome({ home: dir, training: true, cityCode: '3100', terminalId: '010000000001', now: SIM_START });
  await createFirstAdmin(dir, config, '1111');
  const cards = new InProcessCardAccess([READER]);
  const station = await openStation({ home: dir, env: { ...process.env, STATION_KEYS: '' }, cards, config: loadConfig(dir), now: () => SIM_START });
  const admin = await authenticate(station.db, 'admin', '1111');
  await addStaff(station, admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '2222' });
  await addStaff(station, admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '3333' });
  const operator = await authenticate(station.db, 'op1', '2222');
  const supervisor = await authenticate(station.db, 'sup1', '3333');
  await openShift(station, operator, FLOAT_FEN);
  await station.close();
  template = { dir, operator, supervisor, admin };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return template;
}

export class World {
  station!: Station;
  readonly cards = new InProcessCardAccess([READER]);
  operator!: Actor;
  supervisor!: Actor;
  home!: string;
  crashed = false;
  #clock = SIM_START.getTime();
  readonly customers: SimCard[] = [];
  /** Cards given a fault of their own inside an action (disarmed after it). */
  readonly extraFaultCards: SimCard[] = [];
  /** Database writes counted in the current action, and the index at which the process dies. */
  writes = 0;
  crashAtWrite: number | null = null;

  constructor(readonly rng: Rng) {}

  static async create(rng: Rng): Promise<World> {
    const w = new World(rng);
    const t = await getTemplate();
    w.home = scratchDir('station-sim-');
    cpSync(t.dir, w.home, { recursive: true });
    w.operator = t.operator;
    w.supervisor = t.supervisor;
    await w.open();
    return w;
  }

  now(): Date {
    this.#clock += 1000;
    return new Date(this.#clock);
  }

  async open(): Promise<void> {
    this.station = await openStation({ home: this.home, env: { ...process.env, STATION_KEYS: '' }, cards: this.cards, config: loadConfig(this.home), now: () => this.now() });
    this.#gate(this.station.db);
  }

  /** Process death: nothing more runs; the database is closed and the station opened again. */
  async restart(): Promise<void> {
    this.crashed = true;
    this.cards.remove(READER);
    await this.#rawClose();
    this.crashed = false;
    this.crashAtWrite = null;
    await this.open();
  }

  #rawClose: () => Promise<void> = async () => undefined;

  /** Wraps the database so the sim counts writes and can die before any one of them. */
  #gate(db: Database): void {
    const run = db.run.bind(db);
    const exec = db.exec.bind(db);
    const transaction = db.transaction.bind(db);
    const get = db.get.bind(db);
    const all = db.all.bind(db);
    const close = db.close.bind(db);
    this.#rawClose = close;
    const write = <T>(fn: () => Promise<T>): Promise<T> => {
      if (this.crashed) return Promise.reject(new SimCrash());
      if (this.crashAtWrite !== null && this.writes >= this.crashAtWrite) {
        this.crashed = true;
        return Promise.reject(new SimCrash());
      }
      this.writes++;
      return fn();
    };
    const read = <T>(fn: () => Promise<T>): Promise<T> => (this.crashed ? Promise.reject(new SimCrash()) : fn());
    Object.assign(db, {
      run: (sql: string, params?: Parameters<Database['run']>[1]) => write(() => run(sql, params)),
      exec: (sql: string) => write(() => exec(sql)),
      transaction: <T>(fn: Parameters<Database['transaction']>[0]) => write(() => transaction(fn) as Promise<T>),
      get: <T>(sql: string, params?: Parameters<Database['get']>[1]) => read(() => get<T>(sql, params)),
      all: <T>(sql: string, params?: Parameters<Database['all']>[1]) => read(() => all<T>(sql, params)),
    });
  }

  async dispose(): Promise<void> {
    this.crashed = false;
    await this.#rawClose().catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }
}
