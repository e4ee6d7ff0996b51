// The city directory against seed 000: the seed's own text (the member list and the
// remote-use table, copied verbatim below) is parsed here independently of the data module,
// and every city and every table row must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CITIES, cityByName, citiesInBatch, remoteUseRows, sameCardSystem, searchCities, joinInterval,
} from '../../core/cities/directory.ts';

const SEED_LIST = `
===第一批===
共8个城市，2012年7月27日加入。
*[[上海市|上海市]]：[[上海公共交通卡|上海公共交通卡]]
*[[宁波市|宁波市]]：[[甬城通|甬城通]]
*[[绍兴市|绍兴市]]：绍兴公交IC卡
*[[湖州市|湖州市]]：湖州城市公交一卡通
*[[台州市|台州市]]：台州通
*[[常熟市|常熟市]]：常熟通
*[[兰州市|兰州市]]、[[白银市|白银市]]：兰白一卡通

===第二批===
共9个城市，2013年4月加入。
*[[南昌市|南昌市]]：洪城一卡通
*[[永州市|永州市]]：永州城市一卡通
*[[葫芦岛市|葫芦岛市]]
*[[锦州市|锦州市]]
*[[江油市|江油市]]：江油通
*[[抚顺市|抚顺市]]
*[[昆山市|昆山市]]
*[[江阴市|江阴市]]：江阴市民卡
*[[淮安市|淮安市]]：淮安通

===第三批===
共18个城市，2013年10月19日加入<ref name="xhnet">{{cite news |language =  | author =  | coauthors =  | url = http://news.xinhuanet.com/local/2013-09/28/c_117543684.htm | title = 全国35个城市一卡通下月实现互联 将可异地充值  | publisher = 新华网 | pages =  | date = 2013-09-28 | accessdate = 2013-09-29}}</ref>。
*[[天津市|天津市]]：[[天津城市一卡通|天津城市一卡通]]
*[[沈阳市|沈阳市]]：[[盛京通|盛京通]]
*[[福州市|福州市]]：榕城一卡通
*[[三亚市|三亚市]]
*[[湛江市|湛江市]]
*[[无锡市|无锡市]]：[[无锡市民卡|无锡市民卡]]
*[[南通市|南通市]]：南通公共交通卡
*[[辽源市|辽源市]]：辽源一卡通
*[[松原市|松原市]]
*[[克拉玛依市|克拉玛依市]]
*[[榆林市|榆林市]]：驼城通
*[[龙岩市|龙岩市]]
*[[舟山市|舟山市]]：舟山市民卡
*[[泰州市|泰州市]]：泰州通
*[[长兴县|长兴县]]
*[[驻马店市|驻马店市]]
*[[鹰潭市|鹰潭市]]
*[[凯里市|凯里市]]

===第四批===
共15个城市，2014年10月31日加入<ref name="group4">{{cite news |language =  | author =  | coauthors =  | url = http://news.dahe.cn/2014/10-31/103688045.html | title = 郑州与50城市交通卡一卡通用 通用城市名单一览  | publisher = 大河网 | pages =  | date = 2014-10-31 | accessdate = 2014-10-31}}</ref>。
*[[郑州市|郑州市]]：[[绿城通|绿城通]]
*[[昆明市|昆明市]]
*[[宜兴市|宜兴市]]
*[[太仓市|太仓市]]
*[[金华市|金华市]]
*[[泉州市|泉州市]]：[[泉通卡|泉通卡]]
*[[晋江市|晋江市]]：晋江市民卡
*[[莆田市|莆田市]]
*[[潜江市|潜江市]]
*[[遵义市|遵义市]]
*[[华亭县|华亭县]]
*[[兴城市|兴城市]]
*[[营口市|营口市]]
*[[渭南市|渭南市]]
*[[十堰市|十堰市]]

===第五批===
共22个城市，2015年11月加入。
*[[澳门|澳门]]：[[澳门通|澳门通]]
*[[珠海市|珠海市]]
*[[株洲市|株洲市]]
*[[九江市|九江市]]
*[[湘潭市|湘潭市]]
*[[淮南市|淮南市]]
*[[大理市|大理市]]
*[[临沂市|临沂市]]
*[[邯郸市|邯郸市]]
*[[南阳市|南阳市]]
*[[咸阳市|咸阳市]]
*[[阜阳市|阜阳市]]
*[[荥阳市|荥阳市]]
*[[本溪市|本溪市]]
*[[铁岭市|铁岭市]]
*[[自贡市|自贡市]]
*[[漯河市|漯河市]]
*[[西昌市|西昌市]]
*[[都匀市|都匀市]]
*[[义乌市|义乌市]]
*[[阆中市|阆中市]]
*[[望城区|望城区]]

===第六批===
共5个城市，2016年12月加入。{{cn}}
*[[嘉兴市|嘉兴市]]
*[[温州市|温州市]]：温州市民卡（在学院西路“市民卡服务中心”开通）
*[[新郑市|新郑市]]
*[[杨凌市|杨凌市]]
*[[赣州市|赣州市]]

===第七批===
{{cn}}
*[[盐城市|盐城市]]
*[[平顶山市|平顶山市]]
*[[上饶市|上饶市]]
`;

