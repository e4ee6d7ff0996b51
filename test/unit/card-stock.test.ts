// Blank-card stock (issue 17 item 3, core/stock.ts) on a real SQLite ledger with in-process
// emulated cards: receiving by serial range (a supervisor), the sale refusing a card outside the
// station's stock with the reason, spoiling and returning, and the day's stock lines.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { parseEf0015 } from '../../devices/cpu/files.ts';
import { readEntries, verifyLedger } from '../../db/ledger.ts';
import { getStockCard } from '../../db/card-stock.ts';
import { beginCardOp } from '../../core/card-ops.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { closeShift } from '../../core/workflows/shift.ts';
import { countStock, listStock, receiveStock, returnStock, spoilStockCard, stockLinesOfDay } from '../../core/stock.ts';
import { TRAINING_STOCK } from '../../core/station-home.ts';
import { errorWords } from '../../renderer/src/station-texts.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { stockCard } from '../harness/card-faults.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const refusedWith = (code: string, sayId: string) => (e: unknown): boolean => {
  assert.ok(e instanceof StationError, String(e));
  assert.equal(e.code, code, e.message);
  assert.equal(e.say?.id, sayId, e.message);
  return true;
};

const NEW_BOX = { first: '3100000000100001', last: '3100000000100020', cardType: '00', documentNo: 'ZX-2026-0117' };

test('a training station holds its training stock from the start; a supervisor receives a range, an operator may not', async () => {
  const counts = await countStock(fx.station, fx.operator);
  assert.deepEqual(counts, [{ cardType: '00', inStock: 10_000, issued: 0, spoiled: 0, returned: 0 }]);
  assert.equal((await getStockCard(fx.station.db, TRAINING_STOCK.first))?.state, 'in_stock');
  await assert.rejects(receiveStock(fx.station, fx.operator, NEW_BOX), refusedWith('FORBIDDEN', 'needsSupervisor'));
  const r = await receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, cardType: '01' });
  assert.equal(r.cards, 20);
  const entry = (await readEntries(fx.station.db)).find((e) => e.entryId === r.entryId)!;
  assert.equal(entry.kind, 'stock_received');
  assert.deepEqual(entry.postings, [], 'stock is quantities: no postings');
  assert.equal(entry.amountFen, 0);
  assert.deepEqual(entry.payload, { firstAsn: NEW_BOX.first, lastAsn: NEW_BOX.last, cardType: '01', cards: 20, documentNo: 'ZX-2026-0117' });
  assert.deepEqual((await countStock(fx.station, fx.operator)).find((c) => c.cardType === '01'), { cardType: '01', inStock: 20, issued: 0, spoiled: 0, returned: 0 });
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('receiving refuses a range overlapping cards already received (whole), reversed, too long, a bad type or no document', async () => {
  await receiveStock(fx.station, fx.supervisor, NEW_BOX);
  const before = (await readEntries(fx.station.db)).length;
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '3100000000100020', last: '3100000000100030' }), refusedWith('POLICY', 'stockRangeKnown'));
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '3100000000200010', last: '3100000000200001' }), refusedWith('BAD_INPUT', 'badField'));
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '3100000000300000', last: '3100000000310000' }), refusedWith('BAD_INPUT', 'badField'));
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '31000000002000AB', last: '3100000000200100' }), refusedWith('BAD_INPUT', 'badField'));
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '3100000000400001', last: '3100000000400002', cardType: '09' }), refusedWith('BAD_INPUT', 'badField'));
  await assert.rejects(receiveStock(fx.station, fx.supervisor, { ...NEW_BOX, first: '3100000000400001', last: '3100000000400002', documentNo: ' ' }), refusedWith('BAD_INPUT', 'badField'));
  assert.equal((await readEntries(fx.station.db)).length, before, 'nothing written');
  assert.equal(await getStockCard(fx.station.db, '3100000000100030'), undefined, 'the overlapping range was refused whole');
});

