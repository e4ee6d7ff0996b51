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

interface NewRow {
  e: WireEntry;
  payloadJson: string;
  status: 'accepted' | 'rejected';
  code: string | null;
  reason: string | null;
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
  // eslint-disable-next-line max-lines-per-function -- the transaction body of ingestBatch, the checks in SYNC.md order
  return db.transaction(async (tx) => {
    const head = await tx.query<{ head_seq: number; head_hash: string }>('SELECT head_seq, head_hash FROM stations WHERE station_id = $1 FOR UPDATE', [stationId]);
    const h = head.rows[0];
    if (!h) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
    let headSeq = Number(h.head_seq);
    let headHash = h.head_hash;
    let refused: Refusal | null = null;
    const refuse = (e: WireEntry, code: Refusal['code'], reason: string): void => {
      refused = { seq: e.seq, entryId: e.entryId, code, reason };
    };

    // Entries the host already holds: fetch them once, compare by id and hash.
    const firstSeq = entries[0]!.seq;
    const held = new Map<number, { entry_id: string; hash: string; status: string; reject_code: string | null; reject_reason: string | null }>();
    if (firstSeq <= headSeq) {
      const r = await tx.query<{ seq: number; entry_id: string; hash: string; status: string; reject_code: string | null; reject_reason: string | null }>(
        'SELECT seq, entry_id, hash, status, reject_code, reject_reason FROM entries WHERE station_id = $1 AND seq BETWEEN $2 AND $3',
        [stationId, firstSeq, Math.min(headSeq, entries[entries.length - 1]!.seq)],
      );
      for (const row of r.rows) held.set(Number(row.seq), row);
    }
    // Ids of the new entries that exist anywhere (another seq, another station).
    const newIds = entries.filter((e) => e.seq > headSeq).map((e) => e.entryId);
    const taken = new Set<string>();
    if (newIds.length > 0) {
      const r = await tx.query<{ entry_id: string }>('SELECT entry_id FROM entries WHERE entry_id = ANY($1::text[])', [newIds]);
      for (const row of r.rows) taken.add(row.entry_id);
    }

    let duplicates = 0;
    const rows: NewRow[] = [];
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
      await insertRows(tx, stationId, rows);
      if (tacs.size > 0) {
        const stored = new Set(rows.map((r) => r.e.seq));
        await recordLoadTacs(tx, [...tacs].filter(([i]) => stored.has(entries[i]!.seq)).map(([i, v]) => ({ ...v, entryId: entries[i]!.entryId })));
      }
      await tx.query('UPDATE stations SET head_seq = $2, head_hash = $3 WHERE station_id = $1', [stationId, headSeq, headHash]);
    }
    const r = refused as Refusal | null;
    return {
      httpStatus: r === null ? 200 : r.code === 'ENTRY_CONFLICT' ? 409 : 422,
      answer: { stationId, ackSeq: headSeq, headHash, stored: rows.length, duplicates, rejected, refused: r },
    };
  });
}

/**
 * The rows as one JSON document, spread into columns by json_to_recordset: one parameter and
 * one round trip per batch, serialised by V8's JSON.stringify instead of pg's per-element
 * array escaping (which cost as much as the hashing). The payload travels as the canonical
 * text the hash was taken over and is stored as that text.
 */
export const INSERT_ENTRIES_SQL = `INSERT INTO entries (station_id, seq, entry_id, kind, at, operator_id, shift_id, card_ref, amount_fen, payload, postings, prev_hash, hash, status, reject_code, reject_reason)
  SELECT $1, r.seq, r.entry_id, r.kind, r.at, r.operator_id, r.shift_id, r.card_ref, r.amount_fen, r.payload, r.postings, r.prev_hash, r.hash, r.status, r.reject_code, r.reject_reason
  FROM json_to_recordset($2::json) AS r(seq bigint, entry_id text, kind text, at text, operator_id text, shift_id text, card_ref text, amount_fen bigint, payload text,
    postings jsonb, prev_hash text, hash text, status text, reject_code text, reject_reason text)`;

/** One row of the INSERT_ENTRIES_SQL document. */
export function entryRowJson(e: WireEntry, payloadJson: string, status: 'accepted' | 'rejected', code: string | null, reason: string | null): Record<string, unknown> {
  return {
    seq: e.seq, entry_id: e.entryId, kind: e.kind, at: e.at, operator_id: e.operatorId, shift_id: e.shiftId, card_ref: e.cardRef, amount_fen: e.amountFen,
    payload: payloadJson, postings: e.postings, prev_hash: e.prevHash, hash: e.hash, status, reject_code: code, reject_reason: reason,
  };
}

async function insertRows(tx: Queryable, stationId: string, rows: NewRow[]): Promise<void> {
  await tx.query(INSERT_ENTRIES_SQL, [stationId, JSON.stringify(rows.map((r) => entryRowJson(r.e, r.payloadJson, r.status, r.code, r.reason)))]);
}

/** What the host holds of a station's chain: where a relay resumes after losing its state. */
export async function stationHead(db: Queryable, stationId: string): Promise<{ stationId: string; ackSeq: number; headHash: string }> {
  const r = await db.query<{ head_seq: number; head_hash: string }>('SELECT head_seq, head_hash FROM stations WHERE station_id = $1', [stationId]);
  const h = r.rows[0];
  if (!h) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
  return { stationId, ackSeq: Number(h.head_seq), headHash: h.head_hash };
}

/** The host's copy of a station's chain, in seq order (tests, audits, the bench's comparison). */
export async function readHeldEntries(db: Queryable, stationId: string, fromSeq = 1, limit = 10_000): Promise<(WireEntry & { status: string; rejectCode: string | null })[]> {
  const r = await db.query<{
    seq: number; entry_id: string; kind: string; at: string; operator_id: string | null; shift_id: string | null; card_ref: string | null;
    amount_fen: number; payload: string; postings: WireEntry['postings']; prev_hash: string; hash: string; status: string; reject_code: string | null;
  }>('SELECT * FROM entries WHERE station_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [stationId, fromSeq, limit]);
  return r.rows.map((row) => ({
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
