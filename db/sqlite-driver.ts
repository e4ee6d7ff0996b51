/**
 * The seam between db/sqlite.ts (the station's queue, transactions, chain head) and the SQLite
 * binding underneath. Two bindings implement it:
 * - `native` (db/sqlite-native.ts): the Node-API `sqlite3` package, WAL, async calls into its
 *   thread pool. Preferred: it is what every figure in docs/ was measured on.
 * - `wasm` (db/sqlite-wasm.ts): `node-sqlite3-wasm`, SQLite compiled to WebAssembly, file-backed
 *   through Node's fs. Used when `sqlite3` cannot load (a machine with Node alone: `sqlite3` is
 *   an optional dependency whose build needs a compiler when no prebuilt binary is reachable),
 *   or when STATION_SQLITE=wasm asks for it (tests run the store's contract over both).
 * Both reject with the same typed StationErrors (storageError): code-based branches see the
 * SQLite code the WASM build only puts in its message (sqliteCode below).
 */
import { createRequire } from 'node:module';
import { StationError } from '../common/errors.ts';
import { say } from '../common/say.ts';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Params = readonly SqlValue[] | Record<string, SqlValue>;
export type RunResult = { changes: number; lastID: number };

/** One open SQLite connection, whichever binding; calls on it are never concurrent (db/sqlite.ts queues them). */
export interface DriverConnection {
  run(sql: string, params: Params): Promise<RunResult>;
  all<T>(sql: string, params: Params): Promise<T[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export type DriverName = 'native' | 'wasm';

export interface SqliteDriver {
  readonly name: DriverName;
  /** Opens (creating) the file with the station's pragmas: synchronous=FULL, foreign keys on, the binding's journal. */
  open(file: string): Promise<DriverConnection>;
}

/**
 * The guards of migration 5 (a check inside the write that lost a race): RAISE('refused: …')
 * becomes the refusal the workflow's own check gives when it is not racing. Nothing was written.
 */
const REFUSALS: Record<string, (cause: unknown) => StationError> = {
  'shift closed': (cause) => new StationError('NO_SHIFT', 'The shift was closed meanwhile: nothing was booked', 'Open a new shift, then do it again', { cause }),
  'card already lost': (cause) => new StationError('POLICY', 'Lost report refused: the card is already reported lost (nothing was booked or charged)', 'A replacement can be issued after the waiting period', { cause }),
};

/**
 * The SQLite result code of a failure: node-sqlite3 sets `code`; the WASM build's SQLite3Error
 * carries the message only, so the primary code is read back from SQLite's own texts
 * (sqlite3_errstr) and from a RAISE(ABORT) of the station's triggers (a constraint failure).
 */
export function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  const message = (err as Error).message ?? String(err);
  if (/database or disk is full/i.test(message)) return 'SQLITE_FULL';
  if (/database is locked/i.test(message)) return 'SQLITE_BUSY';
  if (/constraint failed|is append-only|^refused: /i.test(message)) return 'SQLITE_CONSTRAINT';
  return typeof code === 'string' ? code : '';
}

/** Maps SQLite failures the operator can act on to typed errors; the ledger is untouched. */
export function storageError(err: unknown): StationError {
  if (err instanceof StationError) return err;
  const code = sqliteCode(err);
  const message = (err as Error).message ?? String(err);
  if (code === 'SQLITE_FULL') {
    return new StationError('DISK_FULL', 'The disk is full: nothing was written', 'Free disk space on the station PC, then retry', { cause: err });
  }
  const refusal = /refused: ([a-z ]+)/.exec(message);
  if (refusal !== null && REFUSALS[refusal[1]!] !== undefined) return REFUSALS[refusal[1]!]!(err);
  if (code === 'SQLITE_CONSTRAINT' && /append-only/.test(message)) {
    return new StationError('LEDGER_BROKEN', `Refused: ${message}`, undefined, { cause: err, say: say('ledgerAppendOnly') });
  }
  return new StationError('STORAGE', `Database error: ${message}`, 'Run `station doctor`; the last operation was not saved', { cause: err });
}

/** require() for the bindings: both are CommonJS, and `sqlite3` may be absent (optional dependency). */
export const requireBinding = createRequire(import.meta.url);

let chosen: { driver: SqliteDriver; fallbackReason: string | null } | null = null;

/**
 * The binding this process uses, chosen once: STATION_SQLITE=native|wasm forces one (a forced
 * native binding that cannot load is an error, not a silent fallback); unset, the native one
 * when it loads, else the WASM one with the reason kept for `station doctor`.
 */
export async function sqliteDriver(env: NodeJS.ProcessEnv = process.env): Promise<SqliteDriver> {
  const forced = env.STATION_SQLITE;
  if (forced !== undefined && forced !== '' && forced !== 'native' && forced !== 'wasm') {
    throw new StationError('BAD_INPUT', `STATION_SQLITE must be "native" or "wasm", got "${forced}"`, 'Unset STATION_SQLITE to let the station choose');
  }
  if (forced === 'wasm') return (await import('./sqlite-wasm.ts')).wasmDriver;
  if (forced === 'native') return (await import('./sqlite-native.ts')).nativeDriver();
  if (chosen === null) {
    try {
      chosen = { driver: (await import('./sqlite-native.ts')).nativeDriver(), fallbackReason: null };
    } catch (err) {
      chosen = { driver: (await import('./sqlite-wasm.ts')).wasmDriver, fallbackReason: (err as Error).message };
    }
  }
  return chosen.driver;
}

/** Which binding the last sqliteDriver() call without a forced choice settled on, and why (doctor). */
export function sqliteDriverChoice(): { name: DriverName; fallbackReason: string | null } | null {
  return chosen === null ? null : { name: chosen.driver.name, fallbackReason: chosen.fallbackReason };
}
