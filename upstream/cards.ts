/**
 * A lost card's balance for replacement (PRODUCT.md workflow 6, CARD-PROTOCOL.md §8.6): from
 * the accepted entries the host holds for that card, in time order. The last entry that
 * recorded the card's balance (payload.balanceAfterFen) fixes it; later entries without one
 * move it by their card_float postings (a credit to card_float = money put on the card).
 */
import type { Json } from '../common/canonical-json.ts';
import type { CardBalanceAnswer, WirePosting } from '../common/upstream-protocol.ts';
import type { Queryable } from './store/database.ts';
import { blacklistStatus } from './deltas.ts';

/** Entries scanned per card: a card sees a few hundred counter movements in its life. */
const MAX_CARD_ENTRIES = 50_000;

function recordedBalance(payloadText: string): number | null {
  const payload = JSON.parse(payloadText) as Json;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const v = payload.balanceAfterFen;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

export async function cardBalance(db: Queryable, asnRaw: string): Promise<CardBalanceAnswer> {
  const asn = asnRaw.toUpperCase();
  const refs = [...new Set([`cpu:${asn}`, asn, `cpu:${asn.toLowerCase()}`, asn.toLowerCase()])];
  const r = await db.query<{ entry_id: string; station_id: string; seq: number; at: string; payload: string; postings: WirePosting[] }>(
    `SELECT entry_id, station_id, seq, at, payload, postings FROM entries
     WHERE card_ref = ANY($1::text[]) AND status = 'accepted' ORDER BY at, station_id, seq LIMIT $2`,
    [refs, MAX_CARD_ENTRIES],
  );
  let balance: number | null = null;
  let asOf: CardBalanceAnswer['asOf'] = null;
  for (const e of r.rows) {
    const recorded = recordedBalance(e.payload);
    if (recorded !== null) {
      balance = recorded;
      asOf = { entryId: e.entry_id, stationId: e.station_id, seq: Number(e.seq), at: e.at };
    } else if (balance !== null) {
      for (const p of e.postings) if (p.account === 'card_float') balance += p.creditFen - p.debitFen;
    }
  }
  const bl = await blacklistStatus(db, asn);
  return { asn, balanceFen: balance, basis: balance === null ? 'none' : 'recorded', asOf, entries: r.rows.length, blacklisted: bl.blacklisted, blacklistedAt: bl.at };
}
