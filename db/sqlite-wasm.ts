/**
 * The WASM binding: `node-sqlite3-wasm` (SQLite compiled to WebAssembly, file-backed through
 * Node's fs), for a machine where the native `sqlite3` cannot load. What differs from the
 * native binding, and how the station keeps its rules over it (docs/ARCHITECTURE.md "Data"):
 * - Synchronous calls: each statement blocks the event loop for its own duration (tens of µs,
 *   an fsync at COMMIT). db/sqlite.ts's queue still orders them; nothing else changes.
 * - No shared memory, so no WAL: the rollback journal with synchronous=FULL (durable at COMMIT
 *   all the same). A file a native station left in WAL mode is opened once in exclusive
 *   locking mode, which replays its -wal, and turned to the rollback journal.
 * - Its lock is a `<file>.lock` directory (mkdir is atomic), exclusive for readers and writers,
 *   taken for the length of a statement or of a transaction. SQLite's busy handler would sleep
 *   inside the call and block the event loop (another connection of this process could never
 *   finish), so busy_timeout stays 0 and a locked database is retried here, asynchronously,
 *   for up to 5 s (as the native binding's busyTimeout) — only when nothing ran yet: outside a
 *   transaction, where a busy statement did not start.
 * - A process that dies while holding the lock leaves the directory behind. Every open
 *   connection registers `<file>.owners/<pid>-<n>`; a lock found while no other registered
 *   process is alive (and no transaction of this process is open on the file) is stale and
 *   removed, and `staleLocksCleared()` says so (station doctor). A stale lock left while another
 *   station process keeps the file open is cleared once that process closes it too.
 * The drivers must never share one file at the same time (the mkdir lock and the native
 * binding's POSIX locks do not see each other): one station runs one driver.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../common/process-alive.ts';
import { requireBinding, sqliteCode, storageError, type DriverConnection, type Params, type RunResult, type SqliteDriver } from './sqlite-driver.ts';

type WasmValue = string | number | bigint | null | Uint8Array | boolean;
interface WasmStatement {
  run(values?: unknown): { changes: number; lastInsertRowid: number | bigint };
  all(values?: unknown): Record<string, WasmValue>[];
  finalize(): void;
}
interface WasmDatabase {
  readonly inTransaction: boolean;
  readonly isOpen: boolean;
  exec(sql: string): void;
  prepare(sql: string): WasmStatement;
  close(): void;
}
interface WasmModule {
  Database: new (file: string) => WasmDatabase;
}

/** As the native binding's busyTimeout. */
const BUSY_TIMEOUT_MS = 5000;
const MAX_CACHED_STATEMENTS = 64;

let binding: WasmModule | null = null;
function loadWasm(): WasmModule {
  binding ??= requireBinding('node-sqlite3-wasm') as WasmModule;
  return binding;
}

/** Transactions of this process open per file: the lock they hold is not stale. */
const openTransactions = new Map<string, number>();
const cleared: string[] = [];
let ownerSeq = 0;

/** Stale lock directories this process removed (file names), for `station doctor`. */
export function staleLocksCleared(): readonly string[] {
  return cleared;
}

/**
 * Removes `<file>.lock` when nobody alive can hold it: every other registered owner is a dead
 * process (their entries go too) and no transaction of this process is open on the file.
 */
export function clearStaleLock(file: string, self: string | null): boolean {
  const lock = `${file}.lock`;
  if (!existsSync(lock)) return false;
  const dir = `${file}.owners`;
  let otherProcessAlive = false;
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const pid = Number(name.split('-')[0]);
    // This process's own connections are asked through openTransactions below.
    if (name === self || pid === process.pid) continue;
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) otherProcessAlive = true;
    else rmSync(path.join(dir, name), { force: true });
  }
  if (otherProcessAlive) return false;
  if ((openTransactions.get(file) ?? 0) > 0) return false;
  try {
    rmdirSync(lock);
  } catch {
    return false; // taken and released meanwhile, or not ours to remove
  }
  cleared.push(file);
  return true;
}

/** A file a native station left in WAL mode (header bytes 18–19 are 2): the WASM build has no shared memory for it. */
function isWalFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
  } finally {
    closeSync(fd);
  }
}

