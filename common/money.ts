/**
 * Money is integer fen (分) everywhere. Yuan appear only when formatting for people.
 * A card purse is an unsigned 32-bit fen amount, so every fen value is a safe integer.
 */
export const MAX_CARD_FEN = 0xffff_ffff;

export function isFen(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Throws unless `value` is a whole number of fen within [min, max]. */
export function assertFen(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!isFen(value)) throw new RangeError(`${what} must be a whole number of fen, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`${what} must be between ${min} and ${max} fen, got ${value}`);
  return value;
}

/** Parses a command-line/user amount given in fen ("2000"). No decimals, no units, no signs. */
export function parseFen(text: string): number | null {
  if (!/^[0-9]{1,15}$/.test(text.trim())) return null;
  const v = Number(text.trim());
  return Number.isSafeInteger(v) ? v : null;
}

/** 12345 → "123.45"; -5 → "-0.05". Pure integer arithmetic, no floats. */
export function formatYuan(fen: number): string {
  assertFen(fen, 'amount', Number.MIN_SAFE_INTEGER);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100);
  const rest = abs % 100;
  return `${sign}${yuan}.${rest.toString().padStart(2, '0')}`;
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const SMALL = ['', '拾', '佰', '仟'];
const BIG = ['', '万', '亿'];

/** Amount in Chinese financial capitals (大写), as on a receipt and the confirmation screen: 5000 → 伍拾元整. */
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
