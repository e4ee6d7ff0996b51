/**
 * What every socket of `station serve` needs so that no peer can take the station down
 * (docs/SECURITY.md "Hostile input at the sockets"):
 *
 * - An 'error' listener on every WebSocket, raw upgrade socket and server. `ws` reports a frame
 *   over `maxPayload` (close 1009), a text frame with invalid UTF-8 (close 1007) and other
 *   protocol faults as an 'error' on that WebSocket after starting the close handshake; without
 *   a listener the event is unhandled and the whole process dies. Here it ends THAT connection
 *   (terminated if the peer does not finish the close quickly) and nothing else.
 * - Deliberate frame limits: the API's largest real request (a counted-cash map, a holder's
 *   registration, a supervisor's approval) is well under 4 KiB, so 64 KiB is room for growth,
 *   not for abuse; the customer display's socket receives nothing at all.
 * - A peer that does not read its answers is cut off once they pile up (`MAX_BUFFERED_BYTES`),
 *   and one connection may have only `MAX_IN_FLIGHT` requests running at once.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';

/** Largest frame (and message) the station API accepts. */
export const API_MAX_PAYLOAD = 64 * 1024;
/** The customer display's socket is read-only: a frame larger than a close frame's is hostile. */
export const CUSTOMER_MAX_PAYLOAD = 1024;
/** Requests of one connection running at once; beyond it the request is refused at the door. */
export const MAX_IN_FLIGHT = 32;
/** Unread answers queued for one peer before it is disconnected. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** After a protocol error the peer gets this long to finish the close handshake. */
const CLOSE_GRACE_MS = 1000;

/** One line per kind of fault per interval on stderr: a flood must not flood the log too. */
export function faultLog(write: (line: string) => void, intervalMs = 10_000): (where: string, err: Error) => void {
  const last = new Map<string, number>();
  return (where, err) => {
    const kind = `${where}:${(err as { code?: string }).code ?? err.message}`;
    const now = performance.now();
    if ((last.get(kind) ?? -Infinity) + intervalMs > now) return;
    last.set(kind, now);
    write(`station serve: ${where}: ${err.message} (connection closed; the station serves on)\n`);
  };
}

/** Handles every 'error' of a WebSocket: the connection ends, the server stays up. */
export function guardWebSocket(ws: WebSocket, where: string, log: (where: string, err: Error) => void): void {
  ws.on('error', (err) => {
    log(where, err);
    // ws has sent the close frame with the right code (1009, 1007, 1002); a peer that never
    // answers it must not hold the socket for ws's 30 s close timeout.
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  });
}

/** A raw socket before and during the upgrade (reset by the peer, half-open…). */
export function guardRawSocket(socket: Duplex, where: string, log: (where: string, err: Error) => void): void {
  socket.on('error', (err) => {
    log(where, err);
    socket.destroy();
  });
}

/** The WebSocket servers themselves (noServer mode: errors of handleUpgrade land here). */
export function guardServer(wss: WebSocketServer, where: string, log: (where: string, err: Error) => void): void {
  wss.on('error', (err) => log(where, err));
}
