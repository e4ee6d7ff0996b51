/** Money at the edge: integer fen in, text for people out (common/money.ts does the arithmetic). */
import { formatYuan } from '../../common/money.ts';

export function yuan(fen: number): string {
  return `¥${formatYuan(fen)}`;
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const SMALL = ['', '拾', '佰', '仟'];
const BIG = ['', '万', '亿'];

/** Amount in Chinese financial capitals (大写), as on a receipt: 5000 → 伍拾元整. */
export function capitals(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) return '';
  const yuanPart = Math.trunc(fen / 100);
  const jiao = Math.trunc(fen / 10) % 10;
  const fenDigit = fen % 10;
  let out = '';
  if (yuanPart > 0) {
    const s = String(yuanPart);
    let zero = false;
    for (let i = 0; i < s.length; i++) {
      const d = Number(s[i]);
      const pos = s.length - 1 - i;
      if (d === 0) {
        zero = true;
      } else {
        if (zero) out += '零';
        zero = false;
        out += DIGITS[d]! + SMALL[pos % 4]!;
      }
      if (pos % 4 === 0 && pos > 0) {
        const group = s.slice(Math.max(0, i - 3), i + 1);
        if (Number(group) > 0) out += BIG[pos / 4]!;
      }
    }
    out += '元';
  }
  if (jiao === 0 && fenDigit === 0) return `${out || '零元'}整`;
  if (jiao > 0) out += `${DIGITS[jiao]!}角`;
  else if (yuanPart > 0) out += '零';
  if (fenDigit > 0) out += `${DIGITS[fenDigit]!}分`;
  return out;
}
