/**
 * A private PC/SC stack — the training lab of `station sim --lab` and the integration tests: pcscd (with the vpcd driver) plus the card
 * server (devices/emulator/card-server.ts), all in a temp dir, never touching the host's
 * /run/pcscd or any system pcscd (docs/PCSC.md, TOOLCHAIN.md §8/§9).
 *
 * Layout (T = mkdtemp):
 *   T/conf/vpcd              reader.conf entry, DEVICENAME /dev/null:PORT (slots on PORT, PORT+1)
 *   T/run/pcscd/pcscd.comm   pcscd's socket: pcscd runs in its own mount namespace where T/run
 *                            is bind-mounted over /run (or T/run/pcscd over /run/pcscd when
 *                            the host has that directory), so its fixed path lands here.
 *
 * quickack (default): a network-namespace holder (`unshare --net sleep`) whose loopback
 * routes carry `quickack 1`; pcscd and the card server both join it with `nsenter --net`.
 * The holder outlives pcscd restarts, so the card server (which reconnects to vpcd by
 * itself) stays reachable. The test process stays outside and reaches pcscd through the
 * unix socket. quickack: false = plain host loopback (the ~44 ms/APDU path of a machine
 * without the trick), ports checked free first.
 *
 * Every process is started here and stopped here by pid; `stop()` is idempotent and also
 * runs from a process 'exit' hook, so a failing test leaves nothing behind.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { processAlive } from '../../common/process-alive.ts';

const execFileP = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

export interface PcscLabOptions {
  /** Card slots served (vpcd always creates two readers per conf entry; default 2). */
  slots?: 1 | 2;
  /** Run pcscd and the card server in a quickack network namespace (default true). */
  quickack?: boolean;
  /** Reader name prefix (FRIENDLYNAME); pcscd appends " 00 00", " 00 01". */
  friendlyName?: string;
  /** Extra card factory modules for the card server (the test card is always loaded). */
  cardModules?: string[];
  /** Bound for pcscd's socket and readers to appear (default 10 s). */
  readyTimeoutMs?: number;
  /** Start pcscd right away (default true); false leaves it down until restartPcscd(). */
  startPcscd?: boolean;
}

export interface LabFault {
  kind: 'tear-before-commit' | 'tear-after-commit' | 'response-lost' | 'remove' | 'garbage';
  atApdu: number;
  garbageHex?: string;
}

