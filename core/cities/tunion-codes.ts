/**
 * T-Union (交通联合, JT/T 978) city codes → City Union directory cities.
 *
 * A T-Union card names its city in EF 0017 (管理信息文件: 城市代码, 2 bytes, 4 BCD digits) and its
 * province in the same file (省级代码). The public terminal code we learned from writes these
 * city codes in the 全国清算中心城市代码 system of GB/T 13497-1992 (北京 1000, 上海 2900, 广州
 * 5810, 深圳 5840); we take EF 0017 to use it too [I] (docs/CARD-PROTOCOL-NOTES.md "T-Union files").
 * The table holds the member cities of the directory that have a code of their own in that
 * standard (59 of 80); county-level members (昆山, 江阴, 义乌, …) have none, so a card of theirs
 * shows its code only. Codes of non-member cities (深圳 5840, …) are named from NON_MEMBER.
 */
import { cityByName, type CityEntry } from './directory.ts';

/** GB/T 13497-1992 code → directory short name, for the member cities that have one. */
export const TUNION_CITY_CODES: Readonly<Record<string, string>> = {
  '1121': '天津', '1270': '邯郸', '2210': '沈阳', '2240': '抚顺', '2250': '本溪', '2270': '锦州', '2280': '营口',
  '2330': '铁岭', '2360': '葫芦岛', '2440': '辽源', '2510': '松原', '2900': '上海', '3020': '无锡', '3060': '南通',
  '3080': '淮安', '3110': '盐城', '3160': '泰州', '3320': '宁波', '3330': '温州', '3350': '嘉兴', '3360': '湖州',
  '3370': '绍兴', '3380': '金华', '3420': '舟山', '3450': '台州', '3640': '淮南', '3720': '阜阳', '3910': '福州',
  '3940': '莆田', '3970': '泉州', '4050': '龙岩', '4210': '南昌', '4240': '九江', '4270': '鹰潭', '4280': '赣州',
  '4330': '上饶', '4730': '临沂', '4910': '郑州', '4950': '平顶山', '5040': '漯河', '5110': '驻马店', '5130': '南阳',
  '5230': '十堰', '5375': '潜江', '5520': '株洲', '5530': '湘潭', '5650': '永州', '5850': '珠海', '5910': '湛江',
  '6420': '三亚', '6550': '自贡', '7030': '遵义', '7310': '昆明', '7950': '咸阳', '7970': '渭南', '8060': '榆林',
  '8210': '兰州', '8240': '白银', '8820': '克拉玛依',
};

/** A few T-Union cities that are not City Union members, so their cards still name a city. */
const NON_MEMBER: Readonly<Record<string, string>> = {
  '1000': '北京', '5810': '广州', '5840': '深圳', '6510': '成都', '7910': '西安', '6900': '重庆', '3010': '南京', '3310': '杭州',
};

/**
 * 省级代码: the two-digit province prefix of GB/T 2260 followed by 00 (上海 3100) [I]. Names for
 * the screens; a code not listed shows as its digits.
 */
const PROVINCES: Readonly<Record<string, string>> = {
  '11': '北京', '12': '天津', '13': '河北', '14': '山西', '15': '内蒙古', '21': '辽宁', '22': '吉林', '23': '黑龙江',
  '31': '上海', '32': '江苏', '33': '浙江', '34': '安徽', '35': '福建', '36': '江西', '37': '山东', '41': '河南',
  '42': '湖北', '43': '湖南', '44': '广东', '45': '广西', '46': '海南', '50': '重庆', '51': '四川', '52': '贵州',
  '53': '云南', '54': '西藏', '61': '陕西', '62': '甘肃', '63': '青海', '64': '宁夏', '65': '新疆', '71': '台湾',
  '81': '香港', '82': '澳门',
};

/** The member city of a T-Union city code, or null (code unknown, or not a member). */
export function tunionCityEntry(code: string): CityEntry | null {
  const name = TUNION_CITY_CODES[code.toUpperCase()];
  return name === undefined ? null : cityByName(name);
}

/** The city a T-Union city code names: a member city's short name, a few others, else null. */
export function tunionCityName(code: string): string | null {
  return TUNION_CITY_CODES[code.toUpperCase()] ?? NON_MEMBER[code.toUpperCase()] ?? null;
}

/** The province a 省级代码 names, or null. */
export function tunionProvinceName(code: string): string | null {
  return /^[0-9]{2}00$/.test(code) ? PROVINCES[code.slice(0, 2)] ?? null : null;
}
