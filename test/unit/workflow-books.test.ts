// The books against the cards after a day of every counter workflow: card_float equals the
// money on live cards, deposits_held the deposits on record, cash_drawer the cash taken in minus
// paid out, customer_payable nothing left owed, fee_income the fees; the chain verifies.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { topup } from '../../core/workflows/topup.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { stockCard } from '../harness/card-faults.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

test('a day of sales, top-ups, refund, damaged exchange, lost report and replacement: books = cards', async () => {
  const live = new Map<string, CpuCard>();
  let cashIn = 0;
  const sell = async (id: string, load: number, idNumber?: string): Promise<CpuCard> => {
    const card = stockCard(id);
    fx.cards.insert(READER, card);
    await issueCard(fx.station, fx.operator, { firstLoad: load, ...(idNumber ? { registration: { name: '周八', idNumber } } : {}) });
    cashIn += 2000 + load;
    live.set(id, card);
    return card;
  };
  await sell('3100000000000601', 5000);
  await sell('3100000000000602', 3000, '11010519491231002X');
  const c3 = await sell('3100000000000603', 8000, '330203199003071232');
  fx.cards.insert(READER, c3);
  await topup(fx.station, fx.operator, { amount: 2000 });
  cashIn += 2000;
  // Refund card 1: balance + deposit out of the drawer, the card leaves circulation.
  fx.cards.insert(READER, live.get('3100000000000601')!);
  const refund = await refundCard(fx.station, fx.operator);
  cashIn -= refund.totalFen;
  live.delete('3100000000000601');
  // Card 3 damaged by the customer: new deposit charged, old one forfeited.
  fx.cards.insert(READER, c3);
  const n3 = stockCard('3100000000000604');
  fx.cards.insert(READER2, n3);
  await exchangeDamagedCard(fx.station, fx.operator, { reader: READER, newReader: READER2, fault: 'customer' });
  cashIn += 2000 + 1000; // the new deposit and the 工本费 (issue 17)
  live.delete('3100000000000603');
  live.set('3100000000000604', n3);
  // Card 2 lost and replaced a week later with the host's balance.
  await reportLost(fx.station, fx.operator, { idNumber: '11010519491231002X' });
  fx.clock.now = new Date(fx.clock.now.getTime() + 7 * 86_400_000);
  fx.station.upstream = { lostCardBalance: async () => ({ balanceFen: live.get('3100000000000602')!.balanceFen }) };
  const n2 = stockCard('3100000000000605');
  fx.cards.remove(READER2);
  fx.cards.insert(READER, n2);
  await replaceLostCard(fx.station, fx.operator, { idNumber: '11010519491231002X' });
  cashIn += 1000; // the replacement's 工本费 (issue 17)
  live.delete('3100000000000602');
  live.set('3100000000000605', n2);

  const b = await accountBalances(fx.station.db);
  const onCards = [...live.values()].reduce((sum, c) => sum + c.balanceFen, 0);
  assert.equal(onCards, 3000 + 10_000);
  assert.equal(-(b.card_float ?? 0), onCards, 'card float = money on live cards');
  const deposits = await fx.station.db.get<{ n: number }>("SELECT SUM(deposit_fen) AS n FROM cards WHERE status = 'active'");
  assert.equal(-(b.deposits_held ?? 0), deposits?.n, 'deposits held = deposits on record');
  assert.equal(b.cash_drawer, 50_000 + cashIn, 'drawer = the float (备用金) + cash in − cash out');
  assert.equal(b.safe, -50_000, 'the float came out of the safe');
  assert.equal(b.customer_payable ?? 0, 0, 'nothing owed to a customer');
  // The forfeited deposit, the refund fee of card 1 (5 % of its ¥50.00) and two 工本费 of ¥10 (the exchange, the replacement; issue 17).
  assert.equal(refund.fee?.chargedFen, 250);
  assert.equal(b.fee_income, -(2000 + 250 + 2000), 'the forfeited deposit, the refund fee and the two 工本费');
  const total = Object.values(b).reduce((s, v) => s + v, 0);
  assert.equal(total, 0, 'debits = credits');
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});
