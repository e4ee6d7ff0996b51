/**
 * Receipts print local wall-clock time of the station's city, whatever the PC's zone is set
 * to. Intl does the zone arithmetic; the output is always "YYYY-MM-DD HH:mm:ss".
 */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function parseInstant(iso: string, what = 'time'): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is not an ISO 8601 time: ${iso}`);
  return d;
}

/** The zone's UTC offset (ms) at an instant, from Intl; cached per zone and quarter hour. */
const offsets = new Map<string, number>();
const QUARTER_HOUR = 900_000;

function offsetMs(ms: number, timeZone: string): number {
  // Zone transitions fall on quarter hours, so the offset is constant within one.
  const key = `${timeZone}|${Math.floor(ms / QUARTER_HOUR)}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const parts: Record<string, string> = {};
    for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
    const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    off = asUtc - (ms - (((ms % 1000) + 1000) % 1000));
    if (offsets.size > 10_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * "YYYY-MM-DD HH:mm:ss" wall-clock time in `timeZone`. A day report formats 20,000 of these,
 * so Intl runs once per quarter hour and the rest is integer arithmetic.
 */
export function formatLocalDateTime(iso: string, timeZone = DEFAULT_TIME_ZONE): string {
  const ms = parseInstant(iso).getTime();
  const d = new Date(ms + offsetMs(ms, timeZone));
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

export function formatLocalTime(iso: string, timeZone = DEFAULT_TIME_ZONE): string {
  return formatLocalDateTime(iso, timeZone).slice(11);
}
