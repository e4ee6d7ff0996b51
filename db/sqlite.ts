/**
 * The station's SQLite file through the Node-API `sqlite3` package (one binary for Node and
 * Electron). Rules from docs/ARCHITECTURE.md "Data": WAL, synchronous=FULL, foreign keys on,
 * STRICT tables, and a single serialised writer — the async API would otherwise interleave two
 * workflows' statements inside one transaction. Every statement, read or write, goes through
 * one queue, so a reader never sees another workflow's uncommitted rows either.
 */
import sqlite3 from 'sqlite3';
import { StationError } from '../common/errors.ts';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Params = readonly SqlValue[] | Record<string, SqlValue>;

export interface Queryable {
  run(sql: string, params?: Params): Promise<{ changes: number; lastID: number }>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
}

/** Maps SQLite failures the operator can act on to typed errors; the ledger is untouched. */
export function storageError(err: unknown): StationError {
  if (err instanceof StationError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message ?? String(err);
  if (code === 'SQLITE_FULL' || /database or disk is full/i.test(message)) {
    return new StationError('DISK_FULL', 'The disk is full: nothing was written', 'Free disk space on the station PC, then retry', { cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT' && /append-only/.test(message)) {
    return new StationError('LEDGER_BROKEN', `Refused: ${message}`, undefined, { cause: err });
  }
  return new StationError('STORAGE', `Database error: ${message}`, 'Run `station doctor`; the last operation was not saved', { cause: err });
}

class Connection implements Queryable {
  constructor(private readonly db: sqlite3.Database) {}

  run(sql: string, params: Params = []): Promise<{ changes: number; lastID: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params as unknown[], function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(storageError(err));
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params as unknown[], (err: Error | null, row: unknown) => (err ? reject(storageError(err)) : resolve(row as T | undefined)));
    });
  }

  all<T>(sql: string, params: Params = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params as unknown[], (err: Error | null, rows: unknown[]) => (err ? reject(storageError(err)) : resolve(rows as T[])));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err: Error | null) => (err ? reject(storageError(err)) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err: Error | null) => (err ? reject(storageError(err)) : resolve())));
  }
}

export class Database implements Queryable {
  readonly file: string;
  #conn: Connection;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

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
    const next = this.#queue.then(() => fn(this.#conn));
    this.#queue = next.catch(() => undefined);
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
      await c.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(c);
        await c.exec('COMMIT');
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
