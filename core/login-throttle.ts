/**
 * Rate limits for PIN checks that arrive over `station serve`'s socket (login, unlock, a
 * supervisor's approval): token buckets per staff id, per connection and per source address.
 *
 * Why three: the PIN lockout (db/staff.ts) stops guessing one account, but every guess still
 * costs an scrypt run, and a client can spread guesses over many ids or open many connections.
 * A guess refused here never reaches scrypt nor the staff table. The clock is monotonic
 * (performance.now): a wall-clock step cannot refill or drain a bucket.
 */
import { performance } from 'node:perf_hooks';
import { StationError } from '../common/errors.ts';

export interface BucketRule {
  /** Attempts allowed at once. */
  burst: number;
  /** One attempt comes back every this many ms. */
  refillMs: number;
}

export interface LoginThrottleRules {
  perStaff: BucketRule;
  perConnection: BucketRule;
  perSource: BucketRule;
}

/**
 * Only wrong PINs use these up (a right one is given back): a clerk who mistypes now and then
 * never meets them; a script guessing PINs gets about 6 a minute per connection and per id.
 */
export const DEFAULT_LOGIN_RULES: LoginThrottleRules = {
  perStaff: { burst: 8, refillMs: 10_000 },
  perConnection: { burst: 8, refillMs: 10_000 },
  perSource: { burst: 30, refillMs: 2_000 },
};

/** Distinct keys kept per kind; beyond it the fullest (least recently used) buckets are dropped. */
const MAX_KEYS = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

class Buckets {
  readonly #rule: BucketRule;
  readonly #map = new Map<string, Bucket>();

  constructor(rule: BucketRule) {
    this.#rule = rule;
  }

  /** The bucket refilled up to `now` (a fresh key starts full). */
  #current(key: string, now: number): Bucket {
    const b = this.#map.get(key);
    if (b === undefined) return { tokens: this.#rule.burst, at: now };
    const refilled = Math.floor((now - b.at) / this.#rule.refillMs);
    if (refilled <= 0) return b;
    const tokens = Math.min(this.#rule.burst, b.tokens + refilled);
    return { tokens, at: tokens === this.#rule.burst ? now : b.at + refilled * this.#rule.refillMs };
  }

  /** ms until `key` may try again (0: it may now). */
  waitMs(key: string, now: number): number {
    const b = this.#current(key, now);
    return b.tokens > 0 ? 0 : Math.max(1, b.at + this.#rule.refillMs - now);
  }

  take(key: string, now: number): void {
    const b = this.#current(key, now);
    this.#map.delete(key); // re-inserted last: Map order is the eviction order
    this.#map.set(key, { tokens: b.tokens - 1, at: b.at });
    if (this.#map.size > MAX_KEYS) this.#map.delete(this.#map.keys().next().value!);
  }

  /** Gives back one attempt (never above the burst). */
  give(key: string, now: number): void {
    const b = this.#map.get(key);
    if (b === undefined) return;
    const c = this.#current(key, now);
    this.#map.set(key, { tokens: Math.min(this.#rule.burst, c.tokens + 1), at: c.at });
  }

  forget(key: string): void {
    this.#map.delete(key);
  }
}

export class LoginThrottle {
  readonly #staff: Buckets;
  readonly #conn: Buckets;
  readonly #source: Buckets;
  readonly #now: () => number;

  constructor(rules: LoginThrottleRules = DEFAULT_LOGIN_RULES, now: () => number = () => performance.now()) {
    this.#staff = new Buckets(rules.perStaff);
    this.#conn = new Buckets(rules.perConnection);
    this.#source = new Buckets(rules.perSource);
    this.#now = now;
  }

  /**
   * Takes one attempt for this staff id, connection and source, or throws RATE_LIMITED
   * (nothing is taken then: a refused attempt does not extend the wait). The attempt is taken
   * BEFORE the PIN is checked, synchronously, so parallel guesses cannot all pass the check;
   * call the returned `succeeded` when the PIN was right, which gives the attempt back (a clerk
   * unlocking all day never runs out; only wrong PINs use the buckets up).
   */
  attempt(who: { staffId: string; connection: string; source: string }): { succeeded: () => void } {
    const now = this.#now();
    const wait = Math.max(this.#staff.waitMs(who.staffId, now), this.#conn.waitMs(who.connection, now), this.#source.waitMs(who.source, now));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new StationError('RATE_LIMITED', `Too many PIN attempts; try again in ${seconds} s`, `Wait ${seconds} s, then enter the PIN again; if it is forgotten, ask a supervisor`);
    }
    this.#staff.take(who.staffId, now);
    this.#conn.take(who.connection, now);
    this.#source.take(who.source, now);
    return {
      succeeded: () => {
        const later = this.#now();
        this.#staff.give(who.staffId, later);
        this.#conn.give(who.connection, later);
        this.#source.give(who.source, later);
      },
    };
  }

  /** A closed connection's bucket is dropped (its id is never reused). */
  forgetConnection(connection: string): void {
    this.#conn.forget(connection);
  }
}
