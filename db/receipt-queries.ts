/**
 * The counter's receipt search and print history, read from the ledger and the audit trail
 * (core/api/handlers/receipts.ts answers the screen with them).
 */
import type { Queryable } from './sqlite.ts';

/** What the search screen asks for; the caller has normalised it (upper case, the day as an instant range). */
export interface EntryFilter {
  entryId?: string | undefined;
  /** Any part of the card number. */
  cardNo?: string | undefined;
  /** [from, to) as ISO instants. */
  at?: { from: string; to: string } | undefined;
}

export interface EntryHit {
  seq: number;
  entry_id: string;
  at: string;
  kind: string;
  card_ref: string | null;
  amount_fen: number;
  operator_id: string | null;
  shift_id: string | null;
  /** An M1 card's printed number (its card_ref holds the UID), from its upgrade's entry. */
  m1_no: string | null;
}

/** Entries matching every condition given, newest first, at most `limit`; null when no condition is given. */
export async function searchLedgerEntries(db: Queryable, q: EntryFilter, limit: number): Promise<EntryHit[] | null> {
  // Each condition is a fixed literal with ? placeholders; only the values are bound.
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.entryId !== undefined) {
    where.push('entry_id = ?');
    args.push(q.entryId);
  }
  if (q.cardNo !== undefined) {
    // card_ref is "<kind>:<number>": any part of the number (e.g. its last digits) finds it. An
    // M1 card's card_ref holds its UID; the number printed on it (the one the screen shows and
    // the customer reads out) is in its upgrade's entry, and finds every entry of that card.
    where.push(`(instr(upper(substr(card_ref, instr(card_ref, ':') + 1)), ?) > 0 OR card_ref IN (
      SELECT card_ref FROM ledger_entries WHERE card_ref LIKE 'm1:%' AND instr(upper(json_extract(payload, '$.cardNo')), ?) > 0))`);
    args.push(q.cardNo, q.cardNo);
  }
  if (q.at !== undefined) {
    where.push('at >= ? AND at < ?');
    args.push(q.at.from, q.at.to);
  }
  if (where.length === 0) return null;
  return db.all<EntryHit>(
    `SELECT seq, entry_id, at, kind, card_ref, amount_fen, operator_id, shift_id,
       CASE WHEN card_ref LIKE 'm1:%' THEN (SELECT json_extract(x.payload, '$.cardNo') FROM ledger_entries x WHERE x.card_ref = e.card_ref AND json_extract(x.payload, '$.cardNo') <> '' LIMIT 1) END AS m1_no
     FROM ledger_entries e WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`, [...args, limit]);
}

/** Whether the original receipt of `entryId` printed once already (a UI print ok, or any reprint). */
export async function receiptPrintedOnce(db: Queryable, entryId: string): Promise<boolean> {
  const row = await db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM audit WHERE outcome = 'ok' AND action IN ('receipt-print', 'receipt-reprint') AND json_extract(details, '$.entryId') = ?", [entryId]);
  return (row?.n ?? 0) > 0;
}
