/**
 * Refused socket requests, audited in aggregate: one counter per connection, actor, action and
 * reason, written as ONE audit row (`count`, first and last time) when the connection closes,
 * every `flushMs` while it stays open, and when the server stops. A flood of 100,000 bad
 * frames is then a handful of rows, not 100,000 (docs/SECURITY.md "Audit"); nothing refused
 * goes unrecorded.
 *
 * Reasons are a closed vocabulary chosen by the caller (never the request's own text), so an
 * attacker cannot grow the number of counters; past `maxKeys` counters the tally flushes early.
 */
import type { AuditOutcome } from '../db/audit.ts';

export interface RefusalRow {
  connection: string;
  actor: string | null;
  action: string;
  reason: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
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
  readonly #counters = new Map<string, RefusalRow>();
  readonly #opts: RefusalTallyOptions;
  readonly #timer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();

  constructor(opts: RefusalTallyOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => void this.flush(), opts.flushMs ?? 10_000);
    this.#timer.unref();
  }

  count(connection: string, actor: string | null, action: string, reason: string): void {
    const key = JSON.stringify([connection, actor, action, reason]);
    const now = this.#opts.now();
    const c = this.#counters.get(key);
    if (c !== undefined) {
      c.count += 1;
      c.lastAt = now;
      return;
    }
    this.#counters.set(key, { connection, actor, action, reason, count: 1, firstAt: now, lastAt: now });
    if (this.#counters.size >= (this.#opts.maxKeys ?? 256)) void this.flush();
  }

  /** Writes the counters of one connection (or all) and forgets them; rows go out in order. */
  flush(connection?: string): Promise<void> {
    const rows: RefusalRow[] = [];
    for (const [key, c] of this.#counters) {
      if (connection !== undefined && c.connection !== connection) continue;
      rows.push(c);
      this.#counters.delete(key);
    }
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
