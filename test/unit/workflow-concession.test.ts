// Card products and 年审 (issue 17 item 2) on a real SQLite ledger with in-process emulated cards:
// a 学生卡 sold registered with its eligibility, its first verified-until date written and read
// back; top-up refused once overdue (clock moved), 年审, top-up again; a torn 年审 settled from the
// card; the refusals a sale and a 年审 give.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { parseConcessionFile } from '../../devices/cpu/concession-file.ts';
import { parseEf0015 } from '../../devices/cpu/files.ts';
import { readEntries, verifyLedger } from '../../db/ledger.ts';
import { getCard } from '../../db/registry.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { topup } from '../../core/workflows/topup.ts';
import { concessionCheck, verifyConcession } from '../../core/workflows/concession.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { faultAt, stockCard } from '../harness/card-faults.ts';

const ID = '11010519491231002X';
/** The 年审 write: UPDATE BINARY with SM on SFI 1C (P1 = 80 | 1C). */
const IS_VERIFY_WRITE = (apdu: Uint8Array): boolean => apdu[0] === 0x04 && apdu[1] === 0xd6 && apdu[2] === 0x9c;
let fx: Fixture;
beforeEach(async () => { fx = await stationFixture({ now: new Date('2026-03-15T02:00:00Z') }); });
afterEach(async () => { await fx.cleanup(); });

const sellStudent = async (asn: string) => {
  const card = stockCard(asn);
  fx.cards.insert(READER, card);
  const r = await issueCard(fx.station, fx.operator, {
    pay: 'cash', tendered: 7000, firstLoad: 5000, cardType: '01', eligibility: '学生证 checked, 第一中学', registration: { name: '张三丰', idNumber: ID },
  });
  return { card, r };
};

