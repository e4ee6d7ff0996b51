/**
 * The ledger reads of receipts, the day report and the ledger tools (issue 15 item 4: SQL lives
 * in db/). Each function says what it reads; the entries come back as stored (db/ledger.ts
 * readEntries) and their payloads are parsed by the caller (common/ledger-events.ts).
 */
import type { ShiftRow } from './shifts.ts';
import { GENESIS_HASH, readEntries, type StoredEntry } from './ledger.ts';
import type { Queryable } from './sqlite.ts';

export async function entryById(db: Queryable, entryId: string): Promise<StoredEntry | undefined> {
  return (await readEntries(db, 'entry_id = ?', [entryId], 1))[0];
}

/** The entries of `kinds` whose payload names the queued request (replacement, exchange). */
export async function entriesOfRequest(db: Queryable, kinds: readonly string[], requestId: string): Promise<StoredEntry[]> {
  return readEntries(db, `kind IN (${kinds.map(() => '?').join(',')}) AND json_extract(payload, '$.requestId') = ?`, [...kinds, requestId]);
}

/** The entries of `kinds` whose payload names the M1 → CPU upgrade. */
export async function entriesOfMigration(db: Queryable, kinds: readonly string[], migrationId: string): Promise<StoredEntry[]> {
  return readEntries(db, `kind IN (${kinds.map(() => '?').join(',')}) AND json_extract(payload, '$.migrationId') = ?`, [...kinds, migrationId]);
}

/** The upgrade's closing `migrate_done` entry, once it is finished. */
export async function migrationDoneEntry(db: Queryable, migrationId: string): Promise<StoredEntry | undefined> {
  return (await readEntries(db, "kind = 'migrate_done' AND json_extract(payload, '$.migrationId') = ?", [migrationId], 1))[0];
}

/** The shift's `shift_close` entry. */
export async function shiftCloseEntry(db: Queryable, shiftId: string): Promise<StoredEntry | undefined> {
  return (await readEntries(db, "kind = 'shift_close' AND shift_id = ?", [shiftId], 1))[0];
}

/** The first top-up of `cardRef` after entry `afterSeq` for exactly `amountFen`: a sale's first load. */
export async function firstLoadAfter(db: Queryable, cardRef: string, afterSeq: number, amountFen: number): Promise<StoredEntry | undefined> {
  return (await readEntries(db, "kind = 'topup' AND card_ref = ? AND seq > ? AND amount_fen = ?", [cardRef, afterSeq, amountFen], 1))[0];
}

/**
 * Customers' cash into and out of the drawer during a shift, before its count's own difference
 * entry (the cash box's own moves — float, 交款, transfers — are db/cash-box.ts shiftCashBox),
 * and how many customer entries it booked (shift open, close and difference not counted).
 */
export async function shiftDrawerFlows(db: Queryable, shiftId: string): Promise<{ cashInFen: number; cashOutFen: number; entryCount: number }> {
  const flows = await db.get<{ dr: number | null; cr: number | null }>(
    `SELECT SUM(p.debit_fen) AS dr, SUM(p.credit_fen) AS cr FROM postings p JOIN ledger_entries e ON e.seq = p.entry_seq
     WHERE e.shift_id = ? AND p.account = 'cash_drawer'
       AND e.kind NOT IN ('cash_difference', 'shift_open', 'float_return', 'cash_handover', 'cash_transfer_out', 'cash_transfer_in')`, [shiftId]);
  const entries = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_entries WHERE shift_id = ? AND kind NOT IN ('shift_open', 'shift_close', 'cash_difference', 'cash_handover', 'float_return', 'cash_transfer_out', 'cash_transfer_in')", [shiftId]);
  return { cashInFen: flows?.dr ?? 0, cashOutFen: flows?.cr ?? 0, entryCount: entries?.n ?? 0 };
}

/** The entries of [start, end) (ISO instants), in ledger order. */
export async function entriesBetween(db: Queryable, start: string, end: string): Promise<StoredEntry[]> {
  return readEntries(db, 'at >= ? AND at < ?', [start, end], 10_000_000);
}

/** The hash of the last entry (the genesis hash for an empty ledger). */
export async function chainHeadHash(db: Queryable): Promise<string> {
  const head = await db.get<{ hash: string }>('SELECT hash FROM ledger_entries ORDER BY seq DESC LIMIT 1');
  return head?.hash ?? GENESIS_HASH;
}

/** The shifts open at any time in [start, end) (ISO instants), by opening time. */
export async function shiftsTouching(db: Queryable, start: string, end: string): Promise<ShiftRow[]> {
  return db.all<ShiftRow>(
    'SELECT * FROM shifts WHERE (opened_at >= ? AND opened_at < ?) OR (closed_at >= ? AND closed_at < ?) OR (opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)) ORDER BY opened_at',
    [start, end, start, end, start, end]);
}

/** Every staff member's name by id (the day report names the shifts' clerks). */
export async function staffNames(db: Queryable): Promise<Map<string, string>> {
  return new Map((await db.all<{ staff_id: string; name: string }>('SELECT staff_id, name FROM staff')).map((r) => [r.staff_id, r.name]));
}

/** How many accepted reprints of this receipt entry the audit trail records. */
export async function reprintCount(db: Queryable, entryId: string): Promise<number> {
  const row = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE action = 'receipt-reprint' AND outcome = 'ok' AND json_extract(details, '$.entryId') = ?", [entryId]);
  return row?.n ?? 0;
}

/** Every entry's kind and payload text, in pages by seq: what `ledger verify` parses. */
export async function entryPayloads(db: Queryable, fromSeq: number, limit: number): Promise<Array<{ seq: number; entryId: string; kind: string; payload: string }>> {
  const rows = await db.all<{ seq: number; entry_id: string; kind: string; payload: string }>(
    'SELECT seq, entry_id, kind, payload FROM ledger_entries WHERE seq >= ? ORDER BY seq LIMIT ?', [fromSeq, limit]);
  return rows.map((r) => ({ seq: r.seq, entryId: r.entry_id, kind: r.kind, payload: r.payload }));
}

/** The stock movements (stock_* entries, no postings) before `end` (an ISO instant), in ledger order: the stock lines' input. */
export async function stockEntriesBefore(db: Queryable, end: string): Promise<Array<{ seq: number; entryId: string; kind: string; at: string; payload: string }>> {
  return db.all<{ seq: number; entryId: string; kind: string; at: string; payload: string }>(
    "SELECT seq, entry_id AS entryId, kind, at, payload FROM ledger_entries WHERE kind IN ('stock_received', 'stock_issued', 'stock_spoiled', 'stock_returned') AND at < ? ORDER BY seq", [end]);
}
