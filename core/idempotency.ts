/**
 * Money requests run once per idempotency key (issue 14 item 1). The client makes the key once
 * per confirmation (the renderer when the confirmation screen opens, the CLI once per run or
 * `--idempotency-key`); the same key again — Enter twice, a retry after a lost answer, a second
 * tab, another process — returns the first answer instead of booking again.
 *
 * - The key is claimed in one INSERT (db/idempotency.ts): of parallel requests with one key, one
 *   runs. In this process the others wait for its answer and get the same one; a request of
 *   another process still running is refused (POLICY, "wait for its answer"). A claim whose
 *   process died mid-request (kill -9) is never run again — the card may have been changed and
 *   the start-up recovery settles it — but answered INCOMPLETE, once for all repeats.
 * - The answer is stored with the key. A refusal that wrote nothing (bad input, no shift, no
 *   card, …) gives the key back, so the same confirmation can be tried again once fixed; any
 *   other failure (the card may have changed) is stored as the answer: a repeat gets that error,
 *   and the clerk starts a new confirmation after the card has been settled.
 * - The same key for a different request (another method, another clerk, other figures) is
 *   refused BAD_INPUT.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import { StationError, type ErrorCode } from '../common/errors.ts';
import { answerAbandoned, answerKey, claimKey, opsOfEntries, pruneKeys, releaseKey, type KeyClaim } from '../db/idempotency.ts';
import type { Station } from './station.ts';
import { OutcomeUnknownError } from './request-failure.ts';
import { underRequestKey } from './request-key.ts';
import { processAlive } from '../common/process-alive.ts';

/** Refusals that leave nothing written: the key is given back and the request may run again. */
const NOTHING_WRITTEN: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_INPUT', 'CONFIG', 'KEYS', 'PCSC_UNAVAILABLE', 'NO_READER', 'NO_CARD', 'CARD_STATUS', 'CARD_UNSUPPORTED', 'CARD_MISMATCH',
  'AUTH', 'FORBIDDEN', 'POLICY', 'NO_SHIFT', 'UPSTREAM', 'CARD_CHANGED', 'RATE_LIMITED',
]);

/** Fields that never go into the stored digest: a 4-digit PIN's or an ID number's SHA-256 is no secret. */
const SECRET_FIELDS = new Set(['pin', 'idNumber', 'id-number', 'idempotencyKey']);

export interface IdempotentRequest {
  key: string | undefined;
  method: string;
  actor: string;
  /** The request's parameters (what makes two requests "the same"). */
  params: unknown;
}

/**
 * A keyed request's failure as every sender of the key gets it — the first, one waiting for it,
 * a repeat later: the same code, message and next step, and the card operations the first run
 * wrote (core/card-ops.ts trackCardOps), so the answer can say what they did to cards as they
 * stand now (core/request-failure.ts) although the repeat itself did nothing.
 */
export class KeyedFailure extends StationError {
  readonly opIds: readonly string[];

  constructor(error: { code: ErrorCode; message: string; hint?: string | undefined }, opIds: readonly string[], cause?: unknown) {
    super(error.code, error.message, error.hint, { cause });
    this.opIds = opIds;
  }
}

/** How long a key is kept: a repeat within this time gets the first answer; the table stays small. */
export const KEY_RETENTION_MS = 7 * 24 * 3600_000;
/** Keys are pruned at most this often per database (a DELETE over a week of keys). */
const PRUNE_EVERY_MS = 3600_000;
const lastPrune = new WeakMap<object, number>();

/** Requests of this process running now, by key: a repeat waits for the first's answer. */
const running = new WeakMap<object, Map<string, InProcessRun>>();
interface InProcessRun { same: string; answer: Promise<unknown>; ops: () => readonly string[] }

/**
 * Runs `run` once for `req.key` and returns its answer (a JSON value); with no key, just runs it.
 * `run`'s answer is stored as JSON, so a repeat gets exactly what the first caller got.
 */
