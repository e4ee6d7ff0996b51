// Damaged-card exchange (换卡): readable (block old → activate + load new, two readers),
// quality fault vs customer damage, unreadable (queued request, working days, host balance),
// refusals, tears at APPLICATION BLOCK, UPDATE BINARY and CREDIT FOR LOAD.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { accountBalances, readEntries, verifyLedger } from '../../db/ledger.ts';
import { getCard, isBlacklisted } from '../../db/registry.ts';
import { getRequest } from '../../db/requests.ts';
import { parseEf0015 } from '../../devices/cpu/files.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { FaultKind } from '../../devices/emulator/virtual-card.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { addWorkingDays } from '../../common/china-time.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { IS_APPLICATION_BLOCK, IS_CREDIT_FOR_LOAD, IS_UPDATE_BINARY_SM, entryCount, faultAt, liveCard, refusalCount, stockCard } from '../harness/card-faults.ts';

const ID = '11010519491231002X';
let fx: Fixture;
let host: Map<string, number>;
beforeEach(async () => { fx = await stationFixture(); host = new Map(); attachHost(); });
afterEach(async () => { await fx.cleanup(); });
function attachHost(): void {
  fx.station.upstream = { lostCardBalance: async (asn: string) => (host.has(asn) ? { balanceFen: host.get(asn)! } : null) };
}

async function sold(id: string, load: number, registered = true): Promise<CpuCard> {
  const card = stockCard(id);
  fx.cards.insert(READER, card);
  await issueCard(fx.station, fx.operator, { ...(load > 0 ? { firstLoad: load } : {}), ...(registered ? { registration: { name: '孙七', idNumber: ID } } : {}) });
  return card;
}

const both = { reader: READER, newReader: READER2 };

test('addWorkingDays skips weekends', () => {
  assert.equal(addWorkingDays('2026-11-23', 4), '2026-11-27'); // Monday → Friday
  assert.equal(addWorkingDays('2026-11-26', 4), '2026-12-02'); // Thursday → Wednesday
  assert.equal(addWorkingDays('2026-11-28', 1), '2026-11-30'); // Saturday → Monday
});

test('readable, quality fault: old blocked, balance and deposit move to the new card free', async () => {
  const old = await sold('3100000000000301', 3000);
  const fresh = stockCard('3100000000000302');
  fx.cards.insert(READER2, fresh);
  const before = await accountBalances(fx.station.db);
  const r = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' });
  assert.equal(r.state, 'done');
  if (r.state !== 'done') return;
  assert.equal(r.balanceFen, 3000);
  assert.equal(r.depositFen, 2000);
  assert.equal(r.newDepositChargedFen, 0);
  assert.equal(old.lock, 'temporary');
  assert.equal(parseEf0015(fresh.ef0015).enabled, true);
  assert.equal(fresh.balanceFen, 3000);
  const oldRow = await getCard(fx.station.db, 'cpu:3100000000000301');
  const newRow = await getCard(fx.station.db, 'cpu:3100000000000302');
  assert.equal(oldRow?.status, 'damaged');
  assert.equal(oldRow?.deposit_fen, 0);
  assert.equal(newRow?.status, 'active');
  assert.equal(newRow?.deposit_fen, 2000);
  assert.equal(newRow?.holder_name, '孙*');
  assert.equal(newRow?.id_number_hash, oldRow?.id_number_hash);
  assert.equal((await getRequest(fx.station.db, r.requestId))?.state, 'done');
  const after = await accountBalances(fx.station.db);
  assert.equal(after.customer_payable ?? 0, 0);
  assert.equal(after.card_float, before.card_float);
  assert.equal(after.deposits_held, before.deposits_held);
  assert.equal(after.cash_drawer, before.cash_drawer);
  assert.equal(-(after.card_float ?? 0), fresh.balanceFen, 'card float = money on live cards');
  assert.deepEqual((await readEntries(fx.station.db)).map((e) => e.kind).slice(-4), ['damaged_card_block', 'damaged_exchange_issue', 'stock_issued', 'damaged_exchange_load']);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('readable, customer damage: old deposit forfeited, a new deposit charged in cash', async () => {
  await sold('3100000000000303', 1000);
  fx.cards.insert(READER2, stockCard('3100000000000304'));
  const before = await accountBalances(fx.station.db);
  const r = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'customer', tendered: 5000 });
  assert.equal(r.state === 'done' && r.newDepositChargedFen, 2000);
  assert.equal(r.state === 'done' && r.forfeitedDepositFen, 2000);
  // Since the 工本费 (issue 17): the customer pays the new deposit ¥20 and the schedule's ¥10 card fee.
  assert.equal(r.state === 'done' && r.fee?.chargedFen, 1000);
  assert.equal(r.state === 'done' && r.changeFen, 2000);
  const after = await accountBalances(fx.station.db);
  assert.equal(after.cash_drawer! - before.cash_drawer!, 3000);
  assert.equal(after.fee_income, -3000, 'the forfeited deposit and the 工本费');
  assert.equal(after.deposits_held, before.deposits_held);
  assert.equal(after.card_float, before.card_float);
  assert.equal((await getCard(fx.station.db, 'cpu:3100000000000304'))?.deposit_fen, 2000);
});

