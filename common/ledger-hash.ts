/**
 * The hash of one ledger entry, shared by the station (db/ledger.ts) and the clearing host
 * (upstream/), so both compute the same chain. It must stay byte-for-byte identical to
 * db/ledger.ts `entryHash`: test/unit/ledger-hash.test.ts checks that on every run, and the day
 * db/ledger.ts imports it from here the duplicate goes away.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type Json } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashablePosting {
  account: string;
  debitFen: number;
  creditFen: number;
}

/** Every field of an entry that its hash covers (all of them but the hash itself). */
export interface HashableEntry {
  seq: number;
  entryId: string;
  kind: string;
  at: string;
  stationId: string;
  operatorId: string | null;
  shiftId: string | null;
  cardRef: string | null;
  amountFen: number;
  payload: Json;
  postings: readonly HashablePosting[];
  prevHash: string;
}

export function entryHash(e: HashableEntry): string {
  const body = canonicalJson({
    seq: e.seq,
    entryId: e.entryId,
    kind: e.kind,
    at: e.at,
    stationId: e.stationId,
    operatorId: e.operatorId,
    shiftId: e.shiftId,
    cardRef: e.cardRef,
    amountFen: e.amountFen,
    payload: e.payload,
    postings: e.postings.map((p) => [p.account, p.debitFen, p.creditFen]),
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}
