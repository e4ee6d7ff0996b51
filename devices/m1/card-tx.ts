/**
 * The M1 card's transaction manager for the station's one card-changing M1 step, the zeroing of
 * an upgrade (CARD-PROTOCOL.md §9.6 step 2: purse to 0, a migrated-out record of B, the
 * blacklist flag): process over a CardChannel with the city's layout and key scheme, and prove —
 * what the card shows now, judged against the intent — for a zeroing whose outcome is unknown.
 * An M1 card has no atomic transaction, so prove first finishes the card's own interrupted
 * write as a validator would (§9.5 normalisation). The station's intent journal runs around it
 * (core/card-ops.ts) and its settler acts on the verdict (core/card-settlers.ts).
 */
import type { CardChannel } from '../channel.ts';
import { DefaultM1Layout } from './default-layout.ts';
import { DefaultM1KeyScheme, type M1KeyScheme } from './keys.ts';
import type { M1CityLayout } from './layout.ts';
import { normaliseM1Card, readM1Card, zeroAndBlacklist, type ZeroAndBlacklistInput, type ZeroAndBlacklistResult } from './operations.ts';

/**
 * What the card says about a zeroing (§9.6 crash matrix):
 *  - zeroed: blacklisted with count+1, a migrated-out record of B, purse 0;
 *  - half-zeroed: not blacklisted, count unchanged, purse 0 (B > 0): the zeroing took the money
 *    and stopped before the flag (finishZero completes it: zeroAndBlacklist is idempotent);
 *  - untouched: not blacklisted, purse B (or the card used since with money left);
 *  - unknown: anything else (blacklisted without this migration, or other figures).
 */
export type M1ZeroVerdict =
  | { verdict: 'different-card'; uid: string }
  | { verdict: 'zeroed'; image: Record<string, string> }
  | { verdict: 'half-zeroed' }
  | { verdict: 'untouched'; balanceFen: number }
  | { verdict: 'unknown'; detail: string };

export class M1CardTransaction {
  readonly #channel: CardChannel;
  readonly #layout: M1CityLayout;
  readonly #keys: M1KeyScheme;

  constructor(channel: CardChannel, layout: M1CityLayout = new DefaultM1Layout(), keys: M1KeyScheme = new DefaultM1KeyScheme()) {
    this.#channel = channel;
    this.#layout = layout;
    this.#keys = keys;
  }

  /** Zeroes the purse and sets the blacklist flag; any failure may leave the card half-written. */
  processZero(intent: ZeroAndBlacklistInput): Promise<ZeroAndBlacklistResult> {
    return zeroAndBlacklist(this.#channel, this.#layout, this.#keys, intent);
  }

  /** Finishes a half-done zeroing (the flag after the purse): the same idempotent procedure. */
  finishZero(intent: ZeroAndBlacklistInput): Promise<ZeroAndBlacklistResult> {
    return this.processZero(intent);
  }

  /** Reads the card (same UID?), normalises it (§9.5) and judges the zeroing of `intent` (its UID, B and count) from what it shows. */
  async proveZero(intent: Pick<ZeroAndBlacklistInput, 'uid' | 'balanceFen' | 'txCount'>): Promise<M1ZeroVerdict> {
    const seen = await readM1Card(this.#channel, this.#layout, this.#keys);
    if (seen.uid !== intent.uid.toUpperCase()) return { verdict: 'different-card', uid: seen.uid };
    const s = (await normaliseM1Card(this.#channel, this.#layout, this.#keys)).after;
    const B = intent.balanceFen;
    if (s.blacklisted) {
      if (s.balanceFen === 0 && s.txCount === ((intent.txCount + 1) & 0xffff) && s.migratedOut !== null && s.migratedOut.amountFen === B) return { verdict: 'zeroed', image: s.image };
      return { verdict: 'unknown', detail: 'the M1 card is blacklisted but does not show this migration' };
    }
    if (B > 0 && s.balanceFen === 0 && s.txCount === intent.txCount) return { verdict: 'half-zeroed' };
    if (s.balanceFen === B || (s.balanceFen > 0 && s.txCount !== intent.txCount)) return { verdict: 'untouched', balanceFen: s.balanceFen };
    return { verdict: 'unknown', detail: `the M1 card shows ${s.balanceFen} fen and count ${s.txCount}; the intent recorded ${B} fen and count ${intent.txCount}` };
  }
}
