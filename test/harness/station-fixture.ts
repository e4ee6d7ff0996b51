// A real station on a temp STATION_HOME (real SQLite file, training keys, software SAM) with
// in-process readers, an admin, an operator and a supervisor. For fast workflow tests; the
// PC/SC path has its own integration tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, type Actor } from '../../core/auth.ts';
import { InProcessCardAccess } from '../../core/lab/in-process-access.ts';
import { loadConfig } from '../../core/config.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
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

/** `cards`: the readers to use (default: in-process readers; a test serving the UI passes ones that announce their cards). */
export async function stationFixture(opts: { openShiftFloatFen?: number | null; now?: Date; cards?: InProcessCardAccess } = {}): Promise<Fixture> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'station-fx-'));
  const clock = { now: opts.now ?? new Date('2026-11-23T02:00:00Z') };
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now: clock.now });
  await createFirstAdmin(home, config, '1111');
  const cards = opts.cards ?? new InProcessCardAccess();
  const env = { ...process.env, STATION_KEYS: '' };
  const open = () => openStation({ home, env, cards, config: loadConfig(home), now: () => new Date(clock.now.getTime()) });
  const fx = { home, cards, clock } as Fixture;
  fx.station = await open();
  fx.admin = await authenticate(fx.station.db, 'admin', '1111');
  await addStaff(fx.station, fx.admin, { staffId: 'op1', name: '张三', role: 'operator', pin: '2222' });
  await addStaff(fx.station, fx.admin, { staffId: 'sup1', name: '李四', role: 'supervisor', pin: '3333' });
  fx.operator = await authenticate(fx.station.db, 'op1', '2222');
  fx.supervisor = await authenticate(fx.station.db, 'sup1', '3333');
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
