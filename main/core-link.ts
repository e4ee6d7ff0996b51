/**
 * Main's connections to the core: the counter API (`/api`, the counter window's one session)
 * and the customer feed (`/customer-api`, read-only). Every message from the core is parsed with
 * the contract's schemas (common/api.ts, common/api-customer.ts) before main relays it; a
 * message outside the contract is dropped and logged, as the browser bridge does.
 */
import WebSocket from 'ws';
import type { z } from 'zod';
import { ServerMessageSchema, type ApiError, type StationEvent } from '../common/api.ts';
import { CustomerMessageSchema, type CustomerMessage } from '../common/api-customer.ts';

export type CallAnswer = { result: unknown } | { error: ApiError };

export interface CoreLink {
  call(method: string, params: unknown): Promise<CallAnswer>;
  onEvent(listener: (e: StationEvent) => void): () => void;
  /** The connection to the core closed (the core died or stopped). */
  onClose(listener: () => void): void;
  close(): void;
}

/**
 * Connects; `setup` adds the listeners BEFORE the connection opens: the core sends its first
 * messages right after the upgrade, and they can arrive in the same packet as the handshake,
 * i.e. before a continuation after `open` would have listened.
 */
function open(url: string, setup: (ws: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 16 * 1024 * 1024 });
    setup(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the core refused main's connection (HTTP ${res.statusCode})`)));
    ws.once('error', reject);
  });
}

/**
 * A text frame parsed with `schema`; undefined for binary frames and text that is not JSON, and
 * for JSON outside the schema (logged as `what`).
 */
function parseFrame<S extends z.ZodTypeAny>(data: WebSocket.RawData, isBinary: boolean, schema: S, what: string, log: (line: string) => void): z.infer<S> | undefined {
  if (isBinary) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data as z.infer<S>;
  log(`${what} outside its schema dropped: ${parsed.error.message.slice(0, 300)}`);
  return undefined;
}

const lost: ApiError = { code: 'INTERNAL', message: 'connection to the station core lost', hint: 'The station restarts its core; try again in a moment' };

export async function connectCore(apiWsUrl: string, log: (line: string) => void = console.error): Promise<CoreLink> {
  let nextId = 1;
  const pending = new Map<number, (a: CallAnswer) => void>();
  const listeners = new Set<(e: StationEvent) => void>();
  const closers: (() => void)[] = [];
  const ws = await open(apiWsUrl, (socket) => listen(socket));
  function listen(socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const msg = parseFrame(data, isBinary, ServerMessageSchema, 'core message', log);
      if (msg === undefined) return;
      if ('event' in msg) { for (const l of listeners) l(msg); return; }
      const done = pending.get(msg.id);
      if (!done) return;
      pending.delete(msg.id);
      done('error' in msg ? { error: msg.error } : { result: msg.result });
    });
    socket.on('close', () => {
      for (const done of pending.values()) done({ error: lost });
      pending.clear();
      for (const c of closers) c();
    });
  }
  return {
    call(method, params) {
      if (ws.readyState !== ws.OPEN) return Promise.resolve({ error: lost });
      const id = nextId++;
      return new Promise<CallAnswer>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose(listener) { closers.push(listener); },
    close() { ws.close(); },
  };
}

/** The customer display's read-only feed. */
export async function connectCustomerFeed(customerWsUrl: string, onMessage: (m: CustomerMessage) => void, log: (line: string) => void = console.error): Promise<{ close(): void; onClose(l: () => void): void }> {
  const closers: (() => void)[] = [];
  const ws = await open(customerWsUrl, (socket) => socket.on('message', (data, isBinary) => {
    const msg = parseFrame(data, isBinary, CustomerMessageSchema, 'customer display message', log);
    if (msg !== undefined) onMessage(msg);
  }));
  ws.on('close', () => { for (const c of closers) c(); });
  return { close: () => ws.close(), onClose: (l) => { closers.push(l); } };
}