test('customer damage without the deposit policy: no charge', async () => {
  fx.station.policy.customerDamageChargesDeposit = false;
  await sold('3100000000000305', 0);
  fx.cards.insert(READER2, stockCard('3100000000000306'));
  const r = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'customer' });
  assert.equal(r.state === 'done' && r.newDepositChargedFen, 0);
  assert.equal(r.state === 'done' && r.loadEntryId, null, 'a zero balance needs no load');
  assert.equal(r.state === 'done' && (await getRequest(fx.station.db, r.requestId))?.state, 'done');
});

for (const [label, oldCard, newCard, input, pattern] of [
  ['no second reader', () => liveCard('3100000000000311', 100), null, { fault: 'quality', reader: READER }, /second reader/],
  ['an unknown damage kind', () => liveCard('3100000000000312', 100), () => stockCard('3100000000000313'), { ...both, fault: 'wear' }, /quality.*customer/],
  ['a new card that is already sold', () => liveCard('3100000000000314', 100), () => liveCard('3100000000000315', 0), { ...both, fault: 'quality' }, /already activated/],
  ['another city\'s card', () => makeLabCard({ kind: 'cpu', city: '2000', balanceFen: 100, id: '2000000000000316' }), () => stockCard('3100000000000317'), { ...both, fault: 'quality' }, /another member city/],
  ['an M1 card', () => makeLabCard({ kind: 'm1', balanceFen: 100 }), () => stockCard('3100000000000318'), { ...both, fault: 'quality' }, /CPU card/],
  ['a stock card as the old card', () => stockCard('3100000000000319'), () => stockCard('3100000000000320'), { ...both, fault: 'quality' }, /never activated/],
] as const) {
  test(`exchange refused: ${label}; the old card untouched, only the audit line written`, async () => {
    const o = oldCard();
    fx.cards.insert(READER, o);
    if (newCard !== null) fx.cards.insert(READER2, newCard());
    const entries = await entryCount(fx.station.db);
    const refusals = await refusalCount(fx.station.db);
    await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, input), pattern);
    assert.equal(await entryCount(fx.station.db), entries);
    assert.equal(await refusalCount(fx.station.db), refusals + 1);
    if (o.kind === 'cpu') assert.equal((o as CpuCard).lock, 'none');
  });
}

