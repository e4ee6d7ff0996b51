/**
 * Sessions of the station API and the idle lock. The server keeps each session's Actor; the
 * browser only ever holds the session token. A session unused for `idleLockMs` locks itself
 * and its screens are told; idle time is elapsed (monotonic) time, not the station's calendar
 * clock. Every PIN typed into a connection (login, unlock, a supervisor's approval) is
 * rate-limited (core/login-throttle.ts), then checked.
 */
import { randomBytes } from 'node:crypto';
import type { SessionDto, StationEvent } from '../../common/api.ts';
import { StationError } from '../../common/errors.ts';
import { authenticate, type Actor } from '../auth.ts';
import { LoginThrottle, type LoginThrottleRules } from '../login-throttle.ts';
import type { Station } from '../station.ts';
import type { ApiAudit } from './audit.ts';
import { send, type Clients } from './broadcast.ts';

export interface Session {
  token: string;
  actor: Actor;
  locked: boolean;
  lastActive: number;
}

/** One API connection: its session (if any), its id in the audit trail, where it comes from. */
export interface Conn {
  session: Session | null;
  id: string;
  source: string;
  inFlight: number;
}

export function sessionDto(s: Session): SessionDto {
  return { staffId: s.actor.staffId, name: s.actor.name, role: s.actor.role, locked: s.locked };
}

export interface SessionsOptions {
  station: Station;
  clients: Clients;
  audit: ApiAudit;
  idleLockMs: number;
  loginRules?: LoginThrottleRules | undefined;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly throttle: LoginThrottle;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(private readonly opts: SessionsOptions) {
    this.throttle = new LoginThrottle(opts.loginRules);
    const { idleLockMs } = opts;
    this.idleTimer = setInterval(() => {
      const now = performance.now();
      for (const s of this.byToken.values()) if (!s.locked && now - s.lastActive > idleLockMs) this.lockIdle(s);
    }, Math.min(10_000, Math.max(200, Math.floor(idleLockMs / 4))));
    this.idleTimer.unref();
  }

  /** The unlocked session's actor; AUTH otherwise. */
  actorOf(conn: Conn): Actor {
    if (conn.session === null) throw new StationError('AUTH', 'Not logged in', 'Log in with your staff ID and PIN');
    if (conn.session.locked) throw new StationError('AUTH', 'The station is locked', 'Enter your PIN to unlock');
    return conn.session.actor;
  }

  /** A PIN typed into this connection: rate-limited, then checked. */
  async checkPin(conn: Conn, staffId: string, pin: string): Promise<Actor> {
    const attempt = this.throttle.attempt({ staffId, connection: conn.id, source: conn.source });
    const actor = await authenticate(this.opts.station.db, staffId, pin, this.opts.station.now());
    attempt.succeeded();
    return actor;
  }

  /** A request arrives: a session idle too long locks here rather than waiting for the timer (its screens must be told all the same). */
  lockIfIdle(conn: Conn): void {
    const s = conn.session;
    if (s !== null && !s.locked && performance.now() - s.lastActive > this.opts.idleLockMs) this.lockIdle(s);
  }

  /** A request passed the session check: the operator at work keeps the session awake. */
  touch(conn: Conn, method: string): void {
    // Polls (the status bar's status and upload state) are not the operator at work: they must not hold off the idle lock.
    if (conn.session !== null && method !== 'status' && method !== 'syncStatus') conn.session.lastActive = performance.now();
  }

  /** Login: a locked session is unlocked by its own operator; anyone else starts a new session. */
  async login(conn: Conn, staffId: string, pin: string): Promise<{ session: string; user: SessionDto }> {
    const actor = await this.checkPin(conn, staffId, pin);
    let s = conn.session;
    if (s !== null && s.actor.staffId === actor.staffId) {
      if (s.locked) await this.opts.audit(actor.staffId, 'unlock', 'ok');
      s.locked = false;
    } else {
      if (s !== null) this.byToken.delete(s.token);
      s = { token: randomBytes(32).toString('hex'), actor, locked: false, lastActive: performance.now() };
      this.byToken.set(s.token, s);
    }
    s.lastActive = performance.now();
    conn.session = s;
    return { session: s.token, user: sessionDto(s) };
  }

  /** A screen that reloaded takes its session back by token. */
  async resume(conn: Conn, token: string): Promise<{ user: SessionDto }> {
    const s = this.byToken.get(token);
    if (!s) {
      await this.opts.audit(null, 'resume', 'refused', { reason: 'unknown or ended session' });
      throw new StationError('AUTH', 'The session has ended', 'Log in again');
    }
    await this.opts.audit(s.actor.staffId, 'resume', 'ok', { locked: String(s.locked) });
    conn.session = s;
    return { user: sessionDto(s) };
  }

  async lock(conn: Conn): Promise<{ locked: true }> {
    const actor = this.actorOf(conn);
    conn.session!.locked = true;
    await this.opts.audit(actor.staffId, 'lock', 'ok', { reason: 'operator' });
    return { locked: true };
  }

  async logout(conn: Conn): Promise<{ ok: true }> {
    if (conn.session) {
      this.byToken.delete(conn.session.token);
      await this.opts.audit(conn.session.actor.staffId, 'logout', 'ok');
    }
    conn.session = null;
    return { ok: true };
  }

  /** Ends every session of an account (deactivated, PIN reset): its screens go back to the login. */
  async endSessionsOf(staffId: string, reason: string): Promise<void> {
    let ended = 0;
    for (const [token, s] of this.byToken) {
      if (s.actor.staffId !== staffId) continue;
      this.byToken.delete(token);
      ended += 1;
    }
    for (const [w, c] of this.opts.clients.entries()) {
      if (c.session?.actor.staffId !== staffId) continue;
      c.session = null;
      send(w, { event: 'session', user: null } satisfies StationEvent);
    }
    if (ended > 0) await this.opts.audit(staffId, 'logout', 'ok', { reason, sessions: String(ended) });
  }

  /** The connection closed: its PIN attempts are forgotten (the session stays for a resume). */
  forgetConnection(conn: Conn): void {
    this.throttle.forgetConnection(conn.id);
  }

  stop(): void {
    clearInterval(this.idleTimer);
  }

  private lockIdle(s: Session): void {
    s.locked = true;
    void this.opts.audit(s.actor.staffId, 'lock', 'ok', { reason: 'idle' });
    this.opts.clients.tellSession(s);
  }
}
