/**
 * The station UI server (`station serve`): the built renderer and the station API
 * (common/api.ts) for a browser, on 127.0.0.1 only. This module is the HTTP and WebSocket
 * front; the rooms behind it:
 * - core/api/dispatch.ts: a frame → parsed request → session check → handler → answer;
 * - core/api/sessions.ts: sessions, PIN checks (rate-limited), the idle lock;
 * - core/api/serial-card-access.ts: card work one at a time (panel reads and workflows);
 * - core/api/card-panel.ts: what each reader holds, re-read after a workflow;
 * - core/api/broadcast.ts: connections and the events pushed to them;
 * - core/api/handlers/: one module per domain (card, top-up, card services, shift and day,
 *   receipts, fares, sync, staff, customer display, lab, session).
 *
 * - One per-run token (random, 32 bytes) in the URL guards the page and the WebSocket; a
 *   request without it, from a non-loopback peer, or with a foreign Host/Origin is refused.
 * - Every incoming message is parsed with the contract's schemas before anything runs.
 * - Roles are checked by the core workflows themselves.
 * - Strict CSP and no-referrer on every answer (the token is in the page URL).
 * - Hostile peers (core/api/socket-guard.ts): every socket error ends that connection only; PIN
 *   checks are rate-limited (core/login-throttle.ts); refused requests are audited as counters
 *   (core/refusal-tally.ts), not one row each.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { MethodName } from '../../common/api.ts';
import type { WatchedCardAccess } from '../card-watch.ts';
import type { LoginThrottleRules } from '../login-throttle.ts';
import { timingsEnabled } from '../request-timing.ts';
import type { Station } from '../station.ts';
import { startBackgroundSync } from '../sync.ts';
import { apiAudit, refusalTally } from './audit.ts';
import { Clients, send } from './broadcast.ts';
import { CardPanel } from './card-panel.ts';
import type { ApiContext, Handlers } from './context.ts';
import { createCustomerFeed } from './customer-feed.ts';
import { Dispatcher } from './dispatch.ts';
import { pageListener, upgradeListener } from './http.ts';
import { cardHandlers } from './handlers/card.ts';
import { cardServiceHandlers } from './handlers/card-services.ts';
import { customerHandlers } from './handlers/customer.ts';
import { fareHandlers } from './handlers/fares.ts';
import { labHandlers, type LocalLab } from './handlers/lab.ts';
import { receiptHandlers } from './handlers/receipts.ts';
import { sessionHandlers } from './handlers/session.ts';
import { pushShift, shiftDayHandlers } from './handlers/shift-day.ts';
import { staffHandlers } from './handlers/staff.ts';
import { stockHandlers } from './handlers/stock.ts';
import { syncHandlers } from './handlers/sync.ts';
import { topupHandlers } from './handlers/topup.ts';
import { SerialCardAccess } from './serial-card-access.ts';
import { Sessions } from './sessions.ts';
import {
  API_MAX_PAYLOAD, CUSTOMER_MAX_PAYLOAD, faultLog, guardRawSocket, guardServer, guardWebSocket,
} from './socket-guard.ts';

export interface UiServerOptions {
  station: Station;
  /** The PC/SC reader service (`station serve`), or an in-process one (the UI simulation). */
  access: WatchedCardAccess;
  /** The built renderer (index.html + assets). */
  staticDir: string;
  /** 0 = any free port. */
  port?: number;
  /** Idle time after which a session locks (default 5 minutes). */
  idleLockMs?: number;
  env?: NodeJS.ProcessEnv;
  /** For tests: a fixed token instead of a random one. */
  token?: string;
  /** PIN-check rate limits (default DEFAULT_LOGIN_RULES). */
  loginRules?: LoginThrottleRules;
  /** How often refused-request counters are written to the audit trail (default 10 s). */
  refusalFlushMs?: number;
  /** The in-process training lab station serve runs when PC/SC cannot be had (the lab panel drives it). */
  lab?: LocalLab;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  /** The customer display's read-only page (its own token, core/api/customer-feed.ts). */
  customerUrl: string;
  close(): Promise<void>;
}

export { contentSecurityPolicy, isLoopbackAddress } from './http.ts';

/** Every method of common/api.ts, by domain. */
function allHandlers(ctx: ApiContext): Handlers<MethodName> {
  const actorOf = ctx.sessions.actorOf.bind(ctx.sessions);
  return {
    ...sessionHandlers(ctx),
    ...cardHandlers(ctx),
    ...topupHandlers(ctx),
    // Sale, refund, lost, replacement, exchange, upgrade (core/api/handlers/card-services.ts).
    ...cardServiceHandlers(ctx),
    ...shiftDayHandlers(ctx),
    // Receipt preview/print/reprint, search, printer status.
    ...receiptHandlers(ctx),
    ...syncHandlers(ctx),
    ...customerHandlers(ctx),
    // Fare calculator and city directory.
    ...fareHandlers({ actorOf }),
    // Supervisor tools: unlock, PIN reset, deactivate (roles in core/staff-admin.ts).
    ...staffHandlers({ station: ctx.station, actorOf, endSessionsOf: (staffId, reason) => ctx.sessions.endSessionsOf(staffId, reason) }),
    // Blank-card stock: receive, spoil, return, count (roles in core/stock.ts).
    ...stockHandlers({ station: ctx.station, actorOf }),
    // The training lab panel; refused on a live station.
    ...labHandlers({ station: ctx.station, actorOf, local: ctx.lab }),
  };
}