export async function once<T>(station: Station, req: IdempotentRequest, run: () => Promise<T>, opsOfRun: () => readonly string[] = () => []): Promise<T> {
  const key = req.key;
  if (key === undefined) return run();
  const inProcess = running.get(station.db) ?? new Map<string, InProcessRun>();
  running.set(station.db, inProcess);
  const digest = requestDigest(req.method, req.params);
  const same = `${req.method}\n${req.actor}\n${digest}`;
  const earlier = inProcess.get(key);
  if (earlier !== undefined) {
    // The same confirmation sent again while the first is running (Enter twice, a second tab).
    if (earlier.same !== same) throw reusedKey();
    // This repeat did nothing itself: a failure is reported with the first run's card operations,
    // so the screen learns what they did (an unexpected error too: never 'nothing reached a card').
    return (earlier.answer as Promise<T>).catch((err: unknown) => {
      if (err instanceof KeyedFailure) throw err;
      throw new KeyedFailure(err instanceof StationError ? err.toJSON() : UNEXPECTED, earlier.ops(), err);
    });
  }
  const now = station.now().getTime();
  if (now - (lastPrune.get(station.db) ?? -Infinity) >= PRUNE_EVERY_MS) {
    lastPrune.set(station.db, now);
    void pruneKeys(station.db, new Date(now - KEY_RETENTION_MS)).catch(() => undefined); // housekeeping: never fails a request
  }
  // Registered before the first await, so a repeat arriving meanwhile waits for this one.
  const first = claimAndRun(station, { key, method: req.method, actor: req.actor, requestDigest: digest, at: station.now() }, run, opsOfRun);
  inProcess.set(key, { same, answer: first, ops: opsOfRun });
  try {
    return await first;
  } finally {
    inProcess.delete(key);
  }
}

async function claimAndRun<T>(station: Station, claim: KeyClaim, run: () => Promise<T>, opsOfRun: () => readonly string[]): Promise<T> {
  const outcome = await claimKey(station.db, claim).catch((err: unknown) => { throw unknownFate(err); });
  if (outcome.state === 'claimed') return runAndStore(station, claim.key, run, opsOfRun);
  if (!outcome.sameRequest) throw reusedKey();
  if (outcome.state === 'pending' && outcome.ownerPid !== null && !processAlive(outcome.ownerPid)) {
    const error = new OutcomeUnknownError('This request was interrupted when the station stopped; it is not run a second time',
      'Read the card and check its last transaction (the station settles an interrupted one when it starts); then start a new transaction if needed');
    // Stored as such: every later repeat says the outcome is unknown too, never "nothing done".
    const stored = await answerAbandoned(station.db, claim.key, outcome.ownerPid, JSON.stringify({ error: error.toJSON(), outcomeUnknown: true }), station.now())
      .catch((err: unknown) => { throw unknownFate(err); });
    if (stored) throw error;
    // Another process answered it meanwhile: that answer is the one every repeat gets.
    return claimAndRun(station, claim, run, opsOfRun);
  }
  if (outcome.state === 'pending' && outcome.booked.length > 0 && outcome.ownerPid === process.pid) {
    // Run by this process (no run of it is waiting here: `once` looked), booked, but its answer
    // could not be stored: what it booked is known from the key itself (migration 6).
    throw await bookedWithoutAnswer(station, outcome.booked);
  }
  if (outcome.state === 'pending') {
    // What the running one does to the card is not known here: never reported as 'nothing done'.
    throw new OutcomeUnknownError('This request is already being processed (the same confirmation was sent twice)', 'Wait for its answer on the screen where it was sent; nothing more was booked', 'POLICY');
  }
  return replay<T>(outcome.answer);
}

async function runAndStore<T>(station: Station, key: string, run: () => Promise<T>, opsOfRun: () => readonly string[]): Promise<T> {
  let result: T;
  try {
    // Every entry the run books marks the key in its own statement (core/record.ts).
    result = await underRequestKey(key, run);
  } catch (err) {
    if (err instanceof StationError && NOTHING_WRITTEN.has(err.code)) {
      // Given back only while nothing is booked under it. A refusal after a booking (a sale's
      // first load refused CARD_CHANGED, the sale standing) is the key's answer: a repeat must
      // not book the sale again.
      const released = await releaseKey(station.db, key).catch((e: unknown) => { unstored(e); return true; });
      if (released) throw err;
    }
    const error = err instanceof StationError ? err.toJSON() : UNEXPECTED;
    const opIds = [...opsOfRun()];
    await keepingAnswer(answerKey(station.db, key, JSON.stringify({ error, opIds }), station.now()));
    // An unexpected exception stays itself for the first caller (it is logged and named as such).
    throw err instanceof StationError ? new KeyedFailure(error, opIds, err) : err;
  }
  await keepingAnswer(answerKey(station.db, key, JSON.stringify({ result }), station.now()));
  return result;
}

