/**
 * The rows a station wrote before it had a secret, keyed under its lookup key once (core/
 * station-secret.ts bindStationSecret, in the transaction that records the key's check value):
 * staff PIN verifiers, cards' ID-number lookups, and the `idNumberHash` fields inside requests'
 * details and card operations' requests and evidence (db/lookup-key.ts says why they are keyed).
 */
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import type { LookupKey } from './lookup-key.ts';
import type { Queryable } from './sqlite.ts';

/** Every `idNumberHash` string in a JSON document, keyed (requests' details, card ops' prepared events). */
function rekeyJson(value: Json, key: LookupKey): Json {
  if (Array.isArray(value)) return value.map((v) => rekeyJson(v, key));
  if (value === null || typeof value !== 'object') return value;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'idNumberHash' && typeof v === 'string' ? key.idNumber(v) : rekeyJson(v, key);
  return out;
}

/** Keys every stored PIN verifier and ID-number lookup written before the station had a secret. */
export async function rekeyRows(tx: Queryable, key: LookupKey): Promise<void> {
  for (const s of await tx.all<{ staff_id: string; pin_hash: string }>('SELECT staff_id, pin_hash FROM staff')) {
    await tx.run('UPDATE staff SET pin_hash = ? WHERE staff_id = ?', [key.pinVerifier(Buffer.from(s.pin_hash, 'hex')).toString('hex'), s.staff_id]);
  }
  for (const c of await tx.all<{ card_ref: string; id_number_hash: string }>('SELECT card_ref, id_number_hash FROM cards WHERE id_number_hash IS NOT NULL')) {
    await tx.run('UPDATE cards SET id_number_hash = ? WHERE card_ref = ?', [key.idNumber(c.id_number_hash), c.card_ref]);
  }
  for (const r of await tx.all<{ request_id: string; details: string }>("SELECT request_id, details FROM requests WHERE details LIKE '%idNumberHash%'")) {
    await tx.run('UPDATE requests SET details = ? WHERE request_id = ?', [canonicalJson(rekeyJson(JSON.parse(r.details) as Json, key)), r.request_id]);
  }
  const ops = await tx.all<{ op_id: string; request: string; evidence: string | null }>("SELECT op_id, request, evidence FROM card_ops WHERE request LIKE '%idNumberHash%' OR evidence LIKE '%idNumberHash%'");
  for (const o of ops) {
    const evidence = o.evidence === null ? null : canonicalJson(rekeyJson(JSON.parse(o.evidence) as Json, key));
    await tx.run('UPDATE card_ops SET request = ?, evidence = ? WHERE op_id = ?', [canonicalJson(rekeyJson(JSON.parse(o.request) as Json, key)), evidence, o.op_id]);
  }
}
