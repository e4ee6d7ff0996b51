/**
 * `station doctor`: each part of the station checked on its own, OK or why not, with the next
 * step. A failing check never stops the others from running.
 */
import { existsSync } from 'node:fs';
import { toStationError } from '../common/errors.ts';
import { say, type Say } from '../common/say.ts';
import { openOps } from '../db/intents.ts';
import { verifyLedger } from '../db/ledger.ts';
import type { CardAccess } from './card-access.ts';
import { configPath, loadConfig, resolveKeysFile, type StationConfig } from './config.ts';
import { printerCheck } from './receipts.ts';
import { loadStationKeys } from './station-keys.ts';
import { openStationDb } from './station-db.ts';
import { upstreamCheck } from './sync.ts';
import { describeTightening, tightenHome } from './home-permissions.ts';
import { pcscPath, REAL_READER_NEEDS, WatchedInProcessAccess } from './lab/in-process-lab.ts';
import { sqliteDriverChoice, type DriverName } from '../db/sqlite-driver.ts';
import { staleLocksCleared } from '../db/sqlite-wasm.ts';

/** Which SQLite binding the station runs on (db/sqlite-driver.ts), and a stale lock cleared on the way. */
function sqliteLine(driver: DriverName): string {
  if (driver === 'native') return 'SQLite: native sqlite3 (WAL)';
  const why = sqliteDriverChoice()?.fallbackReason;
  const stale = staleLocksCleared().length > 0 ? `; cleared a lock left by a process that died (${staleLocksCleared().join(', ')})` : '';
  return `SQLite: WASM build (rollback journal${why ? `; the native sqlite3 cannot load: ${why.split('\n')[0]}` : ', STATION_SQLITE=wasm'})${stale}`;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
  /** The outcome for the 自检 screen, in the clerk's language (common/say.ts); absent: the screen names the check's state only. */
  say?: Say;
}

async function guarded(name: string, fn: () => Promise<Omit<Check, 'name'>>): Promise<Check> {
  try {
    return { name, ...(await fn()) };
  } catch (err) {
    const e = toStationError(err);
    return { name, status: 'fail', detail: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.say ? { say: e.say } : {}) };
  }
}

