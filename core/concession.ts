/**
 * Card products and their yearly verification, 年审 (issue 17 item 2; decisions in
 * docs/COUNTER-RULES.md). The card type is EF 0015 byte 28 in this project's codes (PRODUCT.md):
 * 00 普通卡 · 01 学生卡 · 02 老年卡 · 03 爱心卡. A concession card carries a verified-until date;
 * from the day after it (plus the grace the parameters give) the card is overdue: refused for
 * top-up until 年审 at the counter, and charged as 普通卡 by the fare engine.
 * Dates are China dates 'YYYY-MM-DD' (common/china-time.ts); nothing here reads a clock.
 */
import { z } from 'zod';

export const CARD_TYPE_CODES = ['00', '01', '02', '03'] as const;
export type CardTypeCode = (typeof CARD_TYPE_CODES)[number];
export const STANDARD_CARD: CardTypeCode = '00';

const month = z.number().int().min(1).max(12);

export const ConcessionScheduleSchema = z.object({
  version: z.string().min(1).max(40),
  /** 年审 month per concession type; a type absent here needs no verification. */
  verifyMonth: z.partialRecord(z.enum(CARD_TYPE_CODES), month),
  /** Days after the verified-until date during which the card still tops up. */
  graceDays: z.number().int().min(0).max(92),
  /** A verification (or sale) grants validity to the end of the first 年审 month at least this many months ahead. */
  minMonthsAhead: z.number().int().min(1).max(12),
}).strict();
export type ConcessionSchedule = z.infer<typeof ConcessionScheduleSchema>;

export const DEFAULT_CONCESSION_SCHEDULE: Readonly<ConcessionSchedule> = Object.freeze({
  version: 'local-default-2026-12',
  verifyMonth: Object.freeze({ '01': 9, '02': 1, '03': 5 }),
  graceDays: 0,
  minMonthsAhead: 6,
});

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function ymd(date: string): { y: number; m: number; d: number } {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a China date YYYY-MM-DD: ${date}`);
  const out = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  if (out.m < 1 || out.m > 12 || out.d < 1 || out.d > daysInMonth(out.y, out.m)) throw new RangeError(`no such date: ${date}`);
  return out;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const iso = (y: number, m: number, d: number): string => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

function addDays(date: string, days: number): string {
  const { y, m, d } = ymd(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function needsVerification(type: CardTypeCode, s: ConcessionSchedule): boolean {
  return s.verifyMonth[type] !== undefined;
}

/**
 * The verified-until date a sale or a 年审 on `today` grants: the last day of the type's 年审
 * month, in the first year where that month begins at least minMonthsAhead months after today's
 * month (so a card sold just before its 年审 month is not sent back within weeks). 学生卡
 * (September), 6 months: verified 2026-09-10 → 2027-09-30; sold 2026-03-15 → 2026-09-30 (six
 * months on); sold 2026-04-02 → 2027-09-30 (five months would be too soon).
 */
export function verifiedUntilAfter(today: string, type: CardTypeCode, s: ConcessionSchedule): string {
  const vm = s.verifyMonth[type];
  if (vm === undefined) throw new RangeError(`card type ${type} has no 年审`);
  const t = ymd(today);
  let y = t.y;
  while ((y - t.y) * 12 + (vm - t.m) < s.minMonthsAhead) y++;
  return iso(y, vm, daysInMonth(y, vm));
}

export type VerificationState =
  | { state: 'not-needed' }
  | { state: 'valid'; verifiedUntil: string; dueFrom: string }
  | { state: 'due'; verifiedUntil: string }
  | { state: 'overdue'; verifiedUntil: string; refusedFrom: string };

/**
 * Where a card stands on `today`. `dueFrom` is the first day of the 年审 month that ends its
 * validity (the counter verifies from then on); `refusedFrom` the first day top-ups are refused.
 */
export function verificationState(type: CardTypeCode, verifiedUntil: string | null, today: string, s: ConcessionSchedule): VerificationState {
  if (!needsVerification(type, s)) return { state: 'not-needed' };
  ymd(today);
  // A concession card without a date was never verified: overdue from the start.
  if (verifiedUntil === null) return { state: 'overdue', verifiedUntil: '0000-00-00', refusedFrom: today };
  const v = ymd(verifiedUntil);
  const dueFrom = iso(v.y, v.m, 1);
  const refusedFrom = addDays(verifiedUntil, s.graceDays + 1);
  if (today >= refusedFrom) return { state: 'overdue', verifiedUntil, refusedFrom };
  if (today >= dueFrom) return { state: 'due', verifiedUntil };
  return { state: 'valid', verifiedUntil, dueFrom };
}

/** The type the fare engine charges: an overdue concession card rides as 普通卡. */
export function fareCardType(type: CardTypeCode, verifiedUntil: string | null, today: string, s: ConcessionSchedule): CardTypeCode {
  return verificationState(type, verifiedUntil, today, s).state === 'overdue' ? STANDARD_CARD : type;
}
