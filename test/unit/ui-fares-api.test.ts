// The fare calculator, city directory and card-log explanation as station API methods
// (common/api-fares.ts, core/api/handlers/fares.ts): params parsed by the contract, answers that pass the
// contract's result schemas, engine errors as BAD_INPUT with the engine's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardViewSchema, METHODS, parseRequest } from '../../common/api.ts';
import { StationError } from '../../common/errors.ts';
import { cityDirectory, fareCalculate, fareCities, fareHandlers } from '../../core/api/handlers/fares.ts';
import { explainViewLog } from '../../core/fares/index.ts';
import { loadCityCodes } from '../../core/cities/index.ts';

const ride = (at: string, mode: string, extra: Record<string, unknown>) => ({ at, mode, ...extra });
const NINGBO = {
  city: '宁波', issuer: '宁波', cardType: 'regular',
  rides: [ride('2019-11-05T08:00:00+08:00', 'bus', { fareFen: 200 }), ride('2019-11-05T08:30:00+08:00', 'metro', { km: 3.5 })],
};

function parsed(method: string, params: unknown) {
  return parseRequest({ id: 1, method, params });
}

test('fareCalculate params: FARES.md input in API spelling; unknown fields, bad modes and negative fen are refused at the edge', () => {
  const ok = parsed('fareCalculate', NINGBO);
  assert.ok(ok.ok, JSON.stringify(ok));
  const extra = parsed('fareCalculate', { ...NINGBO, fee: 1 });
  assert.ok(!extra.ok && extra.error.code === 'BAD_INPUT' && /fee|unrecognized/i.test(extra.error.message), JSON.stringify(extra));
  const mode = parsed('fareCalculate', { ...NINGBO, rides: [ride('2019-11-05T08:00:00+08:00', 'taxi', { fareFen: 200 })] });
  assert.ok(!mode.ok && /rides\.0\.mode/.test(mode.error.message), JSON.stringify(mode));
  const neg = parsed('fareCalculate', { ...NINGBO, rides: [ride('2019-11-05T08:00:00+08:00', 'bus', { fareFen: -1 })] });
  assert.ok(!neg.ok && /fareFen/.test(neg.error.message));
  const none = parsed('fareCalculate', { ...NINGBO, rides: [] });
  assert.ok(!none.ok, 'at least one ride');
});

test('fareCalculate: the FARES.md 宁波 example (1.20 + 0.70) with the engine\'s explanation, inside the result contract', () => {
  const r = fareCalculate(NINGBO as never);
  assert.deepEqual(r.rides, [{ charged: 120, transfer: false }, { charged: 70, transfer: true }]);
  assert.equal(r.total, 190);
  assert.equal(r.explain[1]!.base.source, 'ladder');
  assert.equal(r.explain[1]!.transfer!.formula, 'max(0, 190 − 120) = 70');
  assert.match(r.explain[1]!.transfer!.clauseZh, /换乘一次/);
  const checked = METHODS.fareCalculate.result.safeParse(r);
  assert.ok(checked.success, JSON.stringify(checked.error?.issues));
  assert.deepEqual(checked.data, r, 'nothing is stripped by the contract');
});

test('fareCalculate: invalid rides are BAD_INPUT errors naming the ride (never a guess)', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...NINGBO, rides: [NINGBO.rides[1], NINGBO.rides[0]] }, /rides\[1\].*before the previous ride/],
    [{ ...NINGBO, city: '巴黎' }, /unknown city "巴黎"/],
    [{ ...NINGBO, rides: [ride('2019-11-05T08:00:00+08:00', 'bus', { km: 3 })] }, /"km" is only for metro/],
    [{ ...NINGBO, rides: [ride('2019-11-05 08:00', 'bus', { fareFen: 200 })] }, /bad timestamp/],
    [{ ...NINGBO, rides: [ride('2019-11-05T08:00:00+08:00', 'bus', {})] }, /missing "fare"/],
  ];
  for (const [p, re] of cases) {
    assert.throws(() => fareCalculate(p as never), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT' && re.test(e.message), String(re));
  }
});