export async function runDoctor(home: string, env: NodeJS.ProcessEnv, cards: CardAccess): Promise<Check[]> {
  const checks: Check[] = [];
  let config: StationConfig | null = null;
  checks.push(await guarded('config', async () => {
    if (!existsSync(configPath(home))) return { status: 'fail', detail: `no station in ${home}`, hint: 'Run `station init --training` (practice) or `station init` (live)', say: say('doctorNoStation') };
    config = loadConfig(home);
    return { status: 'ok', detail: `station ${config.stationId}, ${config.mode} mode, city ${config.cityCode}, terminal ${config.terminalId}`,
      say: say('doctorConfigOk', { mode: config.mode, city: config.cityCode, terminal: config.terminalId }) };
  }));
  checks.push(await guarded('files', async () => {
    if (!existsSync(home)) return { status: 'warn', detail: `no station home at ${home}` };
    // Run before the database check (which opens, and so tightens, the home too).
    const r = tightenHome(home);
    if (r.failed.length > 0) {
      return { status: 'fail', detail: `cannot make private: ${r.failed.slice(0, 5).map((f) => `${f.path} (${f.reason})`).join(', ')}`, hint: `Run the station as the user who owns ${home}, or fix the owner (chown -R)`, say: say('doctorFilesFailed') };
    }
    if (r.tightened.length > 0) return { status: 'warn', detail: describeTightening(r), hint: 'Fixed now; check who could read the station\'s files before (backups, shared accounts)', say: say('doctorFilesTightened') };
    if (r.checked === 0) return { status: 'ok', detail: 'file modes are not used on this system (the user profile\'s access rules apply)' };
    return { status: 'ok', detail: `home 0700, ${r.checked - 1} file(s) and folder(s) private to this user`, say: say('doctorFilesOk', { n: r.checked - 1 }) };
  }));
  // Which card path this process has (docs/PCSC.md "Without PC/SC"): native PC/SC, or the
  // in-process training readers of a training station without it.
  const training = (config as StationConfig | null)?.mode === 'training';
  const path = cards instanceof WatchedInProcessAccess ? null : pcscPath(env);
  checks.push(await guarded('pcsc', async () => {
    if (path === null) {
      return { status: 'warn', detail: 'card path: in-process training readers (进程内培训读卡器) — virtual cards only, no PC/SC here', hint: REAL_READER_NEEDS, say: say('doctorInProcess') };
    }
    if (path.kind === 'in-process') {
      return training
        ? { status: 'warn', detail: `card path: no PC/SC here (${path.reason}); station serve / npm start give this training station in-process training readers (进程内培训读卡器)`, hint: REAL_READER_NEEDS, say: say('doctorInProcess') }
        : { status: 'fail', detail: `card path: no PC/SC here (${path.reason})`, hint: REAL_READER_NEEDS, say: say('doctorNoPcsc') };
    }
    const readers = await cards.readers();
    return { status: 'ok', detail: `card path: native PC/SC (系统 PC/SC), service reachable${env.PCSCLITE_CSOCK_NAME ? ` at ${env.PCSCLITE_CSOCK_NAME}` : ''}, ${readers.length} reader(s)`, say: say('doctorPcscOk', { n: readers.length }) };
  }));
  checks.push(await guarded('readers', async () => {
    if (path !== null && path.kind === 'in-process' && training) {
      return { status: 'warn', detail: 'no reader in this process; the counter UI (station serve / npm start) has two in-process training readers', hint: 'Use the counter UI for practice, or install PC/SC for a real reader (see pcsc above)', say: say('doctorInProcess') };
    }
    const readers = await cards.readers();
    if (readers.length === 0) return { status: 'fail', detail: 'no card reader', hint: 'Plug in the reader, or run `station sim` for virtual readers', say: say('doctorNoReader') };
    return { status: 'ok', detail: readers.map((r) => `${r.name}${r.cardPresent ? ' (card)' : ''}`).join('; '),
      say: say('doctorReadersOk', { n: readers.length, cards: readers.filter((r) => r.cardPresent).length }) };
  }));
  const cfg = config as StationConfig | null;
  if (cfg !== null) {
    checks.push(await guarded('database', async () => {
      const db = await openStationDb(home, cfg); // runs integrity_check and migrations
      try {
        const v = await verifyLedger(db);
        if (!v.ok) return { status: 'fail', detail: `ledger chain broken at entry ${v.firstBreak?.seq} (${v.firstBreak?.entryId}): ${v.firstBreak?.reason}`, hint: 'Stop using this station and call support', say: say('doctorLedgerBroken', { seq: v.firstBreak?.seq ?? '?' }) };
        const open = await openOps(db);
        const detail = `integrity ok, ${v.entries} ledger entries, chain verified; ${sqliteLine(db.driver)}`;
        if (open.length > 0) {
          const migrations = open.some((o) => o.workflow === 'migrate');
          return {
            status: 'warn',
            detail: `${detail}; ${open.length} incomplete card transaction(s): ${open.map((o) => `${o.workflow} ${o.cardRef}`).join(', ')}`,
            hint: migrations ? 'Finish each open upgrade with `station migrate` (old card, then the new one); place other cards on the reader to settle them' : 'Place each card on the reader to settle it',
            say: say('doctorLedgerIncomplete', { n: open.length }),
          };
        }
        return { status: 'ok', detail, say: say('doctorLedgerOk', { n: v.entries }) };
      } finally {
        await db.close();
      }
    }));
    checks.push(await guarded('keys', async () => {
      const file = resolveKeysFile(home, cfg, env);
      if (file === null) return { status: 'warn', detail: 'no key file: loads need a SAM or the upstream host', say: say('doctorNoKeys') };
      const keys = loadStationKeys(home, cfg, env); // live: no test keys, no plain file (throws KEYS with the next step)
      if (keys === null) return { status: 'warn', detail: 'no key file: loads need a SAM or the upstream host', say: say('doctorNoKeys') };
      return { status: 'ok', detail: `${keys.cityCodes().length} issuer(s) from ${file}${keys.isTest ? ' (training keys)' : ''}${keys.encrypted ? ' (encrypted)' : ''}`,
        say: say('doctorKeysOk', { n: keys.cityCodes().length, training: keys.isTest ? 1 : 0 }) };
    }));
  }
  checks.push(await guarded('printer', () => printerCheck(home, env)));
  const upCfg = config as StationConfig | null;
  if (upCfg !== null) checks.push(await guarded('upstream', () => upstreamCheck(home, upCfg, env)));
  else checks.push({ name: 'upstream', status: 'warn', detail: 'no station configured', say: say('doctorNoStation') });
  return checks;
}