test('学生卡: sold verified, topped up, overdue after its month (refused), 年审, topped up again', async () => {
  const { card, r } = await sellStudent('3100000000000101');
  assert.equal(r.cardType, '01');
  // Sold 2026-03-15: six months on is September 2026, the 学生卡 month.
  assert.equal(r.verifiedUntil, '2026-09-30');
  assert.equal(parseEf0015(card.ef0015).cardSubtype, 1);
  assert.deepEqual(parseConcessionFile(card.ef001c!), { cardType: '01', verifiedUntil: '2026-09-30', lastVerified: '2026-03-15', stationId: parseConcessionFile(card.ef001c!).stationId });
  const row = await getCard(fx.station.db, r.cardRef);
  assert.deepEqual([row?.card_type, row?.verified_until], ['01', '2026-09-30']);
  const sale = (await readEntries(fx.station.db)).find((e) => e.kind === 'card_sale')!;
  assert.equal((sale.payload as { eligibility?: string }).eligibility, '学生证 checked, 第一中学');

  // In its month: the top-up goes on, with the reminder.
  fx.clock.now = new Date('2026-09-10T02:00:00Z');
  const due = await topup(fx.station, fx.operator, { amount: 1000 });
  assert.deepEqual(due.concessionDue, { verifiedUntil: '2026-09-30' });

  // The first day after: refused, with the reason and the way out; nothing loaded.
  fx.clock.now = new Date('2026-10-01T02:00:00Z');
  const before = card.balanceFen;
  await assert.rejects(topup(fx.station, fx.operator, { amount: 1000 }), (e: unknown) => e instanceof StationError && e.code === 'POLICY' && e.say?.id === 'concessionOverdue' && /年审/.test(e.hint ?? ''));
  assert.equal(card.balanceFen, before);

  // 年审: read (what it would write), then commit for the confirmed card.
  const check = await concessionCheck(fx.station, fx.operator, {});
  assert.deepEqual([check.state, check.verifiedUntil, check.newVerifiedUntil], ['overdue', '2026-09-30', '2027-09-30']);
  await assert.rejects(verifyConcession(fx.station, fx.operator, { evidence: '学生证 110105194912310' }), (e: unknown) => e instanceof StationError && e.say?.id === 'concessionEvidence');
  const v = await verifyConcession(fx.station, fx.operator, { evidence: '学生证 checked, 第一中学', confirmedCard: { reader: READER, asn: '3100000000000101' } });
  assert.deepEqual([v.previousUntil, v.verifiedUntil, v.verifiedOn], ['2026-09-30', '2027-09-30', '2026-10-01']);
  assert.equal(parseConcessionFile(card.ef001c!).verifiedUntil, '2027-09-30');
  assert.equal((await getCard(fx.station.db, r.cardRef))?.verified_until, '2027-09-30');
  const ev = (await readEntries(fx.station.db)).filter((e) => e.kind === 'concession_verified');
  assert.equal(ev.length, 2, 'the sale\'s first date and the 年审');
  assert.equal(ev[1]!.amountFen, 0);

  const again = await topup(fx.station, fx.operator, { amount: 1000 });
  assert.equal(again.concessionDue, undefined);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

for (const kind of ['tear-after-commit', 'tear-before-commit', 'response-lost'] as const) {
  test(`a torn 年审 write (${kind}) is settled from the card on the next placement`, async () => {
    const { card } = await sellStudent('3100000000000102');
    fx.clock.now = new Date('2026-10-01T02:00:00Z');
    fx.cards.remove(READER);
    const torn = faultAt(card, IS_VERIFY_WRITE, kind);
    fx.cards.insert(READER, torn);
    await assert.rejects(verifyConcession(fx.station, fx.operator, { evidence: '学生证 checked' }), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    assert.ok(torn.fired);
    const written = parseConcessionFile(card.ef001c!).verifiedUntil === '2027-09-30';
    assert.equal(written, kind !== 'tear-before-commit');
    await fx.reopen();
    fx.cards.remove(READER);
    fx.cards.insert(READER, card);
    // The next top-up settles it first: recorded when the card has the date (then it loads), else aborted (then refused as overdue).
    if (written) {
      const t = await topup(fx.station, fx.operator, { amount: 1000 });
      assert.equal(t.settled[0]?.outcome, 'recorded');
      assert.equal((await getCard(fx.station.db, 'cpu:3100000000000102'))?.verified_until, '2027-09-30');
    } else {
      await assert.rejects(topup(fx.station, fx.operator, { amount: 1000 }), /年审 ran out/);
    }
    const entries = (await readEntries(fx.station.db)).filter((e) => e.kind === 'concession_verified');
    assert.equal(entries.length, written ? 2 : 1);
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}

test('a concession card is sold registered only, with its eligibility; 年审 refuses a 普通卡', async () => {
  fx.cards.insert(READER, stockCard('3100000000000103'));
  await assert.rejects(issueCard(fx.station, fx.operator, { cardType: '02', eligibility: '老年证 checked' }), (e: unknown) => e instanceof StationError && e.say?.id === 'concessionNotRegistered');
  await assert.rejects(issueCard(fx.station, fx.operator, { cardType: '02', registration: { name: '王五', idNumber: ID } }), (e: unknown) => e instanceof StationError && e.say?.id === 'concessionEvidence');
  await assert.rejects(issueCard(fx.station, fx.operator, { cardType: '07', registration: { name: '王五', idNumber: ID } }), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT');
  const r = await issueCard(fx.station, fx.operator, { registration: { name: '王五', idNumber: ID } });
  assert.deepEqual([r.cardType, r.verifiedUntil], ['00', null]);
  await assert.rejects(concessionCheck(fx.station, fx.operator, {}), (e: unknown) => e instanceof StationError && e.say?.id === 'concessionNotConcession');
});

test('the card read carries the 年审 state; the fare rules charge an overdue concession card as regular', async () => {
  const { readCard } = await import('../../core/workflows/read-card.ts');
  const { fareTypeOf } = await import('../../core/fares/explain-view.ts');
  await sellStudent('3100000000000104');
  const read = () => fx.station.cards.withCard(READER, (ch) => readCard(fx.station.db, ch, '3100', fx.station.now()));
  const valid = await read();
  assert.deepEqual([valid.cardType, valid.verifiedUntil, valid.concessionState, fareTypeOf(valid)], ['01', '2026-09-30', 'valid', 'student']);
  fx.clock.now = new Date('2026-09-30T15:59:59Z'); // 23:59:59 China time on the last valid day
  assert.deepEqual([(await read()).concessionState, fareTypeOf(await read())], ['due', 'student']);
  fx.clock.now = new Date('2026-09-30T16:00:00Z'); // 2026-10-01 00:00 China time
  const overdue = await read();
  assert.deepEqual([overdue.concessionState, fareTypeOf(overdue)], ['overdue', 'regular']);
  assert.equal(fareTypeOf({ kind: 'cpu', cardType: '02', concessionState: 'valid' }), 'senior');
  assert.equal(fareTypeOf({ kind: 'cpu', cardType: '00' }), 'regular');
});