test('cityDirectory: all 80 members with codes, search by brand, batch and join date; answers inside the contract', () => {
  const all = cityDirectory({});
  assert.equal(all.cities.length, 80);
  assert.equal(all.total, 80);
  assert.equal(all.codesKind, 'training-default');
  assert.ok(METHODS.cityDirectory.result.safeParse(all).success);
  const [nb] = cityDirectory({ text: '甬城' }).cities;
  assert.deepEqual([nb!.name, nb!.code, nb!.batch, nb!.joined.text, nb!.joined.precision, nb!.remoteUse?.busText], ['宁波', '3100', 1, '2012-07-27', 'day', '基准票价6折']);
  assert.equal(nb!.fareRules, true);
  assert.equal(cityDirectory({ batch: 3 }).cities.length, 18);
  const lz = cityDirectory({ text: '兰州' }).cities[0]!;
  assert.deepEqual(lz.sharesCardWith, ['白银']);
  // 2013-04 is a month: it lies in a range from 2013-04-30.
  assert.deepEqual(cityDirectory({ joinedFrom: '2013-04-30', joinedTo: '2013-05' }).cities.map((c) => c.batch).filter((b, i, a) => a.indexOf(b) === i), [2]);
  assert.throws(() => cityDirectory({ joinedFrom: '2013-13' }), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT' && /joinedFrom/.test(e.message));
  assert.ok(!parsed('cityDirectory', { batch: 8 }).ok, 'batch 1..7 at the edge');
});

test('fareCities: the 80 members and the eight rule cities outside them, with ladders and zones', () => {
  const r = fareCities();
  assert.equal(r.cities.length, 88);
  assert.ok(METHODS.fareCities.result.safeParse(r).success);
  const sz = r.cities.find((c) => c.name === '深圳')!;
  assert.deepEqual([sz.member, sz.rules, sz.ladder?.startKm], [false, true, 4]);
  assert.deepEqual(r.cities.find((c) => c.name === '龙岩')!.zones, ['中心城区', '县城']);
  assert.equal(r.cities.find((c) => c.name === '青岛')!.seasonal, true);
});

test('the methods need an unlocked session: the handlers ask actorOf first', async () => {
  const h = fareHandlers<null>({ actorOf: () => { throw new StationError('AUTH', 'Not logged in'); } });
  await assert.rejects(h.fareCalculate(NINGBO as never, null), (e: unknown) => e instanceof StationError && e.code === 'AUTH');
  await assert.rejects(h.cityDirectory({}, null), (e: unknown) => e instanceof StationError && e.code === 'AUTH');
});

test('card view with the log explanation passes CardViewSchema; T-Union cards get none', () => {
  const log = [
    { seq: 2, type: 6, typeName: 'ep-purchase', amountFen: 70, terminal: '000000000001', at: '2019-11-05T08:30:00+08:00' },
    { seq: 1, type: 6, typeName: 'ep-purchase', amountFen: 120, terminal: '000000000001', at: '2019-11-05T08:00:00+08:00' },
  ];
  const codes = loadCityCodes();
  const view = {
    kind: 'cpu' as const, reader: 'r0', cardRef: 'cpu:3100000000000001', asn: '3100000000000001', uid: null, cardNo: null, cityCode: '3100', city: '宁波',
    brand: '甬城通', otherCity: false, balanceFen: 1000, status: 'enabled' as const, flags: ['enabled' as const], depositFen: null, issueDate: null,
    expiryDate: null, cardType: '00', log, incomplete: [], tunion: null, topupLoads: 'cu' as const,
  };
  const logExplain = explainViewLog(view, { cityCode: '3100', terminalId: '000000000009' }, codes)!;
  assert.deepEqual(logExplain.map((l) => l.verdict), ['explained', 'explained']);
  const checked = CardViewSchema.safeParse({ ...view, logExplain });
  assert.ok(checked.success, JSON.stringify(checked.error?.issues));
  assert.equal(explainViewLog({ ...view, kind: 'tunion' }, { cityCode: '3100' }, codes), null);
});

test('fareCalculate explains in Chinese too: 杭州 ride 2 minutes after the first pays rated, "距第 1 程仅 2:00"', () => {
  const r = fareCalculate({
    city: '杭州', issuer: '杭州', cardType: 'regular',
    rides: [{ at: '2019-11-05T08:00:00+08:00', mode: 'bus', fareFen: 200 }, { at: '2019-11-05T08:02:00+08:00', mode: 'bus', fareFen: 200 }],
  });
  assert.deepEqual(r.rides, [{ charged: 182, transfer: false }, { charged: 182, transfer: false }]);
  assert.equal(r.explain[1]!.chain!.role, 'early');
  assert.equal(r.explain[1]!.noTransferReasonZh, '距第 1 程仅 2:00，3:00 后才可换乘');
  assert.match(r.explain[1]!.chain!.ruleZh, /3–90 分钟/);
});
