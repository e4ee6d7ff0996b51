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

/**
 * Waits until the card panel (`card`) shows `asn` on `reader`, as a screen does before it asks
 * for a confirmation: the panel reads a placed card by itself. Returns what it showed last.
 */
export async function panelShows(client: ApiClient, reader: string, asn: string): Promise<string | null | undefined> {
  let shown: string | null | undefined;
  for (let i = 0; i < 100 && shown !== asn; i++) {
    const slots = (await client.call('card')).result as Array<{ reader: string; view?: { asn?: string | null } }>;
    shown = slots.find((s) => s.reader === reader)?.view?.asn;
    if (shown !== asn) await new Promise((r) => setTimeout(r, 50));
  }
  return shown;
}
