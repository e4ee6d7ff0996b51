// The rules of FARES.md one by one: ladders (each step edge), card rates, monthly tiers (each
// edge, lower bound inclusive), 深圳's bands, every city's transfer window (inclusive bound,
// one minute over) and clauses, cards of other cities, rounding half up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FARE_RULES, ladderFare, roundPerMille } from '../../core/fares/index.ts';
import { charges, explain, pairs, type RideSpec } from './fares-helpers.ts';

// ---- distance ladders --------------------------------------------------------------------

/** Bracket tops computed by hand from FARES.md's table (start km, then + each step; last repeats twice more). */
const LADDER_TOPS: Record<string, [number, number[]]> = {
  重庆: [200, [6, 11, 17, 24, 32, 41, 51, 63, 75, 87]],
  宁波: [200, [4, 8, 13, 20, 29, 38, 47]],
  杭州: [200, [4, 8, 12, 18, 24, 32, 40, 48]],
  南京: [200, [4, 9, 14, 21, 28, 37, 48, 61, 76, 91, 106]],
  上海: [300, [6, 16, 26, 36]],
  青岛: [200, [5, 10, 17, 27, 38, 58, 78, 98]],
  常州: [200, [5, 10, 15, 22, 29, 38, 47]],
  合肥: [200, [8, 14, 21, 29, 38, 47, 56]],
  深圳: [200, [4, 8, 12, 18, 24, 32, 40, 48]],
  南宁: [200, [6, 12, 18, 26, 34, 44, 54, 64]],
};

test('every ladder step edge: the top km of a bracket is inclusive, a little more is one step up', () => {
  assert.equal(FARE_RULES.length, 10);
  for (const r of FARE_RULES) {
    const [start, tops] = LADDER_TOPS[r.city]!;
    assert.equal(ladderFare(r.ladder, 0.1).fen, start, `${r.city} shortest ride`);
    tops.forEach((top, j) => {
      assert.equal(ladderFare(r.ladder, top).fen, start + 100 * j, `${r.city} ${top} km`);
      assert.equal(ladderFare(r.ladder, top + 0.01).fen, start + 100 * (j + 1), `${r.city} ${top}.01 km`);
    });
  }
});

test('FARES.md ladder example 重庆: ≤6 km 200, ≤11 300, ≤17 400, ≤24 500 (through the engine, 上海 card: base fare)', () => {
  const rides: RideSpec[] = [6, 6.5, 11, 11.5, 17, 24, 24.1].map((km, i) => ({ min: i * 200, mode: 'metro', km }));
  assert.deepEqual(charges('重庆', rides, { issuer: '上海' }), [200, 300, 300, 400, 400, 500, 600]);
  const e = explain('重庆', [{ min: 0, mode: 'metro', km: 12 }]);
  assert.deepEqual(e[0]!.base, { source: 'ladder', fen: 400, km: 12, startKm: 6, steps: 2, upToKm: 17 });
});

// ---- card rates ----------------------------------------------------------------------------

test('card rates of local cards, per city and card type (single rides, no transfers)', () => {
  // [city, bus regular, bus discount, metro] for a 1000-fen base fare (metro at no spend).
  const table: Array<[string, number, number, number]> = [
    ['重庆', 900, 900, 900], ['宁波', 600, 600, 950], ['杭州', 910, 500, 910], ['南京', 800, 800, 950],
    ['上海', 1000, 1000, 1000], ['青岛', 800, 800, 900], ['常州', 600, 600, 950], ['合肥', 700, 700, 900],
    ['南宁', 900, 900, 900],
  ];
  for (const [city, busReg, busDisc, metro] of table) {
    assert.deepEqual(charges(city, [{ min: 0, mode: 'bus', fare: 1000 }]), [busReg], `${city} bus`);
    for (const type of ['discount', 'student', 'senior']) {
      assert.deepEqual(charges(city, [{ min: 0, mode: 'bus', fare: 1000 }], { type }), [busDisc], `${city} bus ${type}`);
    }
    assert.deepEqual(charges(city, [{ min: 0, mode: 'metro', fare: 1000 }]), [metro], `${city} metro`);
    assert.deepEqual(charges(city, [{ min: 0, mode: 'tram', fare: 1000 }]), [busReg], `${city} tram prices like bus`);
    assert.deepEqual(charges(city, [{ min: 0, mode: 'ferry', fare: 1000 }]), [busReg], `${city} ferry prices like bus`);
  }
  assert.deepEqual(charges('深圳', [{ min: 0, mode: 'metro', fare: 1000 }]), [950]);
});

