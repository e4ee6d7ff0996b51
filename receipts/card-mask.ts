/**
 * Card numbers as counters print them: enough to recognise the card at the window, not enough
 * to copy it. Long numbers (the 16-digit ASN) keep the first 4 and last 4; short ones (an
 * 8-digit M1 UID) keep only the last 4, because first 4 + last 4 would be the whole number.
 */
export function maskCardNumber(number: string): string {
  // Plain loops, no regex: a day report masks 20,000 of these.
  let digits = '';
  for (const ch of number) if (ch !== ' ' && ch !== '-' && ch !== '\t') digits += ch;
  digits = digits.toUpperCase();
  if (digits.length <= 4) return digits;
  const keepHead = digits.length >= 12 ? 4 : 0;
  const masked = digits.slice(0, keepHead) + '*'.repeat(digits.length - keepHead - 4) + digits.slice(-4);
  let out = masked.slice(0, 4);
  for (let i = 4; i < masked.length; i += 4) out += ` ${masked.slice(i, i + 4)}`;
  return out;
}

/** 张三 → 张*, 欧阳娜娜 → 欧**娜: the first character (and the last for 3+), as counters do. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}