/**
 * Storing the answer with its key (or giving the key back) is bookkeeping after the fact: when it
 * fails (a full disk, the database gone) the caller still gets what the request did — a top-up
 * on the card is never reported as "disk full, nothing written". The key then stays pending: a
 * repeat is refused as already being processed, outcome unknown (the clerk checks the card).
 */
async function keepingAnswer(store: Promise<unknown>): Promise<void> {
  await store.catch(unstored);
}

function unstored(err: unknown): void {
  process.stderr.write(`station: an idempotency key's answer was not stored (${(err as Error).message}); a repeat of that request will be refused\n`);
}

/**
 * A repeat of a request that booked `booked` but whose answer could not be stored (a full disk
 * after the booking): never run again, and never "nothing done" — it names what was booked, with
 * the card operations those entries closed (the screen shows them as recorded).
 */
async function bookedWithoutAnswer(station: Station, booked: readonly string[]): Promise<KeyedFailure> {
  const ops = await opsOfEntries(station.db, booked).catch(() => [] as string[]);
  return new KeyedFailure({
    code: 'POLICY',
    message: `This request was already done (booked as entry ${booked.join(', ')}); its answer could not be kept, so it is not done again`,
    hint: 'Check its receipt or the card\'s last transaction (F7 Search / reprint); do not do it again',
  }, ops);
}

/**
 * The key could not be claimed or read (a full disk, a failing store, the database gone with
 * its process): whether an earlier send of this key ran — and loaded a card — is not known
 * here. This request ran nothing itself, but "nothing reached a card" could be false for the
 * key (found by the UI simulation: a resend after a lost answer, whose first run had loaded
 * the card, was told so); the clerk checks the card instead.
 */
function unknownFate(err: unknown): OutcomeUnknownError {
  const full = err instanceof StationError && err.code === 'DISK_FULL';
  return new OutcomeUnknownError(
    `The station could not check whether this request was already done${full ? ' (the disk is full)' : ''}; it was not run now`,
    `${full ? 'Free disk space. ' : ''}Read the card and check its last transaction before doing it again: an earlier send of the same confirmation may have been done`,
    'INCOMPLETE', err,
  );
}

/** What a caller is told of an unexpected exception (it is logged once, by the first caller's dispatch). */
const UNEXPECTED = { code: 'INTERNAL' as const, message: 'The station met an unexpected error', hint: 'Run the station check (F6); if it happens again, call support with the time shown' };

function replay<T>(answer: string): T {
  const stored = JSON.parse(answer) as { result?: T; error?: { code: ErrorCode; message: string; hint?: string }; opIds?: string[]; outcomeUnknown?: true };
  if (stored.error !== undefined && stored.outcomeUnknown === true) throw new OutcomeUnknownError(stored.error.message, stored.error.hint ?? '');
  if (stored.error !== undefined) throw new KeyedFailure(stored.error, stored.opIds ?? []);
  return stored.result as T;
}

function reusedKey(): StationError {
  return new StationError('BAD_INPUT', 'This idempotency key was already used for a different request', 'Start the transaction again from its first screen (a new confirmation makes a new key)');
}

/** SHA-256 of the method and the request's canonical JSON, secrets left out. */
export function requestDigest(method: string, params: unknown): string {
  return createHash('sha256').update(`${method}\n${canonicalJson(withoutSecrets(params))}`).digest('hex');
}

function withoutSecrets(value: unknown): Json {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_FIELDS.has(k) && v !== undefined) out[k] = withoutSecrets(v);
    return out;
  }
  return (value ?? null) as Json;
}
