/**
 * A private PostgreSQL for integration tests: initdb + pg_ctl in a temp dir, TCP on 127.0.0.1
 * at a free port and a unix socket in the same dir, never touching a system cluster.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the
 * `postgres` user (runuser -u postgres); otherwise to the current user. `stop()` is idempotent
 * (pg_ctl stop, then the dir is removed) and also runs from a process 'exit' hook (a kill of
 * the postmaster by pid), so a failing test leaves nothing behind.
 *
 * Binaries: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (Debian's layout).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileP = promisify(execFile);

export interface PgLab {
  readonly dir: string;
  readonly port: number;
  readonly socketDir: string;
  /** A URL for database `name` (default: postgres), user postgres, trust auth on loopback. */
  url(name?: string): string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The postmaster's pid while it runs. */
  pid(): number | null;
  /** Stops the server (keeps the data); start() brings it back on the same port. */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  throw new Error('PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)');
}

/** Why no private PostgreSQL can be started here (no server binaries), or null when one can. */
export function pgUnavailable(): string | null {
  try {
    pgBin();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPgLab(): Promise<PgLab> {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-lab-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  /** Runs a server binary as the cluster's owner. */
  const run = (tool: string, args: string[]): Promise<{ stdout: string }> =>
    asRoot ? execFileP('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: dir }) : execFileP(path.join(bin, tool), args, { cwd: dir });

  const port = await freePort();
  let stopped = false;
  const pidNow = (): number | null => {
    try {
      const first = readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0];
      const n = Number(first);
      return Number.isInteger(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  };
  const onExit = (): void => {
    // Synchronous last resort: immediate shutdown of the postmaster we started, then the dir.
    const p = pidNow();
    if (p !== null) {
      try {
        process.kill(p, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const start = async (): Promise<void> => {
      await run('pg_ctl', [
        '-D', data, '-l', logFile, '-w', '-t', '30',
        '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`,
        'start',
      ]);
    };
    await start();
    process.once('exit', onExit);
    const url = (name = 'postgres'): string => `postgresql://postgres@127.0.0.1:${port}/${name}`;
    return {
      dir,
      port,
      socketDir: dir,
      url,
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
        const c = new pg.Client({ connectionString: url() });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        return url(name);
      },
      pid: pidNow,
      async halt() {
        await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      },
      start,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', onExit);
        if (pidNow() !== null) {
          try {
            await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
          } catch {
            const p = pidNow();
            if (p !== null) process.kill(p, 'SIGQUIT');
          }
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').slice(-2000);
    } catch {
      /* no log yet */
    }
    onExit();
    throw new Error(`pg-lab: could not start PostgreSQL: ${(err as Error).message}\n${log}`, { cause: err });
  }
}
