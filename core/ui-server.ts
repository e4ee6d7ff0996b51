/**
 * The station UI server (`station serve`): the built renderer and the station API
 * (common/api.ts) for a browser, on 127.0.0.1 only.
 *
 * - One per-run token (random, 32 bytes) in the URL guards the page and the WebSocket; a
 *   request without it, from a non-loopback peer, or with a foreign Host/Origin is refused.
 * - Every incoming message is parsed with the contract's schemas before anything runs.
 * - The server keeps each session's Actor; the browser only ever holds the session token.
 *   Roles are checked by the core workflows themselves.
 * - Card events come from core/card-watch.ts (placing a card settles its incomplete ops);
 *   card work is serialised, so a top-up never races the panel's read of the same card.
 * - Strict CSP and no-referrer on every answer (the token is in the page URL).
 * - Hostile peers (core/ui-socket-guard.ts): every socket error ends that connection only; PIN
 *   checks are rate-limited (core/login-throttle.ts); refused requests are audited as counters
 *   (core/refusal-tally.ts), not one row each.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CARD_CHANGING_METHODS, METHODS, PUBLIC_METHODS, parseRequest,
  type CardSlot, type MethodName, type Params, type Result, type SessionDto, type ShiftDto, type StationEvent, type StatusDto,
} from '../common/api.ts';
import { StationError, toStationError } from '../common/errors.ts';
import { say, type Say } from '../common/say.ts';
import { trackCardOps } from './card-ops.ts';
import { failureAnswer } from './request-failure.ts';
import { currentShift, shiftCashNetFen } from '../db/shifts.ts';
import { authenticate, type Actor } from './auth.ts';
import { KeyedFailure, once } from './idempotency.ts';
import { writeAudit, type AuditOutcome } from '../db/audit.ts';
import { watchCards, presentCard, type CardPanelEvent, type WatchedCardAccess } from './card-watch.ts';
import { cityByCode } from './cities/index.ts';
import { runDoctor } from './doctor.ts';
import type { Station } from './station.ts';
import { defaultCityCodes } from './workflows/read-card.ts';
import { closeShift, openShift } from './workflows/shift.ts';
import { topup } from './workflows/topup.ts';
import { createCustomerFeed } from './ui-customer.ts';
import { workflowHandlers } from './ui-workflows.ts';
import { receiptHandlers } from './ui-receipts.ts';
import { fareHandlers } from './ui-fares.ts';
import { staffHandlers } from './ui-staff.ts';
import { labHandlers, type LocalLab } from './ui-lab.ts';
import { answerScope, flushAfterAnswer, inAnswerScope, later } from './after-answer.ts';
import { answered, phase, timedChannel, timeRequest, timingsEnabled, untimed, type RequestTiming } from './request-timing.ts';
import type { CardChannel } from '../devices/channel.ts';
import { explainViewLog } from './fares/index.ts';
import { withReceipt } from './receipts.ts';
import { startBackgroundSync } from './sync.ts';
import { LoginThrottle, type LoginThrottleRules } from './login-throttle.ts';
import { RefusalTally } from './refusal-tally.ts';
import {
  API_MAX_PAYLOAD, CUSTOMER_MAX_PAYLOAD, MAX_BUFFERED_BYTES, MAX_IN_FLIGHT, faultLog, guardRawSocket, guardServer, guardWebSocket,
} from './ui-socket-guard.ts';

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
  /** The customer display's read-only page (its own token, core/ui-customer.ts). */
  customerUrl: string;
  close(): Promise<void>;
}

interface Session {
  token: string;
  actor: Actor;
  locked: boolean;
  lastActive: number;
}

