/**
 * The hot path of an upload: the shape of an entry batch checked by hand instead of by the
 * shared zod schema (common/upstream-protocol.ts EntryBatchSchema). zod spent 20–150 ms per
 * 1000 entries (its z.json() payload union most of all); this takes a few ms.
 *
 * The rule that keeps it safe: this check accepts only what EntryBatchSchema accepts (the
 * same keys, no others, the same patterns and bounds; test/unit/upstream-batch-check.test.ts
 * compares the two on many mutated batches). Anything it does not accept goes to the zod
 * schema, which gives the 400 message (upstream/app.ts) — or accepts it, so the host's answer never depends on
 * which path ran.
 *
 * As a by-product it gives each entry's payload as canonical JSON (walking the payload is
 * the JSON check: a number JSON.parse made Infinity is refused there), which the hash, the
 * size limit and the insert all use: one serialisation per entry instead of three.
 */
import { canonicalJson } from '../common/canonical-json.ts';
import { canonicalJsonFast } from '../common/entry-digest.ts';
import { MAX_BATCH_ENTRIES, MAX_ENTRY_FEN, type EntryBatch } from '../common/upstream-protocol.ts';

const STATION_ID = /^[0-9A-F]{12}$/;
const ENTRY_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const KIND = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const HASH = /^[0-9a-f]{64}$/;
const ACCOUNT = /^[a-z][a-z0-9_]{0,39}$/;
const ENTRY_KEYS = 13;
const MAX_POSTINGS_SHAPE = 64;

export interface CheckedBatch {
  batch: EntryBatch;
  /** Canonical JSON of entries[i].payload. */
  payloadJson: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = Object.hasOwn;
const isStr = (v: unknown, re: RegExp): boolean => typeof v === 'string' && re.test(v);
const shortOrNull = (v: unknown): boolean => v === null || (typeof v === 'string' && v.length >= 1 && v.length <= 64);
const fen = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_ENTRY_FEN;

function postingsOk(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > MAX_POSTINGS_SHAPE) return false;
  for (const p of v) {
    if (!isRecord(p) || Object.keys(p).length !== 3 || !has(p, 'account') || !has(p, 'debitFen') || !has(p, 'creditFen')) return false;
    if (!isStr(p.account, ACCOUNT) || !fen(p.debitFen) || !fen(p.creditFen)) return false;
  }
  return true;
}

/** Canonical JSON of a payload, or null when it is not a JSON value zod's z.json() takes. */
function payloadJsonOf(v: unknown): string | null {
  try {
    return canonicalJsonFast(v);
  } catch {
    return null;
  }
}

/** The batch when every field has the schema's shape, else null (the caller asks zod why). */
export function fastCheckBatch(body: unknown): CheckedBatch | null {
  if (!isRecord(body) || Object.keys(body).length !== 2 || !has(body, 'stationId') || !has(body, 'entries')) return null;
  if (!isStr(body.stationId, STATION_ID)) return null;
  const entries = body.entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_BATCH_ENTRIES) return null;
  const payloadJson: string[] = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    if (!isRecord(e) || Object.keys(e).length !== ENTRY_KEYS) return null;
    // Thirteen own keys, each of them one of ours: no others.
    if (!(has(e, 'seq') && has(e, 'entryId') && has(e, 'kind') && has(e, 'at') && has(e, 'stationId') && has(e, 'operatorId') && has(e, 'shiftId')
      && has(e, 'cardRef') && has(e, 'amountFen') && has(e, 'payload') && has(e, 'postings') && has(e, 'prevHash') && has(e, 'hash'))) return null;
    const { seq, at, amountFen } = e;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
    if (!isStr(e.entryId, ENTRY_ID) || !isStr(e.kind, KIND) || !isStr(e.stationId, STATION_ID)) return null;
    if (typeof at !== 'string' || at.length < 10 || at.length > 40) return null;
    if (!shortOrNull(e.operatorId) || !shortOrNull(e.shiftId) || !shortOrNull(e.cardRef)) return null;
    if (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen)) return null;
    if (!isStr(e.prevHash, HASH) || !isStr(e.hash, HASH) || !postingsOk(e.postings)) return null;
    const pj = payloadJsonOf(e.payload);
    if (pj === null) return null;
    payloadJson[i] = pj;
  }
  return { batch: body as unknown as EntryBatch, payloadJson };
}

/** A batch the zod schema accepted (the fast check did not: it never should), for the same answer the slow way. */
export function fromParsedBatch(batch: EntryBatch): CheckedBatch {
  return { batch, payloadJson: batch.entries.map((e) => canonicalJson(e.payload)) };
}
