// Refund (退卡): balance + deposit paid in cash, card blocked and kept; the counter limit and the
// supervisor's approval; refusals with only the audit line; tears at APPLICATION BLOCK.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { accountBalances, readEntries, verifyLedger } from '../../db/ledger.ts';
import { updateOp, writeIntent } from '../../db/intents.ts';
import { getCard } from '../../db/registry.ts';
import type { FaultKind } from '../../devices/emulator/virtual-card.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { IS_APPLICATION_BLOCK, entryCount, faultAt, liveCard, refusalCount, stockCard } from '../harness/card-faults.ts';

/** The fixture's shift 备用金: shift_open posts it to the drawer from the safe (issue 17 item 4). */
const FLOAT = 50_000;

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

async function soldCard(id: string, loadFen: number) {
  const card = stockCard(id);
  fx.cards.insert(READER, card);
  await issueCard(fx.station, fx.operator, loadFen > 0 ? { firstLoad: loadFen } : {});
  return card;
}

test('refund of a card sold here: balance + deposit − the 5 % fee in cash, card blocked, registry refunded, books back to the fee', async () => {
  const card = await soldCard('3100000000000101', 6000);
  const r = await refundCard(fx.station, fx.operator);
  assert.equal(r.balanceFen, 6000);
  assert.equal(r.depositFen, 2000);
  assert.equal(r.fee?.chargedFen, 300, '5 % of ¥60.00');
  assert.equal(r.totalFen, 7700);
  assert.equal(r.depositSource, 'registry');
  assert.equal(card.lock, 'temporary');
  const row = await getCard(fx.station.db, r.cardRef);
  assert.equal(row?.status, 'refunded');
  assert.equal(row?.deposit_fen, 0);
  const b = await accountBalances(fx.station.db);
  assert.equal(b.cash_drawer! - FLOAT, 300, 'the fee stays in the drawer');
  assert.equal(b.fee_income, -300);
  assert.equal(b.card_float, 0);
  assert.equal(b.deposits_held, 0);
  const view = await fx.cards.withCard(READER, (c) => readCard(fx.station.db, c, '3100', new Date()));
  assert.ok(view.flags.includes('blocked') && view.flags.includes('refunded'), view.flags.join());
  await assert.rejects(refundCard(fx.station, fx.operator), /blocked/);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('an own-city card the station has no record of: deposit from policy, or none when policy says so', async () => {
  fx.cards.insert(READER, liveCard('3100000000000102', 1500));
  const r = await refundCard(fx.station, fx.operator);
  assert.equal(r.depositSource, 'policy');
  assert.equal(r.fee?.chargedFen, 75, '5 % of ¥15.00');
  assert.equal(r.totalFen, 3425);
  fx.station.policy.refundDepositWithoutRecord = false;
  fx.cards.insert(READER, liveCard('3100000000000103', 800));
  const r2 = await refundCard(fx.station, fx.operator);
  assert.equal(r2.depositSource, 'none');
  assert.equal(r2.fee, null, 'no fee under ¥10.00');
  assert.equal(r2.totalFen, 800);
  const b = await accountBalances(fx.station.db);
  assert.equal(b.cash_drawer! - FLOAT, -4225);
  assert.equal(b.card_float, 2300);
  assert.equal(b.deposits_held, 2000);
  assert.equal((await getCard(fx.station.db, 'cpu:3100000000000103'))?.status, 'refunded');
});

test('above the cash limit: an operator is referred to the main center; a supervisor may refund or approve', async () => {
  fx.cards.insert(READER, liveCard('3100000000000104', 10_001));
  const entries = await entryCount(fx.station.db);
  const refusals = await refusalCount(fx.station.db);
  await assert.rejects(refundCard(fx.station, fx.operator), (e: unknown) => e instanceof StationError && e.code === 'POLICY' && /main service center/.test(e.message));
  assert.equal(await entryCount(fx.station.db), entries);
  assert.equal(await refusalCount(fx.station.db), refusals + 1);
  // An operator cannot approve for another operator.
  await assert.rejects(refundCard(fx.station, fx.operator, { supervisor: fx.operator }), (e: unknown) => e instanceof StationError && e.code === 'FORBIDDEN');
  const r = await refundCard(fx.station, fx.operator, { supervisor: fx.supervisor });
  assert.equal(r.approvedBy, 'sup1');
  assert.equal(r.balanceFen, 10_001);
  // Exactly the limit is a counter refund.
  fx.cards.insert(READER, liveCard('3100000000000105', 10_000));
  assert.equal((await refundCard(fx.station, fx.operator)).approvedBy, null);
});

test('four eyes: a supervisor refunding above the limit needs another supervisor, not themself', async () => {
  const { openShift } = await import('../../core/workflows/shift.ts');
  await openShift(fx.station, fx.supervisor, 0);
  fx.cards.insert(READER, liveCard('3100000000000106', 50_000));
  const entries = await entryCount(fx.station.db);
  await assert.rejects(refundCard(fx.station, fx.supervisor), /above the counter's cash refund limit/);
  await assert.rejects(refundCard(fx.station, fx.supervisor, { supervisor: fx.supervisor }), (e: unknown) => e instanceof StationError && e.code === 'FORBIDDEN' && /own transaction/.test(e.message));
  assert.equal(await entryCount(fx.station.db), entries, 'nothing booked by the refused sign-offs');
  const r = await refundCard(fx.station, fx.supervisor, { supervisor: fx.admin });
  assert.equal(r.approvedBy, 'admin');
});

for (const [label, setup, pattern] of [
  ['another city\'s card', () => makeLabCard({ kind: 'cpu', city: '2000', balanceFen: 100, id: '2000000000000107' }), /another member city/],
  ['an expired card', () => liveCard('3100000000000108', 100, { expiry: '2020-01-01' }), /expired/],
  ['a stock card', () => stockCard('3100000000000109'), /not activated/],
  ['a T-Union card', () => makeLabCard({ kind: 'tunion' }), /T-Union/],
  ['an M1 card', () => makeLabCard({ kind: 'm1', balanceFen: 100 }), /CPU card/],
] as const) {
  test(`refund refused: ${label}; only the audit line is written`, async () => {
    fx.cards.insert(READER, setup());
    const entries = await entryCount(fx.station.db);
    const refusals = await refusalCount(fx.station.db);
    await assert.rejects(refundCard(fx.station, fx.operator), pattern);
    assert.equal(await entryCount(fx.station.db), entries);
    assert.equal(await refusalCount(fx.station.db), refusals + 1);
  });
}

test('refund refused while an incomplete transaction cannot be settled', async () => {
  const card = liveCard('3100000000000110', 2000);
  fx.cards.insert(READER, card);
  // A load this station left in doubt that the card can neither prove nor disprove.
  const opId = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
  await writeIntent(fx.station.db, { opId, workflow: 'topup', cardRef: 'cpu:3100000000000110', amountFen: 1000, operatorId: 'op1', shiftId: null, createdAt: new Date().toISOString(),
    request: { step: { step: 'load', asn: '3100000000000110', cityCode: '3100', amountFen: 1000, terminalId: '010000000001', keyIndex: 1 }, event: { kind: 'topup', cardRef: 'cpu:3100000000000110', amountFen: 1000, payload: {}, postings: [] } } });
  await updateOp(fx.station.db, opId, 'in_doubt', { evidence: { asn: '3100000000000110', cityCode: '3100', amountFen: 1000, terminalId: '010000000001', keyIndex: 1,
    init: { oldBalanceFen: 900, onlineAtc: 7, keyVersion: 1, algorithmId: 0, random: '00000000', mac1: '00000000', raw: '' }, hostDateTime: { date: '20261123', time: '100000' }, mac2: '00000000' } });
  const entries = await entryCount(fx.station.db);
  const refusals = await refusalCount(fx.station.db);
  await assert.rejects(refundCard(fx.station, fx.operator), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE' && /incomplete/.test(e.message));
  assert.equal(await entryCount(fx.station.db), entries);
  assert.equal(await refusalCount(fx.station.db), refusals + 1);
  assert.equal(card.lock, 'none');
});

const TEARS: FaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove'];
for (const kind of TEARS) {
  test(`refund torn (${kind}) at APPLICATION BLOCK: settled on the next placement after a reopen`, async () => {
    const card = await soldCard('3100000000000120', 4000);
    const torn = faultAt(card, IS_APPLICATION_BLOCK, kind);
    fx.cards.insert(READER, torn);
    await assert.rejects(refundCard(fx.station, fx.operator), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    const committed = card.lock !== 'none';
    assert.equal(committed, kind === 'tear-after-commit' || kind === 'response-lost');
    assert.equal((await accountBalances(fx.station.db)).cash_drawer! - FLOAT, 6000, 'no cash paid out while in doubt');
    await fx.reopen();
    fx.cards.insert(READER, card);
    if (committed) {
      // The placement settles the refund (entry recorded, registry refunded); the card is then blocked.
      await assert.rejects(refundCard(fx.station, fx.operator), /blocked/);
      assert.equal((await getCard(fx.station.db, 'cpu:3100000000000120'))?.status, 'refunded');
    } else {
      const r = await refundCard(fx.station, fx.operator);
      assert.equal(r.settled[0]?.outcome, 'aborted');
    }
    const b = await accountBalances(fx.station.db);
    // The fee fixed before the intent is what recovery books: 5 % of ¥40.00.
    assert.equal(b.cash_drawer! - FLOAT, 200);
    assert.equal(b.fee_income, -200);
    assert.equal(b.card_float, 0);
    assert.equal(b.deposits_held, 0);
    assert.equal((await readEntries(fx.station.db)).filter((e) => e.kind === 'refund').length, 1);
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}
