// Top-up on a real SQLite ledger with in-process emulated cards: the money, the refusals,
// and recovery of a load torn at every fault kind.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import { addToBlacklist } from '../../db/registry.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { FaultKind } from '../../devices/emulator/virtual-card.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { topup } from '../../core/workflows/topup.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

/** The fixture's shift 备用金: shift_open posts it to the drawer from the safe (issue 17 item 4). */
const FLOAT = 50_000;

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

function cpu(balanceFen = 0, extra: Parameters<typeof makeLabCard>[0] = { kind: 'cpu' }): CpuCard {
  return makeLabCard({ ...extra, kind: 'cpu', balanceFen, id: extra.id ?? '0000000000012345' }) as CpuCard;
}

async function auditRefusals(): Promise<number> {
  const row = await fx.station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE outcome = 'refused'");
  return row?.n ?? 0;
}
async function entryCount(): Promise<number> {
  const row = await fx.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries');
  return row?.n ?? 0;
}

test('cash top-up: card, ledger, drawer and TAC agree', async () => {
  const card = cpu(500);
  fx.cards.insert(READER, card);
  const r = await topup(fx.station, fx.operator, { amount: '5000', pay: 'cash', tendered: '10000' });
  assert.equal(r.balanceBeforeFen, 500);
  assert.equal(r.balanceAfterFen, 5500);
  assert.equal(r.changeFen, 5000);
  assert.equal(r.tacVerified, true);
  assert.match(r.tac, /^[0-9A-F]{8}$/);
  assert.equal(card.balanceFen, 5500);
  const balances = await accountBalances(fx.station.db);
  assert.equal(balances.cash_drawer! - FLOAT, 5000);
  assert.equal(balances.card_float, -5000);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('other payment needs a reference and books to clearing', async () => {
  fx.cards.insert(READER, cpu(0));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000, pay: 'other' }), /reference/);
  await topup(fx.station, fx.operator, { amount: 2000, pay: 'other', reference: 'POS-778' });
  assert.equal((await accountBalances(fx.station.db)).other_payment_clearing, 2000);
});

for (const [label, amount, pattern] of [
  ['zero', '0', /more than 0/],
  ['negative', '-5', /whole number of fen/],
  ['non-numeric', 'abc', /whole number of fen/],
  ['decimal yuan', '12.50', /whole number of fen/],
  ['below the minimum', '999', /at least/],
  ['over the balance limit', '100001', /limit/],
] as const) {
  test(`bad amount (${label}) is refused, nothing but the audit line is written`, async () => {
    fx.cards.insert(READER, cpu(0));
    const before = await entryCount();
    const refusals = await auditRefusals();
    await assert.rejects(topup(fx.station, fx.operator, { amount }), pattern);
    assert.equal(await entryCount(), before);
    assert.equal(await auditRefusals(), refusals + 1);
  });
}

test('balance limit counts what is already on the card', async () => {
  fx.cards.insert(READER, cpu(99_000));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), /above the limit/);
});

test('blacklisted, expired, not-enabled and T-Union cards are refused clearly', async () => {
  // The fixture's own entries (shift_open, a training station's stock) before the refusals.
  const entriesBefore = await entryCount();
  await addToBlacklist(fx.station.db, 'cpu:0000000000012345', 'lost', 'upstream', new Date());
  fx.cards.insert(READER, cpu(0));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), /blacklisted/);
  fx.cards.insert(READER, cpu(0, { kind: 'cpu', id: '0000000000099999', expiry: '2020-01-01' }));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), /expired/);
  fx.cards.insert(READER, cpu(0, { kind: 'cpu', id: '0000000000088888', enabled: false }));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), /not activated/);
  fx.cards.insert(READER, makeLabCard({ kind: 'tunion' }));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), /T-Union/);
  assert.equal(await entryCount(), entriesBefore, 'no refusal wrote an entry');
});

test('a top-up without an open shift is refused', async () => {
  const { closeShift } = await import('../../core/workflows/shift.ts');
  await closeShift(fx.station, fx.operator, '10000x5', null);
  fx.cards.insert(READER, cpu(0));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }), (e: unknown) => e instanceof StationError && e.code === 'NO_SHIFT');
});

const TEARS: FaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove'];
for (const kind of TEARS) {
  test(`load torn (${kind}) at CREDIT FOR LOAD: incomplete, then settled on the next placement`, async () => {
    const card = cpu(1000);
    const ch = fx.cards.insert(READER, card);
    // APDUs of a top-up: SELECT (FCI carries EF 0015), GET BALANCE, INITIALIZE, CREDIT (no log read).
    const before = ch.apduCount;
    card.armFault({ kind, atApdu: 3 });
    await assert.rejects(topup(fx.station, fx.operator, { amount: 3000 }), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    assert.equal(ch.apduCount - before, 4, 'the fault hit CREDIT FOR LOAD');
    const committed = card.balanceFen === 4000;
    assert.equal(committed, kind === 'tear-after-commit' || kind === 'response-lost');
    // Process death between the card and the ledger write: reopen the database.
    await fx.reopen();
    fx.cards.insert(READER, card);
    const view = await fx.cards.withCard(READER, (c) => readCard(fx.station.db, c, '3100', new Date()));
    assert.equal(view.incomplete.length, 1, 'the card panel shows the incomplete transaction');
    // The next top-up settles it first, then loads.
    const r = await topup(fx.station, fx.operator, { amount: 1000 });
    assert.equal(r.settled.length, 1);
    assert.equal(r.settled[0]!.outcome, committed ? 'recorded' : 'aborted');
    assert.equal(card.balanceFen, (committed ? 4000 : 1000) + 1000);
    const balances = await accountBalances(fx.station.db);
    assert.equal(-(balances.card_float ?? 0), card.balanceFen - 1000, 'card float equals what the station loaded');
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}
