/**
 * The native binding: the Node-API `sqlite3` package (one binary for Node and Electron), WAL,
 * async calls into its thread pool. `sqlite3` is an optional dependency (its build needs a
 * compiler where no prebuilt binary is reachable), so it is loaded with require() and typed
 * here by the few calls the station makes: a machine without it still type-checks and falls
 * back to db/sqlite-wasm.ts.
 */
import { requireBinding, storageError, type DriverConnection, type Params, type RunResult, type SqliteDriver } from './sqlite-driver.ts';

export interface NativeStatement {
  run(params: unknown[], callback: (this: RunResult, err: Error | null) => void): void;
  all(params: unknown[], callback: (err: Error | null, rows: unknown[]) => void): void;
  finalize(callback?: () => void): void;
}

export interface NativeDatabase {
  prepare(sql: string, callback?: (err: Error | null) => void): NativeStatement;
  exec(sql: string, callback: (err: Error | null) => void): void;
  close(callback: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
}

export interface NativeSqlite {
  Database: new (file: string, mode: number, callback: (err: Error | null) => void) => NativeDatabase;
  OPEN_READWRITE: number;
  OPEN_CREATE: number;
  /** Its prototype: bench/topup times the synchronous part of each call there. */
  Statement: { prototype: unknown };
}

/** The `sqlite3` module, or a throw saying why it cannot load (benches use it for their raw baseline). */
export function loadNativeSqlite(): NativeSqlite {
  return requireBinding('sqlite3') as NativeSqlite;
}

/** Opens a file with the bare binding (no pragmas): the benches' baseline and the native driver's start. */
export function openNativeDatabase(sqlite3: NativeSqlite, file: string): Promise<NativeDatabase> {
  return new Promise<NativeDatabase>((resolve, reject) => {
    const db: NativeDatabase = new sqlite3.Database(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) => (err ? reject(storageError(err)) : resolve(db)));
  });
}

/** Prepared statements kept per connection (each saves a prepare round trip into the thread pool). */
const MAX_CACHED_STATEMENTS = 64;

function runStatement(stmt: NativeStatement, params: Params): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    stmt.run(params as unknown[], function (this: RunResult, err: Error | null) {
      if (err) reject(storageError(err));
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

function allRows<T>(stmt: NativeStatement, params: Params): Promise<T[]> {
  return new Promise((resolve, reject) => {
    stmt.all(params as unknown[], (err: Error | null, rows: unknown[]) => (err ? reject(storageError(err)) : resolve(rows as T[])));
  });
}

class NativeConnection implements DriverConnection {
  readonly #statements = new Map<string, NativeStatement>();
  constructor(private readonly db: NativeDatabase) {}

  /**
   * A statement, prepared once and reused: one hop into node-sqlite3's thread pool per use
   * instead of two (prepare, then step). Every use runs it to SQLITE_DONE (run, all), so a
   * cached statement holds no lock or read snapshot between uses.
   */
  #cached(sql: string): NativeStatement | undefined {
    const hit = this.#statements.get(sql);
    if (hit !== undefined) {
      // Most recently used last, so eviction takes the coldest.
      this.#statements.delete(sql);
      this.#statements.set(sql, hit);
    }
    return hit;
  }

  #prepared(sql: string): Promise<NativeStatement> {
    const hit = this.#cached(sql);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const stmt: NativeStatement = this.db.prepare(sql, (err: Error | null) => {
        if (err) return reject(storageError(err));
        if (this.#statements.size >= MAX_CACHED_STATEMENTS) {
          const [coldest, old] = this.#statements.entries().next().value as [string, NativeStatement];
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
  run(sql: string, params: Params): Promise<RunResult> {
    const hit = this.#cached(sql);
    return hit !== undefined ? runStatement(hit, params) : this.#prepared(sql).then((stmt) => runStatement(stmt, params));
  }

  /**
   * Through a cached statement's `all`, which steps to SQLITE_DONE: node-sqlite3's Statement#get
   * stops at the first row and would keep the statement (and its read snapshot) open; so the
   * Database's `get` is the first row of `all` (the station's `get`s are point lookups,
   * aggregates or LIMIT 1).
   */
  all<T>(sql: string, params: Params): Promise<T[]> {
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

/** The native driver; throws (the caller falls back to WASM) when `sqlite3` cannot load. */
export function nativeDriver(): SqliteDriver {
  const sqlite3 = loadNativeSqlite();
  return {
    name: 'native',
    async open(file) {
      const raw = await openNativeDatabase(sqlite3, file);
      const conn = new NativeConnection(raw);
      raw.configure('busyTimeout', 5000);
      await conn.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;');
      return conn;
    },
  };
}
