/**
 * The ledger: append-only, hash-chained, double-entry. Each entry's hash covers its fields,
 * its postings and the previous entry's hash, so altering any row (entry or posting) breaks
 * the chain at that entry, and `verifyLedger` names it. Corrections are new entries.
 */
import { ACCOUNTS, type Account, type Posting } from '../common/accounts.ts';
import type { Json } from '../common/canonical-json.ts';
import { canonicalJsonFast, entryDigest } from '../common/entry-digest.ts';
import { StationError } from '../common/errors.ts';
import { isId } from '../common/ids.ts';
import { entryHash, GENESIS_HASH, type HashableEntry } from '../common/ledger-hash.ts';
import type { Queryable } from './sqlite.ts';

/** The hash is shared with the clearing host, so both compute the same chain. */
export { entryHash, GENESIS_HASH };
/** Bounds that keep one entry sane: no workflow posts more lines than this. */
export const MAX_POSTINGS_PER_ENTRY = 16;
export const MAX_ENTRY_FEN = 100_000_000; // 1,000,000 yuan: far above any counter movement

// The chart of accounts (PRODUCT.md "Money and ledger rules") and a posting line, typed once in common/accounts.ts.
export { ACCOUNTS, type Account, type Posting } from '../common/accounts.ts';

/** An entry as a workflow hands it over: every hashed field but its place in the chain. */
export interface NewEntry extends Omit<HashableEntry, 'seq' | 'prevHash' | 'postings'> {
  postings: Posting[];
}

export interface StoredEntry extends NewEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const debit = (account: Account, fen: number): Posting => ({ account, debitFen: fen, creditFen: 0 });
export const credit = (account: Account, fen: number): Posting => ({ account, debitFen: 0, creditFen: fen });

/** Why a set of postings is not a valid double entry, or null when it is. */
export function postingsProblem(postings: readonly Posting[]): string | null {
  // An entry with no postings records an event that moves no money (a lost report, a
  // queued request); it still joins the chain and goes upstream.
  if (postings.length === 0) return null;
  if (postings.length > MAX_POSTINGS_PER_ENTRY) return `more than ${MAX_POSTINGS_PER_ENTRY} postings`;
  let debits = 0;
  let credits = 0;
  for (const p of postings) {
    if (!(ACCOUNTS as readonly string[]).includes(p.account)) return `unknown account ${p.account}`;
    for (const v of [p.debitFen, p.creditFen]) {
      if (!Number.isSafeInteger(v) || v < 0 || v > MAX_ENTRY_FEN) return `posting amount ${v} is not a fen amount`;
    }
    if ((p.debitFen === 0) === (p.creditFen === 0)) return `posting on ${p.account} must be exactly one of debit or credit, non-zero`;
    debits += p.debitFen;
    credits += p.creditFen;
  }
  return debits === credits ? null : `debits ${debits} ≠ credits ${credits}`;
}

/** What is written with an entry, in the same statement. */
export interface EntryExtras {
  /** The card op this entry settles: moved to `recorded` (it must still be open). */
  closeOpId?: string;
  /** The audit line (actor = the entry's operator, outcome ok, at = the entry's time). */
  audit?: { action: string; details: Json };
  /**
   * The idempotency key of the request that books this entry (migration 6): the same statement
   * lists the entry on that key, so a key never says "nothing booked" while the ledger holds its entry.
   */
  requestKey?: string;
}

const APPEND_COLUMNS = 'seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash, postings, op_id, audit_action, audit_details';
const APPEND = `INSERT INTO ledger_append (${APPEND_COLUMNS}) VALUES (${Array(16).fill('?').join(', ')})`;
const APPEND_KEYED = `INSERT INTO ledger_append (${APPEND_COLUMNS}, request_key) VALUES (${Array(17).fill('?').join(', ')})`;

/** A stale cached head is retried after a re-read; more than this many in a row is not a race. */
const MAX_HEAD_RETRIES = 8;

/**
 * Appends one entry with its postings, its outbox row and `extras`, in ONE statement (the
 * ledger_append view of migration 3): inside the caller's transaction, or on the Database
 * itself, where the statement is its own (autocommit) durable transaction and the event's only
 * round trip into the database thread.
 * The statement checks the chain head the entry was hashed onto; when another writer appended
 * since the head was cached, it inserts nothing and the entry is re-chained on the head read
 * from the table.
 */
