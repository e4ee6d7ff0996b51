/**
 * Counts and bounds over the ledger (read only): its last seq, how many entries, the seq before
 * an instant, totals by kind over a seq range, the hash at a seq, and the next entries after a
 * seq with how many of them fit an upload batch. The sync relay (core/sync-store.ts) and `station upstream set`
 * (core/sync.ts) read them.
 */
import { readEntries, type StoredEntry } from './ledger.ts';
import type { Queryable } from './sqlite.ts';

/** The last entry's seq, 0 for an empty ledger. */
export async function lastSeq(db: Queryable): Promise<number> {
  return (await db.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM ledger_entries'))?.s ?? 0;
}

export async function entryCount(db: Queryable): Promise<number> {
  return (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries'))?.n ?? 0;
}

/** The last seq written before `iso` (the ledger's `at` format), 0 when none. */
export async function lastSeqBefore(db: Queryable, iso: string): Promise<number> {
  return (await db.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM ledger_entries WHERE at < ?', [iso]))?.s ?? 0;
}

/** When the first entry was written, null for an empty ledger. */
export async function firstEntryAt(db: Queryable): Promise<string | null> {
  return (await db.get<{ at: string | null }>('SELECT MIN(at) AS at FROM ledger_entries'))?.at ?? null;
}

export interface KindTotal {
  kind: string;
  count: number;
  amountFen: number;
}

/** Entries and fen by kind over seqs first..last (inclusive), by kind name. */
export async function kindTotals(db: Queryable, firstSeq: number, lastSeqIncl: number): Promise<KindTotal[]> {
  return db.all<KindTotal>(
    'SELECT kind, COUNT(*) AS count, COALESCE(SUM(amount_fen), 0) AS amountFen FROM ledger_entries WHERE seq BETWEEN ? AND ? GROUP BY kind ORDER BY kind', [firstSeq, lastSeqIncl]);
}

export async function hashAt(db: Queryable, seq: number): Promise<string | undefined> {
  return (await db.get<{ hash: string }>('SELECT hash FROM ledger_entries WHERE seq = ?', [seq]))?.hash;
}

/**
 * How many of the next `limit` entries after `afterSeq` fit in `maxBytes`, from each stored
 * payload's bytes plus `entryBound` per entry and `postingBound` per posting, summed in SQLite
 * (so the relay does not serialise each entry once to size the batch and again to send it).
 */
export async function entriesFitting(db: Queryable, afterSeq: number, limit: number, maxBytes: number, entryBound: number, postingBound: number): Promise<number | undefined> {
  const fit = await db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM (
       SELECT SUM(length(CAST(payload AS BLOB)) + ? + ? * (SELECT COUNT(*) FROM postings p WHERE p.entry_seq = e.seq)) OVER (ORDER BY seq) AS total
       FROM (SELECT seq, payload FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?) AS e)
     WHERE total <= ?`, [entryBound, postingBound, afterSeq, limit, maxBytes]);
  return fit?.n;
}

/** Up to `limit` entries after `afterSeq`, in seq order. */
export async function entriesAfter(db: Queryable, afterSeq: number, limit: number): Promise<StoredEntry[]> {
  return readEntries(db, 'seq > ?', [afterSeq], limit);
}
