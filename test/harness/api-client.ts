// A WebSocket client of `station serve`'s API (common/api.ts) as a test drives it: calls by id,
// every message kept, and how the server closed the connection.
import WebSocket from 'ws';

export interface ApiAnswer {
  result?: unknown;
  error?: { code: string; message: string; hint?: string; outcome?: string };
}

export interface ApiClient {
  ws: WebSocket;
  /** Sends one request and resolves with its answer. */
  call(method: string, params?: unknown): Promise<ApiAnswer>;
  /** Every text message received, in order. */
  received: string[];
  /** Resolves with the close code once the connection is closed (by either side). */
  closed: Promise<number>;
}

/** Opens `/api` (or `path`, e.g. `/customer-api`) with its token. */
export async function connectApi(port: number, token: string, path = '/api'): Promise<ApiClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}?token=${token}`);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  // A connection the server closes for a protocol fault may also report an 'error' here.
  ws.on('error', () => undefined);
  // Listening before 'open': the server's first messages may arrive in the same read as the handshake.
  const received: string[] = [];
  const waiting = new Map<number, (m: ApiAnswer) => void>();
  ws.on('message', (d) => {
    const text = d.toString();
    received.push(text);
    const m = JSON.parse(text) as { id?: number };
    if (typeof m.id === 'number') waiting.get(m.id)?.(m as ApiAnswer);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('close', () => reject(new Error(`${path} closed before it opened`))); });
  let next = 1;
  const call = (method: string, params: unknown = {}) => new Promise<ApiAnswer>((resolve) => {
    const id = next++;
    waiting.set(id, (m) => { waiting.delete(id); resolve(m); });
    ws.send(JSON.stringify({ id, method, params }));
  });
  return { ws, call, received, closed };
}
