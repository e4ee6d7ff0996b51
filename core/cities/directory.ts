/**
 * The City Union (全国城市一卡通互联互通) member directory: the 80 cities of seed 000 in its 7
 * batches, with card brands where the seed names them, and the remote-use (异地消费) discount
 * table "updated 2014-02-13" of the same seed. Data only, plus lookups; no I/O.
 *
 * Rates are integer per-mille (900 = 9折, 1000 = 基准票价) so fares stay integer arithmetic.
 */

export type JoinPrecision = 'day' | 'month';

export interface JoinDate {
  /** As the seed gives it: 'YYYY-MM-DD' (precision day) or 'YYYY-MM' (precision month). */
  readonly text: string;
  readonly precision: JoinPrecision;
  readonly year: number;
  readonly month: number;
  /** Only for precision 'day'. */
  readonly day: number | null;
}

export interface RemoteBusRate {
  /** A part of the city with its own rate (龙岩: 中心城区 / 县城); null = the whole city. */
  readonly zone: string | null;
  readonly perMille: number;
}

export interface RemoteOtherRate {
  /** Service as the table names it: 地铁 (metro), 轮渡 (ferry), 出租 (taxi). */
  readonly service: '地铁' | '轮渡' | '出租';
  readonly perMille: number;
}

/** One row of the 2014-02-13 remote-use table: what a card of another member city pays here. */
export interface RemoteUse {
  readonly province: string;
  /** The table's 城市 cell (长兴县 is written in full there). */
  readonly tableName: string;
  readonly bus: readonly RemoteBusRate[];
  /** Empty where the table says 无. */
  readonly other: readonly RemoteOtherRate[];
  /** The table's cells verbatim (without wiki markup), for display. */
  readonly busText: string;
  readonly otherText: string;
}

export interface CityEntry {
  /** Short Chinese name, the one fare input uses: 上海, 长兴, 澳门. */
  readonly name: string;
  /** The seed's list name: 上海市, 长兴县, 望城区, 澳门. */
  readonly fullName: string;
  readonly batch: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  readonly joined: JoinDate;
  /** Card brand where the seed names one (宁波 → 甬城通); null otherwise. */
  readonly brand: string | null;
  /** Extra remark of the seed's list line (温州's service point), else null. */
  readonly remark: string | null;
  /** Province, only where the remote-use table gives it. */
  readonly province: string | null;
  /** The remote-use row, or null when the city is not in the 2014 table. */
  readonly remoteUse: RemoteUse | null;
}

export const REMOTE_USE_TABLE_DATE = '2014-02-13';

function joinDate(text: string): JoinDate {
  const [y, m, d] = text.split('-').map(Number);
  return { text, precision: d === undefined ? 'month' : 'day', year: y!, month: m!, day: d ?? null };
}