test('深圳 bus bands: ≤3 yuan × 0.8, 3–6 yuan × 0.75, above 6 × 0.65, summed then rounded (edges)', () => {
  const cases: Array<[number, number]> = [
    [0, 0], [100, 80], [300, 240], [301, 241 /* 240.75 */], [302, 242 /* 241.5 half up */], [600, 465],
    [601, 466 /* 465.65 */], [700, 530], [1000, 725],
  ];
  for (const [base, want] of cases) assert.deepEqual(charges('深圳', [{ min: 0, mode: 'bus', fare: base }]), [want], `深圳 bus ${base}`);
  const e = explain('深圳', [{ min: 0, mode: 'bus', fare: 700 }]);
  assert.deepEqual(e[0]!.rate, { kind: 'bands', parts: [{ fromFen: 0, toFen: 300, perMille: 800 }, { fromFen: 300, toFen: 600, perMille: 750 }, { fromFen: 600, toFen: 700, perMille: 650 }] });
});

test('rounding is half up to the fen, never banker\'s', () => {
  assert.equal(roundPerMille(30, 950), 29); // 28.5
  assert.equal(roundPerMille(10, 950), 10); // 9.5
  assert.equal(roundPerMille(29, 950), 28); // 27.55
  assert.equal(roundPerMille(21, 950), 20); // 19.95
  assert.deepEqual(charges('常州', [{ min: 0, mode: 'metro', fare: 30 }]), [29]);
  assert.deepEqual(charges('杭州', [{ min: 0, mode: 'bus', fare: 50 }]), [46]); // 45.5
  assert.deepEqual(charges('杭州', [{ min: 0, mode: 'bus', fare: 150 }]), [137]); // 136.5
  assert.deepEqual(charges('南宁', [{ min: 0, mode: 'bus', fare: 5 }]), [5]); // 4.5
});

// ---- monthly metro tiers -------------------------------------------------------------------

test('南京 metro tiers: <150 yuan 0.95, 150–200 0.9, 200–300 0.8, ≥300 0.95; lower bounds inclusive', () => {
  const at = (spent: number): number => charges('南京', [{ min: 0, mode: 'metro', fare: 1000 }], {}, spent)[0]!;
  assert.deepEqual([0, 14999, 15000, 19999, 20000, 29999, 30000, 50000].map(at), [950, 950, 900, 900, 800, 800, 950, 950]);
});

test('上海 metro: 1.0, and 0.9 once the month\'s spend reaches 70 yuan', () => {
  const at = (spent: number): number => charges('上海', [{ min: 0, mode: 'metro', fare: 500 }], {}, spent)[0]!;
  assert.deepEqual([0, 6999, 7000, 20000].map(at), [500, 500, 450, 450]);
});

test('青岛 metro tiers: <100 yuan 0.9, 100–200 0.8, 200–300 0.7, ≥300 0.9; lower bounds inclusive', () => {
  const at = (spent: number): number => charges('青岛', [{ min: 0, mode: 'metro', fare: 1000 }], {}, spent)[0]!;
  assert.deepEqual([0, 9999, 10000, 19999, 20000, 29999, 30000].map(at), [900, 900, 800, 800, 700, 700, 900]);
});

