/**
 * China local time (Asia/Shanghai, UTC+8 all year: no daylight saving since 1991) in one place.
 * Every calendar question the station asks — which day an instant falls on, where a day starts,
 * the YYYYMMDD written to a card, the time a clerk reads — is answered here, for the core, the
 * relay, the host and the renderer alike (common imports nothing, so all of them may use it).
 * No other file adds eight hours by hand (test/unit/china-time.test.ts enforces that).
 *
 * Instants are `Date`s, epoch milliseconds or ISO 8601 strings (a ledger `at`; one that does not
 * parse is a RangeError, never a made-up time); China dates are 'YYYY-MM-DD' strings, which sort
 * and compare as dates. Plain arithmetic, not Intl: a day report formats 20,000 times.
 */

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

export type Instant = Date | number | string;

/** An ISO 8601 time as a Date; a RangeError naming `what` when it is not one. */
export function parseInstant(iso: string, what = 'time'): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is not an ISO 8601 time: ${iso}`);
  return d;
}

const ms = (at: Instant): number => (typeof at === 'number' ? at : typeof at === 'string' ? parseInstant(at).getTime() : at.getTime());
/** The instant shifted so that its UTC fields read China wall-clock time. */
const wall = (at: Instant): Date => new Date(ms(at) + OFFSET_MS);

/** The China date ('YYYY-MM-DD') an instant falls on. */
export function chinaDate(at: Instant): string {
  return wall(at).toISOString().slice(0, 10);
}

/** 'YYYYMMDD' of the China date: the issue date on a card (BCD), the host's load date. */
export function chinaYmd(at: Instant): string {
  return chinaDate(at).replaceAll('-', '');
}

/** 'HHMMSS' of China time: the host's load time. */
export function chinaHms(at: Instant): string {
  return wall(at).toISOString().slice(11, 19).replaceAll(':', '');
}

/** 'HH:mm:ss' in China time (a day report's rows, within the day its header names). */
export function chinaTimeOfDay(at: Instant): string {
  return wall(at).toISOString().slice(11, 19);
}

/** 'YYYY-MM-DD HH:mm:ss' in China time (receipts, exports, the clerk's lists). */
export function chinaDateTime(at: Instant): string {
  return wall(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** 'YYYY-MM-DD HH:mm' in China time (inputs with minute precision, e.g. a ride's time). */
export function chinaMinute(at: Instant): string {
  return wall(at).toISOString().slice(0, 16).replace('T', ' ');
}

/** An ISO instant with China's offset ('2026-11-23T10:00:00+08:00'), for text a person may read. */
export function chinaIso(at: Instant): string {
  return `${wall(at).toISOString().slice(0, 19)}+08:00`;
}

/**
 * A time for a clerk: 'HH:mm' when it falls on today's China date (by `now`), otherwise
 * 'YYYY-MM-DD HH:mm'. Never UTC, never an ISO string.
 */
export function clerkTime(at: Instant, now: Instant): string {
  const text = chinaMinute(at);
  return chinaDate(at) === chinaDate(now) ? text.slice(11) : text;
}

/** The calendar fields of China time (month 1–12, weekday 0 = Sunday), for fares and limits. */
export function chinaParts(at: Instant): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const d = wall(at);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
  };
}

/** Whether text is a real calendar date 'YYYY-MM-DD' (2026-02-29 is not). */
export function isChinaDate(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const t = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** The instant a China date begins (00:00 China time = 16:00 UTC the day before). */
export function chinaDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - OFFSET_MS);
}

/** [start, end) of a China date as instants. */
export function chinaDayRange(day: string): { start: Date; end: Date } {
  const start = chinaDayStart(day);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The China date `days` calendar days after `day` (negative: before). */
export function addChinaDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The weekday (0 = Sunday … 6 = Saturday) of a China date. */
export function chinaWeekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** The China date `days` working days (Monday–Friday) after `day`. */
export function addWorkingDays(day: string, days: number): string {
  let d = day;
  for (let left = days; left > 0; ) {
    d = addChinaDays(d, 1);
    const wd = chinaWeekday(d);
    if (wd !== 0 && wd !== 6) left--;
  }
  return d;
}