/** The seed's batches: join date as given, then `[fullName, brand?, remark?]` in seed order. */
const BATCHES: ReadonlyArray<{ batch: CityEntry['batch']; joined: string; cities: ReadonlyArray<readonly [string, string?, string?]> }> = [
  {
    batch: 1, joined: '2012-07-27', cities: [
      ['上海市', '上海公共交通卡'], ['宁波市', '甬城通'], ['绍兴市', '绍兴公交IC卡'], ['湖州市', '湖州城市公交一卡通'],
      ['台州市', '台州通'], ['常熟市', '常熟通'], ['兰州市', '兰白一卡通'], ['白银市', '兰白一卡通'],
    ],
  },
  {
    batch: 2, joined: '2013-04', cities: [
      ['南昌市', '洪城一卡通'], ['永州市', '永州城市一卡通'], ['葫芦岛市'], ['锦州市'], ['江油市', '江油通'], ['抚顺市'],
      ['昆山市'], ['江阴市', '江阴市民卡'], ['淮安市', '淮安通'],
    ],
  },
  {
    batch: 3, joined: '2013-10-19', cities: [
      ['天津市', '天津城市一卡通'], ['沈阳市', '盛京通'], ['福州市', '榕城一卡通'], ['三亚市'], ['湛江市'],
      ['无锡市', '无锡市民卡'], ['南通市', '南通公共交通卡'], ['辽源市', '辽源一卡通'], ['松原市'], ['克拉玛依市'],
      ['榆林市', '驼城通'], ['龙岩市'], ['舟山市', '舟山市民卡'], ['泰州市', '泰州通'], ['长兴县'], ['驻马店市'],
      ['鹰潭市'], ['凯里市'],
    ],
  },
  {
    batch: 4, joined: '2014-10-31', cities: [
      ['郑州市', '绿城通'], ['昆明市'], ['宜兴市'], ['太仓市'], ['金华市'], ['泉州市', '泉通卡'], ['晋江市', '晋江市民卡'],
      ['莆田市'], ['潜江市'], ['遵义市'], ['华亭县'], ['兴城市'], ['营口市'], ['渭南市'], ['十堰市'],
    ],
  },
  {
    batch: 5, joined: '2015-11', cities: [
      ['澳门', '澳门通'], ['珠海市'], ['株洲市'], ['九江市'], ['湘潭市'], ['淮南市'], ['大理市'], ['临沂市'], ['邯郸市'],
      ['南阳市'], ['咸阳市'], ['阜阳市'], ['荥阳市'], ['本溪市'], ['铁岭市'], ['自贡市'], ['漯河市'], ['西昌市'],
      ['都匀市'], ['义乌市'], ['阆中市'], ['望城区'],
    ],
  },
  {
    batch: 6, joined: '2016-12', cities: [
      ['嘉兴市'], ['温州市', '温州市民卡', '在学院西路“市民卡服务中心”开通'], ['新郑市'], ['杨凌市'], ['赣州市'],
    ],
  },
  // The list section gives no date for batch 7; the 进展情况 paragraph says 2017年12月.
  { batch: 7, joined: '2017-12', cities: [['盐城市'], ['平顶山市'], ['上饶市']] },
];

/** 基准票价 → 1000, 基准票价8.5折 → 850. Throws on anything else (a typo in the data). */
function rateOf(cell: string): number {
  if (cell === '基准票价') return 1000;
  const m = /^基准票价(\d+(?:\.\d)?)折$/.exec(cell);
  if (m === null) throw new Error(`remote-use cell not understood: ${cell}`);
  return Math.round(Number(m[1]) * 100);
}

/**
 * The remote-use table, row by row as the seed prints it: province, city cell, 公交优惠, 其他优惠.
 * Multi-part cells use '；' between parts ("中心城区：基准票价；县城：基准票价9折").
 */
const REMOTE_ROWS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['上海市', '上海', '基准票价', '地铁：基准票价；轮渡：基准票价'],
  ['天津市', '天津', '基准票价', '无'],
  ['福建省', '福州', '基准票价', '无'],
  ['福建省', '龙岩', '中心城区：基准票价；县城：基准票价9折', '无'],
  ['福建省', '泉州', '基准票价', '无'],
  ['甘肃省', '兰州', '基准票价8.5折', '无'],
  ['甘肃省', '白银', '基准票价8.5折', '无'],
  ['广东省', '湛江', '基准票价', '无'],
  ['贵州省', '凯里', '基准票价9折', '无'],
  ['海南省', '三亚', '基准票价', '无'],
  ['河南省', '驻马店', '基准票价8折', '无'],
  ['湖南省', '永州', '基准票价8.5折', '无'],
  ['吉林省', '辽源', '基准票价', '无'],
  ['吉林省', '松原', '基准票价', '无'],
  ['江苏省', '常熟', '基准票价8折', '出租：基准票价'],
  ['江苏省', '淮安', '基准票价8折', '无'],
  ['江苏省', '江阴', '基准票价9.5折', '无'],
  ['江苏省', '昆山', '基准票价6折', '无'],
  ['江苏省', '南通', '基准票价7折', '无'],
  ['江苏省', '泰州', '基准票价7折', '无'],
  ['江苏省', '无锡', '基准票价', '无'],
  ['江西省', '南昌', '基准票价9折', '无'],
  ['江西省', '鹰潭', '基准票价9折', '无'],
  ['辽宁省', '抚顺', '基准票价9折', '无'],
  ['辽宁省', '葫芦岛', '基准票价9折', '出租：基准票价'],
  ['辽宁省', '锦州', '基准票价9折', '无'],
  ['辽宁省', '沈阳', '基准票价9折', '无'],
  ['陕西省', '榆林', '基准票价', '无'],
  ['四川省', '江油', '基准票价8折', '无'],
  ['浙江省', '长兴县', '基准票价9.5折', '无'],
  ['浙江省', '湖州', '基准票价9折', '无'],
  ['浙江省', '宁波', '基准票价6折', '无'],
  ['浙江省', '绍兴', '基准票价8折', '无'],
  ['浙江省', '台州', '基准票价6折', '无'],
  ['浙江省', '舟山', '基准票价8折', '无'],
];

