/**
 * The station API in Electron: the preload's `window.stationIpc` (main/preload.cjs) carries
 * calls to main, which checks them and relays them to the core; answers and events are parsed
 * here with the contract's schemas, exactly as the WebSocket bridge parses what it receives.
 * The page never sees ipcRenderer, Node or the core's token.
 */
import { z } from 'zod';
import {
  ApiCallError, ErrorSchema, EventSchema, METHODS,
  type MethodName, type Params, type Result, type StationEvent,
} from '../../common/api.ts';
import { CustomerMessageSchema, type CustomerDisplay } from '../../common/api-customer.ts';
import type { ConnectionState, CounterBridge } from './bridge.ts';

/** What main/preload.cjs exposes (and nothing more). */
export interface StationIpc {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (message: unknown) => void): () => void;
}

/** The preload's object, when this page runs in the Electron shell. */
export function stationIpc(): StationIpc | null {
  const w = window as unknown as { stationIpc?: StationIpc };
  return w.stationIpc ?? null;
}

const AnswerSchema = z.union([z.object({ result: z.unknown() }).strict(), z.object({ error: ErrorSchema }).strict()]);

export class IpcBridge implements CounterBridge {
  readonly #ipc: StationIpc;

  constructor(ipc: StationIpc) {
    this.#ipc = ipc;
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const answer = AnswerSchema.safeParse(await this.#ipc.call(method, params));
    if (!answer.success) throw new ApiCallError({ code: 'INTERNAL', message: `${method}: an answer outside the API contract` });
    if ('error' in answer.data) throw new ApiCallError(answer.data.error);
    return METHODS[method].result.parse(answer.data.result) as Result<M>;
  }

  onEvent(listener: (e: StationEvent) => void): () => void {
    return this.#ipc.onEvent((raw) => {
      const e = EventSchema.safeParse(raw);
      if (e.success) listener(e.data);
    });
  }

  /** IPC to main does not drop like a WebSocket: always open (a restarted core sends a session event). */
  onState(listener: (s: ConnectionState) => void): () => void {
    listener('open');
    return () => undefined;
  }
}

/** The customer display's feed: from main over IPC (Electron) or the read-only WebSocket (browser). */
export type CustomerFeed = (listener: (d: CustomerDisplay) => void) => () => void;

export function ipcCustomerFeed(ipc: StationIpc): CustomerFeed {
  return (listener) => ipc.onEvent((raw) => {
    const m = CustomerMessageSchema.safeParse(raw);
    if (m.success) listener(m.data.display);
  });
}

export function webSocketCustomerFeed(): CustomerFeed {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const url = `ws://${location.host}/customer-api?token=${encodeURIComponent(token)}`;
  return (listener) => {
    let stopped = false;
    let retry = 0;
    let ws: WebSocket | null = null;
    const connect = () => {
      ws = new WebSocket(url);
      ws.addEventListener('open', () => { retry = 0; });
      ws.addEventListener('message', (e) => {
        let raw: unknown;
        try { raw = JSON.parse(String(e.data)); } catch { return; }
        const m = CustomerMessageSchema.safeParse(raw);
        if (m.success) listener(m.data.display);
      });
      ws.addEventListener('close', () => {
        if (stopped) return;
        listener({ state: 'idle' });
        setTimeout(connect, Math.min(5000, 250 * 2 ** retry++));
      });
    };
    connect();
    return () => { stopped = true; ws?.close(); };
  };
}