/** One API connection: its session (if any), its id in the audit trail, where it comes from. */
interface Conn {
  session: Session | null;
  id: string;
  source: string;
  inFlight: number;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  return addr === '::1' || /^127\./.test(addr) || /^::ffff:127\./.test(addr);
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sessionDto(s: Session): SessionDto {
  return { staffId: s.actor.staffId, name: s.actor.name, role: s.actor.role, locked: s.locked };
}

/** A promise chain: card work one at a time. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const { station, access } = opts;
  const token = opts.token ?? randomBytes(32).toString('hex');
  const idleLockMs = opts.idleLockMs ?? 5 * 60_000;
  const env = opts.env ?? process.env;
  const staticRoot = path.resolve(opts.staticDir);
  const sessions = new Map<string, Session>();
  const clients = new Map<WebSocket, Conn>();
  let connections = 0;
  const logFault = faultLog((line) => process.stderr.write(line));
  const throttle = new LoginThrottle(opts.loginRules);
  const slots = new Map<string, CardSlot>();
  let pcscUp = access.service.up;
  let pcscError: StationError | undefined;
  const cardWork = serial();
  const customer = createCustomerFeed();
  let port = 0;

  // ---- events ------------------------------------------------------------------------------
  const send = (ws: WebSocket, msg: unknown) => {
    if (ws.readyState !== ws.OPEN) return;
    // A peer that never reads its answers is cut off before they eat the station's memory.
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(msg));
  };
  /** Card data goes only to connections with an unlocked session. */
  const broadcast = (e: StationEvent, needsUnlocked: boolean) => {
    for (const [ws, c] of clients) {
      if (needsUnlocked && (c.session === null || c.session.locked)) continue;
      send(ws, e);
    }
  };
  const readersNow = () => (access.service.up ? access.service.readers().map((r) => ({ name: r.name, cardPresent: r.cardPresent })) : []);

  const onPanel = (e: CardPanelEvent) => {
    switch (e.type) {
      case 'card': {
        // The panel shows what the fare rules say of each log record (FARES.md "Explaining a card's log").
        const logExplain = explainViewLog(e.view, station.config, defaultCityCodes());
        const view = logExplain === null ? e.view : { ...e.view, logExplain };
        slots.set(e.reader, { state: 'card', reader: e.reader, view, settled: e.settled });
        broadcast({ event: 'card', reader: e.reader, view, settled: e.settled }, true);
        // A settled op may have moved the drawer: every unlocked screen gets its shift again.
        if (e.settled.length > 0) {
          // Not awaited (a card event handler): a failed read is reported, never an unhandled rejection.
          for (const [ws, c] of clients) {
            if (c.session === null || c.session.locked) continue;
            pushShift(ws, c.session.actor.staffId).catch((err: unknown) => process.stderr.write(`station serve: shift refresh failed: ${(err as Error).message}\n`));
          }
        }
        break;
      }
      case 'card-error':
        slots.set(e.reader, { state: 'error', reader: e.reader, error: e.error.toJSON() });
        broadcast({ event: 'card-error', reader: e.reader, error: e.error.toJSON() }, true);
        break;
      case 'cleared':
        slots.delete(e.reader);
        broadcast({ event: 'cleared', reader: e.reader }, true);
        break;
      case 'service':
        pcscUp = e.up;
        pcscError = e.error;
        if (!e.up) slots.clear();
        broadcast({ event: 'service', up: e.up, ...(e.error ? { error: e.error.toJSON() } : {}) }, false);
        break;
    }
    customer.onPanel(e);
    broadcast({ event: 'readers', readers: readersNow() }, false);
  };
  // The panel's reads go through the same queue as the workflows.
  const queuedStation: Station = station;
  const stopWatch = watchCards(queuedStation, access, (e) => onPanel(e));
  const originalWithCard = access.withCard.bind(access);
  // Wrap card access so every withCard (panel reads and workflows) is serialised. A workflow that
  // holds two cards at once (damaged-card exchange: old and new reader) nests withCard: the inner
  // call runs inside the outer one's turn instead of queueing behind it (which would never end).
  const inCardWork = new AsyncLocalStorage<true>();
  // With STATION_TIMINGS=1 every APDU is timed for the request it serves (core/request-timing.ts, bench/ui).
  const timings = timingsEnabled(env);
  const withChannel = (reader: string | undefined, fn: (ch: CardChannel) => Promise<unknown>) =>
    originalWithCard(reader, timings ? (ch) => fn(timedChannel(ch)) : fn);
  access.withCard = ((reader, fn) => (inCardWork.getStore()
    ? withChannel(reader, fn)
    : cardWork(() => inCardWork.run(true, () => withChannel(reader, fn))))) as typeof access.withCard;
  const readersChanged = () => broadcast({ event: 'readers', readers: readersNow() }, false);
  access.service.on('reader-added', readersChanged);
  access.service.on('reader-removed', readersChanged);