function parseRemote(row: readonly [string, string, string, string]): RemoteUse {
  const [province, tableName, busText, otherText] = row;
  const bus: RemoteBusRate[] = busText.split('；').map((part) => {
    const i = part.indexOf('：');
    return i < 0 ? { zone: null, perMille: rateOf(part) } : { zone: part.slice(0, i), perMille: rateOf(part.slice(i + 1)) };
  });
  const other: RemoteOtherRate[] = otherText === '无' ? [] : otherText.split('；').map((part) => {
    const [service, cell] = part.split('：');
    if (service !== '地铁' && service !== '轮渡' && service !== '出租') throw new Error(`remote-use service not understood: ${part}`);
    return { service, perMille: rateOf(cell ?? '') };
  });
  return { province, tableName, bus, other, busText, otherText };
}

/** 上海市 → 上海, 长兴县 → 长兴, 望城区 → 望城; 澳门 stays. */
function shortName(fullName: string): string {
  return /^(.{2,})[市县区]$/.test(fullName) ? fullName.slice(0, -1) : fullName;
}

function build(): CityEntry[] {
  const remoteByName = new Map<string, RemoteUse>();
  for (const row of REMOTE_ROWS) remoteByName.set(row[1], parseRemote(row));
  const out: CityEntry[] = [];
  for (const b of BATCHES) {
    for (const [fullName, brand, remark] of b.cities) {
      const name = shortName(fullName);
      const remoteUse = remoteByName.get(name) ?? remoteByName.get(fullName) ?? null;
      out.push(Object.freeze({
        name, fullName, batch: b.batch, joined: Object.freeze(joinDate(b.joined)), brand: brand ?? null,
        remark: remark ?? null, province: remoteUse?.province ?? null, remoteUse,
      }));
    }
  }
  const used = new Set(out.filter((c) => c.remoteUse !== null).map((c) => c.remoteUse!.tableName));
  for (const row of REMOTE_ROWS) if (!used.has(row[1])) throw new Error(`remote-use row without a member city: ${row[1]}`);
  return out;
}

/** All 80 member cities, in the seed's order (batch, then list order). */
export const CITIES: readonly CityEntry[] = Object.freeze(build());

const BY_NAME = new Map<string, CityEntry>();
for (const c of CITIES) {
  BY_NAME.set(c.name, c);
  BY_NAME.set(c.fullName, c);
}

/** Exact lookup by short name (宁波) or the seed's full name (宁波市); null when not a member. */
export function cityByName(name: string): CityEntry | null {
  return BY_NAME.get(name.trim()) ?? null;
}

