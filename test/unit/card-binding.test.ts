// The card binding (core/card-binding.ts, issue 13): every card-changing workflow checks the card
// in the field against the card the clerk confirmed, before any intent and any card-changing
// command. A card swapped between the confirmation and the commit is refused with CARD_CHANGED
// naming both cards; nothing is written but the audit line, and neither card changes.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CardChangedError } from '../../common/errors.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { bindingMismatch } from '../../core/card-binding.ts';
import { presentCard } from '../../core/card-watch.ts';
import { m1PrintedNumber, makeLabCard } from '../../core/lab/card-specs.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { topup } from '../../core/workflows/topup.ts';
import { count, entryCount, liveCard, stockCard } from '../harness/card-faults.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';

const ID = '11010519491231002X';
const DAY = 86_400_000;
let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

interface Books { entries: number; ops: number; refusals: number }
async function books(): Promise<Books> {
  return {
    entries: await entryCount(fx.station.db),
    ops: await count(fx.station.db, 'SELECT COUNT(*) AS n FROM card_ops'),
    refusals: await count(fx.station.db, "SELECT COUNT(*) AS n FROM audit WHERE outcome = 'refused' AND details LIKE '%CARD_CHANGED%'"),
  };
}

/** Runs `work` with the cards given; it must be refused as CARD_CHANGED naming both numbers, with nothing but one audit line written and no card changed. */
async function expectRefused(work: () => Promise<unknown>, confirmed: string, found: string, cardsInField: VirtualCard[]): Promise<void> {
  const before = await books();
  const states = cardsInField.map((c) => JSON.stringify(c.toJSON()));
  await assert.rejects(work(), (e: unknown) => {
    assert.ok(e instanceof CardChangedError, String(e));
    assert.equal(e.code, 'CARD_CHANGED');
    assert.equal(e.confirmed, confirmed);
    assert.equal(e.found, found);
    assert.match(e.message, new RegExp(`${found}.*${confirmed}`));
    assert.deepEqual(e.toJSON().cards, { confirmed, found });
    return true;
  });
  const after = await books();
  assert.deepEqual(after, { ...before, refusals: before.refusals + 1 }, 'only the audit line is written');
  assert.deepEqual(cardsInField.map((c) => JSON.stringify(c.toJSON())), states, 'no card changed');
}

async function sold(id: string, load: number): Promise<VirtualCard> {
  const card = stockCard(id);
  fx.cards.insert(READER, card);
  await issueCard(fx.station, fx.operator, { ...(load > 0 ? { firstLoad: load } : {}), registration: { name: '孙七', idNumber: ID } });
  fx.cards.remove(READER);
  return card;
}

test('the check itself: number and reader must match; null refuses any card; undefined binds nothing', () => {
  const view = { reader: READER, asn: '3100000000000001', uid: null, cardRef: 'cpu:3100000000000001' };
  assert.equal(bindingMismatch(view, { reader: READER, asn: '3100000000000001' }), null);
  assert.equal(bindingMismatch(view, { reader: READER, asn: '3100000000000001'.toLowerCase() }), null, 'hex in either case');
  assert.equal(bindingMismatch(view, { asn: '3100000000000001' }), null, 'a CLI --card without --reader binds the number only');
  assert.equal(bindingMismatch(view, undefined), null);
  assert.equal(bindingMismatch(view, { reader: READER2, asn: '3100000000000001' })?.code, 'CARD_CHANGED', 'the same number on another reader is not what was confirmed');
  assert.equal(bindingMismatch(view, { reader: READER, asn: '3100000000000002' })?.found, '3100000000000001');
  assert.equal(bindingMismatch(view, { reader: READER, uid: 'A1B2C3D4' })?.code, 'CARD_CHANGED', 'a CPU card is not the confirmed M1 card');
  assert.equal(bindingMismatch(view, null)?.confirmed, null);
  const m1 = { reader: READER, asn: null, uid: 'A1B2C3D4', cardRef: 'm1:A1B2C3D4' };
  assert.equal(bindingMismatch(m1, { reader: READER, uid: 'a1b2c3d4' }), null);
  assert.equal(bindingMismatch(m1, { reader: READER, asn: '3100000000000001' })?.found, 'A1B2C3D4', 'an M1 card without a printed number: its UID');
});

test('an M1 card is named by the number the city prints, in the refusal, both ways (issue 16 item 8)', () => {
  const swapped = { reader: READER, asn: null, uid: 'A1B2C3D5', cardRef: 'm1:A1B2C3D5', cardNo: '79283545' };
  const refusal = bindingMismatch(swapped, { reader: READER, uid: 'A1B2C3D4', cardNo: '79283544' });
  assert.equal(refusal?.code, 'CARD_CHANGED');
  assert.equal(refusal?.found, '79283545', 'the card found, by its printed number');
  assert.equal(refusal?.confirmed, '79283544', 'the card confirmed, by its printed number');
  assert.doesNotMatch(refusal?.message ?? '', /A1B2C3D/, 'no UID in the refusal');
  // The printed number names the card; the UID is what is checked.
  assert.equal(bindingMismatch({ ...swapped, uid: 'A1B2C3D4' }, { reader: READER, uid: 'A1B2C3D4', cardNo: '79283544' }), null);
  assert.equal(bindingMismatch({ ...swapped, cardNo: '79283544' }, { reader: READER, uid: 'A1B2C3D4', cardNo: '79283544' })?.code, 'CARD_CHANGED', 'the same printed number on another chip is another card');
});