/** The rooms behind the HTTP front, wired: the handlers' station, its queue, sessions, panel, dispatcher. */
function openRooms(opts: UiServerOptions, env: NodeJS.ProcessEnv) {
  // The handlers see the station with its card work serialised (a wrapper: opts.access is left as
  // it was). Every other field is read through to the caller's station, so what its owner changes
  // later (a test's upstream stand-in) is seen here as before.
  const access = new SerialCardAccess(opts.access, timingsEnabled(env));
  const station = Object.create(opts.station, { cards: { value: access, enumerable: true } }) as Station;
  const clients = new Clients();
  const customer = createCustomerFeed();
  const refusals = refusalTally(station, opts.refusalFlushMs);
  const sessions = new Sessions({ station, clients, audit: apiAudit(station), idleLockMs: opts.idleLockMs ?? 5 * 60_000, loginRules: opts.loginRules });
  const panel = new CardPanel({
    station, access, clients, customer,
    onSettled() {
      // Not awaited (a card event handler): a failed read is reported, never an unhandled rejection.
      for (const [ws, c] of clients.unlocked()) {
        pushShift(station, ws, c.session.actor.staffId).catch((err: unknown) => process.stderr.write(`station serve: shift refresh failed: ${(err as Error).message}\n`));
      }
    },
  });
  const ctx: ApiContext = { station, access, env, sessions, clients, panel, customer, lab: opts.lab };
  const dispatcher = new Dispatcher({ station, sessions, customer, refusals, handlers: allHandlers(ctx), timings: timingsEnabled(env) });
  return { station, access, clients, customer, refusals, sessions, panel, dispatcher };
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const env = opts.env ?? process.env;
  const staticRoot = path.resolve(opts.staticDir);
  const logFault = faultLog((line) => process.stderr.write(line));
  const { access, clients, customer, refusals, sessions, panel, dispatcher } = openRooms(opts, env);
  let port = 0;

  const server = http.createServer(pageListener({ staticRoot, token, customerToken: customer.token, port: () => port }));
  server.on('error', (err) => logFault('http server', err));
  server.on('clientError', (err, socket) => {
    logFault('http client', err);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  server.on('connection', (socket) => guardRawSocket(socket, 'http socket', logFault));
  const wss = new WebSocketServer({ noServer: true, maxPayload: API_MAX_PAYLOAD });
  const customerWss = new WebSocketServer({ noServer: true, maxPayload: CUSTOMER_MAX_PAYLOAD });
  guardServer(wss, 'api socket server', logFault);
  guardServer(customerWss, 'customer socket server', logFault);
  server.on('upgrade', upgradeListener({
    token, customerToken: customer.token, port: () => port,
    customer(req, socket, head) {
      customerWss.handleUpgrade(req, socket, head, (ws) => {
        guardWebSocket(ws, 'customer socket', logFault);
        customer.attach(ws);
      });
    },
    api(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = clients.add(ws, req.socket.remoteAddress ?? 'unknown');
        guardWebSocket(ws, 'api socket', logFault);
        ws.on('message', (data, isBinary) => {
          if (isBinary) return dispatcher.refuse(ws, conn, 'api-request', 'binary frame', 0, { code: 'BAD_INPUT', message: 'bad request: binary frame' });
          dispatcher.handle(ws, conn, data.toString());
        });
        ws.on('close', () => {
          clients.remove(ws);
          sessions.forgetConnection(conn);
        });
        send(ws, panel.serviceEvent());
        send(ws, panel.readersEvent());
      });
    },
  }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // The reader service: cards already present arrive as card-inserted when it comes up.
  access.start().catch((err: unknown) => panel.serviceFailed(err));
  // With a clearing host configured, the ledger goes up in the background while the station
  // serves (docs/SYNC.md); core/sync.ts syncStatus(station) says how far it got. Under the
  // caller's station: the relay is found by that station (core/sync.ts backgroundRelay), and it
  // touches no card.
  const backgroundSync = startBackgroundSync(opts.station, {}, env);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    customerUrl: `http://127.0.0.1:${port}/customer?token=${customer.token}`,
    port,
    token,
    async close() {
      sessions.stop();
      await backgroundSync?.stop(); // before the caller closes the database
      customer.close();
      panel.close();
      clients.terminateAll();
      wss.close();
      customerWss.close();
      // Keep-alive HTTP connections would hold close() (and the port) until the browser lets go.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await access.drained(); // let the card work in flight finish
      await refusals.close(); // the last counters, before the caller closes the database
    },
  };
}
