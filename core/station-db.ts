/** Opens the station's database file for its mode (for commands that need no full station). */
import { openStationDb as openDbFile } from '../db/station-db.ts';
import type { Database } from '../db/sqlite.ts';
import type { StationConfig } from './config.ts';
import { databaseFile } from './station.ts';
import { tightenHome } from './home-permissions.ts';

export function openStationDb(home: string, config: StationConfig): Promise<Database> {
  tightenHome(home);
  return openDbFile(databaseFile(home, config));
}
