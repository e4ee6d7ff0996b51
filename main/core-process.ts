/**
 * The core in its own process: the same server as `station serve` (core/api/server.ts), started
 * through the installed entry cli/bin/station.mjs with `serve --json --port 0`, so the keys,
 * the database and the card readers live in a plain Node process and never in Electron's main
 * or renderer. Main learns the port and the per-run tokens from the server's `ready` line.
 *
 * In Electron the child is a utilityProcess (Electron's own Node, no ELECTRON_RUN_AS_NODE
 * fuse needed); in tests it is a child_process under this Node. Both look like CoreChild.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { StationError } from '../common/errors.ts';

export const STATION_ENTRY = path.resolve(import.meta.dirname, '..', 'cli', 'bin', 'station.mjs');
export const CORE_ARGS = ['serve', '--json', '--port', '0'];

export interface CoreChild {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream | null;
  kill(): void;
  onExit(listener: (code: number | null) => void): void;
}

export interface CoreReady {
  /** The counter page's link (with the run's token): main uses only its port and token. */
  url: string;
  port: number;
  token: string;
  /** The customer display's read-only link (its own token). */
  customerUrl: string;
  mode: 'training' | 'live';
}

export interface CoreProcess extends CoreReady {
  child: CoreChild;
  /** The counter API's WebSocket URL (main's own connection). */
  apiWsUrl: string;
  /** The customer display's read-only WebSocket URL. */
  customerWsUrl: string;
  /** What the core wrote to stderr so far (for an error box when it dies). */
  log(): string;
  stop(): Promise<void>;
}

/** A child_process under this Node (tests, and `node` hosts). */
export function nodeCoreChild(env: NodeJS.ProcessEnv, args: string[] = CORE_ARGS): CoreChild {
  const child = spawn(process.execPath, [STATION_ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    kill: () => { child.kill('SIGTERM'); },
    onExit: (l) => {
      if (child.exitCode !== null || child.signalCode !== null) l(child.exitCode);
      else child.once('exit', (code) => l(code));
    },
  };
}

/** The `ready` line of `station serve --json`, or null for any other line. */
export function parseReadyLine(line: string): CoreReady | null {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof e !== 'object' || e === null || (e as { event?: unknown }).event !== 'ready') return null;
  const r = e as Record<string, unknown>;
  if (typeof r.url !== 'string' || typeof r.port !== 'number' || typeof r.customerUrl !== 'string') return null;
  const token = new URL(r.url).searchParams.get('token');
  if (token === null) return null;
  return { url: r.url, port: r.port, token, customerUrl: r.customerUrl, mode: r.mode === 'live' ? 'live' : 'training' };
}

/** Starts the core and waits for its ready line (the first start may build the UI: minutes allowed). */
export async function startCore(child: CoreChild, timeoutMs = 180_000): Promise<CoreProcess> {
  let err = '';
  child.stderr?.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-20_000); });
  let exited = false;
  let exitCode: number | null = null;
  const exitWaiters: (() => void)[] = [];
  child.onExit((code) => { exited = true; exitCode = code; for (const w of exitWaiters.splice(0)) w(); });
  const lines = readline.createInterface({ input: child.stdout });
  const ready = await new Promise<CoreReady>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new StationError('INTERNAL', `The station core did not start within ${timeoutMs / 1000} s`, `Run \`npm run station -- serve\` to see why:\n${err}`)); }, timeoutMs);
    lines.on('line', (line) => {
      const r = parseReadyLine(line);
      if (r) { clearTimeout(timer); resolve(r); }
    });
    exitWaiters.push(() => { clearTimeout(timer); reject(new StationError('CONFIG', `The station core stopped (exit ${exitCode}) before it was ready`, err.trim() || 'Run `npm run station -- doctor`')); });
  });
  const ws = (u: string, p: string) => { const x = new URL(u); return `ws://127.0.0.1:${x.port}${p}?token=${encodeURIComponent(x.searchParams.get('token') ?? '')}`; };
  return {
    ...ready,
    child,
    apiWsUrl: ws(ready.url, '/api'),
    customerWsUrl: ws(ready.customerUrl, '/customer-api'),
    log: () => err,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((r) => exitWaiters.push(r));
      child.kill();
      await gone;
    },
  };
}
