// Issue 14 item 2: `station ledger verify` checks the ledger's own invariants, not only its chain.
// A real station database is tampered as issue 14's bugs (or an attacker with sqlite3) would:
// migration 5's guards dropped over a connection of its own (test/harness/raw-sqlite.ts), then correctly chained entries
// appended that the guards forbid — a second close of a shift, a top-up booked into the shift
// after its close, a second lost report of a card. The chain still verifies; verify must fail,
// naming each, while the late settlement of a card op begun before the close stays allowed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../common/ids.ts';
import { closeShift } from '../../core/workflows/shift.ts';
import { appendEntry, credit, debit, verifyLedger, type NewEntry } from '../../db/ledger.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { rawExec } from '../harness/raw-sqlite.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let shiftId: string;
let closeAt: string;

function verify(): Promise<StationRun> {
  return runStation(['ledger', 'verify', '--json'], { ...process.env, STATION_HOME: fx.home }, { timeoutMs: 60_000 });
}

/** An entry of the fixture's station, `ms` after the close. */
function entry(kind: string, ms: number, fields: Partial<NewEntry>): NewEntry {
  const at = new Date(new Date(closeAt).getTime() + ms).toISOString();
  return {
    entryId: newId(new Date(at).getTime()), kind, at, stationId: fx.station.config.stationId, operatorId: 'op1', shiftId, cardRef: null,
    amountFen: 0, payload: {}, postings: [], ...fields,
  };
}

before(async () => {
  fx = await stationFixture({ openShiftFloatFen: 10_000 });
  const closed = await closeShift(fx.station, fx.operator, '10000x1', null);
  shiftId = closed.shiftId;
  closeAt = (await fx.station.db.get<{ at: string }>("SELECT at FROM ledger_entries WHERE kind = 'shift_close'"))!.at;
});
after(async () => { await fx.cleanup(); });

test('a ledger that keeps the rules verifies', async () => {
  const r = await verify();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.invariantBreaks, []);
});

test('with the guards dropped: a second close, a top-up after the close and a second lost report fail verify, each named', async () => {
  const file = fx.station.db.file;
  await rawExec(file, 'DROP TRIGGER ledger_entries_shift_open; DROP TRIGGER ledger_entries_one_close; DROP TRIGGER ledger_entries_one_lost_report; DROP TRIGGER card_ops_shift_open;');
  await fx.reopen(); // a fresh connection, without the dropped triggers in its schema cache
  const db = fx.station.db;
  const card = 'C:3100000000000777';
  const topupAfter = await appendEntry(db, entry('topup', 1000, { cardRef: card, amountFen: 1000, postings: [debit('cash_drawer', 1000), credit('card_float', 1000)] }));
  // A card op begun before the close, settled after it in its own shift (an old station's
  // recovery did so): allowed, the money was taken while the shift was open.
  const settled = await appendEntry(db, entry('topup', 2000, { cardRef: card, amountFen: 500, postings: [debit('cash_drawer', 500), credit('card_float', 500)] }));
  await db.run(`INSERT INTO card_ops (op_id, workflow, card_ref, state, amount_fen, operator_id, shift_id, request, entry_id, created_at, updated_at)
    VALUES (?, 'topup', ?, 'recorded', 500, 'op1', ?, '{}', ?, ?, ?)`, [newId(), card, shiftId, settled.entryId, new Date(new Date(closeAt).getTime() - 1000).toISOString(), settled.at]);
  const secondClose = await appendEntry(db, entry('shift_close', 3000, { payload: { countedFen: 10_000 } }));
  const firstLost = await appendEntry(db, entry('lost_report', 4000, { shiftId: null, cardRef: card }));
  const secondLost = await appendEntry(db, entry('lost_report', 5000, { shiftId: null, cardRef: card }));
  assert.equal((await verifyLedger(db)).ok, true, 'the hash chain itself is intact');
  await db.close();

  const r = await verify();
  assert.equal(r.code, 1);
  const breaks = (r.json.invariantBreaks as Array<{ rule: string; seq: number; entryId: string; reason: string }>).map((b) => [b.rule, b.entryId]);
  assert.deepEqual(breaks, [
    ['nothing-after-close', topupAfter.entryId],
    ['one-close-per-shift', secondClose.entryId],
    ['one-lost-report-per-loss', secondLost.entryId],
  ]);
  assert.ok(!breaks.some(([, id]) => id === settled.entryId || id === firstLost.entryId), 'the settlement and the first report are kept');
  assert.match(r.stderr, new RegExp(`Ledger broken at entry #${topupAfter.seq} \\(${topupAfter.entryId}\\): topup booked into shift ${shiftId} after its close`));
  assert.match(r.stderr, new RegExp(`also entry #${secondClose.seq} .*shift ${shiftId} closed again`));
  assert.match(r.stderr, new RegExp(`also entry #${secondLost.seq} .*card ${card} reported lost again \\(already reported in entry #${firstLost.seq}\\)`));
  assert.match(r.stderr, /hash chain is intact/);
  assert.equal((r.json.error as { code: string }).code, 'LEDGER_BROKEN');
});
