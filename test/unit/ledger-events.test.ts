// common/ledger-events.ts: a payload of every kind as the workflows write it parses to its
// typed event; a missing or mistyped field is refused naming the kind and the field; an
// unknown kind is refused; and the write door (core/record.ts) refuses such a payload before
// anything is written.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { LEDGER_EVENT_KINDS, LedgerEventError, parseLedgerEvent } from '../../common/ledger-events.ts';
import { StationError } from '../../common/errors.ts';
import { record } from '../../core/record.ts';
import { SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';
import { entryCount } from '../harness/card-faults.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

test('a good payload of every kind parses, with its kind', () => {
  // The release's 20 kinds and those added since (issue 17); SAMPLE_PAYLOADS must name each.
  assert.ok(LEDGER_EVENT_KINDS.length >= 24);
  assert.deepEqual(Object.keys(SAMPLE_PAYLOADS).sort(), [...LEDGER_EVENT_KINDS].sort());
  for (const kind of LEDGER_EVENT_KINDS) {
    const r = parseLedgerEvent(kind, SAMPLE_PAYLOADS[kind]);
    assert.ok(r.ok, `${kind}: ${r.ok ? '' : r.problem.message}`);
    assert.equal(r.event.kind, kind);
  }
});

test('the parsed view is typed: a top-up gives its figures as numbers', () => {
  const r = parseLedgerEvent('topup', SAMPLE_PAYLOADS.topup);
  assert.ok(r.ok);
  if (r.event.kind !== 'topup') throw new Error('not a top-up');
  const sum: number = r.event.payload.balanceBeforeFen + r.event.payload.onlineAtc;
  assert.equal(sum, 0);
  assert.equal(r.event.payload.tac, '5CB47B88');
});

test('a missing field of every kind is refused, naming the kind and the field', () => {
  for (const kind of LEDGER_EVENT_KINDS) {
    for (const field of Object.keys(SAMPLE_PAYLOADS[kind])) {
      const { [field]: _gone, ...rest } = SAMPLE_PAYLOADS[kind];
      const r = parseLedgerEvent(kind, rest);
      // Optional fields (a payment's tendered/change, a load's host date/time, …) may be absent.
      if (r.ok) continue;
      assert.equal(r.problem.kind, kind);
      assert.deepEqual(r.problem.fields.map((f) => f.field), [field], `${kind} without ${field}`);
      assert.match(r.problem.message, new RegExp(`^${kind} payload: ${field}: `));
    }
  }
  // The fields every reader relies on are among the required ones.
  for (const [kind, field] of [['topup', 'balanceAfterFen'], ['topup', 'onlineAtc'], ['card_sale', 'depositFen'], ['refund', 'balanceFen'], ['migrate_done', 'migrationId'], ['damaged_exchange_issue', 'newDepositChargedFen']] as const) {
    const { [field]: _gone, ...rest } = SAMPLE_PAYLOADS[kind] as Record<string, unknown>;
    assert.equal(parseLedgerEvent(kind, rest).ok, false, `${kind} without ${field}`);
  }
});

test('a mistyped field is refused, naming it: text for fen, a fraction of a fen, a bad enum, a bad ASN', () => {
  for (const [kind, field, value] of [
    ['topup', 'balanceAfterFen', '5000'], ['card_sale', 'depositFen', 20.5], ['refund', 'balanceFen', -1], ['migrate_out', 'deposit', 'keep'],
    ['topup', 'asn', 'not-an-asn'], ['lost_report', 'blacklist', false], ['shift_close', 'counted', [1, 2]], ['topup', 'pay', 'card'],
  ] as const) {
    const r = parseLedgerEvent(kind, { ...SAMPLE_PAYLOADS[kind], [field]: value });
    assert.equal(r.ok, false, `${kind}.${field} = ${JSON.stringify(value)}`);
    if (r.ok) continue;
    assert.equal(r.problem.kind, kind);
    assert.equal(r.problem.fields[0]?.field, field);
  }
  const notObject = parseLedgerEvent('shift_open', 5);
  assert.equal(notObject.ok, false);
});

test('an unknown kind is refused as such', () => {
  const r = parseLedgerEvent('note', {});
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.problem.message, /unknown ledger event kind "note"/);
});

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture({ openShiftFloatFen: null }); });
afterEach(async () => { await fx.cleanup(); });

test('the write door refuses a payload that does not parse: a typed error, nothing written', async () => {
  const before = await entryCount(fx.station.db);
  const base = { operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] };
  const { tac: _t, balanceAfterFen: _b, ...broken } = SAMPLE_PAYLOADS.topup;
  await assert.rejects(record(fx.station, { ...base, kind: 'topup', payload: broken }), (e: unknown) => {
    assert.ok(e instanceof LedgerEventError);
    assert.ok(e instanceof StationError && e.code === 'INTERNAL');
    assert.deepEqual(e.problem.fields.map((f) => f.field), ['balanceAfterFen']);
    assert.match(e.message, /topup payload: balanceAfterFen/);
    return true;
  });
  await assert.rejects(record(fx.station, { ...base, kind: 'note', payload: {} }), /unknown ledger event kind "note"/);
  assert.equal(await entryCount(fx.station.db), before);
  await record(fx.station, { ...base, kind: 'replacement_request', payload: SAMPLE_PAYLOADS.replacement_request });
  assert.equal(await entryCount(fx.station.db), before + 1);
});
