// Issue 14 items 1 and 7: every check that guards a write holds inside that write. Parallel
// identical requests give one success and clear refusals (shift close, shift open, lost report),
// an entry is never booked into a closed shift (a top-up racing the close), parallel wrong PINs
// lock the account at MAX_PIN_ATTEMPTS, refused logins read the same whoever asks, a sign-off
// needs a second person, and every money field has its limit. Real SQLite file, in-process cards.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { appendEntry, readEntries, verifyLedger } from '../../db/ledger.ts';
import { writeIntent } from '../../db/intents.ts';
import { getStaff, MAX_PIN_ATTEMPTS } from '../../db/staff.ts';
import { authenticate, LOGIN_REFUSED } from '../../core/auth.ts';
import type { CardAccess } from '../../core/card-access.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { currentShift } from '../../db/shifts.ts';
import { topup } from '../../core/workflows/topup.ts';
import { settleCardOps, type SettledOp } from '../../core/card-settlers.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { IS_CREDIT_FOR_LOAD, count, liveCard, stockCard } from '../harness/card-faults.ts';
import { topupIntent } from '../harness/intent-samples.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture({ openShiftFloatFen: 10_000 }); });
afterEach(async () => { await fx.cleanup(); });

const code = (e: unknown): string => (e instanceof StationError ? e.code : `not a StationError: ${String(e)}`);

/** Settles every promise; the fulfilled values and the rejections' codes. */
async function outcomes<T>(runs: Promise<T>[]): Promise<{ ok: T[]; refused: string[] }> {
  const settled = await Promise.allSettled(runs);
  return {
    ok: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    refused: settled.flatMap((s) => (s.status === 'rejected' ? [code(s.reason)] : [])),
  };
}

/** Ledger invariant: nothing of a shift after its shift_close, one shift_close per shift. */
async function assertShiftsClean(): Promise<void> {
  const entries = await readEntries(fx.station.db);
  const closedAt = new Map<string, number>();
  for (const e of entries) {
    if (e.shiftId === null) continue;
    assert.ok(!closedAt.has(e.shiftId), `entry ${e.seq} (${e.kind}) booked into shift ${e.shiftId} after its close at seq ${closedAt.get(e.shiftId)}`);
    if (e.kind === 'shift_close') closedAt.set(e.shiftId, e.seq);
  }
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
}

test('4 parallel shift closes: one closes, three are refused (NO_SHIFT), one shift_close entry', async () => {
  const shift = await currentShift(fx.station.db, 'op1');
  const r = await outcomes([1, 2, 3, 4].map(() => closeShift(fx.station, fx.operator, '10000x1', null)));
  assert.equal(r.ok.length, 1);
  assert.deepEqual(r.refused, ['NO_SHIFT', 'NO_SHIFT', 'NO_SHIFT']);
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_close' AND shift_id = ?", [shift!.shift_id]), 1);
  await assertShiftsClean();
});

test('4 parallel closes with a signed-off ¥50 shortage: the shortage is booked once', async () => {
  const r = await outcomes([1, 2, 3, 4].map(() => closeShift(fx.station, fx.operator, '5000x1', fx.supervisor)));
  assert.equal(r.ok.length, 1);
  assert.equal(r.ok[0]!.differenceFen, -5000);
  assert.equal(r.refused.length, 3);
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'cash_difference'"), 1);
  assert.equal(await count(fx.station.db, "SELECT COALESCE(SUM(debit_fen), 0) AS n FROM postings WHERE account = 'cash_over_short'"), 5000);
  await assertShiftsClean();
});

test('parallel shift opens: one opens, the others are refused inside the write', async () => {
  await closeShift(fx.station, fx.operator, '10000x1', null);
  const r = await outcomes([1, 2, 3, 4].map(() => openShift(fx.station, fx.operator, 10_000)));
  assert.equal(r.ok.length, 1);
  assert.deepEqual(r.refused, ['POLICY', 'POLICY', 'POLICY']);
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM shifts WHERE closed_at IS NULL'), 1);
});

test('four eyes: a supervisor cannot sign off their own shortage; another supervisor can', async () => {
  await openShift(fx.station, fx.supervisor, 10_000);
  const entries = await count(fx.station.db, 'SELECT COUNT(*) AS n FROM ledger_entries');
  await assert.rejects(closeShift(fx.station, fx.supervisor, '5000x1', fx.supervisor), (e: unknown) => code(e) === 'FORBIDDEN' && /own transaction/.test((e as Error).message));
  await assert.rejects(closeShift(fx.station, fx.operator, '5000x1', fx.operator), (e: unknown) => code(e) === 'FORBIDDEN');
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM ledger_entries'), entries, 'nothing booked');
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM audit WHERE action = 'sign-off' AND outcome = 'refused'"), 2);
  const r = await closeShift(fx.station, fx.supervisor, '5000x1', fx.admin);
  assert.equal(r.signedOffBy, 'admin');
});

