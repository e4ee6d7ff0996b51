/**
 * The blank-card stock (migration 7, docs/COUNTER-RULES.md §3): one row per card the center
 * delivered, by its 16-digit serial (ASN), with its card type and state. The movements are
 * ledger events (core/stock.ts writes both in one transaction); these rows are what a sale
 * checks inside its write and what the count screen lists.
 */
import type { Queryable } from './sqlite.ts';

export const STOCK_STATES = ['in_stock', 'issued', 'spoiled', 'returned'] as const;
export type StockState = (typeof STOCK_STATES)[number];

export interface StockCardRow {
  asn: string;
  card_type: string;
  state: StockState;
  received_entry: string;
  received_doc: string;
  received_at: string;
  changed_entry: string | null;
  changed_at: string | null;
  spoil_reason: string | null;
  returned_doc: string | null;
}

export async function getStockCard(db: Queryable, asn: string): Promise<StockCardRow | undefined> {
  return db.get<StockCardRow>('SELECT * FROM card_stock WHERE asn = ?', [asn]);
}

/** How many cards of a serial range the station already knows (in any state). */
export async function knownInRange(db: Queryable, first: string, last: string): Promise<number> {
  const row = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM card_stock WHERE asn BETWEEN ? AND ?', [first, last]);
  return row?.n ?? 0;
}

/** Inserts received cards (every ASN new: the caller checked the range inside the same transaction). */
export async function insertReceived(db: Queryable, asns: readonly string[], cardType: string, entryId: string, documentNo: string, at: Date): Promise<void> {
  // 100 rows a statement (600 parameters, under every SQLite build's limit): a box of 10,000
  // cards is 100 statements, not 10,000 round trips through the queue.
  for (let i = 0; i < asns.length; i += 100) {
    const chunk = asns.slice(i, i + 100);
    await db.run(`INSERT INTO card_stock (asn, card_type, state, received_entry, received_doc, received_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((asn) => [asn, cardType, 'in_stock', entryId, documentNo, at.toISOString()]));
  }
}

/** Moves one card to `state`, naming the entry that moved it. */
export async function setStockState(db: Queryable, asn: string, state: StockState, entryId: string, at: Date, extra: { spoilReason?: string; returnedDoc?: string } = {}): Promise<void> {
  await db.run('UPDATE card_stock SET state = ?, changed_entry = ?, changed_at = ?, spoil_reason = COALESCE(?, spoil_reason), returned_doc = COALESCE(?, returned_doc) WHERE asn = ?',
    [state, entryId, at.toISOString(), extra.spoilReason ?? null, extra.returnedDoc ?? null, asn]);
}

/** The cards of a serial range still held at the station (in stock or spoiled), by serial. */
export async function heldInRange(db: Queryable, first: string, last: string): Promise<StockCardRow[]> {
  return db.all<StockCardRow>("SELECT * FROM card_stock WHERE asn BETWEEN ? AND ? AND state IN ('in_stock', 'spoiled') ORDER BY asn", [first, last]);
}

/** Cards per card type and state, now. */
export async function stockByTypeAndState(db: Queryable): Promise<Array<{ card_type: string; state: StockState; n: number }>> {
  return db.all<{ card_type: string; state: StockState; n: number }>('SELECT card_type, state, COUNT(*) AS n FROM card_stock GROUP BY card_type, state ORDER BY card_type, state');
}

/** Cards of one state (optionally one type), by serial, at most `limit`. */
export async function stockCards(db: Queryable, filter: { state?: StockState; cardType?: string; limit: number }): Promise<StockCardRow[]> {
  return db.all<StockCardRow>(
    'SELECT * FROM card_stock WHERE (? IS NULL OR state = ?) AND (? IS NULL OR card_type = ?) ORDER BY asn LIMIT ?',
    [filter.state ?? null, filter.state ?? null, filter.cardType ?? null, filter.cardType ?? null, filter.limit]);
}
