/**
 * The simulation's world: a real station (real SQLite file copied from a template home, the
 * training keys, the software SAM) with in-process readers, a set of emulated cards, a seeded
 * random source, and the two kinds of trouble the sim injects:
 *  - card faults at a chosen APDU index (the emulator's own tear hooks, plus a silent swap
 *    for another card), applied through a proxy card placed in the reader;
 *  - process death before the k-th database write of an action (every later statement and
 *    every later APDU fails, as nothing runs after a SIGKILL), then the database is closed
 *    and reopened as a restarted station would;
 *  - a full disk: real SQLite with `PRAGMA max_page_count` pinned a few pages above the
 *    file's size for one action, so whichever write needs a new page fails with SQLITE_FULL
 *    (the process lives on and the next action finds the space freed);
 *  - the clearing host down (no answer, or a network error) while a workflow asks it.
 */
import { cpSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, type Actor } from '../../core/auth.ts';
import { loadConfig } from '../../core/config.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { openShift } from '../../core/workflows/shift.ts';
import type { Database } from '../../db/sqlite.ts';
import { DefaultM1Layout } from '../../devices/m1/index.ts';
import { tryDecodeValueBlock } from '../../devices/m1/value-block.ts';
import type { M1Card } from '../../devices/emulator/m1-card.ts';
import type { CardAnswer, Fault, VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { WatchedInProcessAccess } from './ui-access.ts';
import type { ClerkFault } from './ui-actions.ts';
import type { UiCounter } from './ui-counter.ts';

export const READER = 'Virtual Reader 00 00';
/** A second reader on the counter (the concurrent simulation's second card). */
export const READER2 = 'Virtual Reader 00 01';
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

export type SimFaultKind = 'tear-before-commit' | 'tear-after-commit' | 'response-lost' | 'remove' | 'swap' | 'partial-write';
export const FAULT_KINDS: readonly SimFaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove', 'swap'];
/** An M1 card also loses power halfway through programming a block (the first bytes new, the rest old). */
export const M1_FAULT_KINDS: readonly SimFaultKind[] = [...FAULT_KINDS, 'partial-write'];

export interface SimFault { kind: SimFaultKind; atApdu: number }

/** One customer's card. `gone`: the customer left with it and never comes back. */
export interface SimCard {
  name: string;
  /** A CPU card (ref cpu:<ASN>) or an old M1 card (ref m1:<UID>, asn = the UID). */
  kind: 'cpu' | 'm1';
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
  /** The holder's ID number when the card was sold registered (记名) here. */
  idNumber: string | null;
  /** The holder lost it (it never enters the field again, except in a finder's hands). */
  lost: boolean;
  /** Activated for an upgrade or a replacement not finished yet: used for nothing else until then. */
  reserved?: boolean;
}

/** What an M1 card shows, read straight from its blocks (no APDU): purse and flags. */
export interface M1State {
  /** Purse copies agree, no transaction in progress, public info intact. */
  stable: boolean;
  valueFen: number;
  blacklisted: boolean;
}

const M1_LAYOUT = new DefaultM1Layout();
export function m1State(card: M1Card): M1State {
  const primary = tryDecodeValueBlock(card.peekBlock(M1_LAYOUT.purse.primaryBlock));
  const backup = tryDecodeValueBlock(card.peekBlock(M1_LAYOUT.purse.backupBlock));
  let info: ReturnType<DefaultM1Layout['decodePublicInfo']> | null = null;
  try {
    info = M1_LAYOUT.decodePublicInfo(card.peekBlock(M1_LAYOUT.publicInfo.primaryBlock), card.peekBlock(M1_LAYOUT.publicInfo.backupBlock));
  } catch {
    info = null;
  }
  const stable = primary !== null && backup !== null && primary.value === backup.value && info !== null && info.source === 'primary' && info.backupMatches && info.info.progress !== 'in-progress';
  return { stable, valueFen: Math.min(primary?.value ?? Infinity, backup?.value ?? Infinity), blacklisted: info?.info.blacklisted ?? false };
}

/** A valid resident ID number (GB 11643 check digit), distinct per n. */
export function simIdNumber(n: number): string {
  const body = `110105198${(n % 10).toString()}0101${(100 + (Math.floor(n / 10) % 900)).toString()}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
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

interface Template { dir: string; operator: Actor; supervisor: Actor; admin: Actor; teller2: Actor }
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
  await createFirstAdmin(dir, config, '1111', process.env, { now: () => SIM_START });
  const cards = new WatchedInProcessAccess([READER]);
  const station = await openStation({ home: dir, env: { ...process.env, STATION_KEYS: '' }, cards, config: loadConfig(dir), now: () => SIM_START });
  const admin = await authenticate(station.db, 'admin', '1111');
  await addStaff(station, admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '2222' });
  await addStaff(station, admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '3333' });
  const operator = await authenticate(station.db, 'op1', '2222');
  const supervisor = await authenticate(station.db, 'sup1', '3333');
  await openShift(station, operator, FLOAT_FEN);
  // A second counter's teller, shift open all run (float 0: no postings), for transfers between
  // two open shifts (test/sim/cash-actions.ts).
  await addStaff(station, admin, { staffId: 'op2', name: '王五', role: 'operator', pin: '4444' });
  const teller2 = await authenticate(station.db, 'op2', '4444');
  await openShift(station, teller2, 0);
  await station.close();
  template = { dir, operator, supervisor, admin, teller2 };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return template;
}

export class World {
  station!: Station;
  /** The readers (the UI simulation serves them through `station serve`'s server: they announce cards). */
  readonly cards = new WatchedInProcessAccess([READER, READER2]);
  operator!: Actor;
  supervisor!: Actor;
  /** The teller of the second counter (its shift stays open; transfers go to and from it). */
  teller2!: Actor;
  home!: string;
  crashed = false;
  #clock = SIM_START.getTime();
  readonly customers: SimCard[] = [];
  /** Cards given a fault of their own inside an action (disarmed after it). */
  readonly extraFaultCards: SimCard[] = [];
  /** Database writes counted in the current action, and the index at which the process dies. */
  writes = 0;
  crashAtWrite: number | null = null;
  /** Writes that failed with SQLITE_FULL in the current action. */
  diskFullHits = 0;
  /** The clearing host: 'up' answers, 'down' answers nothing, 'error' fails like a dead network. */
  host: 'up' | 'down' | 'error' = 'up';
  /** Questions the host could not answer in the current action. */
  hostMisses = 0;
  /** The proxy of the last card a one-reader swap placed (APDU count of the new card). */
  swapProxy: ProxyCard | null = null;
  /** A fault for the next card a one-reader swap places (sweeps), instead of a random one. */
  nextCardFault: SimFault | null = null;
  /** Sweeps: the host answers every time; the next card sold is registered. */
  forceHostUp = false;
  forceHostDown = false;
  walkAwayRate = 0.2;
  /** No random fault on a swapped-in card (the customers' last, clean visit). */
  calm = false;
  registerNext: boolean | null = null;
  /**
   * What runs on the station beside the core: the UI simulation's `station serve` server stops
   * before the database closes and starts again on the reopened station (test/sim/ui-counter.ts).
   */
  onClose: (() => Promise<void>) | null = null;
  /** The UI simulation's counter (server and tabs), the clerk's fault for this action and the faults that fired. */
  ui: UiCounter | null = null;
  clerkFault: ClerkFault | null = null;
  clerkFired: string[] = [];
  /** What the customer's card was placed as in this action (put back after a clerk's removal). */
  placed: VirtualCard | null = null;
  onOpen: (() => Promise<void>) | null = null;
  #idSeq = 0;

  constructor(readonly rng: Rng) {}

  static async create(rng: Rng): Promise<World> {
    const w = new World(rng);
    const t = await getTemplate();
    w.home = scratchDir('station-sim-');
    cpSync(t.dir, w.home, { recursive: true });
    w.operator = t.operator;
    w.supervisor = t.supervisor;
    w.teller2 = t.teller2;
    await w.open();
    return w;
  }

  now(): Date {
    this.#clock += 1000;
    return new Date(this.#clock);
  }

  /** Days pass (a replacement's waiting period). */
  advanceDays(days: number): void { this.#clock += days * 86_400_000; }

  /** A fresh resident ID number for a registration. */
  nextIdNumber(): string { return simIdNumber(this.#idSeq++); }

  /** The card with this number, for the host's answer. */
  cardByAsn(asn: string): SimCard | undefined { return this.customers.find((c) => c.kind === 'cpu' && c.asn === asn); }

  /**
   * The clearing host's answer for a card out of circulation: the balance the card itself
   * holds (nothing spends it after the loss), once the loss has reached the host.
   */
  async #lostCardBalance(asn: string): Promise<{ balanceFen: number } | null> {
    if (this.host !== 'up') {
      this.hostMisses++;
      if (this.host === 'error') throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
      return null;
    }
    const c = this.cardByAsn(asn);
    if (!c || !c.lost) return null;
    return { balanceFen: (c.card as unknown as { balanceFen: number }).balanceFen };
  }

  /** The disk fills up: SQLite may grow the file by `pages` more pages (0 = not at all). */
  async fillDisk(pages: number): Promise<void> {
    const row = await this.#rawGet<{ page_count: number }>('PRAGMA page_count');
    await this.#rawExec(`PRAGMA max_page_count = ${row!.page_count + pages}`);
  }

  /** Space freed again. */
  async freeDisk(): Promise<void> {
    await this.#rawExec('PRAGMA max_page_count = 1073741823');
  }

  async open(): Promise<void> {
    this.station = await openStation({
      home: this.home, env: { ...process.env, STATION_KEYS: '' }, cards: this.cards, config: loadConfig(this.home), now: () => this.now(),
      upstream: { lostCardBalance: (asn) => this.#lostCardBalance(asn) },
    });
    this.#gate(this.station.db);
  }

  /** Process death: nothing more runs; the database is closed and the station opened again. */
  async restart(): Promise<void> {
    this.crashed = true;
    this.cards.remove(READER);
    await this.onClose?.();
    await this.#rawClose();
    this.crashed = false;
    this.crashAtWrite = null;
    await this.open();
    await this.onOpen?.();
  }

  #rawClose: () => Promise<void> = async () => undefined;
  #rawExec: (sql: string) => Promise<void> = async () => undefined;
  #rawGet: <T>(sql: string) => Promise<T | undefined> = async () => undefined;

  /** Wraps the database so the sim counts writes and can die before any one of them. */
  #gate(db: Database): void {
    const run = db.run.bind(db);
    const exec = db.exec.bind(db);
    const transaction = db.transaction.bind(db);
    const get = db.get.bind(db);
    const all = db.all.bind(db);
    const close = db.close.bind(db);
    this.#rawClose = close;
    this.#rawExec = async (sql) => { await exec(sql); };
    this.#rawGet = (sql) => get(sql);
    const full = (err: unknown): boolean => {
      const e = err as { code?: string; message?: string; cause?: unknown };
      return e?.code === 'SQLITE_FULL' || e?.code === 'DISK_FULL' || /disk is full/i.test(e?.message ?? '') || (e?.cause !== undefined && e.cause !== err && full(e.cause));
    };
    const write = <T>(fn: () => Promise<T>): Promise<T> => {
      if (this.crashed) return Promise.reject(new SimCrash());
      if (this.crashAtWrite !== null && this.writes >= this.crashAtWrite) {
        this.crashed = true;
        return Promise.reject(new SimCrash());
      }
      this.writes++;
      const at = process.env.SIM_STACKS ? new Error('write called from').stack : undefined;
      return fn().catch((err: unknown) => {
        if (full(err)) {
          this.diskFullHits++;
          if (at) process.stderr.write(`SQLITE_FULL ${at}\n`);
        }
        throw err;
      });
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
    await this.onClose?.().catch(() => undefined);
    this.crashed = false;
    await this.#rawClose().catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }
}
