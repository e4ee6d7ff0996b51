// Card sale (售卡) on a real SQLite ledger with in-process emulated stock cards: deposit,
// registration stored masked, activation, first load, refusals, tears at UPDATE BINARY.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { parseEf0015 } from '../../devices/cpu/files.ts';
import { accountBalances, readEntries, verifyLedger } from '../../db/ledger.ts';
import { getCard } from '../../db/registry.ts';
import type { FaultKind, VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { hashIdNumber } from '../../core/registration.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { IS_CREDIT_FOR_LOAD, IS_UPDATE_BINARY_SM, entryCount, faultAt, liveCard, refusalCount, stockCard } from '../harness/card-faults.ts';

const ID = '11010519491231002X';
let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

test('cash sale with registration and first load: card activated, ledger, drawer and registry agree', async () => {
  const card = stockCard('3100000000000001');
  fx.cards.insert(READER, card);
  const r = await issueCard(fx.station, fx.operator, {
    pay: 'cash', tendered: '10000', firstLoad: '5000', registration: { name: '张三丰', idNumber: ID, phone: '13812345678' },
  });
  assert.equal(r.depositFen, 2000);
  assert.equal(r.totalFen, 7000);
  assert.equal(r.changeFen, 3000);
  assert.equal(r.issueDate, '2026-11-23');
  assert.equal(r.holderName, '张**');
  assert.equal(r.idNumberMasked, '110***********002X');
  assert.equal(r.phoneMasked, '138****5678');
  assert.equal(r.firstLoad?.balanceAfterFen, 5000);
  assert.equal(r.firstLoad?.tacVerified, true);
  const ef = parseEf0015(card.ef0015);
  assert.equal(ef.enabled, true);
  assert.equal(ef.issueDate, '2026-11-23');
  assert.equal(card.balanceFen, 5000);
  const row = await getCard(fx.station.db, r.cardRef);
  assert.equal(row?.status, 'active');
  assert.equal(row?.deposit_fen, 2000);
  assert.equal(row?.registered, 1);
  assert.equal(row?.holder_name, '张**');
  assert.equal(row?.id_number_hash, await hashIdNumber(fx.station.db, ID.toLowerCase()));
  // Nothing of the ID number in clear anywhere in the database.
  const dump = JSON.stringify(await fx.station.db.all('SELECT * FROM cards')) + JSON.stringify(await fx.station.db.all('SELECT * FROM card_ops'))
    + JSON.stringify(await fx.station.db.all('SELECT payload FROM ledger_entries'));
  assert.ok(!dump.includes('19491231'), 'no clear ID digits stored');
  const balances = await accountBalances(fx.station.db);
  assert.equal(balances.cash_drawer, 57_000, 'the 备用金 from the safe (50,000) and the sale');
  assert.equal(balances.deposits_held, -2000);
  assert.equal(balances.card_float, -5000);
  const kinds = (await readEntries(fx.station.db)).map((e) => e.kind);
  // The training stock received with the station, and the sold card leaving it (issue 17 item 3).
  assert.deepEqual(kinds, ['stock_received', 'shift_open', 'card_sale', 'stock_issued', 'topup']);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('anonymous sale paid by other means, no first load', async () => {
  fx.cards.insert(READER, stockCard('3100000000000002'));
  const r = await issueCard(fx.station, fx.operator, { pay: 'other', reference: 'POS-1' });
  assert.equal(r.registered, false);
  assert.equal(r.firstLoad, null);
  const balances = await accountBalances(fx.station.db);
  assert.equal(balances.other_payment_clearing, 2000);
  assert.equal(balances.deposits_held, -2000);
  assert.equal((await getCard(fx.station.db, r.cardRef))?.registered, 0);
});

test('the salt is made once per station and kept in params', async () => {
  const a = await hashIdNumber(fx.station.db, ID);
  await fx.reopen();
  assert.equal(await hashIdNumber(fx.station.db, ID), a);
  const rows = await fx.station.db.all("SELECT * FROM params WHERE key = 'id_hash_salt'");
  assert.equal(rows.length, 1);
});

for (const [label, setup, input, pattern] of [
  ['an activated card', () => liveCard('3100000000000003', 0), {}, /already activated/],
  ['another city\'s stock card', () => makeLabCard({ kind: 'cpu', city: '2000', enabled: false, id: '2000000000000004' }), {}, /another member city/],
  ['a T-Union card', () => makeLabCard({ kind: 'tunion' }), {}, /T-Union/],
  ['an expired stock card', () => makeLabCard({ kind: 'cpu', enabled: false, expiry: '2020-01-01', id: '3100000000000005' }), {}, /expired/],
  ['a bad ID number', () => stockCard('3100000000000006'), { registration: { name: '张三', idNumber: '110105194912310021' } }, /not a valid resident ID/],
  ['a registration without name', () => stockCard('3100000000000007'), { registration: { idNumber: ID } }, /name/],
  ['a bad phone', () => stockCard('3100000000000008'), { registration: { name: '张三', idNumber: ID, phone: '12345' } }, /mobile/],
  ['a first load below the minimum', () => stockCard('3100000000000009'), { firstLoad: '500' }, /at least/],
  ['too little cash', () => stockCard('3100000000000010'), { tendered: '1000' }, /less than the amount due/],
  ['other payment without reference', () => stockCard('3100000000000011'), { pay: 'other' }, /reference/],
] as const) {
  test(`sale refused: ${label}; nothing written but the audit line`, async () => {
    const card = setup();
    fx.cards.insert(READER, card);
    const entries = await entryCount(fx.station.db);
    const refusals = await refusalCount(fx.station.db);
    await assert.rejects(issueCard(fx.station, fx.operator, input), pattern);
    assert.equal(await entryCount(fx.station.db), entries);
    assert.equal(await refusalCount(fx.station.db), refusals + 1);
    assert.equal((await fx.station.db.all('SELECT * FROM cards')).length, 0);
  });
}

test('a sale without an open shift is refused', async () => {
  const { closeShift } = await import('../../core/workflows/shift.ts');
  await closeShift(fx.station, fx.operator, '10000x5', null);
  fx.cards.insert(READER, stockCard('3100000000000012'));
  await assert.rejects(issueCard(fx.station, fx.operator, {}), (e: unknown) => e instanceof StationError && e.code === 'NO_SHIFT');
});

const TEARS: FaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove'];
for (const kind of TEARS) {
  test(`activation torn (${kind}) at UPDATE BINARY: incomplete, settled on the next placement after a reopen`, async () => {
    const card = stockCard('3100000000000020');
    const torn = faultAt(card, IS_UPDATE_BINARY_SM, kind);
    fx.cards.insert(READER, torn);
    await assert.rejects(issueCard(fx.station, fx.operator, { registration: { name: '王五', idNumber: ID } }), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    assert.ok(torn.fired);
    const committed = parseEf0015(card.ef0015).enabled;
    assert.equal(committed, kind === 'tear-after-commit' || kind === 'response-lost');
    assert.equal(await getCard(fx.station.db, 'cpu:3100000000000020'), undefined, 'no registry row before the sale is settled');
    await fx.reopen();
    fx.cards.insert(READER, card);
    if (committed) {
      // The next attempt settles the earlier sale, then refuses: the card is sold.
      await assert.rejects(issueCard(fx.station, fx.operator, {}), /already activated/);
      const row = await getCard(fx.station.db, 'cpu:3100000000000020');
      assert.equal(row?.status, 'active');
      assert.equal(row?.holder_name, '王*');
      assert.equal((await accountBalances(fx.station.db)).deposits_held, -2000);
    } else {
      const r = await issueCard(fx.station, fx.operator, {});
      assert.equal(r.settled.length, 1);
      assert.equal(r.settled[0]!.outcome, 'aborted');
      assert.equal((await accountBalances(fx.station.db)).deposits_held, -2000);
    }
    const sales = (await readEntries(fx.station.db)).filter((e) => e.kind === 'card_sale');
    assert.equal(sales.length, 1, 'exactly one sale entry');
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}

test('first load torn at CREDIT FOR LOAD: the sale stands, the load settles on the next placement', async () => {
  const card = stockCard('3100000000000021');
  fx.cards.insert(READER, faultAt(card, IS_CREDIT_FOR_LOAD, 'tear-after-commit'));
  await assert.rejects(issueCard(fx.station, fx.operator, { firstLoad: 3000 }), /was sold .* first load failed/);
  await fx.reopen();
  fx.cards.insert(READER, card);
  const { topup } = await import('../../core/workflows/topup.ts');
  const r = await topup(fx.station, fx.operator, { amount: 1000 });
  assert.equal(r.settled[0]?.outcome, 'recorded');
  assert.equal(card.balanceFen, 4000);
  const b = await accountBalances(fx.station.db);
  assert.equal(b.card_float, -4000);
  assert.equal(b.deposits_held, -2000);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});


test('a card put in place of the sold one before its first load is refused CARD_CHANGED, not loaded; the sale stands', async () => {
  const sold = stockCard('3100000000000031');
  const other = liveCard('3100000000000032', 5000);
  // The reader: the stock card until its enable (UPDATE BINARY with SM) is answered, then — the
  // customer's own card slid in its place — every later APDU goes to the other card.
  let active: VirtualCard = sold;
  const reader: VirtualCard = {
    kind: sold.kind,
    atr: () => active.atr(),
    reset: () => active.reset(),
    armFault: (f) => active.armFault(f),
    toJSON: () => active.toJSON(),
    process(apdu) {
      const answer = active.process(apdu);
      if (active === sold && IS_UPDATE_BINARY_SM(apdu)) {
        other.reset();
        active = other;
      }
      return answer;
    },
  };
  fx.cards.insert(READER, reader);
  await assert.rejects(issueCard(fx.station, fx.operator, { firstLoad: 3000, confirmedCard: { reader: READER, asn: '3100000000000031' } }),
    (e) => e instanceof StationError && e.code === 'CARD_CHANGED' && /was sold .* first load failed/.test(e.message));
  assert.equal(other.balanceFen, 5000, 'nothing loaded onto the card put in its place');
  assert.equal(sold.balanceFen, 0);
  const kinds = (await readEntries(fx.station.db)).map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === 'card_sale').length, 1, 'the sale stands');
  assert.equal(kinds.filter((k) => k === 'topup').length, 0, 'no load booked');
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});
