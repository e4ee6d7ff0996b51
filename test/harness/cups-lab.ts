/**
 * A private CUPS scheduler for tests (TOOLCHAIN.md §5): its own config, spool, logs and unix
 * socket in a temp dir, started and stopped by pid. Nothing here talks to the system CUPS:
 * every client command gets CUPS_SERVER=<our socket> in its environment, and cupsctl is never
 * run (it rewrites the config with the system socket path).
 *
 * Queues:
 * - file queue: Generic PDF PPD (cups-filters) + file: URI, so a job lands as a PDF in the lab
 *   (a raw queue "completes" and writes nothing — §5).
 * - paper-out queue: a private ServerBin whose extra backend reports media-empty and fails, so
 *   the scheduler stops the queue the way a receipt printer without paper does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const GENERIC_PDF_PPD = '/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd';

export interface CupsLab {
  dir: string;
  /** The scheduler's unix socket: give it to the spooler as `server`. */
  server: string;
  pid: number;
  /** A queue printing to a PDF file in the lab; returns that file's path. */
  addFileQueue(name: string): Promise<string>;
  /** A queue whose "printer" is out of paper. */
  addPaperOutQueue(name: string): Promise<void>;
  /** A queue whose printer needs 4 s per job. */
  addSlowQueue(name: string): Promise<void>;
  /** cupsdisable: the queue holds jobs ("paused"). */
  pause(name: string, reason?: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** lpadmin -x. */
  remove(name: string): Promise<void>;
  errorLog(): string;
  stop(): Promise<void>;
}

/** Whether this machine has what the lab needs (the CI script installs it). */
export function cupsAvailable(): boolean {
  return existsSync('/usr/sbin/cupsd') && existsSync('/usr/bin/lp') && existsSync(GENERIC_PDF_PPD);
}

function env(server: string): NodeJS.ProcessEnv {
  return { ...process.env, CUPS_SERVER: server, LC_ALL: 'C', LANG: 'C' };
}

/** A ServerBin of symlinks to the system's, plus our paper-out backend. */
function makeServerBin(dir: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(path.join(bin, 'backend'), { recursive: true });
  for (const sub of ['filter', 'daemon', 'cgi-bin', 'monitor', 'notifier', 'driver']) {
    const target = path.join('/usr/lib/cups', sub);
    if (existsSync(target)) symlinkSync(target, path.join(bin, sub));
  }
  for (const b of readdirSync('/usr/lib/cups/backend')) symlinkSync(path.join('/usr/lib/cups/backend', b), path.join(bin, 'backend', b));
  const paperout = path.join(bin, 'backend', 'paperout');
  writeFileSync(
    paperout,
    [
      '#!/bin/sh',
      '# Test backend: a receipt printer with an empty paper roll.',
      'if [ $# -eq 0 ]; then echo \'direct paperout "Unknown" "Paper-out test printer"\'; exit 0; fi',
      'echo "STATE: +media-empty-error" >&2',
      'echo "ERROR: Out of paper" >&2',
      'exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(paperout, 0o755);
  const slow = path.join(bin, 'backend', 'slow');
  writeFileSync(
    slow,
    [
      '#!/bin/sh',
      '# Test backend: a printer that takes its time (for job-tracking timeouts).',
      'if [ $# -eq 0 ]; then echo \'direct slow "Unknown" "Slow test printer"\'; exit 0; fi',
      'sleep 4',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(slow, 0o755);
  return bin;
}

export async function startCupsLab(): Promise<CupsLab> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cupslab-'));
  // Filters and backends run as user lp: they must reach the lab and write its temp dir.
  chmodSync(dir, 0o755);
  for (const sub of ['spool', 'cache', 'state', 'log', 'out', 'ppd']) mkdirSync(path.join(dir, sub), { mode: 0o755 });
  mkdirSync(path.join(dir, 'tmp'));
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  chmodSync(path.join(dir, 'out'), 0o777);
  const server = path.join(dir, 'cups.sock');
  const serverBin = makeServerBin(dir);
  writeFileSync(
    path.join(dir, 'cupsd.conf'),
    [
      'LogLevel debug',
      `Listen ${server}`,
      'Browsing No',
      'DefaultAuthType None',
      'WebInterface No',
      'ErrorPolicy stop-printer',
      '<Location />',
      '  Order allow,deny',
      '  Allow localhost',
      '</Location>',
      '<Location /admin>',
      '  Order allow,deny',
      '  Allow localhost',
      '</Location>',
      '<Policy default>',
      '  <Limit All>',
      '    Order deny,allow',
      '  </Limit>',
      '</Policy>',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'cups-files.conf'),
    [
      'SystemGroup root',
      `ServerRoot ${dir}`,
      `ServerBin ${serverBin}`,
      `RequestRoot ${dir}/spool`,
      `CacheDir ${dir}/cache`,
      `StateDir ${dir}/state`,
      `TempDir ${dir}/tmp`,
      `AccessLog ${dir}/log/access_log`,
      `ErrorLog ${dir}/log/error_log`,
      `PageLog ${dir}/log/page_log`,
      'FileDevice Yes',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/cupsd', ['-f', '-c', path.join(dir, 'cupsd.conf'), '-s', path.join(dir, 'cups-files.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: env(server),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error('cupsd did not start');

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`private cupsd exited (${child.exitCode}): ${stderr}`);
    try {
      const { stdout } = await run('lpstat', ['-r'], { env: env(server) });
      if (stdout.includes('scheduler is running')) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGTERM');
      throw new Error(`private cupsd not ready in 10 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const admin = (args: string[]): Promise<unknown> => run('lpadmin', args, { env: env(server) });
  const lab: CupsLab = {
    dir,
    server,
    pid,
    async addFileQueue(name) {
      const out = path.join(dir, 'out', `${name}.pdf`);
      await admin(['-p', name, '-E', '-v', `file://${out}`, '-P', GENERIC_PDF_PPD]);
      return out;
    },
    async addPaperOutQueue(name) {
      await admin(['-p', name, '-E', '-v', 'paperout:/roll', '-P', GENERIC_PDF_PPD]);
    },
    async addSlowQueue(name) {
      await admin(['-p', name, '-E', '-v', 'slow:/roll', '-P', GENERIC_PDF_PPD]);
    },
    async pause(name, reason) {
      await run('cupsdisable', reason ? ['-r', reason, name] : [name], { env: env(server) });
    },
    async resume(name) {
      await run('cupsenable', [name], { env: env(server) });
    },
    async remove(name) {
      await admin(['-x', name]);
    },
    errorLog() {
      const f = path.join(dir, 'log', 'error_log');
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    async stop() {
      if (child.exitCode === null) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (child.exitCode === null) process.kill(pid, 'SIGKILL');
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lab;
}
