/**
 * An HTTP fault proxy on 127.0.0.1 between a station and the clearing host. Per request it
 * draws (seeded, so a failing run can be replayed) one fault or none:
 *
 *   dropRequest      the connection is cut before anything reaches the host
 *   truncateRequest  the host gets the headers and half the body, then the connection dies
 *   delay            forwarded after a pause (≤ maxDelayMs)
 *   reorder          held until the next request has overtaken it (≤ 300 ms), and a stale copy
 *                    of it is sent again later, after newer requests (a late duplicate)
 *   duplicate        forwarded twice; the client gets the first answer
 *   error500         answered 500 without reaching the host
 *   error500After    reaches the host (which acts on it), the client gets a 500
 *   dropAnswer       reaches the host, the connection is cut before the answer
 *   truncateAnswer   reaches the host, the client gets the status and half the body
 *   timeout          held (forwarded or not) without an answer for hangMs, then cut
 *
 * Bounded: at most maxFaults faults in all, and never more than maxConsecutive faulted
 * requests in a row, so a retrying client always gets through. `setFaults(false)` stops them.
 */
import http from 'node:http';
import type net from 'node:net';

export const FAULT_KINDS = ['dropRequest', 'truncateRequest', 'delay', 'reorder', 'duplicate', 'error500', 'error500After', 'dropAnswer', 'truncateAnswer', 'timeout'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  target: string;
  seed: number;
  /** Probability that a request gets a fault (then the kind is drawn by `weights`). */
  rate?: number;
  weights?: Partial<Record<FaultKind, number>>;
  maxFaults?: number;
  maxConsecutive?: number;
  maxDelayMs?: number;
  hangMs?: number;
}

import { seededRandom } from './seeded-random.ts';

export { seededRandom };