export async function appendEntry(tx: Queryable, entry: NewEntry, extras: EntryExtras = {}): Promise<StoredEntry> {
  if (!isId(entry.entryId)) throw new StationError('INTERNAL', `bad entry id ${entry.entryId}`);
  if (!Number.isSafeInteger(entry.amountFen) || Math.abs(entry.amountFen) > MAX_ENTRY_FEN) {
    throw new StationError('INTERNAL', `entry amount ${entry.amountFen} is not a fen amount`);
  }
  const problem = postingsProblem(entry.postings);
  if (problem !== null) throw new StationError('INTERNAL', `unbalanced ledger entry ${entry.kind}: ${problem}`);
  const postings = JSON.stringify(entry.postings.map((p) => [p.account, p.debitFen, p.creditFen]));
  // The payload's canonical JSON is made once: it is both hashed and stored.
  const payloadJson = canonicalJsonFast(entry.payload);
  const auditDetails = extras.audit === undefined ? null : canonicalJsonFast(extras.audit.details);
  // The head committed last by this process, when known, saves a read.
  let last = tx.chainHead?.get() ?? await chainHead(tx);
  let toWrite = entry;
  for (let attempt = 0; ; attempt++) {
    const stored = chained(toWrite, last, payloadJson);
    try {
      // (request_key only when there is one: the same statement also serves a database still at
      // an older schema while its migrations are tested.)
      await tx.run(extras.requestKey === undefined ? APPEND : APPEND_KEYED, [
        stored.seq, stored.entryId, stored.kind, stored.at, stored.stationId, stored.operatorId, stored.shiftId, stored.cardRef, stored.amountFen, payloadJson, stored.prevHash, stored.hash,
        postings, extras.closeOpId ?? null, extras.audit?.action ?? null, auditDetails, ...(extras.requestKey === undefined ? [] : [extras.requestKey]),
      ]);
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (message.includes('ledger_append: chain head moved') && attempt < MAX_HEAD_RETRIES) {
        // Another writer appended since our head was cached: chain onto the table's head.
        tx.chainHead?.set(null);
        last = await chainHead(tx);
        continue;
      }
      if (err instanceof StationError && err.code === 'NO_SHIFT' && extras.closeOpId !== undefined && toWrite.shiftId !== null) {
        // A card op's entry: the card already has the change, so it is recorded whatever
        // happened meanwhile. Its shift was closed after the intent (a top-up racing the close):
        // the entry is booked outside any shift rather than after that shift's close (the op
        // row keeps the shift it started in; docs/RELIABILITY.md "Checks inside the write").
        toWrite = { ...toWrite, shiftId: null };
        continue;
      }
      if (message.includes('ledger_append: card operation is not open') && extras.closeOpId !== undefined) {
        const row = await tx.get<{ state: string }>('SELECT state FROM card_ops WHERE op_id = ?', [extras.closeOpId]);
        throw new StationError('INTERNAL', row ? `card operation ${extras.closeOpId}: ${row.state} → recorded is not allowed` : `no card operation ${extras.closeOpId}`, undefined, { cause: err });
      }
      throw err;
    }
    tx.chainHead?.set({ seq: stored.seq, hash: stored.hash });
    return stored;
  }
}

/** The last entry's seq and hash ({0, genesis} for an empty ledger). */
async function chainHead(tx: Queryable): Promise<{ seq: number; hash: string }> {
  const last = await tx.get<{ seq: number; hash: string }>('SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1');
  return last ?? { seq: 0, hash: GENESIS_HASH };
}

/**
 * The entry on the head: its hash by the fast path, which equals entryHash (common/entry-digest.ts).
 * Built field by field, not by spreading `entry`: on the append path a spread cost 4 µs hot and
 * ~15 µs as measured in bench/ledger, a literal 0.2 µs.
 */
function chained(entry: NewEntry, last: { seq: number; hash: string }, payloadJson: string): StoredEntry {
  const stored: StoredEntry = {
    entryId: entry.entryId, kind: entry.kind, at: entry.at, stationId: entry.stationId, operatorId: entry.operatorId, shiftId: entry.shiftId,
    cardRef: entry.cardRef, amountFen: entry.amountFen, payload: entry.payload, postings: entry.postings,
    seq: last.seq + 1, prevHash: last.hash, hash: '',
  };
  stored.hash = entryDigest(stored, payloadJson);
  return stored;
}

interface EntryRow {
  seq: number;
  entry_id: string;
  kind: string;
  at: string;
  station_id: string;
  operator_id: string | null;
  shift_id: string | null;
  card_ref: string | null;
  amount_fen: number;
  payload: string;
  prev_hash: string;
  hash: string;
}
interface PostingRow {
  entry_seq: number;
  line: number;
  account: string;
  debit_fen: number;
  credit_fen: number;
}

