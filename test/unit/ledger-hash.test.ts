// The entry hash is the wire contract between station and clearing host (both use
// common/ledger-hash.ts). These vectors pin it: a change to the canonical form or the field
// list would make every host refuse every station's uploads, so it must fail here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/canonical-json.ts';
import { entryHash, GENESIS_HASH, type HashableEntry } from '../../common/ledger-hash.ts';
import { entryHash as ledgerHash, credit, debit } from '../../db/ledger.ts';

const base: HashableEntry = {
  seq: 1, entryId: '01M832XB3SRY6ZQT2Q7EH8MAQ7', kind: 'topup', at: '2026-11-23T02:00:00.000Z', stationId: 'A1B2C3D4E5F6',
  operatorId: 'op1', shiftId: null, cardRef: 'cpu:0000000000012345', amountFen: 5000,
  payload: { tac: 'E38A6356', balanceAfterFen: 5500 },
  postings: [debit('cash_drawer', 5000), credit('card_float', 5000)], prevHash: GENESIS_HASH,
};

test('canonical JSON sorts keys at every depth and keeps unicode and integers exact', () => {
  assert.equal(canonicalJson({ z: 1, a: [1, { y: null, b: '充值' }], m: { k: 'v' } }), '{"a":[1,{"b":"充值","y":null}],"m":{"k":"v"},"z":1}');
  assert.equal(canonicalJson({ big: 9007199254740991, neg: -5, q: '"\\' }), '{"big":9007199254740991,"neg":-5,"q":"\\"\\\\"}');
  assert.throws(() => canonicalJson({ x: Number.NaN }));
});

test('a known entry hashes as SHA-256 of exactly this canonical body, on the station as on the host', () => {
  // The wire format written out by hand: sorted keys, postings as [account, debit, credit].
  const body = '{"amountFen":5000,"at":"2026-11-23T02:00:00.000Z","cardRef":"cpu:0000000000012345","entryId":"01M832XB3SRY6ZQT2Q7EH8MAQ7",'
    + '"kind":"topup","operatorId":"op1","payload":{"balanceAfterFen":5500,"tac":"E38A6356"},'
    + '"postings":[["cash_drawer",5000,0],["card_float",0,5000]],"prevHash":"' + '0'.repeat(64) + '","seq":1,"shiftId":null,"stationId":"A1B2C3D4E5F6"}';
  const expected = createHash('sha256').update(body).digest('hex');
  assert.equal(entryHash(base), expected);
  assert.equal(ledgerHash(base), expected);
});

test('every field is covered: changing any one changes the hash', () => {
  const h = entryHash(base);
  const variants: Array<Partial<HashableEntry>> = [
    { seq: 2 }, { entryId: '01M832XB3SRY6ZQT2Q7EH8MAQ8' }, { kind: 'refund' }, { at: '2026-11-23T02:00:00.001Z' },
    { stationId: 'A1B2C3D4E5F7' }, { operatorId: 'op2' }, { cardRef: null }, { amountFen: 5001 },
    { payload: { tac: 'E38A6357', balanceAfterFen: 5500 } }, { postings: [debit('cash_drawer', 5001), credit('card_float', 5001)] },
    { prevHash: '1'.repeat(64) },
  ];
  for (const v of variants) assert.notEqual(entryHash({ ...base, ...v }), h, JSON.stringify(v));
});
