/**
 * The station's SQLite file, over either binding (db/sqlite-driver.ts: the native `sqlite3`
 * preferred, the WASM build where it cannot load). Rules from docs/ARCHITECTURE.md "Data":
 * synchronous=FULL, foreign keys on, STRICT tables, WAL on the native binding (the rollback
 * journal on the WASM one), and a single serialised writer — the async API would otherwise
 * interleave two workflows' statements inside one transaction. Every statement, read or write,
 * goes through one queue, so a reader never sees another workflow's uncommitted rows either.
 */
import { StationError } from '../common/errors.ts';
import type { LookupKey } from './lookup-key.ts';
import { sqliteDriver, storageError, type DriverConnection, type DriverName, type Params } from './sqlite-driver.ts';

export { storageError, type SqlValue, type Params } from './sqlite-driver.ts';
export type { DriverName } from './sqlite-driver.ts';

export interface Queryable {
  run(sql: string, params?: Params): Promise<{ changes: number; lastID: number }>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
  /**
   * The ledger's chain head as last committed by this process (null when not known yet), and
   * where appendEntry leaves the new head. On the Database itself (a statement on its own is
   * its own autocommit transaction) a successful append has committed; inside a transaction
   * the new head is kept only if the transaction commits. A hint: appendEntry's INSERT checks
   * it against the table.
   */
  readonly chainHead?: ChainHeadSlot;
  /** The station's lookup key (db/lookup-key.ts), when the station bound one to this database. */
  readonly lookupKey?: LookupKey | undefined;
}

export interface ChainHead { seq: number; hash: string }
export interface ChainHeadSlot {
  get(): ChainHead | null;
  set(head: ChainHead | null): void;
}

export class Database implements Queryable {
  readonly file: string;
  /** The binding underneath ('native' or 'wasm'), for `station doctor`. */
  readonly driver: DriverName;
  #conn: DriverConnection;
  #queue: Promise<unknown> = Promise.resolve();
  /** Calls handed to the connection and not settled yet: with none, the next one starts at once. */
  #inFlight = 0;
  #closed = false;
  /**
   * The ledger head after the last transaction this process committed (null: not known, read
   * at the next append). Only a committed transaction updates it; a rolled-back one leaves it.
   * Another process may append between our transactions: appendEntry's INSERT only succeeds
   * when the table's head still is this one, and re-reads the head otherwise.
   */
  #head: ChainHead | null = null;

  /**
   * The head slot for statements run on the Database directly (autocommit): appendEntry's
   * one-statement append has committed when it resolves. Only ever moved forward, and cleared
   * when a statement found it stale.
   */
  readonly chainHead: ChainHeadSlot = {
    get: () => this.#head,
    set: (h) => {
      if (h === null || this.#head === null || h.seq > this.#head.seq) this.#head = h;
    },
  };

  #lookupKey: LookupKey | undefined;

  /** The key ID-number lookups and PIN verifiers of this database are made with (set once, by the station). */
  get lookupKey(): LookupKey | undefined {
    return this.#lookupKey;
  }

  bindLookupKey(key: LookupKey): void {
    if (this.#lookupKey !== undefined && this.#lookupKey !== key) throw new StationError('KEYS', 'this database already has a lookup key');
    this.#lookupKey = key;
  }

  private constructor(file: string, driver: DriverName, conn: DriverConnection) {
    this.file = file;
    this.driver = driver;
    this.#conn = conn;
  }

  /** Opens (creating) `file` with the binding chosen for this process (STATION_SQLITE in `env` forces one). */
  static async open(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Database> {
    const driver = await sqliteDriver(env);
    return new Database(file, driver.name, await driver.open(file));
  }

  /** Runs `fn` alone: nothing else touches the connection until it settles. */
  #exclusive<T>(fn: (c: DriverConnection) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StationError('STORAGE', 'database is closed'));
    // Idle: start now rather than one promise hop later (the same order: nothing is queued).
    let next: Promise<T>;
    if (this.#inFlight === 0) {
      try { next = fn(this.#conn); } catch (err) { next = Promise.reject(err); }
    } else {
      next = this.#queue.then(() => fn(this.#conn));
    }
    this.#inFlight++;
    const settled = (): void => { this.#inFlight--; };
    this.#queue = next.then(settled, settled);
    return next;
  }

  run(sql: string, params?: Params): Promise<{ changes: number; lastID: number }> {
    return this.#exclusive((c) => c.run(sql, params ?? []));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.#exclusive(async (c) => (await c.all<T>(sql, params ?? []))[0]);
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.#exclusive((c) => c.all<T>(sql, params ?? []));
  }

  exec(sql: string): Promise<void> {
    return this.#exclusive((c) => c.exec(sql));
  }

  /**
   * One write transaction (BEGIN IMMEDIATE … COMMIT), durable when it resolves
   * (synchronous=FULL). Any error rolls everything in it back.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(async (c) => {
      await c.run('BEGIN IMMEDIATE', []);
      let head = this.#head;
      let moved = false;
      const tx: Queryable = {
        run: (sql, params) => c.run(sql, params ?? []),
        get: async <T>(sql: string, params?: Params) => (await c.all<T>(sql, params ?? []))[0],
        all: (sql, params) => c.all(sql, params ?? []),
        chainHead: { get: () => head, set: (h) => { head = h; moved = true; } },
        lookupKey: this.#lookupKey,
      };
      try {
        const result = await fn(tx);
        await c.run('COMMIT', []);
        if (moved) this.#head = head;
        return result;
      } catch (err) {
        await c.exec('ROLLBACK').catch(() => undefined);
        throw storageError(err);
      }
    });
  }

  async integrityCheck(): Promise<string[]> {
    const rows = await this.all<{ integrity_check: string }>('PRAGMA integrity_check');
    return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  }

  async close(): Promise<void> {
    await this.#exclusive((c) => c.close());
    this.#closed = true;
  }
}
