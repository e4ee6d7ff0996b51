/**
 * Entry batches from one station (docs/UPSTREAM.md). In one transaction
 * holding the station's row lock (so concurrent uploads of one station, to any host process,
 * take turns):
 *   - entries at or below the held head must be exactly what is held (same id, same hash):
 *     a repeat is a no-op, anything else is ENTRY_CONFLICT (HTTP 409);
 *   - the first new entry must be head + 1 and link to the held head hash, each next one to
 *     the one before; every hash is recomputed (common/entry-digest.ts, equal to
 *     common/ledger-hash.ts) before the lock is taken;
 *   - an entry whose chain is sound but whose money is not (unbalanced, out of bounds) is held
 *     as `rejected` with the reason, so the chain continues and the station quarantines it;
 *     a repeat of it is reported as rejected again (the first answer may have been lost).
 * The good prefix of a batch is stored even when a later entry is refused; ackSeq says how far.
 */
import { canonicalJson } from '../common/canonical-json.ts';
import {
  MAX_ENTRY_FEN,
  MAX_PAYLOAD_BYTES,
  MAX_POSTINGS_PER_ENTRY,
  type EntryBatchAnswer,
  type EntryProblem,
  type WireEntry,
} from '../common/upstream-protocol.ts';
import type { CheckedBatch } from './entry-batch-check.ts';
import { entryDigest } from '../common/entry-digest.ts';
import { IssuerKeys } from './issuer-keys.ts';
import { checkLoadTacs, recordLoadTacs } from './load-tac.ts';
import type { Database, Queryable } from './store/database.ts';
import { insertEntries, selectHeldRange, selectStationEntries, selectTakenIds, type HeldEntryRow, type NewEntryRow } from './store/entries.ts';
import { lockStationHead, selectStationHead, updateStationHead } from './store/stations.ts';
import { HostError } from './host-error.ts';