  async function shiftOf(staffId: string): Promise<ShiftDto | null> {
    const row = await currentShift(station.db, staffId);
    if (!row) return null;
    return { shiftId: row.shift_id, operatorId: row.operator_id, openedAt: row.opened_at, floatFen: row.float_fen, expectedFen: row.float_fen + (await shiftCashNetFen(station.db, row.shift_id)) };
  }

  async function status(session: Session | null): Promise<StatusDto> {
    const unlocked = session !== null && !session.locked;
    return {
      station: { stationId: station.config.stationId, mode: station.config.mode, cityCode: station.config.cityCode, city: cityByCode(station.config.cityCode, defaultCityCodes())?.name ?? null, terminalId: station.config.terminalId },
      pcsc: { up: pcscUp, ...(pcscError ? { error: pcscError.toJSON() } : {}) },
      readers: readersNow(),
      session: session ? sessionDto(session) : null,
      shift: unlocked ? await shiftOf(session.actor.staffId) : null,
      policy: { minTopupFen: station.policy.minTopupFen, maxBalanceFen: station.policy.maxBalanceFen },
      now: station.now().toISOString(),
    };
  }

  /**
   * After a workflow changed a card: re-read it for the panel (in the background). `quiet`: after
   * a failed request, whose card may be leaving the field — a read that fails then says nothing
   * (the reader's own removal event clears the panel), so the panel shows no error of its own.
   * Nor does a read that failed because the card left meanwhile (a load torn by the card losing
   * power): its removal may already have cleared the panel, and an error put after it would stay
   * on the panel of an empty reader.
   */
  function refreshCard(reader: string | undefined, quiet = false) {
    // Asked for while a request runs: after its answer is sent (bench/ui: the panel's re-read, its
    // APDUs and database reads, otherwise shares the station with the answer the clerk waits for).
    if (later(() => refreshCard(reader, quiet))) return;
    const name = reader ?? [...slots.keys()][0];
    if (name === undefined) return;
    untimed(() => presentCard(station, name)).then(
      ({ view, settled }) => onPanel({ type: 'card', reader: name, view, settled }),
      (err: unknown) => {
        const stillThere = readersNow().some((r) => r.name === name && r.cardPresent);
        if (!quiet && stillThere) onPanel({ type: 'card-error', reader: name, error: toStationError(err) });
      },
    );
  }

  // ---- methods -----------------------------------------------------------------------------
  type Handler<M extends MethodName> = (params: Params<M>, conn: Conn, ws: WebSocket) => Promise<Result<M>>;
  const actorOf = (conn: Conn): Actor => {
    if (conn.session === null) throw new StationError('AUTH', 'Not logged in', 'Log in with your staff ID and PIN');
    if (conn.session.locked) throw new StationError('AUTH', 'The station is locked', 'Enter your PIN to unlock');
    return conn.session.actor;
  };
  const pushShift = async (ws: WebSocket, staffId: string) => send(ws, { event: 'shift', shift: await shiftOf(staffId) } satisfies StationEvent);

  // The card workflows (core/ui-workflows.ts): afterwards the cards they touched are read again
  // for the panel (only readers still holding a card) and this screen gets its drawer.
  const workflows = workflowHandlers<Conn, WebSocket>({
    station, env, actorOf, onlyCardReader, checkPin,
    async afterWork(ws, staffId, readers) {
      const named = readers.filter((r): r is string => r !== undefined);
      const present = new Set(readersNow().filter((r) => r.cardPresent).map((r) => r.name));
      for (const r of new Set(named.length > 0 ? named : [...slots.keys()])) if (present.has(r)) refreshCard(r);
      // The drawer's figure for the status bar: after the answer, like the panel (bench/ui).
      const shift = () => void pushShift(ws, staffId).catch(() => undefined);
      if (!later(shift)) shift();
    },
    askSwap: (ws, reader, timeoutMs) => send(ws, { event: 'swap', reader, timeoutMs } satisfies StationEvent),
  });