test('the spend counts earlier metro charges of the same input, not bus rides', () => {
  // 上海: 6800 spent; metro 300 → 300 (spend 7100); a bus in between does not count; next metro 0.9.
  const rides: RideSpec[] = [{ min: 0, mode: 'metro', fare: 300 }, { min: 300, mode: 'bus', fare: 200 }, { min: 600, mode: 'metro', fare: 300 }];
  assert.deepEqual(charges('上海', rides, {}, 6800), [300, 200, 270]);
  assert.deepEqual(charges('上海', rides, {}, 6600), [300, 200, 300]); // 6900 < 7000
  // The charge after a transfer counts (南京: 14900 + 190 − 100 = 14990 < 15000 → still 0.95).
  const nj: RideSpec[] = [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 200 }, { min: 300, mode: 'metro', fare: 1000 }];
  assert.deepEqual(charges('南京', nj, {}, 14900), [160, 90, 950]);
  assert.deepEqual(charges('南京', nj, {}, 14910), [160, 90, 900]); // 15000 reached
  const e = explain('南京', nj, {}, 14910);
  assert.deepEqual(e[2]!.rate, { kind: 'monthly', perMille: 900, spentBeforeFen: 15000, tierFromFen: 15000, tierToFen: 20000 });
});

// ---- transfer rules, city by city ----------------------------------------------------------

test('重庆: 60 min from the first ride, inclusive; every later ride pays max(0, base − 200) without card rate', () => {
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'bus', fare: 200 }, { min: 60, mode: 'metro', fare: 400 }]), [[180, false], [200, true]]);
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'bus', fare: 200 }, { min: 61, mode: 'metro', fare: 400 }]), [[180, false], [360, false]]);
  // Unlimited within the window, measured from the anchor, not from the previous ride.
  assert.deepEqual(pairs('重庆', [{ min: 0, mode: 'bus', fare: 200 }, { min: 30, mode: 'bus', fare: 200 }, { min: 59, mode: 'metro', fare: 300 }, { min: 61, mode: 'bus', fare: 200 }]),
    [[180, false], [0, true], [100, true], [180, false]]);
});

test('宁波: one transfer per 90-min chain (inclusive), rated − anchor rated; then the chain ends', () => {
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 90, mode: 'metro', fare: 200 }]), [[120, false], [70, true]]);
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 91, mode: 'metro', fare: 200 }]), [[120, false], [190, false]]);
  // After the transfer the next ride anchors a new chain (and may transfer from it).
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 200 }, { min: 20, mode: 'bus', fare: 200 }, { min: 30, mode: 'metro', fare: 400 }]),
    [[120, false], [70, true], [120, false], [260, true]]);
  const e = explain('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 200 }]);
  assert.equal(e[1]!.chain!.endsHere, true);
  assert.deepEqual(e[1]!.transfer, { clause: 'one transfer within 90 min: max(0, rated − anchor rated)', clauseZh: '90 分钟内换乘一次：max(0, 折后票价 − 首程折后票价)', previousIndex: 0, formula: 'max(0, 190 − 120) = 70' });
});

