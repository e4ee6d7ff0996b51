/** BCD dates and times as cards store them: YYYYMMDD (4 bytes) and hhmmss (3 bytes). */
import { fromHex, toHex } from './hex.ts';

/** Decodes BCD digits; returns null when a nibble is not a decimal digit. */
export function bcdDigits(bytes: Uint8Array): string | null {
  const hex = toHex(bytes);
  return /^[0-9]*$/.test(hex) ? hex : null;
}

export function bcdFromDigits(digits: string): Uint8Array {
  if (!/^(?:[0-9]{2})*$/.test(digits)) throw new RangeError(`not an even run of digits: ${digits}`);
  return fromHex(digits);
}

/** 'YYYYMMDD' → 'YYYY-MM-DD', or null when the digits are not a calendar date. */
export function bcdDate(bytes: Uint8Array): string | null {
  const d = bcdDigits(bytes);
  if (d === null || d.length !== 8) return null;
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== iso) return null;
  return iso;
}

/** 'hhmmss' → 'hh:mm:ss', or null when out of range. */
export function bcdTime(bytes: Uint8Array): string | null {
  const d = bcdDigits(bytes);
  if (d === null || d.length !== 6) return null;
  const h = Number(d.slice(0, 2));
  const m = Number(d.slice(2, 4));
  const s = Number(d.slice(4, 6));
  if (h > 23 || m > 59 || s > 59) return null;
  return `${d.slice(0, 2)}:${d.slice(2, 4)}:${d.slice(4, 6)}`;
}

/** Local wall-clock date and time of `at` in the given UTC offset (China: +480 minutes). */
export function bcdDateTime(at: Date, utcOffsetMinutes = 480): { date: Uint8Array; time: Uint8Array } {
  const local = new Date(at.getTime() + utcOffsetMinutes * 60_000).toISOString();
  const date = local.slice(0, 10).replaceAll('-', '');
  const time = local.slice(11, 19).replaceAll(':', '');
  return { date: bcdFromDigits(date), time: bcdFromDigits(time) };
}
