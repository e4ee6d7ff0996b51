// A stored entry whose payload does not read (issue 15 item 1): correctly chained, so the hash
// chain verifies, but a top-up without its balance after and a kind no release writes. `ledger
// verify` reports each as its own finding, naming the kind and the field; its receipt and the day
// report refuse it (LEDGER_BROKEN) instead of reading zeros.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../common/ids.ts';
import { StationError } from '../../common/errors.ts';
import { dayReportData } from '../../core/day-report.ts';
import { checkLedger } from '../../core/ledger-tools.ts';
import { buildReceipt } from '../../core/receipts.ts';
import { DEFAULT_RECEIPT_SETTINGS } from '../../core/receipt-settings.ts';
import { appendEntry, credit, debit, verifyLedger, type StoredEntry } from '../../db/ledger.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let broken: StoredEntry;
let unknown: StoredEntry;
before(async () => {
  fx = await stationFixture({ openShiftFloatFen: 10_000 });
  const at = fx.clock.now.toISOString();
  const base = { at, stationId: fx.station.config.stationId, operatorId: 'op1', shiftId: null, cardRef: 'cpu:3100000000000601', postings: [] };
  // Past the write door (core/record.ts), as a damaged copy or another program would write them.
  const { balanceAfterFen: _gone, ...withoutBalance } = SAMPLE_PAYLOADS.topup;
  broken = await appendEntry(fx.station.db, { ...base, entryId: newId(fx.clock.now.getTime()), kind: 'topup', amountFen: 5000, payload: withoutBalance, postings: [debit('cash_drawer', 5000), credit('card_float', 5000)] });
  unknown = await appendEntry(fx.station.db, { ...base, entryId: newId(fx.clock.now.getTime()), kind: 'bonus_points', amountFen: 0, payload: { points: 5 } });
});
after(async () => { await fx.cleanup(); });

test('the chain is intact; verify fails with one finding per entry that does not read, naming kind and field', async () => {
  assert.equal((await verifyLedger(fx.station.db)).ok, true, 'the hash chain itself verifies');
  const r = await checkLedger(fx.station.db);
  assert.equal(r.ok, false);
  assert.deepEqual(r.invariantBreaks, []);
  assert.deepEqual(r.unreadableEntries.map((u) => [u.seq, u.entryId, u.kind, u.fields.map((f) => f.field)]), [
    [broken.seq, broken.entryId, 'topup', ['balanceAfterFen']],
    [unknown.seq, unknown.entryId, 'bonus_points', []],
  ]);
  assert.match(r.unreadableEntries[0]!.reason, /^payload does not read: topup payload: balanceAfterFen: /);
  assert.match(r.unreadableEntries[1]!.reason, /unknown ledger event kind "bonus_points"/);
  assert.deepEqual(r.firstBreak, { seq: broken.seq, entryId: broken.entryId, reason: r.unreadableEntries[0]!.reason });
});

test('its receipt and the day report refuse it as LEDGER_BROKEN, naming the entry', async () => {
  const isBroken = (e: unknown): boolean => e instanceof StationError && e.code === 'LEDGER_BROKEN' && e.message.includes(broken.entryId) && /balanceAfterFen/.test(e.message);
  await assert.rejects(buildReceipt(fx.station, broken.entryId, { ...DEFAULT_RECEIPT_SETTINGS }), isBroken);
  await assert.rejects(dayReportData(fx.station.db, fx.station.config, { ...DEFAULT_RECEIPT_SETTINGS }, '2026-11-23', fx.clock.now), isBroken);
});

test('station ledger verify says so: exit 1, each entry named with its kind and field', async () => {
  await fx.station.db.close();
  const r = await runStationInProcess(['ledger', 'verify'], { ...process.env, STATION_HOME: fx.home });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`Ledger broken at entry #${broken.seq} \\(${broken.entryId}\\): payload does not read: topup payload: balanceAfterFen`));
  assert.match(r.stderr, new RegExp(`also entry #${unknown.seq} \\(${unknown.entryId}\\): payload does not read: unknown ledger event kind "bonus_points"`));
  assert.match(r.stderr, /hash chain is intact, but the ledger records .*entries that do not read/);
  const json = await runStationInProcess(['ledger', 'verify', '--json'], { ...process.env, STATION_HOME: fx.home });
  assert.equal(json.code, 1);
  assert.equal((json.json.unreadableEntries as unknown[]).length, 2);
  assert.equal((json.json.error as { code: string }).code, 'LEDGER_BROKEN');
});
