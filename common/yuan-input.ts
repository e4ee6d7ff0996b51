/**
 * What a cashier types is yuan ("50", "50.5", "0.05"); the station keeps integer fen. This is
 * the one place typed yuan become fen: string arithmetic only, never a float.
 */
export function parseYuanInput(text: string): number | null {
  const m = /^\s*([0-9]{1,9})(?:\.([0-9]{0,2}))?\s*$/.exec(normaliseYuanText(text));
  if (!m) return null;
  const fenPart = (m[2] ?? '').padEnd(2, '0');
  return Number(m[1]) * 100 + Number(fenPart);
}

/**
 * What a Chinese keyboard types into an amount field, as plain ASCII: full-width digits and point
 * (an IME left in full-width mode: "５０", "５０．５"), the ideographic space, a leading ¥ / ￥ and a
 * trailing 元. Anything else is left as it is, so the parse refuses it.
 */
export function normaliseYuanText(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 0x30))
    .replace(/\uFF0E/g, '.')
    .replace(/\u3000/g, ' ')
    .replace(/^\s*[¥￥]\s*/, '')
    .replace(/\s*元\s*$/, '');
}

/** Why typed text is not an amount, for a message that says what to change. */
export function yuanInputProblem(text: string): 'empty' | 'decimals' | 'negative' | 'too-large' | 'format' | null {
  const t = normaliseYuanText(text).trim();
  if (t === '') return 'empty';
  if (parseYuanInput(t) !== null) return null;
  if (/^-/.test(t)) return 'negative';
  if (/^[0-9]+\.[0-9]{3,}$/.test(t)) return 'decimals';
  if (/^[0-9]{10,}(\.[0-9]*)?$/.test(t)) return 'too-large';
  return 'format';
}
