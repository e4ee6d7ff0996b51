/**
 * The ledger's own invariants, beyond its hash chain (issue 14 item 2). A chain can be intact and
 * still record what must never happen — the bugs of issue 14 wrote such ledgers, and a database
 * written without migration 5's guards (an old station, a copy edited with sqlite3) can too:
 * - per shift: one `shift_close`; nothing booked into the shift after its close, except the
 *   settlement of a card operation begun before the close (its intent is older than the close);
 * - per card: one `lost_report` per loss (a card never leaves "lost", so one per card).
 * Each break names the entry, the shift or card, and the entry it conflicts with.
 */
import type { Queryable } from './sqlite.ts';

export interface InvariantBreak {
  rule: 'one-close-per-shift' | 'nothing-after-close' | 'one-lost-report-per-loss';
  seq: number;
  entryId: string;
  reason: string;
}

export async function ledgerInvariantBreaks(db: Queryable): Promise<InvariantBreak[]> {
  const breaks: InvariantBreak[] = [];
  // Every close after a shift's first one.
  const closes = await db.all<{ seq: number; entry_id: string; shift_id: string; first_seq: number }>(
    `SELECT e.seq, e.entry_id, e.shift_id, f.first_seq FROM ledger_entries e
     JOIN (SELECT shift_id, MIN(seq) AS first_seq FROM ledger_entries WHERE kind = 'shift_close' GROUP BY shift_id) f ON f.shift_id = e.shift_id
     WHERE e.kind = 'shift_close' AND e.seq > f.first_seq ORDER BY e.seq`);
  for (const c of closes) {
    breaks.push({ rule: 'one-close-per-shift', seq: c.seq, entryId: c.entry_id, reason: `shift ${c.shift_id} closed again (its first close is entry #${c.first_seq})` });
  }
  // Anything else of a shift after its first close, unless it settles a card op begun by then.
  const late = await db.all<{ seq: number; entry_id: string; kind: string; shift_id: string; close_seq: number }>(
    `SELECT e.seq, e.entry_id, e.kind, e.shift_id, f.close_seq FROM ledger_entries e
     JOIN (SELECT shift_id, MIN(seq) AS close_seq, MIN(at) AS close_at FROM ledger_entries WHERE kind = 'shift_close' GROUP BY shift_id) f ON f.shift_id = e.shift_id
     WHERE e.seq > f.close_seq AND e.kind <> 'shift_close'
       AND NOT EXISTS (SELECT 1 FROM card_ops o WHERE o.entry_id = e.entry_id AND o.created_at <= f.close_at)
     ORDER BY e.seq`);
  for (const l of late) {
    breaks.push({ rule: 'nothing-after-close', seq: l.seq, entryId: l.entry_id, reason: `${l.kind} booked into shift ${l.shift_id} after its close (entry #${l.close_seq})` });
  }
  const lost = await db.all<{ seq: number; entry_id: string; card_ref: string; first_seq: number }>(
    `SELECT e.seq, e.entry_id, e.card_ref, f.first_seq FROM ledger_entries e
     JOIN (SELECT card_ref, MIN(seq) AS first_seq FROM ledger_entries WHERE kind = 'lost_report' GROUP BY card_ref) f ON f.card_ref = e.card_ref
     WHERE e.kind = 'lost_report' AND e.seq > f.first_seq ORDER BY e.seq`);
  for (const l of lost) {
    breaks.push({ rule: 'one-lost-report-per-loss', seq: l.seq, entryId: l.entry_id, reason: `card ${l.card_ref} reported lost again (already reported in entry #${l.first_seq})` });
  }
  return breaks.sort((a, b) => a.seq - b.seq);
}
