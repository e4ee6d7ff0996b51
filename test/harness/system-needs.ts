/**
 * What a test needs from the machine beyond Node (docs/TOOLCHAIN-NOTES.md "A machine with Node
 * alone"), and the one skip rule: on a machine without it the test skips, and says why on the
 * test's output (`# SKIPPED …`); under CI (.ci/run installs every package) a missing part
 * never passes as a skip — the test runs and fails.
 */
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Need {
  /** What is missing, with what to install (empty when present). */
  missing(): string | null;
}

function loads(module: string): boolean {
  try {
    createRequire(import.meta.url)(module);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The real PC/SC lab: the `smartcard` binding, pcscd with the vpcd driver, unshare/nsenter (root). */
export const PCSC_LAB: Need = {
  missing() {
    const absent: string[] = [];
    if (!loads('smartcard')) absent.push('the smartcard binding (libpcsclite-dev, then npm ci)');
    if (!existsSync('/usr/sbin/pcscd')) absent.push('pcscd');
    if (!existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) absent.push('vsmartcard-vpcd');
    if (!onPath('unshare') || !onPath('nsenter')) absent.push('util-linux unshare/nsenter');
    return absent.length === 0 ? null : `no PC/SC lab here: ${absent.join(', ')} missing (apt-get install libpcsclite-dev pcscd vsmartcard-vpcd)`;
  },
};

/**
 * The PC/SC binding alone (`smartcard`, an optional dependency): without it a training station
 * always gets the in-process training readers (with their card), whatever PCSCLITE_CSOCK_NAME names.
 */
export const PCSC_BINDING: Need = {
  missing: () => (loads('smartcard') ? null : 'the smartcard binding is not installed (apt-get install libpcsclite-dev, then npm ci)'),
};

/** The native SQLite binding (`sqlite3`, an optional dependency). */
export const NATIVE_SQLITE: Need = {
  missing: () => (loads('sqlite3') ? null : 'the native sqlite3 binding is not installed (its build needs g++, make and python3; then npm ci)'),
};

/** Tools a test runs by name (e.g. the sqlite3 shell, pdftotext, zbarimg): `package` says where they come from. */
export function commands(names: string[], aptPackages: string): Need {
  return { missing: () => { const gone = names.filter((n) => !onPath(n)); return gone.length === 0 ? null : `${gone.join(', ')} not installed (apt-get install ${aptPackages})`; } };
}

/**
 * The `skip` option of a test that needs `needs`: false when all are present, or under CI
 * (CI=true: a missing part must fail); else the reasons, also printed once for the file.
 */
export function skipUnless(...needs: Need[]): string | false {
  const reasons = needs.map((n) => n.missing()).filter((r): r is string => r !== null);
  if (reasons.length === 0 || process.env.CI) return false;
  const reason = `SKIPPED: ${reasons.join('; ')}`;
  console.log(`# ${reason}`);
  return reason;
}

/** poppler's PDF tools and zbarimg: receipts read back as text, pages rendered, QR codes decoded. */
export const PDF_TOOLS = commands(['pdftotext', 'pdftoppm', 'pdfinfo', 'pdffonts', 'zbarimg'], 'poppler-utils zbar-tools');

/**
 * node:test's `test` for a file whose tests read their results back with system tools: every
 * test of the file gets skipUnless(needs) (said once, with the reason), its own options kept.
 */
export function testsNeeding(...needs: Need[]): typeof test {
  const skip = skipUnless(...needs);
  if (skip === false) return test;
  const skipped = (name: string, a?: unknown, b?: unknown) => {
    const fn = typeof a === 'function' ? a : b;
    const options = typeof a === 'object' && a !== null ? a : {};
    return test(name, { ...options, skip }, fn as () => void);
  };
  return skipped as unknown as typeof test;
}

/** A private PostgreSQL (test/harness/pg-lab.ts: initdb and pg_ctl of Debian's layout, or PG_BIN). */
export const POSTGRES: Need = {
  missing: () => {
    if (process.env.PG_BIN && existsSync(`${process.env.PG_BIN}/initdb`)) return null;
    const root = '/usr/lib/postgresql';
    const found = existsSync(root) && readdirSync(root).some((v) => existsSync(`${root}/${v}/bin/initdb`));
    return found ? null : 'PostgreSQL is not installed (apt-get install postgresql)';
  },
};

/** Debian's Chromium, which the counter UI's end-to-end tests drive (test/harness/ui-serve.ts). */
export const CHROMIUM_BROWSER: Need = {
  missing: () => (existsSync('/usr/bin/chromium') ? null : 'Debian chromium is not installed (apt-get install chromium fonts-noto-cjk)'),
};

/** A private CUPS (test/harness/cups-lab.ts). */
export const CUPS: Need = {
  missing: () => (existsSync('/usr/sbin/cupsd') && existsSync('/usr/bin/lp') ? null : 'CUPS is not installed (apt-get install cups cups-client cups-filters)'),
};

/**
 * node:test's `test`, `before` and `after` for a file whose every test needs `needs` (a PC/SC
 * lab, PostgreSQL, CUPS): without them the tests skip with the reason and the file's hooks do
 * not run (they would start what is missing); with them, or under CI, node:test's own.
 */
export function suiteNeeding(...needs: Need[]): { test: typeof test; before: typeof before; after: typeof after } {
  const skipping = testsNeeding(...needs);
  if (skipping === test) return { test, before, after };
  const none = (() => undefined) as unknown;
  return { test: skipping, before: none as typeof before, after: none as typeof after };
}