test('a sale takes a card from stock (stock_issued in the sale\'s transaction) and refuses one not received here, saying why in zh-CN and English', async () => {
  fx.cards.insert(READER, stockCard('3100000000000001'));
  const sale = await issueCard(fx.station, fx.operator, { pay: 'cash' });
  const row = await getStockCard(fx.station.db, '3100000000000001');
  assert.equal(row?.state, 'issued');
  const issued = (await readEntries(fx.station.db)).find((e) => e.entryId === row?.changed_entry)!;
  assert.equal(issued.kind, 'stock_issued');
  assert.deepEqual(issued.payload, { asn: '3100000000000001', cardType: '00', saleEntryId: sale.entryId, saleKind: 'card_sale', fromState: 'in_stock' });
  assert.equal(issued.seq, (await readEntries(fx.station.db)).find((e) => e.entryId === sale.entryId)!.seq + 1, 'written with the sale');

  fx.cards.remove(READER);
  const stranger = stockCard('3100000000900001');
  fx.cards.insert(READER, stranger);
  const before = (await readEntries(fx.station.db)).length;
  let refusal: unknown;
  await assert.rejects(issueCard(fx.station, fx.operator, { pay: 'cash' }), (e: unknown) => { refusal = e; return refusedWith('POLICY', 'stockNotReceived')(e); });
  assert.equal(parseEf0015(stranger.ef0015).enabled, false, 'the card was not touched');
  assert.equal((await readEntries(fx.station.db)).length, before, 'nothing booked');
  const zh = errorWords('zh', refusal as StationError);
  const en = errorWords('en', refusal as StationError);
  assert.match(zh.text ?? '', /不在本网点库存中/);
  assert.match(zh.next, /入库/);
  assert.match(en.text ?? '', /not in this station's stock/);
  assert.match(en.next, /receives the batch/);
});

test('a spoiled card leaves stock and is refused for a sale; an issued card cannot be spoiled; the check also holds inside the intent\'s write', async () => {
  await assert.rejects(spoilStockCard(fx.station, fx.operator, { asn: '3100000000000002', reason: '' }), refusedWith('BAD_INPUT', 'badField'));
  const s = await spoilStockCard(fx.station, fx.operator, { asn: '3100000000000002', reason: 'activation failed' });
  assert.equal(s.cardType, '00');
  fx.cards.insert(READER, stockCard('3100000000000002'));
  await assert.rejects(issueCard(fx.station, fx.operator, { pay: 'cash' }), refusedWith('POLICY', 'stockCardSpoiled'));
  // The guard of the write itself: an activation's intent for a spoiled card is not written.
  await assert.rejects(beginCardOp(fx.station, { operatorId: 'op1', shiftId: null, workflow: 'issue' }, { step: 'enable', asn: '3100000000000002', cityCode: '3100', issueDate: '20261123' }, {
    kind: 'card_sale', cardRef: 'cpu:3100000000000002', amountFen: 0, payload: {}, postings: [],
  }), refusedWith('POLICY', 'stockCardSpoiled'));
  assert.deepEqual(await fx.station.db.all('SELECT op_id FROM card_ops'), []);
  fx.cards.remove(READER);
  fx.cards.insert(READER, stockCard('3100000000000003'));
  await issueCard(fx.station, fx.operator, { pay: 'cash' });
  await assert.rejects(spoilStockCard(fx.station, fx.operator, { asn: '3100000000000003', reason: 'activation failed' }), refusedWith('POLICY', 'stockCardIssued'));
  assert.deepEqual((await listStock(fx.station, fx.operator, { state: 'spoiled' })).map((r) => [r.asn, r.spoil_reason]), [['3100000000000002', 'activation failed']]);
});

test('a return sends back the range\'s blank and spoiled cards (one entry per type); issued ones stay issued; a supervisor only', async () => {
  await receiveStock(fx.station, fx.supervisor, NEW_BOX);
  fx.cards.insert(READER, stockCard('3100000000100001'));
  await issueCard(fx.station, fx.operator, { pay: 'cash' });
  await spoilStockCard(fx.station, fx.operator, { asn: '3100000000100002', reason: 'chip damaged' });
  await assert.rejects(returnStock(fx.station, fx.operator, { first: NEW_BOX.first, last: NEW_BOX.last, documentNo: 'TH-1' }), refusedWith('FORBIDDEN', 'needsSupervisor'));
  const r = await returnStock(fx.station, fx.supervisor, { first: NEW_BOX.first, last: NEW_BOX.last, documentNo: 'TH-1' });
  assert.deepEqual(r.returned.map((x) => [x.cardType, x.cards, x.spoiledCards]), [['00', 18, 1]]);
  assert.equal((await getStockCard(fx.station.db, '3100000000100001'))?.state, 'issued');
  assert.equal((await getStockCard(fx.station.db, '3100000000100002'))?.state, 'returned');
  await assert.rejects(returnStock(fx.station, fx.supervisor, { first: NEW_BOX.first, last: NEW_BOX.last, documentNo: 'TH-2' }), refusedWith('POLICY', 'stockRangeEmpty'));
  fx.cards.remove(READER);
  fx.cards.insert(READER, stockCard('3100000000100003'));
  await assert.rejects(issueCard(fx.station, fx.operator, { pay: 'cash' }), refusedWith('POLICY', 'stockCardReturned'));
});

test('acceptance: a day with stock received, three sales and one spoiled card — the day\'s stock lines reconcile, and the next day opens with the closing', async () => {
  await receiveStock(fx.station, fx.supervisor, NEW_BOX);
  for (const asn of ['3100000000100001', '3100000000100002', '3100000000100003']) {
    fx.cards.insert(READER, stockCard(asn));
    await issueCard(fx.station, fx.operator, { pay: 'cash' });
    fx.cards.remove(READER);
  }
  await spoilStockCard(fx.station, fx.operator, { asn: '3100000000100004', reason: 'activation failed' });
  const day = await stockLinesOfDay(fx.station.db, '2026-11-23');
  assert.deepEqual(day.problems, []);
  assert.deepEqual(day.lines, [{ cardType: '00', opening: 0, received: 10_020, issued: 3, spoiled: 1, returned: 0, closing: 10_016 }]);
  assert.equal((await countStock(fx.station, fx.operator))[0]?.inStock, 10_016, 'the rows agree with the ledger');
  const next = await stockLinesOfDay(fx.station.db, '2026-11-24');
  assert.deepEqual(next.lines, [{ cardType: '00', opening: 10_016, received: 0, issued: 0, spoiled: 0, returned: 0, closing: 10_016 }]);
});

test('the shift close counts the blank cards beside the stock: the count, the stock and the difference shown and recorded', async () => {
  fx.cards.insert(READER, stockCard('3100000000000001'));
  await issueCard(fx.station, fx.operator, { pay: 'cash' });
  await assert.rejects(closeShift(fx.station, fx.operator, '10000x5,2000x1', null, { '00': -1 }), refusedWith('BAD_INPUT', 'badField'));
  const r = await closeShift(fx.station, fx.operator, '10000x5,2000x1', null, { '00': '9998' });
  assert.deepEqual(r.blankCards, [{ cardType: '00', counted: 9998, expected: 9999, difference: -1 }]);
  const close = (await readEntries(fx.station.db)).find((e) => e.kind === 'shift_close')!;
  assert.deepEqual((close.payload as { blankCards?: unknown }).blankCards, { '00': { counted: 9998, expected: 9999 } });
});