const SEED_TABLE = `
{| class="wikitable sortable"
|-
! 省份 !! 城市 !! 公交优惠 !! 其他优惠
|-
| [[上海市|上海市]] || [[上海|上海]] || 基准票价 || 地铁：基准票价<br>轮渡：基准票价
|-
| [[天津市|天津市]] || [[天津|天津]] || 基准票价 || 无
|-
|rowspan=3| [[福建省|福建省]] || [[福州|福州]] || 基准票价 || 无
|-
| [[龙岩|龙岩]] || 中心城区：基准票价<br>县城：基准票价9折 || 无
|-
|  [[泉州|泉州]] || 基准票价 || 无
|-
|rowspan=2| [[甘肃省|甘肃省]] || [[兰州|兰州]] || 基准票价8.5折 || 无
|-
| [[白银|白银]] || 基准票价8.5折 || 无
|-
| [[广东省|广东省]] || [[湛江|湛江]] || 基准票价 || 无
|-
| [[贵州省|贵州省]] || [[凯里|凯里]] || 基准票价9折 || 无
|-
| [[海南省|海南省]] || [[三亚|三亚]] || 基准票价 || 无
|-
| [[河南省|河南省]] || [[驻马店|驻马店]] || 基准票价8折 || 无
|-
| [[湖南省|湖南省]] || [[永州|永州]] || 基准票价8.5折 || 无
|-
|rowspan=2| [[吉林省|吉林省]] || [[辽源|辽源]] || 基准票价 || 无
|-
| [[松原|松原]] || 基准票价 || 无
|-
|rowspan=7| [[江苏省|江苏省]] || [[常熟|常熟]] || 基准票价8折 || 出租：基准票价
|-
| [[淮安|淮安]] || 基准票价8折 || 无
|-
| [[江阴|江阴]] || 基准票价9.5折 || 无
|-
| [[昆山|昆山]] || 基准票价6折 || 无
|-
| [[南通|南通]] || 基准票价7折 || 无
|-
| [[泰州|泰州]] || 基准票价7折 || 无
|-
| [[无锡|无锡]] || 基准票价 || 无
|-
|rowspan=2| [[江西省|江西省]] || [[南昌|南昌]] || 基准票价9折 || 无
|-
| [[鹰潭|鹰潭]] || 基准票价9折 || 无
|-
|rowspan=4| [[辽宁省|辽宁省]] || [[抚顺|抚顺]] || 基准票价9折 || 无
|-
| [[葫芦岛|葫芦岛]] || 基准票价9折 || 出租：基准票价
|-
| [[锦州|锦州]] || 基准票价9折 || 无
|-
| [[沈阳|沈阳]] || 基准票价9折 || 无
|-
| [[陕西省|陕西省]] || [[榆林|榆林]] || 基准票价 || 无
|-
| [[四川省|四川省]] || [[江油|江油]] || 基准票价8折 || 无
|-
|rowspan=6| [[浙江省|浙江省]] || [[长兴县|长兴县]] || 基准票价9.5折 || 无
|-
| [[湖州|湖州]] || 基准票价9折 || 无
|-
| [[宁波|宁波]] || 基准票价6折 || 无
|-
| [[绍兴|绍兴]] || 基准票价8折 || 无
|-
| [[台州|台州]] || 基准票价6折 || 无
|-
| [[舟山|舟山]] || 基准票价8折 || 无
|}
`;

const BATCH_WORDS = ['一', '二', '三', '四', '五', '六', '七'];
const unlink = (s: string): string => s.replace(/\[\[([^\]|]*)\|([^\]]*)\]\]/g, '$2').replace(/\[\[([^\]]*)\]\]/g, '$1').trim();