function finalizeQuietly(stmt: WasmStatement): void {
  try { stmt.finalize(); } catch { /* it reports the error its last step already threw */ }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class WasmConnection implements DriverConnection {
  readonly #statements = new Map<string, WasmStatement>();
  #inTx = false;

  constructor(private readonly db: WasmDatabase, private readonly file: string, private readonly owner: string) {}

  #statement(sql: string): WasmStatement {
    const hit = this.#statements.get(sql);
    if (hit !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, hit);
      return hit;
    }
    const stmt = this.db.prepare(sql);
    if (this.#statements.size >= MAX_CACHED_STATEMENTS) {
      const [coldest, old] = this.#statements.entries().next().value as [string, WasmStatement];
      this.#statements.delete(coldest);
      finalizeQuietly(old);
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  /** Keeps this process's count of open transactions on the file (the stale-lock rule asks it). */
  #track(): void {
    const now = this.db.inTransaction;
    if (now === this.#inTx) return;
    this.#inTx = now;
    openTransactions.set(this.file, (openTransactions.get(this.file) ?? 0) + (now ? 1 : -1));
  }

  /**
   * Runs `call`; a locked database outside a transaction (the statement did not start) is
   * retried without blocking the event loop, clearing a stale lock on the way.
   */
  async #call<T>(call: () => T): Promise<T> {
    const started = performance.now();
    let wait = 1;
    for (;;) {
      try {
        const result = call();
        this.#track();
        return result;
      } catch (err) {
        this.#track();
        if (sqliteCode(err) !== 'SQLITE_BUSY' || this.db.inTransaction || performance.now() - started > BUSY_TIMEOUT_MS) throw storageError(err);
        if (!clearStaleLock(this.file, this.owner)) {
          await sleep(wait);
          wait = Math.min(wait * 2, 50);
        }
      }
    }
  }

  /**
   * A statement that failed keeps its error for its next reset (the WASM build then refuses to
   * bind it again, and its finalize throws that error): it leaves the cache, finalized quietly.
   */
  #step<T>(sql: string, use: (stmt: WasmStatement) => T): T {
    const stmt = this.#statement(sql);
    try {
      return use(stmt);
    } catch (err) {
      this.#statements.delete(sql);
      finalizeQuietly(stmt);
      throw err;
    }
  }

  run(sql: string, params: Params): Promise<RunResult> {
    return this.#call(() => this.#step(sql, (stmt) => {
      const r = stmt.run(params);
      return { changes: r.changes, lastID: Number(r.lastInsertRowid) };
    }));
  }

  all<T>(sql: string, params: Params): Promise<T[]> {
    return this.#call(() => this.#step(sql, (stmt) => stmt.all(params) as T[]));
  }

  exec(sql: string): Promise<void> {
    return this.#call(() => this.db.exec(sql));
  }

  async close(): Promise<void> {
    for (const st of this.#statements.values()) finalizeQuietly(st);
    this.#statements.clear();
    try {
      this.db.close();
    } catch (err) {
      throw storageError(err);
    } finally {
      if (this.#inTx) openTransactions.set(this.file, (openTransactions.get(this.file) ?? 1) - 1);
      if (this.owner !== '') rmSync(path.join(`${this.file}.owners`, this.owner), { force: true });
    }
  }
}

function register(file: string): string {
  const dir = `${file}.owners`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${process.pid}-${++ownerSeq}`;
  writeFileSync(path.join(dir, name), '', { mode: 0o600 });
  return name;
}

export const wasmDriver: SqliteDriver = {
  name: 'wasm',
  async open(file) {
    const { Database } = loadWasm();
    if (file === ':memory:') {
      const conn = new WasmConnection(new Database(file), file, ''); // no file, no lock, no owners
      await conn.exec('PRAGMA foreign_keys=ON;');
      return conn;
    }
    const resolved = path.resolve(file);
    let owner: string | null = null;
    let db: WasmDatabase | null = null;
    try {
      owner = register(resolved);
      clearStaleLock(resolved, owner);
      db = new Database(resolved);
      const conn = new WasmConnection(db, resolved, owner);
      if (isWalFile(resolved)) {
        // Exclusive locking mode lets SQLite read (and replay) the WAL from heap memory; then
        // the file changes to the rollback journal for good.
        await conn.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=DELETE; PRAGMA locking_mode=NORMAL;');
        await conn.all('SELECT COUNT(*) FROM sqlite_schema', []); // NORMAL takes effect at the next access
      }
      await conn.exec('PRAGMA busy_timeout=0; PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;');
      return conn;
    } catch (err) {
      try { db?.close(); } catch { /* already failing */ }
      if (owner !== null) rmSync(path.join(`${resolved}.owners`, owner), { force: true });
      throw storageError(err);
    }
  },
};