  /**
   * Session events and refused requests go to the audit trail (docs/SECURITY.md "Audit"). A
   * failed audit write does not undo a lock; it is reported on stderr.
   */
  const audit = (actor: string | null, action: string, outcome: AuditOutcome, details: Record<string, string> = {}): Promise<void> =>
    writeAudit(station.db, actor, action, outcome, { via: 'station-api', ...details }, station.now())
      .catch((err: unknown) => { process.stderr.write(`station serve: audit write failed: ${(err as Error).message}\n`); });
  const refusals = new RefusalTally({
    now: () => station.now(),
    flushMs: opts.refusalFlushMs,
    write: (r, outcome) => writeAudit(station.db, r.actor, r.action, outcome, {
      via: 'station-api', reason: r.reason, count: r.count, connections: r.connections, source: r.source, firstAt: r.firstAt.toISOString(),
    }, r.lastAt).catch((err: unknown) => { process.stderr.write(`station serve: audit write failed: ${(err as Error).message}\n`); }),
  });
  /** A refused request: counted for the audit trail (one row per kind at flush), answered at once. */
  const refuseRequest = (ws: WebSocket, conn: Conn, action: string, reason: string, id: number, error: { code: string; message: string; hint?: string; say?: Say }) => {
    refusals.count({ source: conn.source, connection: conn.id, actor: conn.session?.actor.staffId ?? null }, action, reason);
    send(ws, { id, error });
  };

  /** Every PIN typed into this connection (login, unlock, a supervisor's approval): rate-limited, then checked. */
  async function checkPin(conn: Conn, staffId: string, pin: string): Promise<Actor> {
    const attempt = throttle.attempt({ staffId, connection: conn.id, source: conn.source });
    const actor = await authenticate(station.db, staffId, pin, station.now());
    attempt.succeeded();
    return actor;
  }

