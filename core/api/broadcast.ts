/**
 * The API's open connections and what the station pushes to them: answers, and events
 * (common/api.ts StationEvent). Card data goes only to connections with an unlocked session.
 */
import type { WebSocket } from 'ws';
import type { StationEvent } from '../../common/api.ts';
import { MAX_BUFFERED_BYTES } from './socket-guard.ts';
import { sessionDto, type Conn, type Session } from './sessions.ts';

/** One message to one socket, if it is open. */
export function send(ws: WebSocket, msg: unknown): void {
  if (ws.readyState !== ws.OPEN) return;
  // A peer that never reads its answers is cut off before they eat the station's memory.
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.terminate();
    return;
  }
  ws.send(JSON.stringify(msg));
}

export class Clients {
  private readonly conns = new Map<WebSocket, Conn>();
  private opened = 0;

  /** A new connection from `source` (no session yet), with its id in the audit trail. */
  add(ws: WebSocket, source: string): Conn {
    const conn: Conn = { session: null, id: `api-${++this.opened}`, source, inFlight: 0 };
    this.conns.set(ws, conn);
    return conn;
  }

  remove(ws: WebSocket): void {
    this.conns.delete(ws);
  }

  entries(): IterableIterator<[WebSocket, Conn]> {
    return this.conns.entries();
  }

  /** Connections whose session is logged in and not locked. */
  *unlocked(): Generator<[WebSocket, Conn & { session: Session }]> {
    for (const [ws, c] of this.conns) {
      if (c.session === null || c.session.locked) continue;
      yield [ws, c as Conn & { session: Session }];
    }
  }

  /** `needsUnlocked`: card data, for unlocked sessions only. */
  broadcast(e: StationEvent, needsUnlocked: boolean): void {
    for (const [ws, c] of this.conns) {
      if (needsUnlocked && (c.session === null || c.session.locked)) continue;
      send(ws, e);
    }
  }

  /** Every screen of this session learns its state (locked, unlocked). */
  tellSession(s: Session): void {
    for (const [ws, c] of this.conns) if (c.session === s) send(ws, { event: 'session', user: sessionDto(s) } satisfies StationEvent);
  }

  terminateAll(): void {
    for (const ws of this.conns.keys()) ws.terminate();
  }
}
