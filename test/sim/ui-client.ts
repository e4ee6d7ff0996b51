/**
 * One browser tab of the counter, as far as the station can tell: a WebSocket on `station
 * serve`'s /api with the run's token, requests `{ id, method, params }`, every answer and event
 * parsed with the contract's schemas (common/api.ts) as renderer/src/bridge.ts does. An error
 * answer becomes the StationError it stands for (code, message, next step); a connection that
 * drops takes its unanswered requests with it (ConnectionLost), as the bridge rejects them.
 */
import WebSocket from 'ws';
import { METHODS, ServerMessageSchema, type ApiError, type MethodName, type StationEvent } from '../../common/api.ts';
import { StationError } from '../../common/errors.ts';

/** An error answer as the StationError it stands for, with what a card-changing request did to cards (ErrorSchema.outcome). */
export class ApiRefusal extends StationError {
  readonly outcome: ApiError['outcome'];
  constructor(e: ApiError) {
    super(e.code, e.message, e.hint);
    this.outcome = e.outcome;
  }
}

/** The answer never came: the socket closed while the request was out. */
export class ConnectionLost extends Error {
  constructor() { super('connection to the station lost'); this.name = 'ConnectionLost'; }
}

interface Pending { method: MethodName; resolve: (v: unknown) => void; reject: (e: Error) => void }

export class ApiTab {
  readonly events: StationEvent[] = [];
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('close', () => {
      this.#closed = true;
      for (const p of this.#pending.values()) p.reject(new ConnectionLost());
      this.#pending.clear();
    });
    ws.on('error', () => undefined); // the close that follows says it
  }

  static async open(port: number, token: string): Promise<ApiTab> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new ApiTab(ws);
  }

  get closed(): boolean { return this.#closed; }

  #onMessage(text: string): void {
    const parsed = ServerMessageSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`message outside the API contract: ${text.slice(0, 200)}`);
    const msg = parsed.data;
    if ('event' in msg) {
      this.events.push(msg);
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if ('error' in msg) {
      p.reject(new ApiRefusal(msg.error));
      return;
    }
    const checked = METHODS[p.method].result.safeParse(msg.result);
    if (checked.success) p.resolve(checked.data);
    else p.reject(new Error(`${p.method} answered outside the API contract`));
  }

  /** Sends one request; the promise settles with its answer. */
  call(method: MethodName, params: object): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ConnectionLost());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The network drops this tab's connection (no close handshake). */
  drop(): void { this.ws.terminate(); }

  async close(): Promise<void> {
    if (this.#closed) return;
    const gone = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await gone;
  }
}