type Refusal = EntryProblem & { code: 'CHAIN_GAP' | 'SEQ_ORDER' | 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH' | 'ENTRY_CONFLICT' | 'STATION_MISMATCH' };

/** Why an entry's money is not acceptable for clearing, or null. `payloadJson` is its canonical payload. */
export function moneyProblem(e: WireEntry, payloadJson: string = canonicalJson(e.payload)): { code: string; reason: string } | null {
  if (Math.abs(e.amountFen) > MAX_ENTRY_FEN) return { code: 'AMOUNT', reason: `amount ${e.amountFen} fen is beyond ±${MAX_ENTRY_FEN}` };
  if (e.postings.length > MAX_POSTINGS_PER_ENTRY) return { code: 'POSTINGS', reason: `${e.postings.length} postings (at most ${MAX_POSTINGS_PER_ENTRY})` };
  let debits = 0;
  let credits = 0;
  for (const p of e.postings) {
    if ((p.debitFen === 0) === (p.creditFen === 0)) return { code: 'POSTINGS', reason: `posting on ${p.account} must be exactly one of debit or credit, non-zero` };
    debits += p.debitFen;
    credits += p.creditFen;
  }
  if (debits !== credits) return { code: 'UNBALANCED', reason: `debits ${debits} ≠ credits ${credits}` };
  // Bytes, not characters: only a payload that could be over the limit pays for the count.
  if (payloadJson.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(payloadJson) > MAX_PAYLOAD_BYTES) return { code: 'PAYLOAD_TOO_LARGE', reason: `payload above ${MAX_PAYLOAD_BYTES} bytes` };
  return null;
}

export interface IngestResult {
  httpStatus: 200 | 409 | 422;
  answer: EntryBatchAnswer;
}

/**
 * Stores what continues the station's chain. Every hash and every money check is computed
 * before the transaction (they depend on the entry alone), so the station's row lock is held
 * only for the chain comparison and the insert: the next batch of the same station, already
 * on the wire, is hashed while this one is written.
 */
// eslint-disable-next-line max-lines-per-function -- one batch's ingestion in one transaction; its checks in SYNC.md order
export async function ingestBatch(db: Database, stationId: string, checked: CheckedBatch, keys: IssuerKeys = IssuerKeys.empty()): Promise<IngestResult> {
  const entries = checked.batch.entries;
  const payloadJson = checked.payloadJson;
  const hashOk: boolean[] = new Array<boolean>(entries.length);
  const problems: ({ code: string; reason: string } | null)[] = new Array<{ code: string; reason: string } | null>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    hashOk[i] = entryDigest(e, payloadJson[i]!) === e.hash;
    problems[i] = moneyProblem(e, payloadJson[i]!);
  }
  // Loads of other cities' cards this host authorised: the card's TAC is checked here (upstream/load-tac.ts).
  const tacs = await checkLoadTacs(db, keys, entries);
  for (const [i, v] of tacs) {
    if (v.status === 'mismatch' && problems[i] === null) problems[i] = { code: 'TAC_MISMATCH', reason: v.reason };
  }
  return db.transaction(async (tx) => {
    const h = await lockStationHead(tx, stationId);
    if (!h) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
    let { headSeq, headHash } = h;
    let refused: Refusal | null = null;
    const refuse = (e: WireEntry, code: Refusal['code'], reason: string): void => {
      refused = { seq: e.seq, entryId: e.entryId, code, reason };
    };

    // Entries the host already holds: fetch them once, compare by id and hash.
    const firstSeq = entries[0]!.seq;
    const held = new Map<number, HeldEntryRow>();
    if (firstSeq <= headSeq) {
      for (const row of await selectHeldRange(tx, stationId, firstSeq, Math.min(headSeq, entries[entries.length - 1]!.seq))) held.set(Number(row.seq), row);
    }
    // Ids of the new entries that exist anywhere (another seq, another station).
    const newIds = entries.filter((e) => e.seq > headSeq).map((e) => e.entryId);
    const taken = newIds.length > 0 ? await selectTakenIds(tx, newIds) : new Set<string>();

    let duplicates = 0;
    const rows: NewEntryRow[] = [];
    const rejected: EntryProblem[] = [];
    const seenIds = new Set<string>();
    for (let i = 0; i < entries.length && refused === null; i++) {
      const e = entries[i]!;
      if (i > 0 && e.seq !== entries[i - 1]!.seq + 1) {
        refuse(e, 'SEQ_ORDER', `seq ${e.seq} does not follow ${entries[i - 1]!.seq} in the batch`);
        break;
      }
      if (e.stationId !== stationId) {
        refuse(e, 'STATION_MISMATCH', `entry belongs to station ${e.stationId}, not ${stationId}`);
        break;
      }
      if (e.seq <= headSeq) {
        // Already held: a repeat must be the very same entry; any difference (even one that
        // kept the old hash) is the same id with different content.
        const mine = held.get(e.seq);
        if (mine && mine.entry_id === e.entryId && mine.hash === e.hash && hashOk[i]) {
          duplicates++;
          // Said again, so a station that lost the first answer still learns to quarantine it.
          if (mine.status === 'rejected') rejected.push({ seq: e.seq, entryId: e.entryId, code: mine.reject_code ?? 'REJECTED', reason: mine.reject_reason ?? '' });
          continue;
        }
        refuse(e, 'ENTRY_CONFLICT', mine && mine.entry_id === e.entryId
          ? `entry ${e.entryId} is held with different content`
          : `seq ${e.seq} is held as entry ${mine?.entry_id ?? '?'}, not ${e.entryId}`);
        break;
      }
      if (!hashOk[i]) {
        refuse(e, 'HASH_MISMATCH', 'the entry content does not match its hash');
        break;
      }
      if (e.seq !== headSeq + 1) {
        refuse(e, 'CHAIN_GAP', `the host holds entries up to seq ${headSeq}; seq ${e.seq} leaves a gap`);
        break;
      }
      if (e.prevHash !== headHash) {
        refuse(e, 'PREV_HASH_MISMATCH', `previous hash does not match the held entry ${headSeq}`);
        break;
      }
      if (taken.has(e.entryId) || seenIds.has(e.entryId)) {
        refuse(e, 'ENTRY_CONFLICT', `entry id ${e.entryId} is already held with different content`);
        break;
      }
      seenIds.add(e.entryId);
      const problem = problems[i]!;
      rows.push({ e, payloadJson: payloadJson[i]!, status: problem ? 'rejected' : 'accepted', code: problem?.code ?? null, reason: problem?.reason ?? null });
      if (problem) rejected.push({ seq: e.seq, entryId: e.entryId, code: problem.code, reason: problem.reason });
      headSeq = e.seq;
      headHash = e.hash;
    }

    if (rows.length > 0) {
      await insertEntries(tx, stationId, rows);
      if (tacs.size > 0) {
        const stored = new Set(rows.map((r) => r.e.seq));
        await recordLoadTacs(tx, [...tacs].filter(([i]) => stored.has(entries[i]!.seq)).map(([i, v]) => ({ ...v, entryId: entries[i]!.entryId })));
      }
      await updateStationHead(tx, stationId, { headSeq, headHash });
    }
    const r = refused as Refusal | null;
    return {
      httpStatus: r === null ? 200 : r.code === 'ENTRY_CONFLICT' ? 409 : 422,
      answer: { stationId, ackSeq: headSeq, headHash, stored: rows.length, duplicates, rejected, refused: r },
    };
  });
}

/** What the host holds of a station's chain: where a relay resumes after losing its state. */
export async function stationHead(db: Queryable, stationId: string): Promise<{ stationId: string; ackSeq: number; headHash: string }> {
  const h = await selectStationHead(db, stationId);
  if (!h) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
  return { stationId, ackSeq: h.headSeq, headHash: h.headHash };
}

/** The host's copy of a station's chain, in seq order (tests, audits, the bench's comparison). */
export async function readHeldEntries(db: Queryable, stationId: string, fromSeq = 1, limit = 10_000): Promise<(WireEntry & { status: string; rejectCode: string | null })[]> {
  return (await selectStationEntries(db, stationId, fromSeq, limit)).map((row) => ({
    seq: Number(row.seq),
    entryId: row.entry_id,
    kind: row.kind,
    at: row.at,
    stationId,
    operatorId: row.operator_id,
    shiftId: row.shift_id,
    cardRef: row.card_ref,
    amountFen: Number(row.amount_fen),
    payload: JSON.parse(row.payload) as WireEntry['payload'],
    postings: row.postings.map((p) => ({ account: p.account, debitFen: p.debitFen, creditFen: p.creditFen })),
    prevHash: row.prev_hash,
    hash: row.hash,
    status: row.status,
    rejectCode: row.reject_code,
  }));
}