test('one-reader counter: old card blocked, swap, new card activated and loaded on the same reader', async () => {
  const old = await sold('3100000000000360', 2200);
  const fresh = stockCard('3100000000000361');
  const swaps: string[] = [];
  const r = await exchangeDamagedCard(fx.station, fx.operator, {
    reader: READER, fault: 'quality',
    swapCards: async (reader) => { swaps.push(reader); fx.cards.insert(reader, fresh); },
  });
  assert.deepEqual(swaps, [READER]);
  assert.equal(r.state, 'done');
  assert.equal(old.lock, 'temporary');
  assert.equal(fresh.balanceFen, 2200);
  assert.equal((await accountBalances(fx.station.db)).customer_payable ?? 0, 0);
});

test('one-reader counter, the customer hands over a used card instead of stock: the balance stays held, the request finishes it', async () => {
  await sold('3100000000000362', 1900);
  const r = await exchangeDamagedCard(fx.station, fx.operator, {
    reader: READER, fault: 'quality',
    swapCards: async (reader) => { fx.cards.insert(reader, liveCard('3100000000000363', 0)); },
  }).then(() => null, (e: unknown) => e);
  assert.ok(r instanceof StationError && /already activated/.test(r.message) && /--request/.test(r.hint ?? ''), String(r));
  assert.equal((await accountBalances(fx.station.db)).customer_payable, -1900);
  const requestId = /request ([0-9A-Z]{26})/.exec(r.message)![1]!;
  fx.cards.insert(READER, stockCard('3100000000000364'));
  await exchangeDamagedCard(fx.station, fx.operator, { request: requestId, reader: READER });
  assert.equal((await accountBalances(fx.station.db)).customer_payable ?? 0, 0);
});

test('an expired card can be exchanged (its balance is still the customer\'s)', async () => {
  fx.cards.insert(READER, liveCard('3100000000000321', 700, { expiry: '2020-01-01' }));
  fx.cards.insert(READER2, stockCard('3100000000000322'));
  const r = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' });
  assert.equal(r.state === 'done' && r.balanceFen, 700);
  assert.equal(r.state === 'done' && r.depositFen, 2000, 'deposit of an unrecorded own-city card from policy');
});

test('unreadable card: queued with a pickup slip after 4 working days, blacklisted; fulfilled with the host balance', async () => {
  const old = await sold('3100000000000330', 1500);
  fx.cards.remove(READER);
  const q = await exchangeDamagedCard(fx.station, fx.operator, { fault: 'quality', unreadable: true, card: '3100000000000330' });
  assert.equal(q.state, 'queued');
  if (q.state !== 'queued') return;
  assert.equal(q.slip.readyFrom, '2026-11-27');
  assert.equal(q.slip.kind, 'damaged');
  assert.equal(q.slip.holderName, '孙*');
  assert.deepEqual(await isBlacklisted(fx.station.db, 'cpu:3100000000000330'), { reason: 'damaged-exchange', source: 'local' });
  assert.equal((await readEntries(fx.station.db)).at(-1)?.kind, 'damaged_card_request');
  // Same card again: the same request.
  const again = await exchangeDamagedCard(fx.station, fx.operator, { fault: 'quality', unreadable: true, card: '3100000000000330' });
  assert.equal(again.requestId, q.requestId);
  const fresh = stockCard('3100000000000331');
  fx.cards.insert(READER2, fresh);
  await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, { request: q.requestId, newReader: READER2 }), /ready from 2026-11-27/);
  fx.clock.now = new Date('2026-11-27T01:00:00Z');
  const refusals = await refusalCount(fx.station.db);
  await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, { request: q.requestId, newReader: READER2 }), (e: unknown) => e instanceof StationError && e.code === 'UPSTREAM');
  assert.equal(await refusalCount(fx.station.db), refusals + 1);
  host.set('3100000000000330', 1500);
  const before = await accountBalances(fx.station.db);
  const r = await exchangeDamagedCard(fx.station, fx.operator, { request: q.requestId, newReader: READER2 });
  assert.equal(r.state, 'done');
  assert.equal(fresh.balanceFen, 1500);
  assert.equal(old.balanceFen, 1500, 'the unreadable card is never touched; the blacklist stops it');
  const after = await accountBalances(fx.station.db);
  assert.equal(after.card_float, before.card_float);
  assert.equal(after.deposits_held, before.deposits_held);
  assert.equal(after.customer_payable, 0);
  assert.equal((await readEntries(fx.station.db)).filter((e) => e.kind === 'damaged_card_out').length, 1);
  assert.equal((await getCard(fx.station.db, 'cpu:3100000000000331'))?.deposit_fen, 2000);
  await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, { request: q.requestId, newReader: READER2 }), /already done/);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

