/**
 * The counter of the UI simulation: `station serve`'s server (core/api/server.ts startUiServer,
 * the real dispatch, sessions, idle lock and card panel) on 127.0.0.1 over the simulation's
 * station and readers, and the clerk's browser tabs on its WebSocket (test/sim/ui-client.ts).
 * When the core restarts (a process death, or the clerk's "core restarted" fault) the server
 * stops with it and starts again on the reopened station; the tabs reconnect, and since the
 * sessions died with the process, the clerk logs in again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CardSlot } from '../../common/api.ts';
import { StationError } from '../../common/errors.ts';
import { startUiServer, type UiServer } from '../../core/api/server.ts';
import { ApiTab, ConnectionLost } from './ui-client.ts';
import type { World } from './world.ts';

/** The operator the clerk logs in as (the template's op1). */
export const CLERK = { staffId: 'op1', pin: '2222' } as const;
export const SUPERVISOR = { staffId: 'sup1', pin: '3333' } as const;

let dist: string | null = null;
/** The server wants a built renderer; the simulation never loads the page, so one file does. */
function staticDir(): string {
  if (dist) return dist;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'station-sim-ui-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>sim</title>');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  dist = dir;
  return dir;
}

export class UiCounter {
  server: UiServer | null = null;
  /** The clerk's tab (reconnected when it dropped). */
  #tab: ApiTab | null = null;
  /** Other tabs opened on the same session during an action (closed after it). */
  readonly extraTabs: ApiTab[] = [];
  /** The session token the browser keeps (sessionStorage), and whether the clerk locked it. */
  session: string | null = null;
  locked = false;
  /** Server starts (1 + the core's restarts). */
  starts = 0;

  private constructor(readonly world: World) {}

  static async attach(world: World): Promise<UiCounter> {
    const c = new UiCounter(world);
    world.onClose = () => c.#stop();
    world.onOpen = () => c.#start();
    await c.#start();
    return c;
  }

  async #start(): Promise<void> {
    this.server = await startUiServer({ station: this.world.station, access: this.world.cards, staticDir: staticDir(), idleLockMs: 3_600_000, env: { ...process.env, STATION_KEYS: '' } });
    this.starts++;
  }

  async #stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.session = null; // sessions live in the server process
    this.locked = false;
    await s?.close();
  }

  /** A new tab on the page (a reload, a second browser tab): it re-attaches the session it finds. */
  async openTab(): Promise<ApiTab> {
    if (!this.server) throw new ConnectionLost();
    const tab = await ApiTab.open(this.server.port, this.server.token);
    if (this.session !== null) {
      try {
        const r = await tab.call('resume', { session: this.session }) as { user: { locked: boolean } };
        this.locked = r.user.locked;
      } catch (err) {
        if (!(err instanceof StationError && err.code === 'AUTH')) throw err;
        this.session = null;
      }
    }
    return tab;
  }

  /** The clerk's tab, connected, logged in and unlocked (what the clerk does before any work). */
  async tab(): Promise<ApiTab> {
    if (this.#tab === null || this.#tab.closed) this.#tab = await this.openTab();
    if (this.session === null || this.locked) {
      const r = await this.#tab.call('login', CLERK) as { session: string };
      this.session = r.session;
      this.locked = false;
    }
    return this.#tab;
  }

  /** The clerk's tab as it is (connected, but locked or logged out if so). */
  async tabAsItIs(): Promise<ApiTab> {
    if (this.#tab === null || this.#tab.closed) this.#tab = await this.openTab();
    return this.#tab;
  }

  /** The network drops the clerk's tab; the page reconnects and re-attaches the session. */
  async dropAndReconnect(): Promise<ApiTab> {
    this.#tab?.drop();
    this.#tab = null;
    return this.tab();
  }

  async lock(): Promise<void> {
    await (await this.tab()).call('lock', {});
    this.locked = true;
  }

  /** The panel's slot for `reader` once the station has read the card placed there (null: none within the wait). */
  async panel(reader: string, waitMs = 20_000): Promise<CardSlot | null> {
    const end = Date.now() + waitMs;
    for (;;) {
      const slots = await (await this.tab()).call('card', {}) as CardSlot[];
      const slot = slots.find((s) => s.reader === reader);
      if (slot) return slot;
      if (Date.now() > end) return null;
      await sleep(5);
    }
  }

  async closeExtraTabs(): Promise<void> {
    for (const t of this.extraTabs.splice(0)) await t.close();
  }

  async detach(): Promise<void> {
    await this.closeExtraTabs();
    await this.#tab?.close();
    this.#tab = null;
    this.world.onClose = null;
    this.world.onOpen = null;
    await this.#stop();
  }
}
