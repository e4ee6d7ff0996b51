/**
 * Test-side helpers for the clearing host: a signed HTTP client (the station's half of
 * common/upstream-signing.ts, over fetch), a maker of hash-chained entries exactly as the
 * station ledger makes them, and a spawner of `upstream/server.ts` processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { newId } from '../../common/ids.ts';
import { entryHash, GENESIS_HASH } from '../../common/ledger-hash.ts';
import type { WireEntry } from '../../common/upstream-protocol.ts';
import { signRequest } from '../../common/upstream-signing.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export class StationClient {
  readonly baseUrl: string;
  readonly stationId: string;
  secret: string;
  now: () => number;
  /** Headers of the last request sent (for replay tests). */
  last: { method: string; target: string; body: string; headers: Record<string, string> } | null = null;

  constructor(baseUrl: string, stationId: string, secret: string, now: () => number = Date.now) {
    this.baseUrl = baseUrl;
    this.stationId = stationId;
    this.secret = secret;
    this.now = now;
  }

  async request<T = unknown>(method: string, target: string, body?: unknown, opts: { nonce?: string; baseUrl?: string } = {}): Promise<Reply<T>> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...signRequest(this.secret, { method, target, body: text, stationId: this.stationId }, { nowMs: this.now(), nonce: opts.nonce }),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.last = { method, target, body: text, headers };
    return send<T>(opts.baseUrl ?? this.baseUrl, method, target, text, headers);
  }

  get<T = unknown>(target: string): Promise<Reply<T>> {
    return this.request<T>('GET', target);
  }

  post<T = unknown>(target: string, body: unknown): Promise<Reply<T>> {
    return this.request<T>('POST', target, body);
  }
}

/** Sends exactly these bytes and headers (a replay, or a tampered request). */
export async function send<T = unknown>(baseUrl: string, method: string, target: string, body: string, headers: Record<string, string>): Promise<Reply<T>> {
  const res = await fetch(baseUrl + target, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Makes a station's hash-chained entries, like db/ledger.ts appendEntry does. */
export class ChainMaker {
  readonly stationId: string;
  seq = 0;
  head = GENESIS_HASH;
  readonly all: WireEntry[] = [];

  constructor(stationId: string) {
    this.stationId = stationId;
  }

  next(over: Partial<Omit<WireEntry, 'seq' | 'prevHash' | 'hash' | 'stationId'>> = {}): WireEntry {
    const amountFen = over.amountFen ?? 1000 + (this.seq % 7) * 100;
    const base = {
      seq: this.seq + 1,
      entryId: newId(),
      kind: 'topup',
      at: new Date().toISOString(),
      stationId: this.stationId,
      operatorId: 'op1',
      shiftId: 'shift-1',
      cardRef: 'cpu:0000000000012345',
      amountFen,
      payload: { tac: 'E38A6356' },
      postings: [
        { account: 'cash_drawer', debitFen: amountFen, creditFen: 0 },
        { account: 'card_float', debitFen: 0, creditFen: amountFen },
      ],
      ...over,
      prevHash: this.head,
    };
    const e: WireEntry = { ...base, hash: entryHash(base) };
    this.seq = e.seq;
    this.head = e.hash;
    this.all.push(e);
    return e;
  }

  batch(n: number, over: Parameters<ChainMaker['next']>[0] = {}): WireEntry[] {
    return Array.from({ length: n }, () => this.next(over));
  }
}

export interface HostProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node --import tsx upstream/server.ts` and waits for its "listening on" line. */
export async function spawnHost(env: Record<string, string>, args: string[] = []): Promise<HostProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'upstream', 'server.ts'), '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    // PGlite's first start compiles PostgreSQL's WASM: on a loaded 2-core machine (the
    // fresh-machine chroot beside other sessions) over 60 s. A host that does not start is
    // killed, not left to hold the test file open until its timeout.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not start in 180 s: ${stderr}`));
    }, 180_000);
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Runs one admin command of upstream/server.ts and returns its JSON output. */
export async function hostCli(env: Record<string, string>, args: string[]): Promise<unknown> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'upstream', 'server.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`upstream ${args.join(' ')} exited ${code}: ${err}`);
  return JSON.parse(out);
}
