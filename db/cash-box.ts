/**
 * The teller's cash box as the ledger holds it (issue 17 item 4, docs/COUNTER-RULES.md §4): a
 * shift's 交款 and transfers, and the transfers sent but not yet taken by the other shift. The
 * figures are read from the entries' amount_fen (each of these kinds moves exactly its amount
 * through the drawer), the pending transfers from the payloads' transferId.
 */
import type { Queryable } from './sqlite.ts';

/** What a shift moved through its drawer besides the customers' cash (fen, each ≥ 0). */
export interface ShiftCashBox {
  /** 备用金 issued from the safe at the open (0 for a shift opened before issue 17: its float moved no account). */
  floatIssuedFen: number;
  /** 交款: cash handed to the safe or the bank. */
  handedOverFen: number;
  transferredOutFen: number;
  transferredInFen: number;
  /** 备用金 given back to the safe at the close. */
  floatReturnedFen: number;
}

export async function shiftCashBox(db: Queryable, shiftId: string): Promise<ShiftCashBox> {
  const rows = await db.all<{ kind: string; fen: number }>(
    `SELECT e.kind, SUM(p.debit_fen) + SUM(p.credit_fen) AS fen FROM ledger_entries e JOIN postings p ON p.entry_seq = e.seq
     WHERE e.shift_id = ? AND p.account = 'cash_drawer' AND e.kind IN ('shift_open', 'cash_handover', 'cash_transfer_out', 'cash_transfer_in', 'float_return')
     GROUP BY e.kind`, [shiftId]);
  const of = (kind: string): number => rows.find((r) => r.kind === kind)?.fen ?? 0;
  return {
    floatIssuedFen: of('shift_open'), handedOverFen: of('cash_handover'), transferredOutFen: of('cash_transfer_out'),
    transferredInFen: of('cash_transfer_in'), floatReturnedFen: of('float_return'),
  };
}

/** A transfer sent and not yet taken. */
export interface PendingTransfer {
  transferId: string;
  entryId: string;
  at: string;
  amountFen: number;
  fromOperatorId: string;
  fromShiftId: string;
  toOperatorId: string;
  toShiftId: string;
}

/** Transfers sent and not yet taken, oldest first; `toOperatorId` narrows them to one recipient. */
export async function pendingTransfers(db: Queryable, toOperatorId?: string): Promise<PendingTransfer[]> {
  const rows = await db.all<{ entry_id: string; at: string; amount_fen: number; operator_id: string; shift_id: string; payload: string }>(
    `SELECT o.entry_id, o.at, o.amount_fen, o.operator_id, o.shift_id, o.payload FROM ledger_entries o
     WHERE o.kind = 'cash_transfer_out'
       AND (? IS NULL OR json_extract(o.payload, '$.toOperatorId') = ?)
       AND NOT EXISTS (SELECT 1 FROM ledger_entries i WHERE i.kind = 'cash_transfer_in'
                       AND json_extract(i.payload, '$.transferId') = json_extract(o.payload, '$.transferId'))
     ORDER BY o.seq`, [toOperatorId ?? null, toOperatorId ?? null]);
  return rows.map((r) => {
    const p = JSON.parse(r.payload) as { transferId: string; toOperatorId: string; toShiftId: string };
    return {
      transferId: p.transferId, entryId: r.entry_id, at: r.at, amountFen: r.amount_fen, fromOperatorId: r.operator_id, fromShiftId: r.shift_id,
      toOperatorId: p.toOperatorId, toShiftId: p.toShiftId,
    };
  });
}

/** The balance of one account over the whole ledger (debits − credits, fen). */
export async function accountBalance(db: Queryable, account: string): Promise<number> {
  const row = await db.get<{ net: number | null }>('SELECT SUM(debit_fen) - SUM(credit_fen) AS net FROM postings WHERE account = ?', [account]);
  return row?.net ?? 0;
}

/** 交款 of the entries in [start, end) by destination, and how many. */
export async function handoversBetween(db: Queryable, start: string, end: string): Promise<{ safeFen: number; bankFen: number; count: number }> {
  const rows = await db.all<{ to: string; fen: number; n: number }>(
    `SELECT json_extract(payload, '$.to') AS "to", SUM(amount_fen) AS fen, COUNT(*) AS n FROM ledger_entries
     WHERE kind = 'cash_handover' AND at >= ? AND at < ? GROUP BY 1`, [start, end]);
  return {
    safeFen: rows.find((r) => r.to === 'safe')?.fen ?? 0, bankFen: rows.find((r) => r.to === 'bank')?.fen ?? 0,
    count: rows.reduce((s, r) => s + r.n, 0),
  };
}

/** Transfers sent before `end` and not taken before it: the cash in transit at that instant. */
export async function pendingTransfersAt(db: Queryable, end: string): Promise<PendingTransfer[]> {
  const taken = new Set((await db.all<{ id: string }>(
    "SELECT json_extract(payload, '$.transferId') AS id FROM ledger_entries WHERE kind = 'cash_transfer_in' AND at < ?", [end])).map((r) => r.id));
  const sent = await db.all<{ entry_id: string; at: string; amount_fen: number; operator_id: string; shift_id: string; payload: string }>(
    "SELECT entry_id, at, amount_fen, operator_id, shift_id, payload FROM ledger_entries WHERE kind = 'cash_transfer_out' AND at < ? ORDER BY seq", [end]);
  return sent.flatMap((r) => {
    const p = JSON.parse(r.payload) as { transferId: string; toOperatorId: string; toShiftId: string };
    return taken.has(p.transferId) ? [] : [{
      transferId: p.transferId, entryId: r.entry_id, at: r.at, amountFen: r.amount_fen, fromOperatorId: r.operator_id, fromShiftId: r.shift_id,
      toOperatorId: p.toOperatorId, toShiftId: p.toShiftId,
    }];
  });
}