/** The remote-use table as rows in the seed's order (35 rows). */
export function remoteUseRows(): Array<{ city: CityEntry; remoteUse: RemoteUse }> {
  const out: Array<{ city: CityEntry; remoteUse: RemoteUse }> = [];
  for (const row of REMOTE_ROWS) {
    const city = cityByName(row[1])!;
    out.push({ city, remoteUse: city.remoteUse! });
  }
  return out;
}

/**
 * Cities that share one card system with `city` (兰州 and 白银 share 兰白一卡通): a card of any
 * of them is local in all of them. Always includes the city itself.
 */
export function sameCardSystem(a: CityEntry, b: CityEntry): boolean {
  return a === b || (a.brand !== null && a.brand === b.brand);
}

export function citiesInBatch(batch: number): CityEntry[] {
  return CITIES.filter((c) => c.batch === batch);
}

/** First and last day (inclusive, 'YYYY-MM-DD') a join date can mean, by its precision. */
export function joinInterval(j: JoinDate): { from: string; to: string } {
  const ym = `${j.year}-${String(j.month).padStart(2, '0')}`;
  if (j.precision === 'day') return { from: j.text, to: j.text };
  const last = new Date(Date.UTC(j.year, j.month, 0)).getUTCDate();
  return { from: `${ym}-01`, to: `${ym}-${String(last).padStart(2, '0')}` };
}

/** 'YYYY' | 'YYYY-MM' | 'YYYY-MM-DD' → its first and last day. Null when not such a date. */
export function parseDateQuery(text: string): { from: string; to: string } | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text.trim());
  if (m === null) return null;
  const y = Number(m[1]);
  if (m[2] === undefined) return { from: `${m[1]}-01-01`, to: `${m[1]}-12-31` };
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) return null;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (m[3] === undefined) return { from: `${m[1]}-${m[2]}-01`, to: `${m[1]}-${m[2]}-${String(last).padStart(2, '0')}` };
  const d = Number(m[3]);
  if (d < 1 || d > last) return null;
  return { from: text.trim(), to: text.trim() };
}

export interface CitySearch {
  /** Substring of the short name, full name or brand (甬城 finds 宁波). */
  text?: string;
  batch?: number;
  /** Joined on or after this date ('YYYY', 'YYYY-MM' or 'YYYY-MM-DD'). */
  joinedFrom?: string;
  /** Joined on or before this date ('YYYY', 'YYYY-MM' or 'YYYY-MM-DD'). */
  joinedTo?: string;
}

/**
 * Filters the directory; all given criteria must hold. A month-precision join date (2013-04)
 * matches a date range when any day of that month lies in the range.
 * Throws RangeError on an unreadable date or batch (callers turn it into BadInputError).
 */
export function searchCities(q: CitySearch): CityEntry[] {
  const text = q.text?.trim() ?? '';
  if (q.batch !== undefined && !(Number.isInteger(q.batch) && q.batch >= 1 && q.batch <= 7)) {
    throw new RangeError(`batch must be 1 to 7, got ${String(q.batch)}`);
  }
  const from = q.joinedFrom === undefined ? null : parseDateQuery(q.joinedFrom);
  const to = q.joinedTo === undefined ? null : parseDateQuery(q.joinedTo);
  if (q.joinedFrom !== undefined && from === null) throw new RangeError(`joinedFrom must be YYYY, YYYY-MM or YYYY-MM-DD, got "${q.joinedFrom}"`);
  if (q.joinedTo !== undefined && to === null) throw new RangeError(`joinedTo must be YYYY, YYYY-MM or YYYY-MM-DD, got "${q.joinedTo}"`);
  return CITIES.filter((c) => {
    if (text !== '' && !(c.name.includes(text) || c.fullName.includes(text) || (c.brand?.includes(text) ?? false))) return false;
    if (q.batch !== undefined && c.batch !== q.batch) return false;
    const span = joinInterval(c.joined);
    if (from !== null && span.to < from.from) return false;
    if (to !== null && span.from > to.to) return false;
    return true;
  });
}
