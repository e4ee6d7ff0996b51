// Invalid input is an error with a message, never a guess (FARES.md): every validation case,
// plus the seasonal base fare of 青岛 and the explanation structure the UI reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../common/errors.ts';
import { calculateFares, explainFares, parseTimestamp } from '../../core/fares/index.ts';
import { input } from './fares-helpers.ts';

const ok = (): Record<string, unknown> => input('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 30, mode: 'metro', km: 3.5 }]);
function withRide(patch: Record<string, unknown>, drop: string[] = []): Record<string, unknown> {
  const doc = ok();
  const merged = { ...(doc.rides as Array<Record<string, unknown>>)[0]!, ...patch };
  const ride = Object.fromEntries(Object.entries(merged).filter(([k]) => !drop.includes(k)));
  return { ...doc, rides: [ride] };
}

function rejects(doc: unknown, re: RegExp, what: string): void {
  assert.throws(() => calculateFares(doc), (e: unknown) => e instanceof BadInputError && e.code === 'BAD_INPUT' && re.test(e.message), what);
}

test('a valid input passes (control for the cases below)', () => {
  assert.equal(calculateFares(ok()).total, 190);
  assert.deepEqual(calculateFares({ ...ok(), rides: [] }), { rides: [], total: 0 });
});

test('unknown city, unknown issuer, unknown card type', () => {
  rejects({ ...ok(), city: '北京' }, /"city": unknown city "北京"/, 'city');
  rejects({ ...ok(), city: 5 }, /"city" must be a city name/, 'city type');
  rejects({ ...ok(), card: { issuer: '东京', type: 'regular' } }, /"card.issuer": unknown city "东京"/, 'issuer');
  rejects({ ...ok(), card: { issuer: '宁波', type: 'gold' } }, /unknown card type "gold"/, 'type');
  rejects({ ...ok(), card: { issuer: '宁波' } }, /unknown card type undefined/, 'missing type');
  rejects({ ...ok(), card: '宁波' }, /"card" must be an object/, 'card');
});

test('negative, fractional, non-numeric fares; missing fare/km; both given', () => {
  rejects(withRide({ fare: -1 }), /rides\[0\]: negative fare -1/, 'negative');
  rejects(withRide({ fare: 1.5 }), /rides\[0\]: fare 1.5 is not a whole number of fen/, 'fraction');
  rejects(withRide({ fare: '200' }), /"fare" must be a number of fen, got "200"/, 'string');
  rejects(withRide({}, ['fare']), /rides\[0\]: missing "fare"/, 'missing');
  rejects(withRide({ mode: 'metro' }, ['fare']), /missing "fare" \(base fare in fen\) or "km"/, 'missing metro');
  rejects(withRide({ mode: 'metro', km: 3 }), /give only one of "fare" and "km"/, 'both');
});

test('km on a bus, bad km, km where no ladder exists', () => {
  rejects(withRide({ km: 3 }, ['fare']), /"km" is only for metro rides, not bus/, 'km on bus');
  rejects(withRide({ mode: 'tram', km: 3 }, ['fare']), /"km" is only for metro rides, not tram/, 'km on tram');
  rejects(withRide({ mode: 'metro', km: 0 }, ['fare']), /"km" must be a positive number, got 0/, 'zero');
  rejects(withRide({ mode: 'metro', km: -2 }, ['fare']), /"km" must be a positive number/, 'negative');
  rejects(withRide({ mode: 'metro', km: 5000 }, ['fare']), /longer than any metro ride/, 'huge');
  rejects({ ...ok(), city: '天津', card: { issuer: '天津', type: 'regular' }, rides: [{ at: '2019-11-05T08:00:00+08:00', mode: 'metro', km: 3 }] }, /天津 has no distance ladder/, 'no ladder');
});

test('unsorted times and bad timestamps', () => {
  const doc = ok();
  const rides = doc.rides as Array<Record<string, unknown>>;
  rejects({ ...doc, rides: [rides[1], rides[0]] }, /rides\[1\]: time .* is before the previous ride's .*; rides must be sorted/, 'unsorted');
  // Equal times are allowed (two taps in the same second).
  assert.equal(calculateFares({ ...doc, rides: [rides[0], { ...rides[1], at: rides[0]!.at }] }).rides.length, 2);
  // Order is by instant, not by text: 08:00+08:00 is after 23:30Z of the previous day.
  assert.equal(calculateFares({ ...doc, rides: [{ ...rides[0], at: '2019-11-04T23:30:00Z' }, { ...rides[1], at: '2019-11-05T08:00:00+08:00' }] }).rides[1]!.transfer, true);
  for (const bad of ['2019-11-05 08:00', '2019-11-05T08:00:00', '2019-02-30T08:00:00+08:00', '2019-11-05T24:00:00+08:00', '2019-13-01T08:00:00Z', 'yesterday', '2019-11-05T08:00:60Z']) {
    rejects(withRide({ at: bad }), /bad timestamp/, bad);
  }
  rejects(withRide({ at: 1572912000000 }), /"at" must be a timestamp/, 'number');
  assert.equal(parseTimestamp('2019-11-05T08:00:00+08:00'), Date.UTC(2019, 10, 5, 0, 0, 0));
  assert.equal(parseTimestamp('2019-11-05T08:00+08:00'), Date.UTC(2019, 10, 5, 0, 0, 0));
  assert.equal(parseTimestamp('2020-02-29T00:00:00.5Z'), Date.UTC(2020, 1, 29, 0, 0, 0, 500));
  // The fixed-width fast path and the general path agree, and both refuse malformed parts.
  assert.equal(parseTimestamp('2019-11-05T08:00:00-05:30'), Date.UTC(2019, 10, 5, 13, 30, 0));
  assert.equal(parseTimestamp('2019-11-05T13:30:00Z'), Date.UTC(2019, 10, 5, 13, 30, 0));
  assert.equal(parseTimestamp('2020-02-29T08:00:00+08:00'), Date.UTC(2020, 1, 29, 0, 0, 0));
  for (const bad of ['2019-02-29T08:00:00+08:00', '1900-02-29T08:00:00+08:00', '2019-11-05T08:0a:00+08:00', '2019-11-05T08:00:00*08:00',
    '2019-11-05T08:00:00+15:00', '2019-11-05T08:00:00+08:60', '2019-04-31T08:00:00+08:00', '2019-00-10T08:00:00+08:00', '2019-11-00T08:00:00+08:00']) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
  assert.equal(parseTimestamp('2000-02-29T08:00:00+08:00'), Date.UTC(2000, 1, 29, 0, 0, 0));
});

test('other structural errors: not an object, unknown fields, bad mode, bad spend, bad explain flag', () => {
  rejects([], /fare input must be a JSON object/, 'array');
  rejects(null, /fare input must be a JSON object/, 'null');
  rejects({ ...ok(), rides: {} }, /"rides" must be an array/, 'rides');
  rejects({ ...ok(), extra: 1 }, /fare input: unknown field "extra"/, 'extra top');
  rejects(withRide({ fee: 200 }), /rides\[0\]: unknown field "fee"/, 'typo');
  rejects(withRide({ mode: 'taxi' }), /unknown mode "taxi"/, 'mode');
  rejects({ ...ok(), metro_spent_this_month: -5 }, /"metro_spent_this_month" must be a whole, non-negative number of fen/, 'spend');
  rejects({ ...ok(), metro_spent_this_month: 1.5 }, /"metro_spent_this_month"/, 'spend fraction');
  rejects({ ...ok(), explain: 'yes' }, /"explain" must be true or false/, 'explain');
  rejects([1], /fare input must be a JSON object/, 'array of numbers');
  rejects({ ...ok(), rides: [5] }, /rides\[0\] must be an object/, 'ride not object');
});

test('青岛 seasonal lines: 2 yuan 07-01..09-15 and 12-01..03-15 (China date, inclusive), else 1 yuan', () => {
  const season = (at: string): number =>
    calculateFares({ city: '青岛', card: { issuer: '上海', type: 'regular' }, rides: [{ at, mode: 'bus', seasonal: true }] }).total;
  const cases: Array<[string, number]> = [
    ['2019-06-30T12:00:00+08:00', 100], ['2019-07-01T00:00:00+08:00', 200], ['2019-09-15T23:59:00+08:00', 200],
    ['2019-09-16T00:00:00+08:00', 100], ['2019-11-30T12:00:00+08:00', 100], ['2019-12-01T06:00:00+08:00', 200],
    ['2020-01-15T12:00:00+08:00', 200], ['2020-03-15T12:00:00+08:00', 200], ['2020-03-16T12:00:00+08:00', 100],
    ['2019-06-30T16:00:00Z', 200 /* 07-01 00:00 in 青岛 */],
  ];
  for (const [at, want] of cases) assert.equal(season(at), want, at);
  // With a local card the seasonal base then takes the card rate (0.8): 200 → 160.
  assert.equal(calculateFares({ city: '青岛', card: { issuer: '青岛', type: 'regular' }, rides: [{ at: '2019-07-01T08:00:00+08:00', mode: 'bus', seasonal: true }] }).total, 160);
  rejects({ ...ok(), rides: [{ at: '2019-07-01T08:00:00+08:00', mode: 'bus', seasonal: true }] }, /"seasonal" fares exist only in 青岛, not 宁波/, 'other city');
  rejects({ city: '青岛', card: { issuer: '青岛', type: 'regular' }, rides: [{ at: '2019-07-01T08:00:00+08:00', mode: 'metro', seasonal: true }] }, /"seasonal" is for bus lines/, 'metro');
  rejects({ city: '青岛', card: { issuer: '青岛', type: 'regular' }, rides: [{ at: '2019-07-01T08:00:00+08:00', mode: 'bus', seasonal: false }] }, /"seasonal" can only be true/, 'false');
});

test('the explanation: one entry per ride, in a separate field; the plain output stays as specified', () => {
  const doc = ok();
  assert.deepEqual(Object.keys(calculateFares(doc)), ['rides', 'total']);
  const withFlag = calculateFares({ ...doc, explain: true });
  assert.deepEqual(Object.keys(withFlag), ['rides', 'total', 'explain']);
  const e = explainFares(doc).explain;
  assert.equal(e.length, 2);
  assert.deepEqual({ ...e[0], note: undefined }, {
    index: 0, at: '2019-11-05T08:00:00+08:00', mode: 'bus', base: { source: 'fare', fen: 200 }, pricing: 'local-rules',
    rate: { kind: 'flat', perMille: 600 }, rateFormula: '200 × 0.6 = 120', ratedFen: 120,
    chain: { anchorIndex: 0, elapsedSec: 0, fromSec: 0, toSec: 5400, role: 'anchor', endsHere: false, rule: e[0]!.chain!.rule, ruleZh: e[0]!.chain!.ruleZh },
    transfer: null, noTransferReason: null, noTransferReasonZh: null, chargedFen: 120, note: undefined,
  });
  assert.deepEqual(e[1]!.base, { source: 'ladder', fen: 200, km: 3.5, startKm: 4, steps: 0, upToKm: 4 });
  assert.equal(e[1]!.chain!.elapsedSec, 1800);
  assert.equal(e[1]!.transfer!.formula, 'max(0, 190 − 120) = 70');
  assert.equal(e[1]!.chargedFen, 70);
  assert.match(e[1]!.note, /transfer after ride 0 \(30:00\).*charged 0\.70/);
});