  const handlers: { [M in MethodName]: Handler<M> } = {
    // The customer display's confirmation step: the amount for the customer to check (core/ui-customer.ts).
    async customerShow(p, conn) {
      actorOf(conn);
      customer.show(p.pending);
      return { ok: true };
    },
    async login(p, conn) {
      const actor = await checkPin(conn, p.staffId, p.pin);
      // A locked session is unlocked by its own operator; anyone else starts a new session.
      let s = conn.session;
      if (s !== null && s.actor.staffId === actor.staffId) {
        if (s.locked) await audit(actor.staffId, 'unlock', 'ok');
        s.locked = false;
      } else {
        if (s !== null) sessions.delete(s.token);
        s = { token: randomBytes(32).toString('hex'), actor, locked: false, lastActive: performance.now() };
        sessions.set(s.token, s);
      }
      s.lastActive = performance.now();
      conn.session = s;
      return { session: s.token, user: sessionDto(s) };
    },
    async resume(p, conn) {
      const s = sessions.get(p.session);
      if (!s) {
        await audit(null, 'resume', 'refused', { reason: 'unknown or ended session' });
        throw new StationError('AUTH', 'The session has ended', 'Log in again');
      }
      await audit(s.actor.staffId, 'resume', 'ok', { locked: String(s.locked) });
      conn.session = s;
      return { user: sessionDto(s) };
    },
    async lock(_p, conn) {
      const actor = actorOf(conn);
      conn.session!.locked = true;
      await audit(actor.staffId, 'lock', 'ok', { reason: 'operator' });
      return { locked: true };
    },
    async logout(_p, conn) {
      if (conn.session) {
        sessions.delete(conn.session.token);
        await audit(conn.session.actor.staffId, 'logout', 'ok');
      }
      conn.session = null;
      return { ok: true };
    },
    async status(_p, conn) {
      return status(conn.session);
    },
    async readers(_p, conn) {
      actorOf(conn);
      return readersNow();
    },
    async card(_p, conn) {
      actorOf(conn);
      return [...slots.values()];
    },
    async topup(p, conn, ws) {
      const actor = actorOf(conn);
      const reader = p.reader ?? p.confirmedCard.reader;
      let r: Awaited<ReturnType<typeof topup>>;
      try {
        r = await phase('workflow', () => topup(station, actor, { amount: p.amountFen, pay: p.pay, tendered: p.tenderedFen, reference: p.reference, reader, confirmedCard: p.confirmedCard }));
      } catch (err) {
        // A torn load whose card stayed on the reader (its answer lost) is settled by this read.
        if (readersNow().some((x) => x.name === reader && x.cardPresent)) refreshCard(reader, true);
        throw err;
      }
      refreshCard(reader);
      const shift = () => void pushShift(ws, actor.staffId).catch(() => undefined);
      if (!later(shift)) shift();
      // The receipt as the CLI makes it (saved; printed per `print`); its faults never undo the load.
      return phase('receipt', () => withReceipt(station, r!, p.print ?? 'auto', env));
    },
    async shiftOpen(p, conn, ws) {
      const actor = actorOf(conn);
      const r = await openShift(station, actor, p.floatFen);
      await pushShift(ws, actor.staffId);
      return r;
    },
    async shiftClose(p, conn, ws) {
      const actor = actorOf(conn);
      const supervisor = p.supervisor ? await checkPin(conn, p.supervisor.staffId, p.supervisor.pin) : null;
      const countedText = Object.entries(p.counted).filter(([, n]) => n > 0).map(([d, n]) => `${d}x${n}`).join(',');
      const r = await closeShift(station, actor, countedText, supervisor);
      await pushShift(ws, actor.staffId);
      return withReceipt(station, r, p.print ?? 'auto', env);
    },
    async doctor(_p, conn) {
      actorOf(conn);
      return runDoctor(station.home, env, access);
    },
    ...workflows,
    // Receipt preview/print/reprint, search, end of day, upstream status (core/ui-receipts.ts).
    ...receiptHandlers<Conn>({ station, env, actorOf }),
    // Fare calculator and city directory (core/ui-fares.ts).
    ...fareHandlers<Conn>({ actorOf }),
    // Supervisor tools: unlock, PIN reset, deactivate (core/ui-staff.ts; roles in core/staff-admin.ts).
    ...staffHandlers<Conn>({ station, actorOf, endSessionsOf }),
    // The training lab panel; refused on a live station (core/ui-lab.ts).
    ...labHandlers<Conn>({ station, actorOf, local: opts.lab }),
  };

  /** Ends every session of an account (deactivated, PIN reset): its screens go back to the login. */
  async function endSessionsOf(staffId: string, reason: string): Promise<void> {
    let ended = 0;
    for (const [token, s] of sessions) {
      if (s.actor.staffId !== staffId) continue;
      sessions.delete(token);
      ended += 1;
    }
    for (const [w, c] of clients) {
      if (c.session?.actor.staffId !== staffId) continue;
      c.session = null;
      send(w, { event: 'session', user: null } satisfies StationEvent);
    }
    if (ended > 0) await audit(staffId, 'logout', 'ok', { reason, sessions: String(ended) });
  }

  /** The reader holding the card the panel shows, when exactly one does. */
  function onlyCardReader(): string | undefined {
    const cards = [...slots.values()].filter((s) => s.state === 'card');
    return cards.length === 1 ? cards[0]!.reader : undefined;
  }