test('杭州: one transfer 3–90 min after the anchor (both inclusive), cap 200 regular / 100 concession', () => {
  const two = (min: number, type = 'regular'): Array<[number, boolean]> =>
    pairs('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min, mode: 'metro', fare: 400 }], { type });
  assert.deepEqual(two(3), [[182, false], [164, true]]); // 364 − 200
  assert.deepEqual(two(2 + 59 / 60), [[182, false], [364, false]]); // 2:59 — too early
  assert.deepEqual(two(90), [[182, false], [164, true]]);
  assert.deepEqual(two(91), [[182, false], [364, false]]);
  for (const type of ['discount', 'student', 'senior']) assert.deepEqual(two(30, type), [[100, false], [264, true]], type);
  // A 2-yuan bus after a 2-yuan bus is free for a regular card (182 − 200 → 0), 0 for concession too (100 − 100).
  assert.deepEqual(charges('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 200 }]), [182, 0]);
  assert.deepEqual(charges('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 300 }], { type: 'senior' }), [100, 50]);
  // A ride under 3 minutes pays rated and the chain goes on: the next ride still transfers from the anchor.
  assert.deepEqual(pairs('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 1, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 400 }, { min: 40, mode: 'bus', fare: 200 }]),
    [[182, false], [182, false], [164, true], [182, false]]);
  const e = explain('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 1, mode: 'bus', fare: 200 }]);
  assert.equal(e[1]!.chain!.role, 'early');
});

test('南京: every later ride within 90 min: to bus/tram/ferry − 160, to metro − 100 (on the rated fare)', () => {
  assert.deepEqual(pairs('南京', [{ min: 0, mode: 'metro', fare: 400 }, { min: 90, mode: 'bus', fare: 200 }]), [[380, false], [0, true]]);
  assert.deepEqual(pairs('南京', [{ min: 0, mode: 'metro', fare: 400 }, { min: 91, mode: 'bus', fare: 200 }]), [[380, false], [160, false]]);
  assert.deepEqual(pairs('南京', [{ min: 0, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 300 }, { min: 40, mode: 'tram', fare: 300 }, { min: 60, mode: 'ferry', fare: 200 }]),
    [[160, false], [185, true], [80, true], [0, true]]);
});

test('上海: 120 min; a ride whose mode differs from the previous ride pays rated − 100', () => {
  assert.deepEqual(pairs('上海', [{ min: 0, mode: 'bus', fare: 200 }, { min: 120, mode: 'metro', fare: 300 }]), [[200, false], [200, true]]);
  assert.deepEqual(pairs('上海', [{ min: 0, mode: 'bus', fare: 200 }, { min: 121, mode: 'metro', fare: 300 }]), [[200, false], [300, false]]);
  // bus → bus is no transfer; metro → 1-yuan community bus is free; ferry counts as bus-like.
  assert.deepEqual(pairs('上海', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 400 }, { min: 50, mode: 'bus', fare: 100 }, { min: 60, mode: 'ferry', fare: 200 }]),
    [[200, false], [200, false], [300, true], [0, true], [200, false]]);
});

test('青岛: 60 min; every later ride except metro after metro pays round((base − 100) × rate), floor 0', () => {
  assert.deepEqual(pairs('青岛', [{ min: 0, mode: 'bus', fare: 200 }, { min: 60, mode: 'bus', fare: 200 }]), [[160, false], [80, true]]);
  assert.deepEqual(pairs('青岛', [{ min: 0, mode: 'bus', fare: 200 }, { min: 61, mode: 'bus', fare: 200 }]), [[160, false], [160, false]]);
  assert.deepEqual(pairs('青岛', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 300 }, { min: 20, mode: 'metro', fare: 300 }, { min: 30, mode: 'bus', fare: 100 }, { min: 40, mode: 'bus', fare: 50 }]),
    [[160, false], [180, true], [270, false], [0, true], [0, true]]);
  const e = explain('青岛', [{ min: 0, mode: 'metro', fare: 300 }, { min: 10, mode: 'metro', fare: 300 }]);
  assert.equal(e[1]!.noTransferReason, 'metro → metro is not a transfer in 青岛 (the rules name bus → bus, bus → metro, metro → bus)');
  assert.equal(e[1]!.noTransferReasonZh, '青岛的换乘优惠不含地铁换地铁（只含公交换公交、公交换地铁、地铁换公交）');
});

test('常州: 60 min; every later ride pays round((base − 100) × its rate), unlimited', () => {
  assert.deepEqual(pairs('常州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 60, mode: 'metro', fare: 300 }]), [[120, false], [190, true]]);
  assert.deepEqual(pairs('常州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 61, mode: 'metro', fare: 300 }]), [[120, false], [285, false]]);
  assert.deepEqual(pairs('常州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 300 }, { min: 20, mode: 'bus', fare: 100 }]), [[120, false], [120, true], [0, true]]);
});

test('合肥: 90-min cycle; 3 free bus→bus transfers, one bus↔metro at rated − 50, then rated', () => {
  assert.deepEqual(pairs('合肥', [0, 10, 20, 30, 40].map((min) => ({ min, mode: 'bus' as const, fare: 200 }))),
    [[140, false], [0, true], [0, true], [0, true], [140, false]]);
  assert.deepEqual(pairs('合肥', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 300 }, { min: 20, mode: 'bus', fare: 200 }, { min: 30, mode: 'bus', fare: 200 }]),
    [[140, false], [220, true], [140, false], [0, true]]);
  assert.deepEqual(pairs('合肥', [{ min: 0, mode: 'metro', fare: 200 }, { min: 10, mode: 'metro', fare: 200 }]), [[180, false], [180, false]]);
  assert.deepEqual(pairs('合肥', [{ min: 0, mode: 'bus', fare: 200 }, { min: 90, mode: 'bus', fare: 200 }]), [[140, false], [0, true]]);
  // The first tap after the cycle starts a new one, with fresh allowances.
  assert.deepEqual(pairs('合肥', [{ min: 0, mode: 'bus', fare: 200 }, { min: 91, mode: 'bus', fare: 200 }, { min: 100, mode: 'metro', fare: 200 }]),
    [[140, false], [140, false], [130, true]]);
});

test('深圳: 90 min; every later ride pays rated − 40', () => {
  assert.deepEqual(pairs('深圳', [{ min: 0, mode: 'bus', fare: 200 }, { min: 90, mode: 'metro', fare: 200 }]), [[160, false], [150, true]]);
  assert.deepEqual(pairs('深圳', [{ min: 0, mode: 'bus', fare: 200 }, { min: 91, mode: 'metro', fare: 200 }]), [[160, false], [190, false]]);
  assert.deepEqual(pairs('深圳', [{ min: 0, mode: 'metro', fare: 200 }, { min: 30, mode: 'bus', fare: 500 }, { min: 60, mode: 'bus', fare: 20 }]), [[190, false], [350, true], [0, true]]);
});

test('南宁: 90 min; metro right after a bus pays round(base × 0.85); nothing else', () => {
  assert.deepEqual(pairs('南宁', [{ min: 0, mode: 'bus', fare: 200 }, { min: 90, mode: 'metro', fare: 300 }]), [[180, false], [255, true]]);
  assert.deepEqual(pairs('南宁', [{ min: 0, mode: 'bus', fare: 200 }, { min: 91, mode: 'metro', fare: 300 }]), [[180, false], [270, false]]);
  assert.deepEqual(pairs('南宁', [{ min: 0, mode: 'metro', fare: 300 }, { min: 10, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 300 }, { min: 30, mode: 'metro', fare: 500 }]),
    [[270, false], [180, false], [255, true], [450, false]]);
  assert.deepEqual(charges('南宁', [{ min: 0, mode: 'bus', fare: 200 }, { min: 5, mode: 'metro', fare: 500 }]), [180, 425]);
});

// ---- cards of other cities, local cards without rules --------------------------------------

test('another city\'s card: bus × the host\'s remote-use rate, metro at base, no transfers', () => {
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', fare: 200 }, { min: 20, mode: 'bus', fare: 300 }], { issuer: '上海' }),
    [[120, false], [200, false], [180, false]]);
  assert.deepEqual(charges('兰州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 5, mode: 'bus', fare: 30 }, { min: 9, mode: 'bus', fare: 50 }], { issuer: '宁波' }), [170, 26, 43]); // 0.85; 25.5 and 42.5 round up
  assert.deepEqual(charges('江阴', [{ min: 0, mode: 'bus', fare: 10 }], { issuer: '宁波', type: 'senior' }), [10]); // 9.5
  assert.deepEqual(charges('上海', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', km: 7 }, { min: 20, mode: 'ferry', fare: 200 }], { issuer: '宁波' }), [200, 400, 200]);
  assert.deepEqual(charges('泰州', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '台州' }), [140]);
  assert.deepEqual(charges('台州', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '泰州' }), [120]);
  // Host not in the 2014 table: base fare (杭州 has rules only for its own cards; 克拉玛依 is a member without a row).
  assert.deepEqual(pairs('杭州', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'metro', km: 5 }], { issuer: '宁波' }), [[200, false], [300, false]]);
  assert.deepEqual(charges('克拉玛依', [{ min: 0, mode: 'bus', fare: 150 }], { issuer: '上海' }), [150]);
  const e = explain('兰州', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '宁波' });
  assert.deepEqual(e[0]!.rate, { kind: 'remote-use', perMille: 850, zone: null, inTable: true, tableDate: '2014-02-13' });
  assert.equal(e[0]!.pricing, 'other-city');
  assert.equal(e[0]!.chain, null);
  const m = explain('宁波', [{ min: 0, mode: 'metro', fare: 300 }], { issuer: '上海' });
  assert.deepEqual(m[0]!.rate, { kind: 'base-fare', perMille: 1000, reason: 'other-city-non-bus' });
});

test('龙岩 has two remote-use bus rates: the ride says its zone', () => {
  assert.deepEqual(charges('龙岩', [{ min: 0, mode: 'bus', fare: 200, zone: '中心城区' }, { min: 10, mode: 'bus', fare: 200, zone: '县城' }], { issuer: '上海' }), [200, 180]);
  assert.throws(() => charges('龙岩', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '上海' }), /龙岩 has remote-use bus rates by zone \(中心城区, 县城\); say which with "zone"/);
  assert.throws(() => charges('龙岩', [{ min: 0, mode: 'bus', fare: 200, zone: '郊区' }], { issuer: '上海' }), /unknown zone "郊区" for 龙岩/);
  // FARES.md v2: its own card pays 龙岩's table rate too, so it says its zone as well.
  assert.deepEqual(charges('龙岩', [{ min: 0, mode: 'bus', fare: 200, zone: '中心城区' }, { min: 10, mode: 'bus', fare: 200, zone: '县城' }]), [200, 180]);
  assert.throws(() => charges('龙岩', [{ min: 0, mode: 'bus', fare: 200 }]), /say which with "zone"/);
});

test('v2: a local card of a table city without seed-003 rules pays the table rate on buses (assumed), base fare otherwise, no transfers', () => {
  // 昆山 (table: 基准票价6折): a 2-yuan bus costs its own card ¥1.20, as it costs a visiting card.
  assert.deepEqual(pairs('昆山', [{ min: 0, mode: 'bus', fare: 200 }, { min: 5, mode: 'bus', fare: 200 }, { min: 9, mode: 'ferry', fare: 300 }]), [[120, false], [120, false], [180, false]]);
  assert.deepEqual(charges('昆山', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '上海' }), [120], 'a visiting card pays the same');
  assert.deepEqual(charges('昆山', [{ min: 0, mode: 'metro', fare: 300 }]), [300], 'other modes: the base fare');
  for (const type of ['discount', 'student', 'senior']) assert.deepEqual(charges('昆山', [{ min: 0, mode: 'bus', fare: 200 }], { type }), [120], type);
  const e = explain('昆山', [{ min: 0, mode: 'bus', fare: 200 }]);
  assert.deepEqual(e[0]!.rate, { kind: 'local-table', perMille: 600, zone: null, tableDate: '2014-02-13' });
  assert.equal(e[0]!.pricing, 'local-base');
  assert.equal(e[0]!.chain, null);
  assert.match(e[0]!.note, /200 × 0\.6 = 120 \(assumed: a local card pays this city's rate of the 2014-02-13 remote-use table/);
  assert.deepEqual(explain('昆山', [{ min: 0, mode: 'metro', fare: 300 }])[0]!.rate, { kind: 'base-fare', perMille: 1000, reason: 'local-no-rules' });
  // 绍兴 0.8; 兰白一卡通 is local in both cities, each at its own table rate (0.85).
  assert.deepEqual(pairs('绍兴', [{ min: 0, mode: 'bus', fare: 200 }, { min: 5, mode: 'bus', fare: 200 }]), [[160, false], [160, false]]);
  assert.deepEqual(pairs('白银', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '兰州' }), [[170, false]]);
  assert.deepEqual(pairs('兰州', [{ min: 0, mode: 'bus', fare: 200 }], { issuer: '白银市' }), [[170, false]]);
  // A table rate of 基准票价 (天津) or a city not in the table (克拉玛依): the base fare.
  assert.deepEqual(charges('天津', [{ min: 0, mode: 'bus', fare: 200 }]), [200]);
  assert.deepEqual(charges('克拉玛依', [{ min: 0, mode: 'bus', fare: 150 }]), [150]);
  assert.deepEqual(explain('克拉玛依', [{ min: 0, mode: 'bus', fare: 150 }])[0]!.rate, { kind: 'base-fare', perMille: 1000, reason: 'local-no-rules' });
});

// ---- FARES.md v2: only the (previous → this) pairs the seed names transfer --------------------

test('v2: metro → metro is never a transfer; the ride pays rated and the chain keeps its anchor and counters (each city)', () => {
  // metro ¥3 at 0, metro ¥3 at 10 min, bus ¥2 at 20 min: the second metro pays its rated fare;
  // the bus then transfers from the same chain where the city names metro → bus (南宁 does not).
  const want: Record<string, Array<[number, boolean]>> = {
    重庆: [[270, false], [270, false], [0, true]], // 200 − 200
    宁波: [[285, false], [285, false], [0, true]], // one transfer still unused: 120 − 285 → 0
    杭州: [[273, false], [273, false], [0, true]], // one transfer still unused: 182 − 200 → 0
    南京: [[285, false], [285, false], [0, true]], // 160 − 160
    上海: [[300, false], [300, false], [100, true]], // 200 − 100
    青岛: [[270, false], [270, false], [80, true]], // (200 − 100) × 0.8
    常州: [[285, false], [285, false], [60, true]], // (200 − 100) × 0.6
    合肥: [[270, false], [270, false], [90, true]], // bus↔metro once: 140 − 50
    深圳: [[285, false], [285, false], [120, true]], // 160 − 40
    南宁: [[270, false], [270, false], [180, false]], // names bus → metro only
  };
  const rides: RideSpec[] = [{ min: 0, mode: 'metro', fare: 300 }, { min: 10, mode: 'metro', fare: 300 }, { min: 20, mode: 'bus', fare: 200 }];
  for (const [city, expected] of Object.entries(want)) {
    assert.deepEqual(pairs(city, rides), expected, city);
    const e = explain(city, rides);
    assert.equal(e[1]!.transfer, null, `${city}: metro → metro`);
    assert.match(e[1]!.noTransferReason!, new RegExp(`^metro → metro is not a transfer in ${city}`), city);
    assert.equal(e[1]!.chain!.anchorIndex, 0, `${city}: same anchor`);
    if (e[2]!.transfer !== null) assert.equal(e[2]!.transfer.previousIndex, 1, `${city}: the previous ride is the second metro`);
  }
});

test('v2: 宁波 names bus↔metro only: bus → bus pays rated, and a metro after it still transfers from the first bus', () => {
  assert.deepEqual(pairs('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 200 }]),
    [[120, false], [120, false], [70, true]]); // 190 − the anchor's 120
  const e = explain('宁波', [{ min: 0, mode: 'bus', fare: 200 }, { min: 10, mode: 'bus', fare: 200 }]);
  assert.equal(e[1]!.noTransferReason, 'bus → bus is not a transfer in 宁波 (the rules name bus → metro, metro → bus)');
  // 南宁 names bus → metro only: metro → bus pays rated, and the metro after that bus is bus → metro.
  assert.deepEqual(pairs('南宁', [{ min: 0, mode: 'metro', fare: 300 }, { min: 10, mode: 'bus', fare: 200 }, { min: 20, mode: 'metro', fare: 300 }]),
    [[270, false], [180, false], [255, true]]);
});
