// common/ledger-hash.ts must hash exactly like the station ledger (db/ledger.ts), or the host
// would refuse every upload. Compared over varied entries, including payload shapes that a
// careless re-serialisation would change (key order, unicode, nested arrays, nulls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../../common/canonical-json.ts';
import { newId } from '../../common/ids.ts';
import { entryHash as sharedHash, GENESIS_HASH as SHARED_GENESIS } from '../../common/ledger-hash.ts';
import { entryHash as ledgerHash, GENESIS_HASH, credit, debit, type StoredEntry } from '../../db/ledger.ts';

const payloads: Json[] = [
  { tac: 'E38A6356', balanceAfterFen: 3000 },
  { z: 1, a: [1, { y: null, b: '充值' }], m: { k: 'v' } },
  {},
  null,
  'text',
  [3, 2, 1],
  { emoji: '\u{1F600}', quote: '"\\', neg: -5, big: 9007199254740991 },
];

test('the shared entry hash equals db/ledger.ts entryHash', () => {
  assert.equal(SHARED_GENESIS, GENESIS_HASH);
  let prevHash = GENESIS_HASH;
  payloads.forEach((payload, i) => {
    const e: Omit<StoredEntry, 'hash'> = {
      seq: i + 1,
      entryId: newId(),
      kind: i % 2 ? 'topup' : 'lost_report',
      at: new Date(1_700_000_000_000 + i).toISOString(),
      stationId: 'A1B2C3D4E5F6',
      operatorId: i % 3 ? 'op1' : null,
      shiftId: i % 2 ? null : 'shift-1',
      cardRef: i % 2 ? 'cpu:0000000000012345' : null,
      amountFen: 1000 * i,
      payload,
      postings: i === 2 ? [] : [debit('cash_drawer', 1000 * i + 1), credit('card_float', 1000 * i + 1)],
      prevHash,
    };
    const h = ledgerHash(e);
    assert.equal(sharedHash(e), h, `entry ${i}`);
    prevHash = h;
  });
});