  /**
   * One incoming text frame. Everything up to the dispatch is synchronous, so a flood of bad
   * frames is answered (and counted) as fast as it arrives and never queues work.
   */
  function handle(ws: WebSocket, conn: Conn, data: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      refuseRequest(ws, conn, 'api-request', 'not JSON', 0, { code: 'BAD_INPUT', message: 'bad request: not JSON' });
      return;
    }
    const parsed = parseRequest(raw);
    if (!parsed.ok) {
      refuseRequest(ws, conn, 'api-request', 'outside the contract', parsed.id ?? 0, parsed.error);
      return;
    }
    const { id, method, params } = parsed.request;
    if (conn.session !== null && !conn.session.locked && performance.now() - conn.session.lastActive > idleLockMs) {
      conn.session.locked = true;
      void audit(conn.session.actor.staffId, 'lock', 'ok', { reason: 'idle' });
      // Locked here rather than by the idle timer: its screens must be told all the same.
      for (const [w, c] of clients) if (c.session === conn.session) send(w, { event: 'session', user: sessionDto(conn.session) } satisfies StationEvent);
    }
    if (!PUBLIC_METHODS.includes(method) && (conn.session === null || conn.session.locked)) {
      refuseRequest(ws, conn, method, conn.session === null ? 'not logged in' : 'station locked', id,
        conn.session === null ? { code: 'AUTH', message: 'Not logged in', hint: 'Log in with your staff ID and PIN', say: say('notLoggedIn') } : { code: 'AUTH', message: 'The station is locked', hint: 'Enter your PIN to unlock', say: say('stationLocked') });
      return;
    }
    // Polls (the status bar's status and upload state) are not the operator at work: they must not hold off the idle lock.
    if (conn.session !== null && method !== 'status' && method !== 'syncStatus') conn.session.lastActive = performance.now();
    if (conn.inFlight >= MAX_IN_FLIGHT) {
      refuseRequest(ws, conn, method, 'too many at once', id,
        { code: 'RATE_LIMITED', message: `More than ${MAX_IN_FLIGHT} requests at once on one connection`, hint: 'Wait for the answers, then send again', say: say('tooManyRequests') });
      return;
    }
    conn.inFlight += 1;
    void dispatch(ws, conn, id, method, params).finally(() => { conn.inFlight -= 1; });
  }

  async function dispatch(ws: WebSocket, conn: Conn, id: number, method: MethodName, params: unknown): Promise<void> {
    // A money request runs once per idempotency key; a repeat gets the first answer (core/idempotency.ts).
    const key = (params as { idempotencyKey?: string }).idempotencyKey;
    // The intents this request writes: a failure then says what it did to cards (core/request-failure.ts).
    let timing: RequestTiming | null = null;
    const scope = answerScope();
    const tracked: { ops: string[]; done: Promise<unknown> } = inAnswerScope(scope, () => trackCardOps(async (): Promise<unknown> => {
      const handler = handlers[method] as Handler<typeof method>;
      const run = async (): Promise<unknown> => {
        const result = await handler(params as never, conn, ws);
        // The answer is checked against the contract too: a server bug must not reach the screen as data.
        const checked = METHODS[method].result.safeParse(result);
        if (!checked.success) throw new StationError('INTERNAL', `${method} produced an answer outside the API contract`);
        return checked.data;
      };
      const runOnce = () => (key === undefined || conn.session === null ? run() : once(station, { key, method, actor: conn.session.actor.staffId, params }, run, () => tracked.ops));
      return timings && CARD_CHANGING_METHODS.has(method) ? timeRequest(method, (t) => { timing = t; return runOnce(); }) : runOnce();
    }));
    try {
      const data = await tracked.done;
      if (timing !== null) process.stderr.write(answered(timing));
      send(ws, { id, result: data });
      customer.onResult(method, data);
    } catch (err) {
      const e = toStationError(err);
      // A throttled PIN never reached the staff table: it is counted, not written one row each.
      if (e.code === 'RATE_LIMITED') refusals.count({ source: conn.source, connection: conn.id, actor: conn.session?.actor.staffId ?? null }, method, 'rate limited');
      // What it did to cards, and never a raw exception (core/request-failure.ts).
      // A repeat of a failed keyed request did nothing itself: the outcome is that of the first's operations, as they stand now.
      const ops = err instanceof KeyedFailure ? err.opIds : tracked.ops;
      send(ws, { id, error: await failureAnswer(station, method, err, ops, (line) => process.stderr.write(`station serve: ${line}\n`)) });
    } finally {
      flushAfterAnswer(scope);
    }
  }

  // Idle lock: a session unused for idleLockMs locks itself and its screens are told.
  // Idle time is elapsed (monotonic) time, not the station's calendar clock.
  const idleTimer = setInterval(() => {
    const now = performance.now();
    for (const s of sessions.values()) {
      if (!s.locked && now - s.lastActive > idleLockMs) {
        s.locked = true;
        void audit(s.actor.staffId, 'lock', 'ok', { reason: 'idle' });
        for (const [ws, c] of clients) if (c.session === s) send(ws, { event: 'session', user: sessionDto(s) } satisfies StationEvent);
      }
    }
  }, Math.min(10_000, Math.max(200, Math.floor(idleLockMs / 4))));
  idleTimer.unref();

  // ---- HTTP --------------------------------------------------------------------------------
  const allowedHost = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const securityHeaders = () => ({
    'Content-Security-Policy': contentSecurityPolicy(port),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  });
  const refuse = (res: http.ServerResponse, status: number, message: string) => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${message}\n`);
  };

  const server = http.createServer((req, res) => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return refuse(res, 403, 'loopback only');
    if (!allowedHost(req.headers.host)) return refuse(res, 403, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/customer') {
      // The customer display: the same page (it picks its view by path) behind its own token.
      if (!sameToken(url.searchParams.get('token'), customer.token)) return refuse(res, 403, 'the customer display needs its own link printed by `station serve` (token missing or wrong)');
      rel = '/index.html';
    } else     if (rel === '/' || rel === '/index.html') {
      // The page itself needs the run's token; its assets are the public build output.
      if (!sameToken(url.searchParams.get('token'), token)) return refuse(res, 403, 'this station UI needs the link printed by `station serve` (token missing or wrong)');
      rel = '/index.html';
    } else if (!rel.startsWith('/assets/') && rel !== '/favicon.svg') {
      return refuse(res, 404, 'not found');
    }
    const file = path.resolve(staticRoot, `.${rel}`);
    if (!file.startsWith(staticRoot + path.sep) || !existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'not found');
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });

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
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin;
    if (url.pathname === '/customer-api') {
      // Read-only: the customer display's own token; it receives the display and can call nothing.
      const okCustomer = isLoopbackAddress(req.socket.remoteAddress) && allowedHost(req.headers.host) && sameToken(url.searchParams.get('token'), customer.token)
        && (origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`);
      if (!okCustomer) {
        socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroy();
        return;
      }
      customerWss.handleUpgrade(req, socket, head, (ws) => {
        guardWebSocket(ws, 'customer socket', logFault);
        customer.attach(ws);
      });
      return;
    }
    const ok = isLoopbackAddress(req.socket.remoteAddress) && allowedHost(req.headers.host) && url.pathname === '/api'
      && sameToken(url.searchParams.get('token'), token)
      && (origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`);
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { session: null, id: `api-${++connections}`, source: req.socket.remoteAddress ?? 'unknown', inFlight: 0 };
      clients.set(ws, conn);
      guardWebSocket(ws, 'api socket', logFault);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return refuseRequest(ws, conn, 'api-request', 'binary frame', 0, { code: 'BAD_INPUT', message: 'bad request: binary frame' });
        handle(ws, conn, data.toString());
      });
      ws.on('close', () => {
        clients.delete(ws);
        throttle.forgetConnection(conn.id);
      });
      send(ws, { event: 'service', up: pcscUp, ...(pcscError ? { error: pcscError.toJSON() } : {}) } satisfies StationEvent);
      send(ws, { event: 'readers', readers: readersNow() } satisfies StationEvent);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // The reader service: cards already present arrive as card-inserted when it comes up.
  access.start().catch((err: unknown) => { pcscUp = false; pcscError = toStationError(err); });
  // With a clearing host configured, the ledger goes up in the background while the station
  // serves (docs/SYNC.md); core/sync.ts syncStatus(station) says how far it got.
  const backgroundSync = startBackgroundSync(station, {}, env);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    customerUrl: `http://127.0.0.1:${port}/customer?token=${customer.token}`,
    port,
    token,
    async close() {
      clearInterval(idleTimer);
      await backgroundSync?.stop(); // before the caller closes the database
      customer.close();
      stopWatch();
      access.service.off('reader-added', readersChanged);
      access.service.off('reader-removed', readersChanged);
      access.withCard = originalWithCard;
      for (const ws of clients.keys()) ws.terminate();
      wss.close();
      customerWss.close();
      // Keep-alive HTTP connections would hold close() (and the port) until the browser lets go.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await cardWork(async () => undefined); // let the card work in flight finish
      await refusals.close(); // the last counters, before the caller closes the database
    },
  };
}
