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
