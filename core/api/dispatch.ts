/**
 * From a text frame to an answer: parse against the contract (common/api.ts), check the
 * session, then run the method's handler — once per idempotency key for a money request
 * (core/idempotency.ts) — and check its answer against the contract too. A failure says what
 * the request did to cards (core/request-failure.ts), never a raw exception.
 */
import type { WebSocket } from 'ws';
import { CARD_CHANGING_METHODS, METHODS, PUBLIC_METHODS, parseRequest, type MethodName } from '../../common/api.ts';
import { StationError, toStationError } from '../../common/errors.ts';
import { say, type Say } from '../../common/say.ts';
import { trackCardOps } from '../card-ops.ts';
import { KeyedFailure, once } from '../idempotency.ts';
import type { RefusalTally } from '../refusal-tally.ts';
import { failureAnswer } from '../request-failure.ts';
import { answered, timeRequest, type RequestTiming } from '../request-timing.ts';
import type { Station } from '../station.ts';
import { answerScope, flushAfterAnswer, inAnswerScope } from '../after-answer.ts';
import { send } from './broadcast.ts';
import type { Handler, Handlers } from './context.ts';
import type { CustomerFeed } from './customer-feed.ts';
import type { Conn, Sessions } from './sessions.ts';
import { MAX_IN_FLIGHT } from './socket-guard.ts';

export interface DispatchOptions {
  station: Station;
  sessions: Sessions;
  customer: CustomerFeed;
  refusals: RefusalTally;
  handlers: Handlers<MethodName>;
  /** STATION_TIMINGS=1: card-changing requests report their phases (core/request-timing.ts). */
  timings: boolean;
}

type RefusedError = { code: string; message: string; hint?: string; say?: Say };

export class Dispatcher {
  constructor(private readonly opts: DispatchOptions) {}

  /** A refused request: counted for the audit trail (one row per kind at flush), answered at once. */
  refuse(ws: WebSocket, conn: Conn, action: string, reason: string, id: number, error: RefusedError): void {
    this.opts.refusals.count({ source: conn.source, connection: conn.id, actor: conn.session?.actor.staffId ?? null }, action, reason);
    send(ws, { id, error });
  }

  /**
   * One incoming text frame. Everything up to the dispatch is synchronous, so a flood of bad
   * frames is answered (and counted) as fast as it arrives and never queues work.
   */
  handle(ws: WebSocket, conn: Conn, data: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      this.refuse(ws, conn, 'api-request', 'not JSON', 0, { code: 'BAD_INPUT', message: 'bad request: not JSON' });
      return;
    }
    const parsed = parseRequest(raw);
    if (!parsed.ok) {
      this.refuse(ws, conn, 'api-request', 'outside the contract', parsed.id ?? 0, parsed.error);
      return;
    }
    const { id, method, params } = parsed.request;
    const { sessions } = this.opts;
    sessions.lockIfIdle(conn);
    if (!PUBLIC_METHODS.includes(method) && (conn.session === null || conn.session.locked)) {
      this.refuse(ws, conn, method, conn.session === null ? 'not logged in' : 'station locked', id,
        conn.session === null ? { code: 'AUTH', message: 'Not logged in', hint: 'Log in with your staff ID and PIN', say: say('notLoggedIn') } : { code: 'AUTH', message: 'The station is locked', hint: 'Enter your PIN to unlock', say: say('stationLocked') });
      return;
    }
    sessions.touch(conn, method);
    if (conn.inFlight >= MAX_IN_FLIGHT) {
      this.refuse(ws, conn, method, 'too many at once', id,
        { code: 'RATE_LIMITED', message: `More than ${MAX_IN_FLIGHT} requests at once on one connection`, hint: 'Wait for the answers, then send again', say: say('tooManyRequests') });
      return;
    }
    conn.inFlight += 1;
    void this.dispatch(ws, conn, id, method, params).finally(() => { conn.inFlight -= 1; });
  }

  private async dispatch(ws: WebSocket, conn: Conn, id: number, method: MethodName, params: unknown): Promise<void> {
    const { station, customer, timings } = this.opts;
    // A money request runs once per idempotency key; a repeat gets the first answer (core/idempotency.ts).
    const key = (params as { idempotencyKey?: string }).idempotencyKey;
    let timing: RequestTiming | null = null;
    const scope = answerScope();
    // The intents this request writes: a failure then says what it did to cards (core/request-failure.ts).
    const tracked: { ops: string[]; done: Promise<unknown> } = inAnswerScope(scope, () => trackCardOps(async (): Promise<unknown> => {
      const runOnce = () => (key === undefined || conn.session === null
        ? this.run(ws, conn, method, params)
        : once(station, { key, method, actor: conn.session.actor.staffId, params }, () => this.run(ws, conn, method, params), () => tracked.ops));
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
      if (e.code === 'RATE_LIMITED') this.opts.refusals.count({ source: conn.source, connection: conn.id, actor: conn.session?.actor.staffId ?? null }, method, 'rate limited');
      // What it did to cards, and never a raw exception (core/request-failure.ts).
      // A repeat of a failed keyed request did nothing itself: the outcome is that of the first's operations, as they stand now.
      const ops = err instanceof KeyedFailure ? err.opIds : tracked.ops;
      send(ws, { id, error: await failureAnswer(station, method, err, ops, (line) => process.stderr.write(`station serve: ${line}\n`)) });
    } finally {
      flushAfterAnswer(scope);
    }
  }

  /** The handler, its answer checked against the contract: a server bug must not reach the screen as data. */
  private async run(ws: WebSocket, conn: Conn, method: MethodName, params: unknown): Promise<unknown> {
    const handler = this.opts.handlers[method] as Handler<typeof method>;
    const result = await handler(params as never, conn, ws);
    const checked = METHODS[method].result.safeParse(result);
    if (!checked.success) throw new StationError('INTERNAL', `${method} produced an answer outside the API contract`);
    return checked.data;
  }
}