function toEntry(row: EntryRow, postings: PostingRow[]): StoredEntry {
  return {
    seq: row.seq,
    entryId: row.entry_id,
    kind: row.kind,
    at: row.at,
    stationId: row.station_id,
    operatorId: row.operator_id,
    shiftId: row.shift_id,
    cardRef: row.card_ref,
    amountFen: row.amount_fen,
    payload: JSON.parse(row.payload) as Json,
    postings: postings.sort((a, b) => a.line - b.line).map((p) => ({ account: p.account as Account, debitFen: p.debit_fen, creditFen: p.credit_fen })),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export async function readEntries(db: Queryable, where = '1=1', params: (string | number)[] = [], limit = 10_000): Promise<StoredEntry[]> {
  const rows = await db.all<EntryRow>(`SELECT * FROM ledger_entries WHERE ${where} ORDER BY seq LIMIT ?`, [...params, limit]);
  if (rows.length === 0) return [];
  const seqs = rows.map((r) => r.seq);
  const postings = await db.all<PostingRow>(`SELECT * FROM postings WHERE entry_seq BETWEEN ? AND ?`, [seqs[0]!, seqs[seqs.length - 1]!]);
  const bySeq = new Map<number, PostingRow[]>();
  for (const p of postings) {
    const list = bySeq.get(p.entry_seq) ?? [];
    list.push(p);
    bySeq.set(p.entry_seq, list);
  }
  return rows.map((r) => toEntry(r, bySeq.get(r.seq) ?? []));
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  headHash: string;
  firstBreak: { seq: number; entryId: string; reason: string } | null;
}

/** Walks the whole chain in pages: hashes, links, sequence and balance of every entry. */
export async function verifyLedger(db: Queryable, pageSize = 5000): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const page = await readEntries(db, 'seq >= ?', [expectedSeq], pageSize);
    if (page.length === 0) break;
    for (const e of page) {
      const fail = (reason: string): VerifyResult => ({ ok: false, entries: count, headHash: prevHash, firstBreak: { seq: e.seq, entryId: e.entryId, reason } });
      if (e.seq !== expectedSeq) return { ok: false, entries: count, headHash: prevHash, firstBreak: { seq: expectedSeq, entryId: e.entryId, reason: `entry ${expectedSeq} is missing (next is ${e.seq})` } };
      if (e.prevHash !== prevHash) return fail('previous-hash link does not match the entry before it');
      if (entryDigest(e, canonicalJsonFast(e.payload)) !== e.hash) return fail('content does not match its hash (entry or postings altered)');
      const problem = postingsProblem(e.postings);
      if (problem !== null) return fail(`postings do not balance: ${problem}`);
      prevHash = e.hash;
      expectedSeq++;
      count++;
    }
  }
  // Postings whose entry is gone would not be visited above.
  const orphan = await db.get<{ entry_seq: number }>('SELECT entry_seq FROM postings WHERE entry_seq > ? LIMIT 1', [expectedSeq - 1]);
  if (orphan) return { ok: false, entries: count, headHash: prevHash, firstBreak: { seq: orphan.entry_seq, entryId: '?', reason: 'postings exist for a missing entry' } };
  return { ok: true, entries: count, headHash: prevHash, firstBreak: null };
}

/** Sum of (debits − credits) per account, optionally up to a seq: the trial balance. */
export async function accountBalances(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.all<{ account: string; net: number }>('SELECT account, SUM(debit_fen) - SUM(credit_fen) AS net FROM postings GROUP BY account');
  const out: Record<string, number> = {};
  for (const r of rows) out[r.account] = r.net;
  return out;
}

/** The entry with this id, postings included. */
export async function getEntry(db: Queryable, entryId: string): Promise<StoredEntry | undefined> {
  return (await readEntries(db, 'entry_id = ?', [entryId], 1))[0];
}

/** The newest entry of `kind` on `cardRef` (its id, time and payload), or undefined. */
export async function latestEntryOf(db: Queryable, kind: string, cardRef: string): Promise<{ entryId: string; at: string; payload: Json } | undefined> {
  const row = await db.get<{ entry_id: string; at: string; payload: string }>(
    'SELECT entry_id, at, payload FROM ledger_entries WHERE kind = ? AND card_ref = ? ORDER BY seq DESC LIMIT 1', [kind, cardRef]);
  return row ? { entryId: row.entry_id, at: row.at, payload: JSON.parse(row.payload) as Json } : undefined;
}