const TEARS: FaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove'];
for (const kind of TEARS) {
  test(`exchange torn (${kind}) at APPLICATION BLOCK of the old card: settled on the next placement after a reopen`, async () => {
    const old = await sold('3100000000000340', 2500);
    const fresh = stockCard('3100000000000341');
    fx.cards.insert(READER, faultAt(old, IS_APPLICATION_BLOCK, kind));
    fx.cards.insert(READER2, fresh);
    await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' }), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    const committed = old.lock !== 'none';
    assert.equal(committed, kind === 'tear-after-commit' || kind === 'response-lost');
    await fx.reopen();
    attachHost();
    fx.cards.insert(READER, old);
    fx.cards.insert(READER2, fresh);
    if (committed) {
      // Placing the old card settles the block (entry + request); the exchange then continues by request.
      await assert.rejects(exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' }), /already blocked/);
      const req = await fx.station.db.get<{ request_id: string }>("SELECT request_id FROM requests WHERE card_ref = 'cpu:3100000000000340'");
      assert.ok(req, 'the request was created by recovery');
      assert.equal((await accountBalances(fx.station.db)).customer_payable, -2500);
      await exchangeDamagedCard(fx.station, fx.operator, { request: req.request_id, newReader: READER2 });
    } else {
      await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' });
    }
    assert.equal(fresh.balanceFen, 2500);
    const b = await accountBalances(fx.station.db);
    assert.equal(b.customer_payable ?? 0, 0);
    assert.equal(b.card_float, -2500);
    assert.equal((await readEntries(fx.station.db)).filter((e) => e.kind === 'damaged_card_block').length, 1);
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}

for (const [step, match] of [['UPDATE BINARY', IS_UPDATE_BINARY_SM], ['CREDIT FOR LOAD', IS_CREDIT_FOR_LOAD]] as const) {
  for (const kind of TEARS) {
    test(`exchange torn (${kind}) at ${step} of the new card: the balance stays owed, finished by request after a reopen`, async () => {
      const old = await sold('3100000000000350', 1800);
      const fresh = stockCard('3100000000000351');
      fx.cards.insert(READER, old);
      fx.cards.insert(READER2, faultAt(fresh, match, kind));
      const err = await exchangeDamagedCard(fx.station, fx.operator, { ...both, fault: 'quality' }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StationError && err.code === 'INCOMPLETE', String(err));
      const requestId = /request ([0-9A-Z]{26})/.exec(err.message)?.[1];
      assert.ok(requestId, err.message);
      assert.match(err.hint ?? '', /station exchange --request/);
      await fx.reopen();
      attachHost();
      fx.cards.insert(READER2, fresh);
      const r = await exchangeDamagedCard(fx.station, fx.operator, { request: requestId, newReader: READER2 });
      assert.equal(r.state, 'done');
      assert.equal(fresh.balanceFen, 1800);
      const entries = await readEntries(fx.station.db);
      assert.equal(entries.filter((e) => e.kind === 'damaged_exchange_issue').length, 1);
      assert.equal(entries.filter((e) => e.kind === 'damaged_exchange_load').length, 1);
      const b = await accountBalances(fx.station.db);
      assert.equal(b.customer_payable ?? 0, 0);
      assert.equal(b.card_float, -1800);
      assert.equal(b.deposits_held, -2000);
      assert.equal((await getRequest(fx.station.db, requestId))?.state, 'done');
      assert.equal((await verifyLedger(fx.station.db)).ok, true);
    });
  }
}
