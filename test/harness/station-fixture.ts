// A real station on a temp STATION_HOME (real SQLite file, training keys, software SAM) with
// in-process readers, an admin, an operator and a supervisor. For fast workflow tests; the
// PC/SC path has its own integration tests.
//
// The staff are made once per process and clock (a template home, copied for each fixture):
// their PIN verifiers and logins cost ~45 ms of scrypt each, six per fixture, which was most of
// the unit tier's fixture time (docs/PERFORMANCE.md). Each copy gets its own station id and
// opens its own shift, so every fixture is still its own station with its own ledger.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, type Actor } from '../../core/auth.ts';
import { InProcessCardAccess } from '../../core/lab/in-process-access.ts';
import { loadConfig, saveConfig } from '../../core/config.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
import { receiveTrainingStock } from '../../core/stock.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { openShift } from '../../core/workflows/shift.ts';

export const READER = 'Virtual Reader 00 00';
export const READER2 = 'Virtual Reader 00 01';

export interface Fixture {
  station: Station;
  cards: InProcessCardAccess;
  admin: Actor;
  operator: Actor;
  supervisor: Actor;
  home: string;
  clock: { now: Date };
  reopen(): Promise<void>;
  cleanup(): Promise<void>;
}

interface Template {
  home: string;
  admin: Actor;
  operator: Actor;
  supervisor: Actor;
}

const templates = new Map<string, Promise<Template>>();
const templateHomes: string[] = [];
process.on('exit', () => {
  for (const home of templateHomes) rmSync(home, { recursive: true, force: true });
});

/** A station home with the admin, operator and supervisor, and no ledger entry yet; closed. */
async function makeTemplate(now: Date): Promise<Template> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'station-fx-template-'));
  templateHomes.push(home);
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now });
  // The training stock is received per copy (below): its entry carries the copy's station id.
  await createFirstAdmin(home, config, '1111', process.env, { now: () => now, trainingStock: false });
  const station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards: new InProcessCardAccess(), config: loadConfig(home), now: () => now });
  try {
    const admin = await authenticate(station.db, 'admin', '1111');
    await addStaff(station, admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '2222' });
    await addStaff(station, admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '3333' });
    const operator = await authenticate(station.db, 'op1', '2222');
    const supervisor = await authenticate(station.db, 'sup1', '3333');
    return { home, admin, operator, supervisor };
  } finally {
    await station.db.close();
  }
}

/** `cards`: the readers to use (default: in-process readers; a test serving the UI passes ones that announce their cards). */
export async function stationFixture(opts: { openShiftFloatFen?: number | null; now?: Date; cards?: InProcessCardAccess } = {}): Promise<Fixture> {
  const clock = { now: opts.now ?? new Date('2026-11-23T02:00:00Z') };
  const key = clock.now.toISOString();
  if (!templates.has(key)) templates.set(key, makeTemplate(clock.now));
  const template = await templates.get(key)!;
  const home = mkdtempSync(path.join(os.tmpdir(), 'station-fx-'));
  cpSync(template.home, home, { recursive: true });
  // Its own station: the id is in every ledger entry's hash, and a test may sync two fixtures.
  saveConfig(home, { ...loadConfig(home), stationId: randomBytes(6).toString('hex').toUpperCase() });
  const cards = opts.cards ?? new InProcessCardAccess();
  const env = { ...process.env, STATION_KEYS: '' };
  const open = () => openStation({ home, env, cards, config: loadConfig(home), now: () => new Date(clock.now.getTime()) });
  const fx = { home, cards, clock } as Fixture;
  fx.station = await open();
  await receiveTrainingStock(fx.station.db, fx.station.config, () => new Date(clock.now.getTime()), 'admin');
  fx.admin = { ...template.admin };
  fx.operator = { ...template.operator };
  fx.supervisor = { ...template.supervisor };
  if (opts.openShiftFloatFen !== null) await openShift(fx.station, fx.operator, opts.openShiftFloatFen ?? 50_000);
  fx.reopen = async () => {
    // Closing only the database, as a process death would lose the open handles.
    await fx.station.db.close();
    fx.station = await open();
  };
  fx.cleanup = async () => {
    await fx.station.db.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  };
  return fx;
}
