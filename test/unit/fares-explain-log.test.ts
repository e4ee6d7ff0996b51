// The card-log explainer (core/fares/explain-log.ts): FARES.md's worked examples as card logs,
// and each verdict (explained, ambiguous, unchecked, unexplained, undecidable, not-a-ride).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCardLog, type LogLine, type LogLineExplanation } from '../../core/fares/explain-log.ts';

const TERMINAL = '000000000042';
/** A purchase (type 06) `min` minutes after 2019-11-05 08:00 China time. */
function buy(seq: number, amountFen: number, min: number, day = 5): LogLine {
  const t = new Date(Date.UTC(2019, 10, day, 8, 0, 0) + min * 60_000);
  const at = `${t.toISOString().slice(0, 19)}+08:00`;
  return { seq, type: 0x06, typeName: 'ep-purchase', amountFen, terminal: TERMINAL, at };
}

function explain(city: string | null, lines: LogLine[], station: string | null = city, extra: { stationTerminal?: string } = {}): LogLineExplanation[] {
  return explainCardLog(lines, { cardCity: city, stationCity: station, ...extra });
}

test('宁波: bus 2 yuan (1.20) then metro 2 yuan within 90 min → 1.20 + 0.70, both explained by the rules', () => {
  const [bus, metro] = explain('宁波', [buy(1, 120, 0), buy(2, 70, 30)]);
  assert.equal(bus!.verdict, 'explained');
  assert.equal(bus!.readings.length, 1);
  assert.deepEqual([bus!.readings[0]!.mode, bus!.readings[0]!.baseFen, bus!.readings[0]!.rateFormula], ['bus', [200], '200 × 0.6 = 120']);
  assert.equal(bus!.readings[0]!.transfer, null);
  assert.equal(metro!.verdict, 'explained');
  const r = metro!.readings[0]!;
  assert.deepEqual([r.mode, r.baseFen, r.km], ['metro', [200], { fromKm: 0, toKm: 4 }]);
  assert.equal(r.transfer?.formula, 'max(0, 190 − 120) = 70');
  assert.equal(r.transfer?.previousSeq, 1);
  assert.match(metro!.noteZh, /换乘（接 #1）/);
});

test('宁波: metro 4 yuan (3.80) then bus 3 yuan → 3.80 + 0; the free transfer is explained though its base cannot be told', () => {
  const [metro, bus] = explain('宁波', [buy(1, 380, 0), buy(2, 0, 40)]);
  assert.equal(metro!.verdict, 'explained');
  assert.deepEqual(metro!.readings[0]!.baseFen, [400]);
  assert.equal(bus!.verdict, 'explained', 'every reading is the one-transfer clause');
  const busReading = bus!.readings.find((r) => r.mode === 'bus')!;
  assert.ok(busReading.baseFen.includes(300), 'a 3-yuan bus fits');
  assert.equal(Math.max(...busReading.baseFen), 630, 'any bus rated at most 3.80 is free: base ≤ ¥6.30');
  assert.ok(bus!.readings.every((r) => r.transfer !== null));
});

test('常州: metro 4 yuan (3.80) then bus 2 yuan within 60 min → 3.80 + 0.60', () => {
  const [, bus] = explain('常州', [buy(1, 380, 0), buy(2, 60, 45)]);
  assert.equal(bus!.verdict, 'explained');
  assert.deepEqual([bus!.readings[0]!.mode, bus!.readings[0]!.baseFen], ['bus', [200]]);
  assert.match(bus!.readings[0]!.transfer!.formula!, /max\(0, 200 − 100\) → 100 × 0\.6 = 60/);
});

test('重庆: metro 2 (1.80) then bus 2 → free; bus 2 (1.80) then metro 3 → 1.00', () => {
  const log = explain('重庆', [buy(1, 180, 0), buy(2, 0, 20), buy(3, 180, 0, 6), buy(4, 100, 25, 6)]);
  assert.deepEqual(log.map((l) => l.verdict), ['explained', 'explained', 'explained', 'explained']);
  // 1.80 alone is a 2-yuan bus or metro at 0.9: the same rule either way, so explained, mode unknown.
  assert.deepEqual(log[0]!.readings.map((r) => [r.mode, r.baseFen]), [['bus', [200]], ['metro', [200]]]);
  assert.ok(log[3]!.readings.every((r) => r.baseFen.length === 1 && r.baseFen[0] === 300), '1.00 = a 3-yuan ride minus 2.00');
  assert.ok(log[3]!.readings.some((r) => r.mode === 'metro'));
});

test('v2: a metro-after-metro record is no longer explained as a transfer; 宁波 bus → bus is no transfer either', () => {
  // 宁波: ¥2.85 is only a 3-yuan metro (a bus at 0.6 would have a base of ¥4.75, not whole jiao);
  // ¥0.95 ten minutes later was "metro 4 yuan, one transfer: 380 − 285" before v2. Nothing else
  // gives it, so it is now unexplained.
  const [metro, again] = explain('宁波', [buy(1, 285, 0), buy(2, 95, 10)]);
  assert.equal(metro!.verdict, 'explained');
  assert.deepEqual(metro!.readings.map((r) => [r.mode, r.baseFen]), [['metro', [300]]]);
  assert.equal(again!.verdict, 'unexplained');
  assert.ok(again!.readings.every((r) => r.place === 'elsewhere'), 'only hints of other cities');
  // 宁波: a ¥0.00 ride after a ¥1.20 bus was a free bus → bus transfer before v2; no rule gives it now.
  const [, free] = explain('宁波', [buy(1, 120, 0), buy(2, 0, 10)]);
  assert.equal(free!.verdict, 'unexplained');
});

test('v2: a local 昆山 card\'s bus record is explained at 昆山\'s table rate, said to be assumed', () => {
  const [bus, odd] = explain('昆山', [buy(1, 120, 0), buy(2, 125, 30)]);
  assert.equal(bus!.verdict, 'explained');
  const r = bus!.readings[0]!;
  assert.deepEqual([r.place, r.mode, r.pricing, r.baseFen, r.rateFormula], ['home', 'bus', 'local-table', [200], '200 × 0.6 = 120']);
  assert.match(r.note, /assumed: a local card pays this city's rate/);
  assert.match(r.noteZh, /本地卡在昆山乘公交：基准票价 ¥2\.00，按本市异地优惠 6 折.*假定/);
  // ¥1.25 is no whole-jiao bus at 0.6: some other ride at its base fare, which checks nothing.
  assert.equal(odd!.verdict, 'unchecked');
  assert.equal(odd!.readings[0]!.pricing, 'local-base');
});

test('an amount no rule gives is unexplained; the same at the start of a full log is undecidable (older rides are gone)', () => {
  const [odd] = explain('宁波', [buy(1, 55, 0)]);
  assert.equal(odd!.verdict, 'unexplained');
  assert.match(odd!.note, /do not give ¥0\.55/);
  // 0.70 alone is no 宁波 fare; in a full log it may be the transfer after a ride that fell out of the log.
  const full = Array.from({ length: 10 }, (_, i) => buy(i + 1, 120, i * 200));
  full[0] = buy(1, 70, 0);
  const res = explain('宁波', full);
  assert.equal(res[0]!.verdict, 'undecidable');
  assert.match(res[0]!.note, /older than the card's log/);
  const short = explain('宁波', [buy(1, 70, 0), buy(2, 120, 200)]);
  assert.equal(short[0]!.verdict, 'unexplained', 'a log that is not full is the whole history');
});

test('上海 metro 2.70 = 3.00 × 0.9 needs the month\'s spend ≥ 70 yuan: tried only when the log may have lost rides', () => {
  const full = Array.from({ length: 10 }, (_, i) => buy(i + 1, 300, i * 300));
  full[9] = buy(10, 270, 9 * 300);
  const res = explain('上海', full);
  assert.ok(res[9]!.readings.some((r) => r.mode === 'metro' && r.rateFormula === '300 × 0.9 = 270'));
  const whole = explain('上海', [buy(1, 270, 0)]);
  assert.ok(!whole[0]!.readings.some((r) => r.mode === 'metro'), 'whole history: nothing spent before, so 1.0');
  assert.ok(whole[0]!.readings.some((r) => r.mode === 'bus'), '上海 buses charge the base fare: any fare is a bus fare');
});

test('another city\'s card: this station\'s remote-use rate is a reading; a city without rules only pays the base fare (unchecked)', () => {
  const [a, b] = explain('绍兴', [buy(1, 120, 0), buy(2, 155, 30)], '宁波');
  assert.equal(a!.verdict, 'ambiguous');
  const here = a!.readings.find((r) => r.place === 'here')!;
  assert.deepEqual([here.cities, here.baseFen, here.pricing, here.rateFormula], [['宁波'], [200], 'remote-use', '200 × 0.6 = 120']);
  assert.match(here.noteZh, /异地优惠 6 折/);
  assert.equal(b!.verdict, 'unchecked', '1.55 is no 宁波 remote fare; in 绍兴 it is simply the base fare');
  // 龙岩 has two rates: 中心城区 base fare, 县城 9折.
  const [ly] = explain('绍兴', [buy(1, 180, 0)], '龙岩');
  const county = ly!.readings.find((r) => r.place === 'here' && r.baseFen[0] === 200)!;
  assert.match(county.note, /龙岩 县城/);
});

test('readings elsewhere come only when neither home nor here fits; 兰白一卡通 is local in both cities', () => {
  // A 宁波 card: ¥1.70 is no 宁波 fare, no 上海 (station) remote fare below… but is 2.00 × 0.85 in 兰州/白银/永州.
  const [x] = explain('宁波', [buy(1, 170, 0)], '宁波');
  const far = x!.readings.filter((r) => r.place === 'elsewhere');
  assert.ok(far.some((r) => r.cities.includes('兰州') && r.cities.includes('永州') && r.baseFen[0] === 200), JSON.stringify(far));
  const [lz] = explain('兰州', [buy(1, 100, 0)], '白银');
  assert.equal(lz!.verdict, 'unchecked');
  assert.ok(lz!.readings.every((r) => r.place === 'home'), 'a 兰州 card is local in 白银');
});

test('top-ups are not rides (named when made at this station); unknown card city and records without a time are undecidable', () => {
  const load: LogLine = { seq: 7, type: 0x02, typeName: 'ep-load', amountFen: 5000, terminal: 'ABCDEF000001', at: '2019-11-05T07:00:00+08:00' };
  const [l] = explain('宁波', [load], '宁波', { stationTerminal: 'abcdef000001' });
  assert.equal(l!.verdict, 'not-a-ride');
  assert.match(l!.noteZh, /充值 ¥50\.00（本站）/);
  const [u] = explain(null, [buy(1, 120, 0)], '宁波');
  assert.equal(u!.verdict, 'undecidable');
  assert.match(u!.note, /not in the city-code table/);
  const untimed: LogLine = { ...buy(3, 55, 0), at: null };
  const [n] = explain('宁波', [untimed]);
  assert.equal(n!.verdict, 'undecidable');
  assert.match(n!.note, /no valid time/);
});

test('answers keep the input order (the card gives newest first) and every line gets one answer', () => {
  const lines = [buy(3, 70, 30), buy(2, 120, 0), { seq: 1, type: 0x02, typeName: 'ep-load', amountFen: 1000, terminal: TERMINAL, at: '2019-11-04T09:00:00+08:00' }];
  const res = explain('宁波', lines);
  assert.deepEqual(res.map((r) => r.seq), [3, 2, 1]);
  assert.deepEqual(res.map((r) => r.verdict), ['explained', 'explained', 'not-a-ride']);
});

test('ladderBracket inverts the distance ladder: each fare\'s km bracket, the last step repeating; non-ladder fares are null', async () => {
  const { ladderBracket, ladderFare } = await import('../../core/fares/engine.ts');
  const { fareRulesFor } = await import('../../core/fares/rules.ts');
  const ladder = fareRulesFor('宁波')!.ladder; // 200 up to 4 km, steps 4, 5, 7, 9
  assert.deepEqual(ladderBracket(ladder, 200), { fromKm: 0, toKm: 4 });
  assert.deepEqual(ladderBracket(ladder, 400), { fromKm: 8, toKm: 13 });
  assert.deepEqual(ladderBracket(ladder, 600), { fromKm: 20, toKm: 29 });
  assert.deepEqual(ladderBracket(ladder, 800), { fromKm: 38, toKm: 47 }, 'after the listed steps the last one repeats');
  assert.equal(ladderBracket(ladder, 250), null);
  assert.equal(ladderBracket(ladder, 100), null);
  for (const fen of [200, 300, 500, 900, 1200]) {
    const b = ladderBracket(ladder, fen)!;
    assert.equal(ladderFare(ladder, b.toKm).fen, fen, `${fen} at its top`);
    assert.equal(ladderFare(ladder, b.toKm + 0.1).fen, fen + 100, `${fen} one step over`);
  }
});
