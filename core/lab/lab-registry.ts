/**
 * Where a running training lab (`station sim --lab`, started by `npm start`) can be found:
 * STATION_HOME/lab.json (0600, in the private home), written by the lab when it is ready and
 * removed when it stops. It names the lab's pcscd socket and its control socket (core/lab/
 * lab-control.ts), so a second terminal's `station doctor`, `card read` or `topup`, and the
 * counter's lab panel, find the lab without anyone copying a socket path.
 *
 * Only a training station uses it (a live station's readers are real ones, on the system
 * pcscd), and only while the process that wrote it still runs: a lab killed with -9 leaves a
 * stale file behind, which is then ignored.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../../common/process-alive.ts';
import { configPath, loadConfig } from '../config.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../home-permissions.ts';

export const LAB_FILE = 'lab.json';

export interface LabRecord {
  /** The `station sim --lab` process. */
  pid: number;
  /** pcscd's socket (what PCSCLITE_CSOCK_NAME would be). */
  socket: string;
  /** The lab's control socket: cards on and off its readers (lab-control.ts). */
  control: string;
  readers: string[];
}

export function labFile(home: string): string {
  return path.join(home, LAB_FILE);
}

/** Written atomically, 0600: a half-written record is never read. */
export function writeLabRecord(home: string, rec: LabRecord): void {
  ensurePrivateDir(home);
  const file = labFile(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, file);
}

/** Removes the record if it is still this process's (a newer lab's record stays). */
export function removeLabRecord(home: string, pid = process.pid): void {
  const rec = readLabFile(home);
  if (rec !== null && rec.pid === pid) rmSync(labFile(home), { force: true });
}

function readLabFile(home: string): LabRecord | null {
  const file = labFile(home);
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabRecord>;
    if (typeof raw.pid !== 'number' || typeof raw.socket !== 'string' || typeof raw.control !== 'string' || !Array.isArray(raw.readers)) return null;
    return { pid: raw.pid, socket: raw.socket, control: raw.control, readers: raw.readers.filter((r): r is string => typeof r === 'string') };
  } catch {
    return null; // unreadable: as if there were no lab
  }
}

/** The running lab of this home, or null (none, stale, or its pcscd socket is gone). */
export function runningLab(home: string): LabRecord | null {
  const rec = readLabFile(home);
  if (rec === null || !processAlive(rec.pid) || !existsSync(rec.socket)) return null;
  return rec;
}

/** A configured training station lives in `home`. */
export function isTrainingHome(home: string): boolean {
  if (!existsSync(configPath(home))) return false;
  try {
    return loadConfig(home).mode === 'training';
  } catch {
    return false; // a broken config: the command itself will say so
  }
}

/**
 * The pcscd socket a station command should use: PCSCLITE_CSOCK_NAME when set (always wins);
 * else, on a training station, its running lab's; else undefined (the system pcscd).
 */
export function pcscSocketFor(home: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.PCSCLITE_CSOCK_NAME) return env.PCSCLITE_CSOCK_NAME;
  if (!isTrainingHome(home)) return undefined;
  return runningLab(home)?.socket;
}
