/**
 * The browser bridge: the station API (common/api.ts) over the WebSocket of `station serve`.
 * Every message from the server is parsed with the contract's schemas; calls wait for the
 * connection; a dropped connection reconnects and re-attaches the session (the only secret
 * the browser holds is that session token, kept in sessionStorage for reloads).
 */
import {
  ApiCallError, METHODS, ServerMessageSchema,
  type MethodName, type Params, type Result, type StationApi, type StationEvent,
} from '../../common/api.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** What the counter screens talk to: this WebSocket bridge, or Electron's IPC bridge (ipc-bridge.ts). */
export interface CounterBridge extends StationApi {
  onState(listener: (s: ConnectionState) => void): () => void;
}

const SESSION_KEY = 'station.session';

export class WebSocketBridge implements StationApi {
  #ws: WebSocket | null = null;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Set<(e: StationEvent) => void>();
  #stateListeners = new Set<(s: ConnectionState) => void>();
  #opened: Promise<void> = Promise.resolve();
  #retry = 0;
  #state: ConnectionState = 'connecting';
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
    this.#connect();
  }

  static fromLocation(): WebSocketBridge {
    const token = new URLSearchParams(location.search).get('token') ?? '';
    return new WebSocketBridge(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
  }

  #connect(): void {
    this.#emitState('connecting');
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    this.#opened = new Promise<void>((resolve) => {
      ws.addEventListener('open', () => {
        this.#retry = 0;
        resolve();
        // The screen hears 'open' only once the session is resumed: a status asked before that
        // would find this new connection logged out and take the clerk's screen (an in-doubt
        // transaction among them) away for the login page.
        const session = sessionStorage.getItem(SESSION_KEY);
        const resumed = session === null ? Promise.resolve() : this.call('resume', { session }).then(
          (r) => this.#emit({ event: 'session', user: r.user }),
          () => { sessionStorage.removeItem(SESSION_KEY); this.#emit({ event: 'session', user: null }); },
        );
        void resumed.finally(() => { if (this.#ws === ws) this.#emitState('open'); });
      });
    });
    ws.addEventListener('message', (m) => this.#onMessage(m.data));
    ws.addEventListener('close', () => {
      for (const p of this.#pending.values()) p.reject(connectionLost());
      this.#pending.clear();
      this.#emitState('closed');
      const delay = Math.min(5000, 250 * 2 ** this.#retry++);
      setTimeout(() => this.#connect(), delay);
    });
  }

  #onMessage(data: unknown): void {
    let raw: unknown;
    try {
      raw = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = ServerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      console.error('message outside the API contract', parsed.error);
      return;
    }
    const msg = parsed.data;
    if ('event' in msg) {
      this.#emit(msg);
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if ('error' in msg) p.reject(new ApiCallError(msg.error));
    else p.resolve(msg.result);
  }

  #emit(e: StationEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #emitState(s: ConnectionState): void {
    this.#state = s;
    for (const l of this.#stateListeners) l(s);
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    await this.#opened;
    const id = this.#nextId++;
    const ws = this.#ws!;
    // Closed and not yet reconnected: a request sent now would never be answered (its socket is gone).
    if (ws.readyState !== WebSocket.OPEN) throw connectionLost();
    const result = await new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
    if (method === 'login') sessionStorage.setItem(SESSION_KEY, (result as Result<'login'>).session);
    if (method === 'logout') sessionStorage.removeItem(SESSION_KEY);
    // The answer is checked against the contract, like every event.
    return METHODS[method].result.parse(result) as Result<M>;
  }

  onEvent(listener: (e: StationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls the listener with the current state at once, then on every change. */
  onState(listener: (s: ConnectionState) => void): () => void {
    this.#stateListeners.add(listener);
    listener(this.#state);
    return () => this.#stateListeners.delete(listener);
  }
}

/** The answer of every request the closed connection took with it (no `outcome`: the station never answered). */
function connectionLost(): ApiCallError {
  return new ApiCallError({ code: 'INTERNAL', message: 'connection to the station lost', hint: 'It reconnects by itself; try again in a moment' });
}
