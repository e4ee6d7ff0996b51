/**
 * Who may read the station's home (docs/SECURITY.md "Secrets at rest"). The home holds the
 * ledger, receipts with holders' masked details, the encrypted keys, the logs and the clearing
 * host's address: the home is 0700 and everything in it is private to the station's user
 * (folders 0700, files 0600, the database's -wal/-shm included).
 *
 * Files are created that way (explicit modes, and the `station` process runs with umask 077),
 * and a home made by an older version, or copied in with a laxer umask, is tightened when the
 * station opens it; `station doctor` says what it had to tighten.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** The process umask that makes every file the station creates private (group and others: nothing). */
export const PRIVATE_UMASK = 0o077;

export interface Tightened {
  /** Relative to the home ('.' is the home itself). */
  path: string;
  from: number;
  to: number;
}

export interface TightenReport {
  tightened: Tightened[];
  /** Entries we could not chmod (another owner): relative path and why. */
  failed: { path: string; reason: string }[];
  checked: number;
}

/** POSIX permissions only mean something where chmod does; Windows homes rely on the profile's ACL. */
const ENFORCED = process.platform !== 'win32';

/** Creates the home (and its parents) private when missing, like `mkdir -m 700 -p`. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Walks the home and takes group/other access off every folder and file (symlinks are left
 * alone: chmod would follow them out of the home). Cheap enough for every open: one lstat per
 * entry, a chmod only where something was loose.
 */
export function tightenHome(home: string): TightenReport {
  const report: TightenReport = { tightened: [], failed: [], checked: 0 };
  if (!ENFORCED) return report;
  const visit = (abs: string, rel: string): void => {
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return; // gone meanwhile (a temp file renamed): nothing to protect
    }
    if (st.isSymbolicLink()) return;
    report.checked++;
    const want = st.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    const mode = st.mode & 0o777;
    // Keep the owner's own bits where they are stricter (a read-only file stays read-only).
    const target = st.isDirectory() ? want : mode & want;
    if ((mode & 0o077) !== 0) {
      try {
        chmodSync(abs, target);
        report.tightened.push({ path: rel, from: mode, to: target });
      } catch (err) {
        report.failed.push({ path: rel, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(abs);
      } catch (err) {
        report.failed.push({ path: rel, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        return;
      }
      for (const name of names) visit(path.join(abs, name), rel === '.' ? name : path.join(rel, name));
    }
  };
  visit(home, '.');
  return report;
}

const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;

/** One line for the doctor / a warning: what was tightened (the first few) and what could not be. */
export function describeTightening(r: TightenReport): string {
  const shown = r.tightened.slice(0, 5).map((t) => `${t.path} ${octal(t.from)}→${octal(t.to)}`);
  const more = r.tightened.length > shown.length ? ` and ${r.tightened.length - shown.length} more` : '';
  return `${r.tightened.length} readable by other users, now private: ${shown.join(', ')}${more}`;
}

/** Sets the process umask to 077 (not in worker threads, where Node refuses it). */
export function usePrivateUmask(): void {
  if (!ENFORCED) return;
  try {
    process.umask(PRIVATE_UMASK);
  } catch {
    // worker thread: files are still created with explicit modes
  }
}
