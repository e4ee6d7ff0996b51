/**
 * SQL on a station's database file over a connection of its own, as someone at the file with the
 * sqlite3 shell would (drop the append-only triggers, rewrite a row): the project's own SQLite
 * binding (db/sqlite-driver.ts: native, or the WASM build on a machine with Node alone), not the
 * station's store, so none of its queue, transactions or chain code is involved — and the tamper
 * tests run without the sqlite3 shell installed.
 */
import { sqliteDriver } from '../../db/sqlite-driver.ts';

/** Runs `sql` (several statements allowed) on `file` over a fresh connection, closed after. */
export async function rawExec(file: string, sql: string): Promise<void> {
  const conn = await (await sqliteDriver()).open(file);
  try {
    await conn.exec(sql);
  } finally {
    await conn.close();
  }
}

/** The rows of one query on `file` over a fresh connection, closed after. */
export async function rawRows<T>(file: string, sql: string): Promise<T[]> {
  const conn = await (await sqliteDriver()).open(file);
  try {
    return await conn.all<T>(sql, []);
  } finally {
    await conn.close();
  }
}