interface Captured {
  method: string;
  url: string;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FaultProxy {
  readonly counts: Record<FaultKind | 'clean', number> = Object.fromEntries([...FAULT_KINDS, 'clean'].map((k) => [k, 0])) as Record<FaultKind | 'clean', number>;
  /** Requests sent to the host by the proxy itself (duplicates, late copies). */
  extraSends = 0;
  #target: URL;
  readonly #o: Required<Omit<FaultProxyOptions, 'target' | 'seed' | 'weights'>> & { weights: Record<FaultKind, number> };
  readonly #random: () => number;
  #server: http.Server | null = null;
  #enabled = true;
  #faults = 0;
  #consecutive = 0;
  #waiting: (() => void)[] = [];
  #stale: { copy: Captured; after: number }[] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  url = '';

  constructor(opts: FaultProxyOptions) {
    this.#target = new URL(opts.target);
    this.#random = seededRandom(opts.seed);
    const weights = Object.fromEntries(FAULT_KINDS.map((k) => [k, opts.weights?.[k] ?? 1])) as Record<FaultKind, number>;
    this.#o = { rate: opts.rate ?? 0.35, maxFaults: opts.maxFaults ?? 400, maxConsecutive: opts.maxConsecutive ?? 3, maxDelayMs: opts.maxDelayMs ?? 150, hangMs: opts.hangMs ?? 1500, weights };
  }

  async listen(): Promise<string> {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s: net.Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const port = (this.#server.address() as net.AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  setFaults(on: boolean): void {
    this.#enabled = on;
  }

  setTarget(target: string): void {
    this.#target = new URL(target);
  }

  get faults(): number {
    return this.#faults;
  }

  #draw(): FaultKind | null {
    if (!this.#enabled || this.#faults >= this.#o.maxFaults) return null;
    if (this.#consecutive >= this.#o.maxConsecutive) {
      this.#consecutive = 0;
      return null;
    }
    if (this.#random() >= this.#o.rate) {
      this.#consecutive = 0;
      return null;
    }
    const total = FAULT_KINDS.reduce((s, k) => s + this.#o.weights[k], 0);
    let x = this.#random() * total;
    for (const k of FAULT_KINDS) {
      x -= this.#o.weights[k];
      if (x < 0) {
        this.#faults++;
        this.#consecutive++;
        return k;
      }
    }
    return null;
  }

  /** Sends a captured request to the host; resolves with the whole answer. */
  #forward(c: Captured, truncate = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const up = http.request({ host: this.#target.hostname, port: this.#target.port, method: c.method, path: c.url, headers: { ...c.headers, host: this.#target.host }, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      if (truncate) {
        up.write(c.body.subarray(0, Math.floor(c.body.length / 2)));
        setTimeout(() => {
          up.destroy();
          reject(new Error('truncated'));
        }, 20);
        return;
      }
      up.end(c.body);
    });
  }

  #fireAndForget(c: Captured): void {
    this.extraSends++;
    this.#forward(c).catch(() => undefined);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const d of req) chunks.push(d as Buffer);
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    const body = Buffer.concat(chunks);
    headers['content-length'] = String(body.length);
    const c: Captured = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body };

    // Late copies of earlier requests go now that newer ones have passed.
    for (const s of [...this.#stale]) {
      if (--s.after <= 0) {
        this.#stale.splice(this.#stale.indexOf(s), 1);
        this.#fireAndForget(s.copy);
      }
    }
    // A held (reordered) request goes once this one has overtaken it.
    const waiting = this.#waiting.splice(0);

    const fault = this.#draw();
    this.counts[fault ?? 'clean']++;
    const cut = (): void => {
      req.socket.destroy();
    };
    const reply = (a: Answer): void => {
      if (res.destroyed) return;
      const h = { ...a.headers };
      delete h.connection;
      delete h['keep-alive'];
      delete h['transfer-encoding'];
      res.writeHead(a.status, { ...h, 'content-length': String(a.body.length) });
      res.end(a.body);
    };
    try {
      switch (fault) {
        case 'dropRequest':
          cut();
          break;
        case 'truncateRequest':
          await this.#forward(c, true).catch(() => undefined);
          cut();
          break;
        case 'error500':
          reply({ status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ error: { code: 'INTERNAL', message: 'fault proxy: 500' } })) });
          break;
        case 'timeout': {
          if (this.#random() < 0.5) this.#forward(c).catch(() => undefined);
          await sleep(this.#o.hangMs);
          cut();
          break;
        }
        case 'reorder': {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 300);
            this.#waiting.push(() => {
              clearTimeout(t);
              setTimeout(resolve, 10);
            });
          });
          this.#stale.push({ copy: c, after: 1 + Math.floor(this.#random() * 3) });
          reply(await this.#forward(c));
          break;
        }
        default: {
          if (fault === 'delay') await sleep(Math.floor(this.#random() * this.#o.maxDelayMs));
          const a = await this.#forward(c);
          if (fault === 'duplicate') {
            this.#fireAndForget(c);
            reply(a);
          } else if (fault === 'error500After') {
            reply({ status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ error: { code: 'INTERNAL', message: 'fault proxy: 500 after the host acted' } })) });
          } else if (fault === 'dropAnswer') {
            cut();
          } else if (fault === 'truncateAnswer') {
            const h = { ...a.headers };
            delete h['transfer-encoding'];
            delete h.connection;
            res.writeHead(a.status, { ...h, 'content-length': String(a.body.length) });
            res.write(a.body.subarray(0, Math.floor(a.body.length / 2)));
            setTimeout(cut, 10);
          } else {
            reply(a);
          }
        }
      }
    } catch {
      // The host is unreachable: the client sees the connection fail, as it would without us.
      cut();
    } finally {
      for (const w of waiting) w();
    }
  }

  async close(): Promise<void> {
    for (const w of this.#waiting.splice(0)) w();
    for (const s of this.#sockets) s.destroy();
    this.#agent.destroy();
    if (this.#server) await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }
}