export interface PcscLab {
  readonly dir: string;
  readonly socketPath: string;
  readonly env: { PCSCLITE_CSOCK_NAME: string };
  readonly readerNames: string[];
  readonly port: number;
  readonly quickack: boolean;
  /** Pids of everything the lab started and that is still running. */
  pids(): number[];
  pcscdPid(): number | null;
  /**
   * Places a card and returns once pcscd has seen and powered it (bounded: 3 s after vpcd took
   * the connection; with pcscd down it returns after the card server's connect wait), so what
   * runs next finds it on the reader as a clerk would after placing it.
   */
  insert(slot: number, cardJson: unknown): Promise<void>;
  remove(slot: number): Promise<void>;
  fault(slot: number, fault: LabFault | null): Promise<void>;
  /** The card's toJSON on that slot (null when none was ever inserted). */
  cardState(slot: number): Promise<unknown>;
  /** Raw answer of the card server's `state` op (inserted, connected, card). */
  slotState(slot: number): Promise<{ inserted: boolean; connected: boolean; card: unknown }>;
  /** Stops pcscd if it runs (SIGTERM), starts a new one on the same socket, waits for readers. */
  restartPcscd(): Promise<void>;
  /** Kills pcscd by pid (SIGKILL by default: a crash; the stale socket is cleaned up). */
  killPcscd(signal?: NodeJS.Signals): Promise<void>;
  /** Runs a command inside the lab's network namespace (quickack only). */
  inNetns(cmd: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  label: string;
}

const live = new Set<Proc>();
const labDirs = new Set<string>();
function killAll(): void {
  for (const dir of labDirs) rmSync(dir, { recursive: true, force: true });
  for (const p of live) {
    try {
      if (p.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
/**
 * Cleanup on exit and on SIGINT/SIGTERM (the test runner stops a timed-out file with a signal,
 * which skips 'exit'). Installed when the first lab starts, not at import: an application
 * that merely imports this module keeps its own signal handling. When the application has
 * its own handler for the signal, it is left to shut down in order (it stops the lab); only
 * a process with no other handler is ended here.
 */
let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on(sig, onSignal);
  }
}

function track(child: ChildProcess, label: string): Proc {
  const proc: Proc = {
    child,
    label,
    exited: new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    }),
  };
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

function running(p: Proc | null): p is Proc {
  return p !== null && p.child.exitCode === null && p.child.signalCode === null;
}

async function terminate(p: Proc | null, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (!running(p) || p.child.pid === undefined) return;
  try {
    process.kill(p.child.pid, signal);
  } catch {
    /* raced with exit */
  }
  const timer = setTimeout(() => {
    try {
      if (p.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`pcsc-lab: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function pickPort(checkHost: boolean): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 40000 + 2 * Math.floor(Math.random() * 10000); // 40000..59998, even
    if (!checkHost || ((await portFree(port)) && (await portFree(port + 1)))) return port;
  }
  throw new Error('pcsc-lab: no free port pair in 40000-60000');
}

/** Readers pcscd lists on the socket, via pcsc-tools (keeps libpcsclite out of this process). */
async function listReaders(socketPath: string): Promise<string[]> {
  try {
    const { stdout } = await execFileP('pcsc_scan', ['-r'], { env: { ...process.env, PCSCLITE_CSOCK_NAME: socketPath }, timeout: 5000 });
    return stdout.split('\n').map((l) => /^\d+: (.*)$/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
  } catch {
    return [];
  }
}

// eslint-disable-next-line max-lines-per-function -- starts and wires the lab processes in dependency order; each stop is registered beside its start
export async function startPcscLab(opts: PcscLabOptions = {}): Promise<PcscLab> {
  const slots = opts.slots ?? 2;
  const quickack = opts.quickack ?? true;
  const friendly = opts.friendlyName ?? 'Station Lab';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  installCleanup();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcsc-lab-'));
  labDirs.add(dir);
  const runDir = path.join(dir, 'run');
  const sockDir = path.join(runDir, 'pcscd');
  const confDir = path.join(dir, 'conf');
  const socketPath = path.join(sockDir, 'pcscd.comm');
  await mkdir(sockDir, { recursive: true });
  await mkdir(confDir, { recursive: true });
  const readerNames = [`${friendly} 00 00`, `${friendly} 00 01`].slice(0, slots);
  // The host has /run/pcscd only when a system pcscd is installed with its tmpfiles; we never
  // create it there (that would be touching the host), so bind over /run instead.
  const bind = existsSync('/run/pcscd') ? `mount -n --bind '${sockDir}' /run/pcscd` : `mount -n --bind '${runDir}' /run`;

  let holder: Proc | null = null;
  let pcscd: Proc | null = null;
  let cards: Proc | null = null;
  let port = 0;
  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const logs: string[] = [];
  const log = (label: string, chunk: Buffer) => {
    logs.push(`[${label}] ${chunk.toString()}`);
    if (logs.length > 400) logs.splice(0, logs.length - 400);
  };

  const netnsArgs = () => (holder?.child.pid !== undefined ? [`--net=/proc/${holder.child.pid}/ns/net`] : []);

  const inNetns = async (cmd: string, args: string[]): Promise<string> => {
    if (!quickack || holder === null) throw new Error('pcsc-lab: no network namespace in quickack:false mode');
    const { stdout } = await execFileP('nsenter', [...netnsArgs(), cmd, ...args], { timeout: 5000 });
    return stdout;
  };

  const startPcscd = async () => {
    await rm(socketPath, { force: true });
    await rm(path.join(sockDir, 'pcscd.pid'), { force: true });
    const shell = `${bind} && exec pcscd -f -c '${confDir}'`;
    const child = quickack
      ? spawn('nsenter', [...netnsArgs(), 'unshare', '--mount', 'sh', '-c', shell], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('unshare', ['--mount', 'sh', '-c', shell], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => log('pcscd', c));
    child.stderr?.on('data', (c: Buffer) => log('pcscd', c));
    pcscd = track(child, 'pcscd');
    const self = pcscd;
    await until('pcscd socket', readyTimeoutMs, () => {
      if (!running(self)) throw new Error(`pcsc-lab: pcscd exited early:\n${logs.join('')}`);
      return existsSync(socketPath) ? true : undefined;
    });
  };

  const waitReaders = () =>
    until('readers', readyTimeoutMs, async () => {
      const names = await listReaders(socketPath);
      return readerNames.every((n) => names.includes(n)) ? names : undefined;
    }, 25);

  const request = (req: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const proc = cards;
    if (!running(proc) || proc.child.stdin === null) return Promise.reject(new Error('pcsc-lab: card server is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`pcsc-lab: card server did not answer ${JSON.stringify(req)}`));
      }, 15_000);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      proc.child.stdin!.write(`${JSON.stringify({ id, ...req })}\n`);
    });
  };

  const ok = async (req: Record<string, unknown>) => {
    const res = await request(req);
    if (res.ok !== true) throw new Error(`pcsc-lab: ${String(req.op)} failed: ${JSON.stringify(res.error)}`);
    return res;
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (running(cards)) cards.child.stdin?.end(); // the server exits when its stdin closes
    await terminate(cards, 'SIGTERM');
    await terminate(pcscd, 'SIGTERM');
    await terminate(holder, 'SIGTERM');
    for (const p of pending.values()) p.reject(new Error('pcsc-lab stopped'));
    pending.clear();
    await rm(dir, { recursive: true, force: true });
    labDirs.delete(dir);
  };

  try {
    if (quickack) {
      holder = track(spawn('unshare', ['--net', 'sleep', '1000000'], { stdio: 'ignore' }), 'netns holder');
      const h = holder;
      // The namespace exists once unshare has exec'd sleep; its ns link then differs from ours.
      const ownNs = await readlink('/proc/self/ns/net');
      await until('network namespace', readyTimeoutMs, async () => {
        if (!running(h)) throw new Error('pcsc-lab: unshare --net failed (needs root)');
        const ns = await readlink(`/proc/${h.child.pid}/ns/net`).catch(() => ownNs);
        return ns !== ownNs ? true : undefined;
      });
      const routes = [
        'ip link set lo up',
        'ip route replace local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 quickack 1',
        'ip route replace local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 quickack 1',
      ].join(' && ');
      await execFileP('nsenter', [...netnsArgs(), 'sh', '-c', routes], { timeout: 5000 });
    }
    port = await pickPort(!quickack);
    await writeFile(path.join(confDir, 'vpcd'), `FRIENDLYNAME "${friendly}"\nDEVICENAME   /dev/null:${port}\nLIBPATH      ${VPCD_DRIVER}\nCHANNELID    ${port}\n`);

    const serverArgs = ['--import', 'tsx', path.join(ROOT, 'devices', 'emulator', 'card-server.ts'), '--port', String(port), '--slots', String(slots)];
    for (const m of opts.cardModules ?? []) serverArgs.push('--cards', m);
    const child = quickack
      ? spawn('nsenter', [...netnsArgs(), process.execPath, ...serverArgs], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, serverArgs, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    cards = track(child, 'card-server');
    child.stderr?.on('data', (c: Buffer) => log('card-server', c));
    child.stdin?.on('error', () => {
      /* server gone; requests fail through `running` */
    });
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        logs.push(`[card-server stdout] ${line}\n`);
        return;
      }
      const p = typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
      if (p !== undefined) {
        pending.delete(msg.id as number);
        p.resolve(msg);
      }
    });
    void cards.exited.then(() => {
      for (const p of pending.values()) p.reject(new Error(`pcsc-lab: card server exited\n${logs.join('')}`));
      pending.clear();
    });
    await ok({ op: 'ping' });

    if (opts.startPcscd ?? true) {
      await startPcscd();
      await waitReaders();
    }
  } catch (err) {
    const detail = logs.join('');
    await stop();
    if (err instanceof Error && detail !== '' && !err.message.includes(detail)) err.message += `\n--- lab logs ---\n${detail}`;
    throw err;
  }

  return {
    dir,
    socketPath,
    env: { PCSCLITE_CSOCK_NAME: socketPath },
    readerNames,
    get port() {
      return port;
    },
    quickack,
    pids: () => [holder, pcscd, cards].filter(running).map((p) => p.child.pid!),
    pcscdPid: () => (running(pcscd) ? pcscd.child.pid! : null),
    insert: async (slot, cardJson) => {
      await ok({ op: 'insert', slot, card: cardJson, seenMs: 3000 });
    },
    remove: async (slot) => {
      await ok({ op: 'remove', slot });
    },
    fault: async (slot, fault) => {
      await ok({ op: 'fault', slot, fault });
    },
    cardState: async (slot) => (await ok({ op: 'state', slot })).card,
    slotState: async (slot) => (await ok({ op: 'state', slot })) as unknown as { inserted: boolean; connected: boolean; card: unknown },
    restartPcscd: async () => {
      await terminate(pcscd, 'SIGTERM');
      await startPcscd();
      await waitReaders();
    },
    killPcscd: async (signal = 'SIGKILL') => {
      await terminate(pcscd, signal);
      // A killed pcscd leaves its socket and pid file; they are ours (T/run/pcscd), clean them.
      await rm(socketPath, { force: true });
      await rm(path.join(sockDir, 'pcscd.pid'), { force: true });
    },
    inNetns,
    stop,
  };
}

/** True when `pid` is no longer a live process (used by tests to check for strays). */
export function processGone(pid: number): boolean {
  return !processAlive(pid);
}
