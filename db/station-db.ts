/** Opening the station database: pragmas, integrity check, migrations — in that order. */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { StationError } from '../common/errors.ts';
import { migrate } from './migrations.ts';
import { Database } from './sqlite.ts';

export const DB_FILE_NAME = 'station.sqlite';

/**
 * The ledger is private to the station's user (docs/SECURITY.md "Secrets at rest"): the file is
 * created 0600 before SQLite opens it, because SQLite gives the -wal and -shm files the mode of
 * the database file; an existing file and its sidecars are brought to 0600 too.
 */
function makePrivate(file: string): void {
  if (process.platform === 'win32' || file === ':memory:') return;
  try {
    closeSync(openSync(file, 'a', 0o600));
  } catch {
    return; // no folder, no access: SQLite's open reports it as a STORAGE error
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

/** `env`: STATION_SQLITE there forces a binding (db/sqlite-driver.ts); the process's own by default. */
export async function openStationDb(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  makePrivate(file);
  const db = await Database.open(file, env);
  try {
    const problems = await db.integrityCheck();
    if (problems.length > 0) {
      throw new StationError('STORAGE', `The database failed its integrity check: ${problems.slice(0, 3).join('; ')}`, 'Do not use this station; call support with the file ' + file);
    }
    await migrate(db);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
