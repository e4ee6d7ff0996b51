/**
 * The station's SQLite file through the Node-API `sqlite3` package (one binary for Node and
 * Electron). Rules from docs/ARCHITECTURE.md "Data": WAL, synchronous=FULL, foreign keys on,
 * STRICT tables, and a single serialised writer — the async API would otherwise interleave two
 * workflows' statements inside one transaction. Every statement, read or write, goes through
 * one queue, so a reader never sees another workflow's uncommitted rows either.
 */
import sqlite3 from 'sqlite3';
import { StationError } from '../common/errors.ts';
import type { LookupKey } from './lookup-key.ts';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Params = readonly SqlValue[] | Record<string, SqlValue>;

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

/** Prepared statements kept per connection (each saves a prepare round trip into the thread pool). */
const MAX_CACHED_STATEMENTS = 64;

/**
 * The guards of migration 5 (a check inside the write that lost a race): RAISE('refused: …')
 * becomes the refusal the workflow's own check gives when it is not racing. Nothing was written.
 */
const REFUSALS: Record<string, (cause: unknown) => StationError> = {
  'shift closed': (cause) => new StationError('NO_SHIFT', 'The shift was closed meanwhile: nothing was booked', 'Open a new shift, then do it again', { cause }),
  'card already lost': (cause) => new StationError('POLICY', 'Lost report refused: the card is already reported lost (nothing was booked or charged)', 'A replacement can be issued after the waiting period', { cause }),
};

/** Maps SQLite failures the operator can act on to typed errors; the ledger is untouched. */
export function storageError(err: unknown): StationError {
  if (err instanceof StationError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  if (code === 'SQLITE_FULL' || /database or disk is full/i.test(message)) {
    return new StationError('DISK_FULL', 'The disk is full: nothing was written', 'Free disk space on the station PC, then retry', { cause: err });
  }
  const refusal = /refused: ([a-z ]+)/.exec(message);
  if (refusal !== null && REFUSALS[refusal[1]!] !== undefined) return REFUSALS[refusal[1]!]!(err);
  if (code === 'SQLITE_CONSTRAINT' && /append-only/.test(message)) {
    return new StationError('LEDGER_BROKEN', `Refused: ${message}`, undefined, { cause: err });
  }
  return new StationError('STORAGE', `Database error: ${message}`, 'Run `station doctor`; the last operation was not saved', { cause: err });
}

function runStatement(stmt: sqlite3.Statement, params: Params): Promise<{ changes: number; lastID: number }> {
  return new Promise((resolve, reject) => {
    stmt.run(params as unknown[], function (this: sqlite3.RunResult, err: Error | null) {
      if (err) reject(storageError(err));
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

function allRows<T>(stmt: sqlite3.Statement, params: Params): Promise<T[]> {
  return new Promise((resolve, reject) => {
    stmt.all(params as unknown[], (err: Error | null, rows: unknown[]) => (err ? reject(storageError(err)) : resolve(rows as T[])));
  });
}

class Connection implements Queryable {
  readonly #statements = new Map<string, sqlite3.Statement>();
  constructor(private readonly db: sqlite3.Database) {}

  /**
   * A statement, prepared once and reused: one hop into node-sqlite3's thread pool per use
   * instead of two (prepare, then step). Every use runs it to SQLITE_DONE (run, all), so a
   * cached statement holds no lock or read snapshot between uses.
   */
  #cached(sql: string): sqlite3.Statement | undefined {
    const hit = this.#statements.get(sql);
    if (hit !== undefined) {
      // Most recently used last, so eviction takes the coldest.
      this.#statements.delete(sql);
      this.#statements.set(sql, hit);
    }
    return hit;
  }

  #prepared(sql: string): Promise<sqlite3.Statement> {
    const hit = this.#cached(sql);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const stmt: sqlite3.Statement = this.db.prepare(sql, (err: Error | null) => {
        if (err) return reject(storageError(err));
        if (this.#statements.size >= MAX_CACHED_STATEMENTS) {
          const [coldest, old] = this.#statements.entries().next().value as [string, sqlite3.Statement];
          this.#statements.delete(coldest);
          old.finalize();
        }
        this.#statements.set(sql, stmt);
        resolve(stmt);
      });
    });
  }

  /**
   * A cached statement runs at once (no await before it: each promise hop is a few µs of a
   * ledger append, which bench/ledger measures against a bare node-sqlite3 call).
   */
  run(sql: string, params: Params = []): Promise<{ changes: number; lastID: number }> {
    const hit = this.#cached(sql);
    return hit !== undefined ? runStatement(hit, params) : this.#prepared(sql).then((stmt) => runStatement(stmt, params));
  }

  /**
   * Through a cached statement's `all`, which steps to SQLITE_DONE: node-sqlite3's Statement#get
   * stops at the first row and would keep the statement (and its read snapshot) open. The
   * station's `get`s are point lookups, aggregates or LIMIT 1.
   */
  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  all<T>(sql: string, params: Params = []): Promise<T[]> {
    const hit = this.#cached(sql);
    return hit !== undefined ? allRows<T>(hit, params) : this.#prepared(sql).then((stmt) => allRows<T>(stmt, params));
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err: Error | null) => (err ? reject(storageError(err)) : resolve())));
  }

  async close(): Promise<void> {
    const statements = [...this.#statements.values()];
    this.#statements.clear();
    await Promise.all(statements.map((st) => new Promise<void>((resolve) => st.finalize(() => resolve()))));
    return new Promise((resolve, reject) => this.db.close((err: Error | null) => (err ? reject(storageError(err)) : resolve())));
  }
}

export class Database implements Queryable {
  readonly file: string;
  #conn: Connection;
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

  private constructor(file: string, conn: Connection) {
    this.file = file;
    this.#conn = conn;
  }

  static async open(file: string): Promise<Database> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db: sqlite3.Database = new sqlite3.Database(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err: Error | null) => (err ? reject(storageError(err)) : resolve(db)));
    });
    const conn = new Connection(raw);
    raw.configure('busyTimeout', 5000);
    await conn.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;');
    return new Database(file, conn);
  }

  /** Runs `fn` alone: nothing else touches the connection until it settles. */
  #exclusive<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
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
    return this.#exclusive((c) => c.run(sql, params));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.#exclusive((c) => c.get<T>(sql, params));
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.#exclusive((c) => c.all<T>(sql, params));
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
      await c.run('BEGIN IMMEDIATE');
      let head = this.#head;
      let moved = false;
      const tx: Queryable = {
        run: (sql, params) => c.run(sql, params),
        get: (sql, params) => c.get(sql, params),
        all: (sql, params) => c.all(sql, params),
        chainHead: { get: () => head, set: (h) => { head = h; moved = true; } },
        lookupKey: this.#lookupKey,
      };
      try {
        const result = await fn(tx);
        await c.run('COMMIT');
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
