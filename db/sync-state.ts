/**
 * The relay's rows in the station database: `sync_state` (cursor, delta versions, marks;
 * migration 2), `sync_quarantine` (entries the host will not clear; migration 4),
 * `sync_blacklist_reports` (local listings told to the host), `sync_days` (day checkpoints and
 * the host's answers), and the host's own blacklist listings. What the relay does with them is
 * core/sync-store.ts.
 */
import type { Queryable } from './sqlite.ts';

/** Every sync_state key with its value. */
export async function readSyncState(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.all<{ key: string; value: string }>('SELECT key, value FROM sync_state');
  return new Map(rows.map((r) => [r.key, r.value]));
}

export async function writeSyncState(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db.run('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, at]);
}

/** Quarantines one entry, or refreshes the reason of one that is (counting the attempt when asked). */
export async function quarantineEntry(db: Queryable, seq: number, reason: string, at: string, countAttempt: boolean): Promise<void> {
  await db.run(
    `INSERT INTO sync_quarantine (entry_seq, reason, attempts, quarantined_at) VALUES (?, ?, 1, ?)
     ON CONFLICT (entry_seq) DO UPDATE SET reason = excluded.reason, attempts = attempts + ?`, [seq, reason, at, countAttempt ? 1 : 0]);
}

/**
 * Entries above the cursor less those among them quarantined, and all quarantined: both from
 * keys, not a scan (a rowid range).
 */
export async function outboxCounts(db: Queryable): Promise<{ pending: number; quarantined: number }> {
  const row = await db.get<{ pending: number; quarantined: number }>(
    `WITH c AS (SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'ack_seq'), 0) AS ack)
     SELECT (SELECT COUNT(*) FROM ledger_entries WHERE seq > c.ack) - (SELECT COUNT(*) FROM sync_quarantine WHERE entry_seq > c.ack) AS pending,
            (SELECT COUNT(*) FROM sync_quarantine) AS quarantined FROM c`);
  return { pending: row?.pending ?? 0, quarantined: row?.quarantined ?? 0 };
}

export interface QuarantineRow {
  seq: number;
  entry_id: string;
  kind: string;
  reason: string;
}

export async function quarantineRows(db: Queryable, limit: number): Promise<QuarantineRow[]> {
  return db.all<QuarantineRow>(
    'SELECT q.entry_seq AS seq, e.entry_id, e.kind, q.reason FROM sync_quarantine q JOIN ledger_entries e ON e.seq = q.entry_seq ORDER BY q.entry_seq LIMIT ?', [limit]);
}

/** The host listed a card: kept as the host's listing unless the card is listed already. */
export async function listFromHost(db: Queryable, cardRef: string, reason: string, listedAt: string): Promise<void> {
  await db.run("INSERT INTO blacklist (card_ref, reason, source, listed_at) VALUES (?, ?, 'upstream', ?) ON CONFLICT(card_ref) DO NOTHING", [cardRef, reason, listedAt]);
}

/** The host lifted a listing: only the host's own listing goes; a local one stays. */
export async function unlistFromHost(db: Queryable, cardRef: string): Promise<void> {
  await db.run("DELETE FROM blacklist WHERE card_ref = ? AND source = 'upstream'", [cardRef]);
}

/** Local CPU-card listings the host has not confirmed, with their report's request id once fixed. */
export async function unreportedListings(db: Queryable): Promise<{ card_ref: string; reason: string; request_id: string | null }[]> {
  return db.all<{ card_ref: string; reason: string; request_id: string | null }>(
    `SELECT b.card_ref, b.reason, r.request_id FROM blacklist b LEFT JOIN sync_blacklist_reports r ON r.card_ref = b.card_ref
     WHERE b.source = 'local' AND b.card_ref LIKE 'cpu:%' AND (r.card_ref IS NULL OR r.reported_at IS NULL) ORDER BY b.listed_at`);
}

/** Fixes a listing report's request id before its first attempt (a retry is then the same request). */
export async function fixListingReport(db: Queryable, cardRef: string, requestId: string, reason: string): Promise<void> {
  await db.run("INSERT INTO sync_blacklist_reports (card_ref, request_id, action, reason) VALUES (?, ?, 'add', ?) ON CONFLICT(card_ref) DO NOTHING", [cardRef, requestId, reason]);
}

export async function markListingReported(db: Queryable, cardRef: string, requestId: string, at: string): Promise<void> {
  await db.run('UPDATE sync_blacklist_reports SET reported_at = ? WHERE card_ref = ? AND request_id = ?', [at, cardRef, requestId]);
}

/** Days the host has answered for good (acknowledged) or that need a person (mismatch, error). */
export async function settledDays(db: Queryable): Promise<{ day: string; status: string }[]> {
  return db.all<{ day: string; status: string }>("SELECT day, status FROM sync_days WHERE status IN ('acknowledged', 'mismatch', 'error')");
}

export interface DayRow {
  day: string;
  firstSeq: number;
  lastSeq: number;
  status: string;
  /** The host's answer, as JSON text. */
  answer: string;
  at: string;
}

export async function writeDay(db: Queryable, d: DayRow): Promise<void> {
  await db.run(
    `INSERT INTO sync_days (day, first_seq, last_seq, status, answer, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(day) DO UPDATE SET first_seq = excluded.first_seq, last_seq = excluded.last_seq, status = excluded.status, answer = excluded.answer, updated_at = excluded.updated_at`,
    [d.day, d.firstSeq, d.lastSeq, d.status, d.answer, d.at]);
}

/** The latest days first. */
export async function dayRows<S extends string>(db: Queryable, limit: number): Promise<{ day: string; status: S; answer: string }[]> {
  return db.all<{ day: string; status: S; answer: string }>('SELECT day, status, answer FROM sync_days ORDER BY day DESC LIMIT ?', [limit]);
}
