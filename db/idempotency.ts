/**
 * Idempotency keys of money requests (migration 5's `idempotency_keys`): key → who asked, what
 * for (a digest of the request) and, once answered, the answer. The key is the primary key, so of
 * two processes claiming one key exactly one INSERT succeeds.
 */
import type { Queryable } from './sqlite.ts';

export interface KeyClaim {
  key: string;
  method: string;
  actor: string;
  requestDigest: string;
  at: Date;
}

export type ClaimOutcome =
  | { state: 'claimed' }
  /** Answered before: the stored answer (JSON text). */
  | { state: 'done'; answer: string; sameRequest: boolean }
  /**
   * Claimed by a request not answered yet (running, in this process or another, or one whose
   * answer could not be stored), with the entries it has booked so far (migration 6).
   */
  | { state: 'pending'; sameRequest: boolean; ownerPid: number | null; booked: string[] };

/**
 * While a key is pending its `answer` holds the claiming process's id (`pid:1234`): a claim left
 * by a process that died (kill -9, power loss) is told apart from one still running.
 */
const OWNER = /^pid:([0-9]+)$/;

/** Claims `key` for this request, or says who has it: one INSERT, so parallel claims cannot both win. */
export async function claimKey(db: Queryable, c: KeyClaim): Promise<ClaimOutcome> {
  const at = c.at.toISOString();
  const r = await db.run(
    `INSERT INTO idempotency_keys (key, method, actor, request_digest, state, answer, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (key) DO NOTHING`, [c.key, c.method, c.actor, c.requestDigest, `pid:${process.pid}`, at, at]);
  if (r.changes === 1) return { state: 'claimed' };
  const row = await db.get<{ method: string; actor: string; request_digest: string; state: 'pending' | 'done'; answer: string | null; booked: string | null }>(
    'SELECT method, actor, request_digest, state, answer, booked FROM idempotency_keys WHERE key = ?', [c.key]);
  // Released between our INSERT and this read: claim again.
  if (row === undefined) return claimKey(db, c);
  const sameRequest = row.method === c.method && row.actor === c.actor && row.request_digest === c.requestDigest;
  if (row.state === 'done' && row.answer !== null) return { state: 'done', answer: row.answer, sameRequest };
  const owner = OWNER.exec(row.answer ?? '');
  return { state: 'pending', sameRequest, ownerPid: owner === null ? null : Number(owner[1]), booked: bookedOf(row.booked) };
}

/** Stores the answer of a claimed key. */
export async function answerKey(db: Queryable, key: string, answer: string, at: Date): Promise<void> {
  await db.run("UPDATE idempotency_keys SET state = 'done', answer = ?, updated_at = ? WHERE key = ?", [answer, at.toISOString(), key]);
}

/**
 * Answers a key left pending by process `ownerPid` (dead), unless another process did so first:
 * true when this call stored `answer`.
 */
export async function answerAbandoned(db: Queryable, key: string, ownerPid: number, answer: string, at: Date): Promise<boolean> {
  const r = await db.run("UPDATE idempotency_keys SET state = 'done', answer = ?, updated_at = ? WHERE key = ? AND state = 'pending' AND answer = ?",
    [answer, at.toISOString(), key, `pid:${ownerPid}`]);
  return r.changes === 1;
}

/**
 * Gives a claimed key back (the request was refused before anything was written): a retry runs
 * again. Never a key with a booking: false then (the refusal came after something was booked,
 * and is the key's answer).
 */
export async function releaseKey(db: Queryable, key: string): Promise<boolean> {
  const r = await db.run("DELETE FROM idempotency_keys WHERE key = ? AND state = 'pending' AND booked IS NULL", [key]);
  if (r.changes === 1) return true;
  return (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ? AND booked IS NOT NULL", [key]))?.n === 0;
}

const bookedOf = (booked: string | null): string[] => (booked === null ? [] : booked.split(' '));

/**
 * Forgets keys last touched before `before`: a repeat comes within seconds or minutes (Enter
 * twice, a reconnect, a script's retry), never days later, and each key holds its whole answer.
 */
export async function pruneKeys(db: Queryable, before: Date): Promise<number> {
  return (await db.run('DELETE FROM idempotency_keys WHERE updated_at < ?', [before.toISOString()])).changes;
}

/** The card operations closed by these ledger entries (a keyed request's bookings). */
export async function opsOfEntries(db: Queryable, entryIds: readonly string[]): Promise<string[]> {
  const rows = await db.all<{ op_id: string }>(`SELECT op_id FROM card_ops WHERE entry_id IN (${entryIds.map(() => '?').join(', ')})`, [...entryIds]);
  return rows.map((r) => r.op_id);
}
