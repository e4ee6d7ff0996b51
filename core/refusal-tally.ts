/**
 * Refused socket requests, audited in aggregate: one counter per source address, actor, action
 * and reason, written as ONE audit row (`count`, how many `connections`, first and last time)
 * every `flushMs` and when the server stops. A flood of 100,000 bad frames — also one that
 * reconnects after every frame — is then a few rows per interval, not one per frame nor one per
 * connection (docs/SECURITY.md "Audit"); nothing refused goes unrecorded.
 *
 * Reasons are a closed vocabulary chosen by the caller (never the request's own text), so an
 * attacker cannot grow the number of counters; past `maxKeys` counters the tally flushes early.
 */
import type { AuditOutcome } from '../db/audit.ts';

export interface RefusalRow {
  source: string;
  actor: string | null;
  action: string;
  reason: string;
  count: number;
  /** Distinct connections these refusals came over. */
  connections: number;
  firstAt: Date;
  lastAt: Date;
}

interface Counter {
  row: RefusalRow;
  connections: Set<string>;
}

export interface RefusalTallyOptions {
  /** Writes one aggregated row (the audit table); it reports its own failures (a rejection is dropped). */
  write: (row: RefusalRow, outcome: AuditOutcome) => Promise<void>;
  now: () => Date;
  /** Periodic flush (default 10 s; the timer is unref'd). */
  flushMs?: number;
  maxKeys?: number;
}

export class RefusalTally {
  readonly #counters = new Map<string, Counter>();
  readonly #opts: RefusalTallyOptions;
  readonly #timer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();

  constructor(opts: RefusalTallyOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => void this.flush(), opts.flushMs ?? 10_000);
    this.#timer.unref();
  }

  count(who: { source: string; connection: string; actor: string | null }, action: string, reason: string): void {
    const key = JSON.stringify([who.source, who.actor, action, reason]);
    const now = this.#opts.now();
    const c = this.#counters.get(key);
    if (c !== undefined) {
      c.row.count += 1;
      c.row.lastAt = now;
      c.connections.add(who.connection);
      return;
    }
    this.#counters.set(key, { row: { source: who.source, actor: who.actor, action, reason, count: 1, connections: 1, firstAt: now, lastAt: now }, connections: new Set([who.connection]) });
    if (this.#counters.size >= (this.#opts.maxKeys ?? 256)) void this.flush();
  }

  /** Writes every counter and forgets them; rows go out in order, one write at a time. */
  flush(): Promise<void> {
    const rows = [...this.#counters.values()].map((c) => ({ ...c.row, connections: c.connections.size }));
    this.#counters.clear();
    if (rows.length === 0) return this.#writing;
    this.#writing = this.#writing.then(async () => {
      for (const row of rows) await this.#opts.write(row, 'refused').catch(() => undefined);
    });
    return this.#writing;
  }

  /** Stops the timer and writes everything still counted. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