test('top-up: the confirmed card loads; another card put in its place is refused, both balances unchanged', async () => {
  const a = liveCard('3100000000000101', 10_000);
  fx.cards.insert(READER, a);
  const ok = await topup(fx.station, fx.operator, { amount: 5000, pay: 'cash', confirmedCard: { reader: READER, asn: '3100000000000101' } });
  assert.equal(ok.balanceAfterFen, 15_000);
  // Card A on the confirmation, card B on the reader when Enter is pressed.
  fx.cards.remove(READER);
  const b = liveCard('3100000000000102', 8000);
  fx.cards.insert(READER, b);
  await expectRefused(() => topup(fx.station, fx.operator, { amount: 5000, pay: 'cash', confirmedCard: { reader: READER, asn: '3100000000000101' } }), '3100000000000101', '3100000000000102', [a, b]);
  assert.equal((b as unknown as { balanceFen: number }).balanceFen, 8000);
  assert.equal((a as unknown as { balanceFen: number }).balanceFen, 15_000);
});

test('sale: a different stock card is not activated', async () => {
  const b = stockCard('3100000000000112');
  fx.cards.insert(READER, b);
  await expectRefused(() => issueCard(fx.station, fx.operator, { firstLoad: 5000, confirmedCard: { reader: READER, asn: '3100000000000111' } }), '3100000000000111', '3100000000000112', [b]);
});

test('refund: another customer\'s card is not blocked or paid out', async () => {
  await sold('3100000000000121', 3000);
  const b = await sold('3100000000000122', 4000);
  fx.cards.insert(READER, b);
  await expectRefused(() => refundCard(fx.station, fx.operator, { confirmedCard: { reader: READER, asn: '3100000000000121' } }), '3100000000000121', '3100000000000122', [b]);
});

test('replacement: a stock card other than the confirmed one is refused before the request is written', async () => {
  await sold('3100000000000131', 5000);
  await reportLost(fx.station, fx.operator, { idNumber: ID });
  fx.clock.now = new Date(fx.clock.now.getTime() + 8 * DAY);
  fx.station.upstream = { lostCardBalance: async () => ({ balanceFen: 5000 }) };
  const b = stockCard('3100000000000133');
  fx.cards.insert(READER, b);
  await expectRefused(() => replaceLostCard(fx.station, fx.operator, { idNumber: ID, reader: READER, confirmedCard: { reader: READER, asn: '3100000000000132' } }), '3100000000000132', '3100000000000133', [b]);
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM requests'), 0, 'no replacement request');
});

test('damaged-card exchange: the old card swapped, or the new card swapped, is refused before the old card is blocked', async () => {
  await sold('3100000000000141', 3000);
  const c = await sold('3100000000000143', 1000);
  const fresh = stockCard('3100000000000142');
  fx.cards.insert(READER, c);
  fx.cards.insert(READER2, fresh);
  const bound = { reader: READER, newReader: READER2, fault: 'quality' };
  await expectRefused(() => exchangeDamagedCard(fx.station, fx.operator, {
    ...bound, confirmedCard: { reader: READER, asn: '3100000000000141' }, confirmedNewCard: { reader: READER2, asn: '3100000000000142' },
  }), '3100000000000141', '3100000000000143', [c, fresh]);
  await expectRefused(() => exchangeDamagedCard(fx.station, fx.operator, {
    ...bound, confirmedCard: { reader: READER, asn: '3100000000000143' }, confirmedNewCard: { reader: READER2, asn: '3100000000000149' },
  }), '3100000000000149', '3100000000000142', [c, fresh]);
});

test('M1 upgrade: another M1 card as the old card, or another stock card as the new one, is refused; nothing zeroed', async () => {
  const other = makeLabCard({ kind: 'm1', id: 'A1B2C4D5', balanceFen: 900 });
  const fresh = stockCard('3100000000000151');
  fx.cards.insert(READER, other);
  fx.cards.insert(READER2, fresh);
  // Both M1 cards named by the number the city prints (the screen sends the confirmed card's along), not by UID.
  await expectRefused(() => migrate(fx.station, fx.operator, {
    oldReader: READER, newReader: READER2, confirmedCard: { reader: READER, uid: 'A1B2C3D4', cardNo: m1PrintedNumber('A1B2C3D4') }, confirmedNewCard: { reader: READER2, asn: '3100000000000151' },
  }), m1PrintedNumber('A1B2C3D4'), m1PrintedNumber('A1B2C4D5'), [other, fresh]);
  await expectRefused(() => migrate(fx.station, fx.operator, {
    oldReader: READER, newReader: READER2, confirmedCard: { reader: READER, uid: 'A1B2C4D5' }, confirmedNewCard: { reader: READER2, asn: '3100000000000159' },
  }), '3100000000000159', '3100000000000151', [other, fresh]);
});

test('the card a confirmation shows names a registered card\'s holder, masked; an anonymous card none', async () => {
  const card = await sold('3100000000000121', 0);
  fx.cards.insert(READER, card);
  const { view } = await presentCard(fx.station, READER);
  assert.ok(view.holder, 'registered: the holder is shown');
  assert.notEqual(view.holder.name, '孙七', 'the name is masked');
  assert.match(view.holder.name ?? '', /^孙\*/);
  assert.match(view.holder.idNumberMasked ?? '', /^110\*+002X$/);
  fx.cards.remove(READER);
  fx.cards.insert(READER, liveCard('3100000000000122', 100));
  assert.equal((await presentCard(fx.station, READER)).view.holder, null);
});