/** The seed list: batch → [{fullName, brand}] in order. */
function seedList(): Map<number, Array<{ fullName: string; brand: string | null }>> {
  const out = new Map<number, Array<{ fullName: string; brand: string | null }>>();
  let batch = 0;
  for (const line of SEED_LIST.split('\n')) {
    const h = /^===第(.)批===$/.exec(line);
    if (h) { batch = BATCH_WORDS.indexOf(h[1]!) + 1; out.set(batch, []); continue; }
    if (!line.startsWith('*')) continue;
    const [cityPart, brandPart] = line.slice(1).split('：');
    const brand = brandPart === undefined ? null : unlink(brandPart).replace(/（.*）$/, '');
    for (const m of cityPart!.matchAll(/\[\[[^\]|]*\|([^\]]*)\]\]/g)) out.get(batch)!.push({ fullName: m[1]!, brand });
  }
  return out;
}

/** The seed table: rows of [province, city, bus cell, other cell], rowspans expanded. */
function seedTable(): Array<[string, string, string, string]> {
  const rows: Array<[string, string, string, string]> = [];
  let province = '';
  let left = 0;
  for (const chunk of SEED_TABLE.split('\n|-\n').slice(1)) {
    const line = chunk.split('\n')[0]!;
    if (!line.startsWith('|') || line.startsWith('|}')) continue;
    let cells = line.slice(1).split('||').map((c) => c.trim());
    const span = /^rowspan=(\d+)\|\s*(.*)$/.exec(cells[0]!);
    if (span) { left = Number(span[1]); province = unlink(span[2]!); cells = cells.slice(1); }
    else if (left > 0 && cells.length === 3) { /* continuation row of a rowspan */ }
    else { province = unlink(cells[0]!); cells = cells.slice(1); left = 1; }
    left--;
    const [city, bus, other] = cells.map((c) => unlink(c).replace(/<br>/g, '；'));
    rows.push([province, city!, bus!, other!]);
  }
  return rows;
}

test('seed 000 lists 8/9/18/15/22/5/3 cities per batch, 80 in all, and the directory agrees', () => {
  const list = seedList();
  assert.deepEqual([...list.values()].map((l) => l.length), [8, 9, 18, 15, 22, 5, 3]);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((b) => citiesInBatch(b).length), [8, 9, 18, 15, 22, 5, 3]);
  assert.equal(CITIES.length, 80);
  assert.equal(new Set(CITIES.map((c) => c.name)).size, 80, 'short names are unique');
  for (const [batch, cities] of list) {
    assert.deepEqual(citiesInBatch(batch).map((c) => c.fullName), cities.map((c) => c.fullName), `batch ${batch} in seed order`);
  }
});

test('card brands are the seed list\'s, and 兰州/白银 share 兰白一卡通', () => {
  for (const [, cities] of seedList()) {
    for (const s of cities) assert.equal(cityByName(s.fullName)!.brand, s.brand, s.fullName);
  }
  assert.equal(cityByName('宁波')!.brand, '甬城通');
  assert.equal(CITIES.filter((c) => c.brand !== null).length, 27);
  const lz = cityByName('兰州')!;
  const by = cityByName('白银')!;
  assert.equal(lz.brand, '兰白一卡通');
  assert.ok(sameCardSystem(lz, by));
  assert.ok(!sameCardSystem(lz, cityByName('上海')!));
  assert.equal(cityByName('温州')!.remark, '在学院西路“市民卡服务中心”开通');
});

test('泰州 (Jiangsu, batch 3) and 台州 (Zhejiang, batch 1) are different cities', () => {
  const tz1 = cityByName('泰州')!;
  const tz2 = cityByName('台州')!;
  assert.notEqual(tz1, tz2);
  assert.deepEqual([tz1.province, tz1.batch, tz1.brand, tz1.remoteUse!.bus[0]!.perMille], ['江苏省', 3, '泰州通', 700]);
  assert.deepEqual([tz2.province, tz2.batch, tz2.brand, tz2.remoteUse!.bus[0]!.perMille], ['浙江省', 1, '台州通', 600]);
});

test('join dates keep the seed\'s precision: day for batches 1, 3, 4; month for 2, 5, 6, 7', () => {
  const want: Record<number, [string, string]> = {
    1: ['2012-07-27', 'day'], 2: ['2013-04', 'month'], 3: ['2013-10-19', 'day'], 4: ['2014-10-31', 'day'],
    5: ['2015-11', 'month'], 6: ['2016-12', 'month'], 7: ['2017-12', 'month'],
  };
  for (const c of CITIES) assert.deepEqual([c.joined.text, c.joined.precision], want[c.batch], c.name);
  assert.deepEqual(joinInterval(cityByName('南昌')!.joined), { from: '2013-04-01', to: '2013-04-30' });
  assert.equal(cityByName('上海')!.joined.day, 27);
  assert.equal(cityByName('盐城')!.joined.day, null);
});

