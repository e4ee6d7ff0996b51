/**
 * One process at a time on a PGlite data directory. PGlite is PostgreSQL compiled to WASM in
 * one process: two processes on one directory each work on their own copy and the last to
 * write wins, which is how `register-station` beside a live host lost registrations in the
 * adversarial pass of issue 14. (On PostgreSQL, DATABASE_URL, the server does the locking:
 * every admin command is one statement or transaction, so nothing here is needed.)
 *
 * The lock is a file beside the directory (`<dir>.lock.json`, mode 0600), made with O_EXCL and
 * holding the owner's pid. A serving host keeps it for its life and writes into it its address
 * and a per-run admin token, so an admin command started meanwhile goes through the running
 * host's admin API (upstream/admin-forward.ts) instead of opening the directory. An admin
 * command with no host running takes the lock for its own run; a second one waits for it. A
 * lock whose pid is gone (a killed host) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { HostError } from '../host-error.ts';
import { processAlive } from '../../common/process-alive.ts';

export interface LockInfo {
  pid: number;
  role: 'host' | 'admin';
  /** A serving host's address and per-run admin token (absent until it listens). */
  url?: string;
  token?: string;
}

export interface DirLock {
  readonly file: string;
  /** A serving host publishes where admin commands reach it. */
  publish(url: string, token: string): void;
  release(): void;
}

export const lockFileOf = (dataDir: string): string => `${dataDir.replace(/[/\\]+$/, '')}.lock.json`;

/** The lock's holder when it is a live process, else null (no lock, unreadable, or stale). */
export function readLock(dataDir: string): LockInfo | null {
  let info: LockInfo;
  try {
    info = JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
  return typeof info.pid === 'number' && processAlive(info.pid) ? info : null;
}

function tryTake(file: string, role: LockInfo['role']): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, role } satisfies LockInfo));
  } finally {
    closeSync(fd);
  }
  return true;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock, waiting up to `waitMs` while another live process holds it (a stale lock is
 * removed and taken). `holderIsHost` lets an admin command stop waiting and go through a
 * host that holds it instead.
 */
export async function takeDirLock(dataDir: string, role: LockInfo['role'], opts: { waitMs: number; stopWhen?: (holder: LockInfo) => boolean }): Promise<DirLock | LockInfo> {
  const file = lockFileOf(dataDir);
  const deadline = performance.now() + opts.waitMs;
  for (;;) {
    if (tryTake(file, role)) break;
    const holder = readLock(dataDir);
    if (holder === null) {
      // Stale (its process is gone) or half-written: check again, then remove it under a unique name.
      await sleep(50);
      if (readLock(dataDir) === null) {
        const grave = `${file}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
        try {
          renameSync(file, grave);
          const moved = JSON.parse(readFileSync(grave, 'utf8')) as LockInfo;
          // Another process took the stale lock over between our look and the rename: give its fresh lock back.
          if (typeof moved.pid === 'number' && processAlive(moved.pid)) linkSync(grave, file);
        } catch {
          // another process took it over first
        } finally {
          rmSync(grave, { force: true });
        }
      }
      continue;
    }
    if (opts.stopWhen?.(holder) === true) return holder;
    if (performance.now() > deadline) {
      throw new HostError(503, 'UNAVAILABLE', `the data directory ${dataDir} is in use by process ${holder.pid} (${holder.role}); stop it or wait, and try again`);
    }
    await sleep(100);
  }
  const mine = (): boolean => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as LockInfo).pid === process.pid;
    } catch {
      return false;
    }
  };
  return {
    file,
    publish(url, token) {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, role, url, token } satisfies LockInfo), { mode: 0o600 });
      renameSync(tmp, file);
    },
    release() {
      if (mine()) rmSync(file, { force: true });
    },
  };
}

export const isDirLock = (v: DirLock | LockInfo): v is DirLock => 'release' in v;
