/** Opening the station database: pragmas, integrity check, migrations — in that order. */
import { StationError } from '../common/errors.ts';
import { migrate } from './migrations.ts';
import { Database } from './sqlite.ts';

export const DB_FILE_NAME = 'station.sqlite';

export async function openStationDb(file: string): Promise<Database> {
  const db = await Database.open(file);
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