test('the remote-use table (2014-02-13) matches the seed row by row', () => {
  const seed = seedTable();
  assert.equal(seed.length, 35);
  const ours = remoteUseRows();
  assert.equal(ours.length, seed.length);
  const rate = (cell: string): number => cell === '基准票价' ? 1000 : Math.round(Number(/^基准票价([\d.]+)折$/.exec(cell)![1]) * 100);
  seed.forEach(([province, city, bus, other], i) => {
    const { city: entry, remoteUse } = ours[i]!;
    assert.equal(remoteUse.tableName, city, `row ${i}`);
    assert.equal(entry, cityByName(city), `row ${i} → ${city}`);
    assert.equal(remoteUse.province, province, `${city} province`);
    assert.equal(entry.province, province);
    assert.equal(remoteUse.busText, bus, `${city} 公交优惠`);
    assert.equal(remoteUse.otherText, other, `${city} 其他优惠`);
    const busParts = bus.split('；').map((p) => p.includes('：') ? { zone: p.split('：')[0]!, perMille: rate(p.split('：')[1]!) } : { zone: null, perMille: rate(p) });
    assert.deepEqual(remoteUse.bus, busParts, `${city} bus rates`);
    const otherParts = other === '无' ? [] : other.split('；').map((p) => ({ service: p.split('：')[0]!, perMille: rate(p.split('：')[1]!) }));
    assert.deepEqual(remoteUse.other, otherParts, `${city} other rates`);
  });
  // Spot checks with independent numbers.
  assert.equal(cityByName('兰州')!.remoteUse!.bus[0]!.perMille, 850);
  assert.equal(cityByName('江阴')!.remoteUse!.bus[0]!.perMille, 950);
  assert.equal(cityByName('长兴县')!.remoteUse!.bus[0]!.perMille, 950);
  assert.deepEqual(cityByName('龙岩')!.remoteUse!.bus, [{ zone: '中心城区', perMille: 1000 }, { zone: '县城', perMille: 900 }]);
  assert.deepEqual(cityByName('上海')!.remoteUse!.other.map((o) => o.service), ['地铁', '轮渡']);
  // Cities not in the table have neither a row nor a province.
  assert.equal(cityByName('克拉玛依')!.remoteUse, null);
  assert.equal(cityByName('郑州')!.province, null);
  assert.equal(CITIES.filter((c) => c.remoteUse !== null).length, 35);
});

test('lookup by short or full name; search by name, brand, batch and join date', () => {
  assert.equal(cityByName('宁波市'), cityByName('宁波'));
  assert.equal(cityByName('长兴')!.fullName, '长兴县');
  assert.equal(cityByName('望城区')!.name, '望城');
  assert.equal(cityByName('澳门')!.brand, '澳门通');
  assert.equal(cityByName('杭州'), null, '杭州 is not in the seed 000 list');
  assert.deepEqual(searchCities({ text: '甬城' }).map((c) => c.name), ['宁波']);
  assert.deepEqual(searchCities({ text: '兰白' }).map((c) => c.name), ['兰州', '白银']);
  assert.deepEqual(searchCities({ text: '市民卡' }).map((c) => c.name), ['江阴', '无锡', '舟山', '晋江', '温州']);
  assert.equal(searchCities({ batch: 5 }).length, 22);
  assert.deepEqual(searchCities({ batch: 7, text: '上' }).map((c) => c.name), ['上饶']);
  // Month precision: 2013-04 matches any range touching April 2013.
  assert.equal(searchCities({ joinedFrom: '2013-04-30', joinedTo: '2013-04-30' }).length, 9);
  assert.equal(searchCities({ joinedFrom: '2013-05-01', joinedTo: '2013-10-18' }).length, 0);
  assert.equal(searchCities({ joinedFrom: '2013-10-19', joinedTo: '2013-10-19' }).length, 18);
  assert.equal(searchCities({ joinedFrom: '2013' , joinedTo: '2013' }).length, 27);
  assert.equal(searchCities({ joinedFrom: '2015-11-15' }).length, 30);
  assert.equal(searchCities({ joinedTo: '2012' }).length, 8);
  assert.throws(() => searchCities({ joinedFrom: '2013-13' }), /joinedFrom/);
  assert.throws(() => searchCities({ batch: 8 }), /batch/);
});