async function soldRegistered(id: string): Promise<void> {
  fx.cards.insert(READER, stockCard(id));
  await issueCard(fx.station, fx.operator, { registration: { name: '赵六', idNumber: '11010519491231002X', phone: '13912345678' } });
  fx.cards.remove(READER);
}

test('4 parallel lost reports with a fee: one lost_report, one fee, three clear refusals', async () => {
  await soldRegistered('3100000000000301');
  fx.station.policy.lostReportFeeFen = 500;
  const r = await outcomes([1, 2, 3, 4].map(() => reportLost(fx.station, fx.operator, { idNumber: '11010519491231002X', pay: 'cash' })));
  assert.equal(r.ok.length, 1);
  assert.deepEqual(r.refused, ['POLICY', 'POLICY', 'POLICY']);
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'lost_report'"), 1);
  assert.equal(await count(fx.station.db, "SELECT COALESCE(SUM(credit_fen), 0) AS n FROM postings WHERE account = 'fee_income'"), 500);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

/** The station's cards, with `beforeCredit` awaited just before CREDIT FOR LOAD reaches the card. */
function holdBeforeCredit(inner: CardAccess, beforeCredit: () => Promise<void>): CardAccess {
  return {
    readers: () => inner.readers(),
    close: () => inner.close(),
    withCard: (reader, fn) => inner.withCard(reader, (ch) => fn({
      readerName: ch.readerName, atr: ch.atr,
      transmit: async (apdu) => {
        if (IS_CREDIT_FOR_LOAD(apdu)) await beforeCredit();
        return ch.transmit(apdu);
      },
    })),
  };
}

test('a top-up whose shift closes between its intent and CREDIT is recorded outside the closed shift', async () => {
  const shift = await currentShift(fx.station.db, 'op1');
  fx.cards.insert(READER, liveCard('3100000000000311', 1000));
  const inner = fx.station.cards;
  fx.station.cards = holdBeforeCredit(inner, async () => {
    await closeShift(fx.station, fx.operator, '10000x1', null);
  });
  const r = await topup(fx.station, fx.operator, { amount: 2000 });
  fx.station.cards = inner;
  const [entry] = await readEntries(fx.station.db, 'entry_id = ?', [r.entryId]);
  assert.equal(entry!.shiftId, null, 'booked outside the closed shift, not after its close');
  assert.equal(r.balanceAfterFen, 3000);
  const op = await fx.station.db.get<{ shift_id: string; state: string }>('SELECT shift_id, state FROM card_ops WHERE entry_id = ?', [r.entryId]);
  assert.deepEqual(op, { shift_id: shift!.shift_id, state: 'recorded' }, 'the op keeps the shift it started in');
  await assertShiftsClean();
});

// The concurrent simulation's topup-vs-close on a full disk (seed 880): the load reached the card
// and its entry could not be written. The top-up's own answer is "incomplete, do not do it
// again" (never "disk full, nothing was written"); the DISK_FULL of that run was the next
// shift's opening, which the simulation had taken as the top-up's answer (test/sim/ui-concurrent.ts).
test('a top-up racing the close whose entry cannot be written (disk full) is answered INCOMPLETE, and recorded when the card returns', async () => {
  fx.cards.insert(READER, liveCard('3100000000000313', 1000));
  const inner = fx.station.cards;
  fx.station.cards = holdBeforeCredit(inner, async () => {
    await closeShift(fx.station, fx.operator, '10000x1', null);
  });
  const db = fx.station.db;
  const realRun = db.run.bind(db);
  // Refused NO_SHIFT in its shift, the entry is written outside any shift: that write finds the disk full.
  db.run = (async (sql: string, params?: unknown[]) => {
    if (sql.includes('INSERT INTO ledger_append') && (params as unknown[])[2] === 'topup' && (params as unknown[])[6] === null) {
      throw new StationError('DISK_FULL', 'The disk is full: nothing was written', 'Free disk space on the station PC, then retry');
    }
    return realRun(sql, params as never);
  }) as typeof db.run;
  try {
    await assert.rejects(topup(fx.station, fx.operator, { amount: 2000 }),
      (e: unknown) => code(e) === 'INCOMPLETE' && /has the change, but the station could not record it/.test((e as Error).message));
  } finally {
    db.run = realRun;
    fx.station.cards = inner;
  }
  const [open] = await db.all<{ op_id: string; state: string }>("SELECT op_id, state FROM card_ops WHERE card_ref = 'cpu:3100000000000313'");
  assert.equal(open?.state, 'intent', 'the op stays open');
  // Space freed, the card placed again: the load is recorded from the card, outside the closed shift.
  const settled = await fx.station.cards.withCard(READER, (channel) => settleCardOps(fx.station, channel, 'cpu:3100000000000313'));
  assert.deepEqual(settled.map((o) => o.outcome), ['recorded']);
  const [entry] = await readEntries(db, 'entry_id = ?', [settled[0]!.entryId!]);
  assert.equal(entry!.shiftId, null);
  await assertShiftsClean();
});

test('a top-up that reaches its intent after the close is refused before the card changes', async () => {
  const shift = await currentShift(fx.station.db, 'op1');
  await closeShift(fx.station, fx.operator, '10000x1', null);
  // The intent of a closed shift: refused by the write itself (as when the close won the race).
  await assert.rejects(writeIntent(fx.station.db, {
    opId: '01J0000000000000000000000A', workflow: 'topup', cardRef: 'cpu:3100000000000312', amountFen: 100, operatorId: 'op1', shiftId: shift!.shift_id, request: topupIntent('cpu:3100000000000312', 100), createdAt: fx.clock.now.toISOString(),
  }), (e: unknown) => code(e) === 'NO_SHIFT');
  // Nor can any entry be appended to it (only a card op's entry is moved out, see above).
  await assert.rejects(appendEntry(fx.station.db, {
    entryId: '01J0000000000000000000000B', kind: 'topup', at: fx.clock.now.toISOString(), stationId: fx.station.config.stationId, operatorId: 'op1', shiftId: shift!.shift_id,
    cardRef: null, amountFen: 0, payload: {}, postings: [],
  }), (e: unknown) => code(e) === 'NO_SHIFT');
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM card_ops'), 0);
});

test('top-ups racing shift closes, 8 rounds: nothing ever lands after its shift close', async () => {
  for (let round = 0; round < 8; round++) {
    fx.cards.insert(READER, liveCard(`31000000000003${String(20 + round)}`, 0));
    await Promise.allSettled([
      topup(fx.station, fx.operator, { amount: 1000 }),
      closeShift(fx.station, fx.operator, '10000x1', fx.supervisor),
    ]);
    fx.cards.remove(READER);
    await closeShift(fx.station, fx.operator, '10000x2', fx.supervisor).catch(() => undefined);
    await openShift(fx.station, fx.operator, 10_000);
  }
  await assertShiftsClean();
});

// Found by the concurrent simulation (two top-ups of one card): a load's entry is written while
// its card is already released, so the next request on that card can settle the op from the
// card first. The load's own write then found its op closed and answered INTERNAL
// ("recorded → recorded is not allowed") for a load that is on the card and in the ledger.
test('a top-up whose op is settled from the card before its own entry is written answers with that entry, booked once', async () => {
  const card = liveCard('3100000000000331', 1000);
  fx.cards.insert(READER, card);
  const db = fx.station.db;
  const realRun = db.run.bind(db);
  let settledFirst: SettledOp[] = [];
  let intercepted = false;
  db.run = (async (sql: string, params?: unknown[]) => {
    if (!intercepted && sql.includes('INSERT INTO ledger_append') && (params as unknown[])[2] === 'topup') {
      intercepted = true;
      // Another request takes the card before this entry is written, and settles the open op.
      settledFirst = await fx.station.cards.withCard(READER, (channel) => settleCardOps(fx.station, channel, 'cpu:3100000000000331'));
    }
    return realRun(sql, params as never);
  }) as typeof db.run;
  let r: Awaited<ReturnType<typeof topup>>;
  try {
    r = await topup(fx.station, fx.operator, { amount: 2000 });
  } finally {
    db.run = realRun;
  }
  assert.deepEqual(settledFirst.map((o) => o.outcome), ['recorded'], 'the settlement recorded the load first');
  assert.equal(r.entryId, settledFirst[0]!.entryId, 'the answer is the entry the settlement wrote');
  assert.equal(r.balanceAfterFen, 3000);
  assert.equal(card.balanceFen, 3000);
  assert.equal(await count(db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'topup'"), 1, 'booked once');
  assert.equal((await verifyLedger(db)).ok, true);
});

for (const n of [12, 100]) {
  test(`${n} parallel wrong PINs lock the account at ${MAX_PIN_ATTEMPTS}; the right PIN is then refused`, async () => {
    const r = await outcomes(Array.from({ length: n }, (_, i) => authenticate(fx.station.db, 'sup1', String(4000 + i), fx.clock.now)));
    assert.equal(r.ok.length, 0);
    const staff = await getStaff(fx.station.db, 'sup1');
    assert.ok(staff?.locked_until !== null, 'locked');
    assert.equal(staff?.failed_attempts, MAX_PIN_ATTEMPTS);
    // Only MAX_PIN_ATTEMPTS guesses were compared: MAX − 1 'wrong', then every other one 'locked'.
    assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM audit WHERE action = 'login' AND actor = 'sup1' AND details LIKE '%\"wrong\"%'"), MAX_PIN_ATTEMPTS - 1);
    await assert.rejects(authenticate(fx.station.db, 'sup1', '3333', fx.clock.now), (e: unknown) => code(e) === 'AUTH');
    // After the lock runs out, the right PIN works again and the count starts afresh.
    fx.clock.now = new Date(fx.clock.now.getTime() + 16 * 60_000);
    const actor = await authenticate(fx.station.db, 'sup1', '3333', fx.clock.now);
    assert.equal(actor.staffId, 'sup1');
    assert.equal((await getStaff(fx.station.db, 'sup1'))?.failed_attempts, 0);
  });
}

test('a refused login reads the same for an unknown id, a wrong PIN, a locked and a disabled account', async () => {
  await addStaff(fx.station, fx.admin, { staffId: 'op9', name: '王五', role: 'operator', pin: '9999' });
  await fx.station.db.run("UPDATE staff SET active = 0 WHERE staff_id = 'op9'");
  const answers: string[] = [];
  const refusal = async (staffId: string, pin: string) => {
    const err = await authenticate(fx.station.db, staffId, pin, fx.clock.now).then(() => null, (e: unknown) => e as StationError);
    assert.ok(err !== null, `${staffId} was let in`);
    answers.push(JSON.stringify(err.toJSON()));
  };
  await refusal('nobody', '1234');
  await refusal('op1', '0000');
  await refusal('op9', '9999');
  for (let i = 0; i < MAX_PIN_ATTEMPTS; i++) await refusal('sup1', '0000');
  await refusal('sup1', '3333');
  assert.equal(new Set(answers).size, 1, answers.join('\n'));
  assert.match(answers[0]!, new RegExp(LOGIN_REFUSED));
  assert.doesNotMatch(answers[0]!, /tries left|locked until|op1|sup1|nobody/);
});

test('limits: the float, cash tendered and the drawer count are BAD_INPUT naming the limit, never INTERNAL', async () => {
  await closeShift(fx.station, fx.operator, '10000x1', null);
  const bad = (limit: RegExp) => (e: unknown) => code(e) === 'BAD_INPUT' && limit.test((e as Error).message);
  await assert.rejects(openShift(fx.station, fx.operator, 100_000_001), bad(/limit of 1000000 fen/));
  await assert.rejects(openShift(fx.station, fx.operator, -1), bad(/float/));
  await assert.rejects(openShift(fx.station, fx.operator, 1.5), bad(/float/));
  await openShift(fx.station, fx.operator, 10_000);
  fx.cards.insert(READER, liveCard('3100000000000331', 0));
  await assert.rejects(topup(fx.station, fx.operator, { amount: 1000, tendered: '999999999999999' }), bad(/limit of 1000000 fen/));
  // Repeated denominations add up against the per-denomination cap; the total has its own.
  await assert.rejects(closeShift(fx.station, fx.operator, '10000x6000,10000x6000', null), bad(/12000 pieces of 10000 fen is above the limit of 10000/));
  await assert.rejects(closeShift(fx.station, fx.operator, '10000x10000,5000x10000,1x1', null), bad(/limit of 20000 pieces/));
  fx.station.policy.maxPiecesTotal = 100_000;
  await assert.rejects(closeShift(fx.station, fx.operator, '10000x10000,5000x10000', null), bad(/limit of 10000000 fen/));
  await assert.rejects(closeShift(fx.station, fx.operator, `10000x${'9'.repeat(30)}`, null), bad(/not DENOMINATIONxCOUNT/));
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM shifts WHERE closed_at IS NULL AND operator_id = 'op1'"), 1, 'still open');
});
