/**
 * common/ledger-hash.ts `entryHash`, for the hot paths (the station's append, the host's
 * batch check, `ledger verify` on both sides): the canonical form written out
 * directly (its twelve keys in their sorted order) around a payload already in canonical JSON,
 * and one-shot SHA-256 (crypto.hash: no Hash object per entry). It must give the very same
 * hex as entryHash for every entry: test/unit/upstream-batch-check.test.ts compares them on
 * many entries, odd strings and payloads included.
 */
import { hash } from 'node:crypto';
import type { HashableEntry } from './ledger-hash.ts';

/** Strings JSON.stringify writes as they are, between quotes (no quote, backslash, control or surrogate). */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
/**
 * JSON.stringify of a string, as it writes it: a short string costs ~400 ns through the
 * builtin and ~100 ns through this test, and an entry has some forty of them.
 */
const str = (v: string): string => (PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));
/** JSON.stringify of a finite number is Number#toString (−0 → "0" in both). */
const num = (v: number): string => String(v);
/** Object keys repeat from entry to entry: their JSON forms are kept (bounded). */
const keyCache = new Map<string, string>();
function key(k: string): string {
  let s = keyCache.get(k);
  if (s === undefined) {
    if (keyCache.size >= 4096) keyCache.clear();
    s = str(k);
    keyCache.set(k, s);
  }
  return s;
}

/**
 * common/canonical-json.ts `canonicalJson`, faster on what stations send: their payloads are
 * stored canonical, so an object's keys usually arrive sorted and the sort is skipped when a
 * linear check says so (integer-like keys, which JSON.parse puts first, fail it and are
 * sorted). Strings are concatenated, not mapped and joined. Same output for every value:
 * test/unit/upstream-batch-check.test.ts compares them.
 */
export function canonicalJsonFast(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN/Infinity');
      return num(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJsonFast(value[i]);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${key(k)}:${canonicalJsonFast(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}
const strOrNull = (v: string | null): string => (v === null ? 'null' : str(v));

/** The canonical JSON entryHash hashes; `payloadJson` is canonicalJson(e.payload). */
export function canonicalEntry(e: Omit<HashableEntry, 'payload'>, payloadJson: string): string {
  let postings = '[';
  for (let i = 0; i < e.postings.length; i++) {
    const p = e.postings[i]!;
    postings += `${i === 0 ? '' : ','}[${str(p.account)},${num(p.debitFen)},${num(p.creditFen)}]`;
  }
  postings += ']';
  // Keys in canonicalJson's order (Array#sort of the names): amountFen, at, cardRef, entryId,
  // kind, operatorId, payload, postings, prevHash, seq, shiftId, stationId.
  return `{"amountFen":${num(e.amountFen)},"at":${str(e.at)},"cardRef":${strOrNull(e.cardRef)},"entryId":${str(e.entryId)},"kind":${str(e.kind)},`
    + `"operatorId":${strOrNull(e.operatorId)},"payload":${payloadJson},"postings":${postings},"prevHash":${str(e.prevHash)},"seq":${num(e.seq)},`
    + `"shiftId":${strOrNull(e.shiftId)},"stationId":${str(e.stationId)}}`;
}

export function entryDigest(e: Omit<HashableEntry, 'payload'>, payloadJson: string): string {
  return hash('sha256', canonicalEntry(e, payloadJson), 'hex');
}
