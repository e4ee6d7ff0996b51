/**
 * Time-sortable ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32,
 * 26 characters). Entry ids are made by the station, persisted before upload, and sort by
 * creation time so a day's entries list in order at the host too.
 */
import { systemClock } from './clock.ts';
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ID_LENGTH = 26;
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Random bytes drawn 4 KiB at a time (one call per ~400 ids instead of one per id). */
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function random10(): Uint8Array {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 10;
  return pool.slice(poolAt - 10, poolAt);
}

let lastMs = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

/** Monotonic within one process: ids made in the same millisecond still sort in order. */
export function newId(now: number = systemClock().getTime()): string {
  let rand: Uint8Array;
  if (now <= lastMs) {
    rand = Uint8Array.from(lastRandom);
    for (let i = rand.length - 1; i >= 0; i--) {
      rand[i] = ((rand[i] as number) + 1) & 0xff;
      if (rand[i] !== 0) break;
    }
    now = lastMs;
  } else {
    rand = random10();
  }
  lastMs = now;
  lastRandom = rand;
  return encodeId(now, rand);
}

/** The 26-character form of a millisecond time and 10 random bytes. */
export function encodeId(now: number, rand: Uint8Array): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // The 80 random bits, most significant first, five at a time (a small bit buffer: BigInt
  // arithmetic made this the costliest line of an append).
  let r = '';
  let acc = 0;
  let held = 0;
  for (const byte of rand) {
    acc = (acc << 8) | byte;
    held += 8;
    while (held >= 5) {
      held -= 5;
      r += ALPHABET[(acc >> held) & 31];
    }
    acc &= (1 << held) - 1;
  }
  return time + r;
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}
