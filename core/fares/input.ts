/**
 * FARES.md's calculator input, validated. Anything the engine would otherwise have to guess
 * about is a BadInputError naming the field: unknown city or card type, a negative or
 * fractional fare, km on a bus, neither fare nor km, unsorted or unreadable times.
 */
import { BadInputError } from '../../common/errors.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { CITIES, cityByName, type CityEntry } from '../cities/directory.ts';
import { CARD_TYPES, FARE_RULES, MODES, fareRulesFor, type CardType, type CityFareRules, type Mode } from './rules.ts';

export interface FareRide {
  /** The timestamp as given. */
  readonly at: string;
  /** Epoch milliseconds of `at`. */
  readonly atMs: number;
  readonly mode: Mode;
  /** Base cash fare in fen, when given. */
  readonly fare: number | null;
  /** Metro distance, when given instead of a fare. */
  readonly km: number | null;
  /** 青岛's seasonal lines: base fare by the date. */
  readonly seasonal: boolean;
  /** Part of the host city with its own remote-use rate (龙岩: 中心城区 | 县城), when given. */
  readonly zone: string | null;
}

/** A city the engine knows: a member city of the directory and/or a seed-003 rule city. */
export interface KnownCity {
  readonly name: string;
  readonly entry: CityEntry | null;
  readonly rules: CityFareRules | null;
}

export interface FareInput {
  readonly city: KnownCity;
  readonly issuer: KnownCity;
  readonly cardType: CardType;
  readonly metroSpentThisMonth: number;
  readonly rides: readonly FareRide[];
  /** Ask for the per-ride explanation too. */
  readonly explain: boolean;
}

/** Largest metro distance accepted; anything longer is a typo, not a ride. */
export const MAX_KM = 1000;

/** Resolves a city name (short 宁波, or the seed's 宁波市) to what the engine knows of it. */
export function knownCity(name: string): KnownCity | null {
  const entry = cityByName(name);
  const canonical = entry?.name ?? name.trim();
  const rules = fareRulesFor(canonical);
  if (entry === null && rules === null) return null;
  return { name: canonical, entry, rules };
}

/** Every city name the calculator accepts (80 members + the 8 seed-003 cities outside them). */
export function fareCityNames(): string[] {
  const names = CITIES.map((c) => c.name);
  for (const r of FARE_RULES) if (!names.includes(r.city)) names.push(r.city);
  return names;
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Checks the parts and returns epoch ms, or null when any is out of range. */
function toEpochMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetSign: number, oh: number, om: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetSign * (oh * 60 + om) * 60_000;
}

/** Two decimal digits at i, or -1. */
function two(t: string, i: number): number {
  const a = t.charCodeAt(i) - 48;
  const b = t.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * ISO 8601 date-time with an explicit offset ("2019-11-05T08:00:00+08:00" or "…Z") → epoch ms.
 * Null when malformed, out of range (2019-02-30, 24:00) or without an offset (ambiguous).
 */
export function parseTimestamp(text: string): number | null {
  // Fast path for the usual shape YYYY-MM-DDTHH:MM:SS±HH:MM (the bench prices a million of them).
  if (text.length === 25 && text[4] === '-' && text[7] === '-' && text[10] === 'T' && text[13] === ':' && text[16] === ':' && text[22] === ':') {
    const sign = text[19] === '+' ? 1 : text[19] === '-' ? -1 : 0;
    const y1 = two(text, 0);
    const y2 = two(text, 2);
    const mo = two(text, 5);
    const d = two(text, 8);
    const h = two(text, 11);
    const mi = two(text, 14);
    const s = two(text, 17);
    const oh = two(text, 20);
    const om = two(text, 23);
    if (sign === 0 || y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || oh < 0 || om < 0) return null;
    return toEpochMs(y1 * 100 + y2, mo, d, h, mi, s, 0, sign, oh, om);
  }
  const m = TS_RE.exec(text);
  if (m === null) return null;
  const n = (i: number): number => Number(m[i]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (m[8] === 'Z') return toEpochMs(n(1), n(2), n(3), n(4), n(5), m[6] === undefined ? 0 : n(6), ms, 1, 0, 0);
  return toEpochMs(n(1), n(2), n(3), n(4), n(5), m[6] === undefined ? 0 : n(6), ms, m[9] === '-' ? -1 : 1, n(10), n(11));
}

const TOP_KEYS = new Set(['city', 'card', 'metro_spent_this_month', 'rides', 'explain']);
const CARD_KEYS = new Set(['issuer', 'type']);
const RIDE_KEYS = new Set(['at', 'mode', 'fare', 'km', 'seasonal', 'zone']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const k in obj) {
    if (!allowed.has(k)) throw new BadInputError(`${where}: unknown field "${k}" (allowed: ${[...allowed].join(', ')})`);
  }
}

function cityField(value: unknown, where: string): KnownCity {
  if (typeof value !== 'string' || value.trim() === '') throw new BadInputError(`${where} must be a city name (Chinese, e.g. "宁波")`);
  const c = knownCity(value);
  if (c === null) throw new BadInputError(`${where}: unknown city "${value}" (not a City Union member city nor one of the fare-rule cities)`, 'Use the Chinese name as in the city directory, e.g. 宁波 or 宁波市');
  return c;
}

/** Validates raw JSON (already parsed) into a FareInput. Throws BadInputError. */
export function parseFareInput(raw: unknown): FareInput {
  if (!isObject(raw)) throw new BadInputError('fare input must be a JSON object with "city", "card" and "rides"');
  checkKeys(raw, TOP_KEYS, 'fare input');
  const city = cityField(raw.city, '"city"');
  if (!isObject(raw.card)) throw new BadInputError('"card" must be an object {"issuer": CITY, "type": "regular"|"discount"|"student"|"senior"}');
  checkKeys(raw.card, CARD_KEYS, '"card"');
  const issuer = cityField(raw.card.issuer, '"card.issuer"');
  const type = raw.card.type;
  if (typeof type !== 'string' || !(CARD_TYPES as readonly string[]).includes(type)) {
    throw new BadInputError(`"card.type": unknown card type ${JSON.stringify(type)} (expected one of ${CARD_TYPES.join(', ')})`);
  }
  let spent = 0;
  if (raw.metro_spent_this_month !== undefined) {
    const v = raw.metro_spent_this_month;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new BadInputError(`"metro_spent_this_month" must be a whole, non-negative number of fen, got ${JSON.stringify(v)}`);
    }
    spent = v;
  }
  if (raw.explain !== undefined && typeof raw.explain !== 'boolean') throw new BadInputError('"explain" must be true or false');
  if (!Array.isArray(raw.rides)) throw new BadInputError('"rides" must be an array of rides');
  const rides: FareRide[] = [];
  let prevMs = -Infinity;
  for (let i = 0; i < raw.rides.length; i++) {
    const ride = parseRide(raw.rides[i], `rides[${i}]`, city);
    if (ride.atMs < prevMs) {
      throw new BadInputError(`rides[${i}]: time ${ride.at} is before the previous ride's (${rides[i - 1]!.at}); rides must be sorted by time`);
    }
    prevMs = ride.atMs;
    rides.push(ride);
  }
  return { city, issuer, cardType: type as CardType, metroSpentThisMonth: spent, rides, explain: raw.explain === true };
}

function parseRide(r: unknown, where: string, city: KnownCity): FareRide {
  if (!isObject(r)) throw new BadInputError(`${where} must be an object {"at", "mode", "fare" | "km"}`);
  checkKeys(r, RIDE_KEYS, where);
  if (typeof r.at !== 'string') throw new BadInputError(`${where}: "at" must be a timestamp like "2019-11-05T08:00:00+08:00"`);
  const atMs = parseTimestamp(r.at);
  if (atMs === null) throw new BadInputError(`${where}: bad timestamp "${r.at}" (expected ISO 8601 with an offset, e.g. 2019-11-05T08:00:00+08:00)`);
  const mode = r.mode;
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    throw new BadInputError(`${where}: unknown mode ${JSON.stringify(mode)} (expected one of ${MODES.join(', ')})`);
  }
  const givenCount = (r.fare !== undefined ? 1 : 0) + (r.km !== undefined ? 1 : 0) + (r.seasonal !== undefined ? 1 : 0);
  if (givenCount === 0) throw new BadInputError(`${where}: missing "fare" (base fare in fen)${mode === 'metro' ? ' or "km"' : ''}`);
  if (givenCount > 1) {
    const given = ['fare', 'km', 'seasonal'].filter((k) => r[k] !== undefined);
    throw new BadInputError(`${where}: give only one of ${given.map((k) => `"${k}"`).join(' and ')}`);
  }
  let fare: number | null = null;
  let km: number | null = null;
  let seasonal = false;
  if (r.fare !== undefined) {
    const f = r.fare;
    if (typeof f !== 'number' || !Number.isFinite(f)) throw new BadInputError(`${where}: "fare" must be a number of fen, got ${JSON.stringify(f)}`);
    if (f < 0) throw new BadInputError(`${where}: negative fare ${f}`);
    if (!Number.isInteger(f)) throw new BadInputError(`${where}: fare ${f} is not a whole number of fen`);
    if (f > MAX_CARD_FEN) throw new BadInputError(`${where}: fare ${f} fen is larger than any card purse`);
    fare = f;
  } else if (r.km !== undefined) {
    if (mode !== 'metro') throw new BadInputError(`${where}: "km" is only for metro rides, not ${mode}; give "fare"`);
    const k = r.km;
    if (typeof k !== 'number' || !Number.isFinite(k) || k <= 0) throw new BadInputError(`${where}: "km" must be a positive number, got ${JSON.stringify(k)}`);
    if (k > MAX_KM) throw new BadInputError(`${where}: ${k} km is longer than any metro ride (max ${MAX_KM})`);
    if (city.rules === null) throw new BadInputError(`${where}: ${city.name} has no distance ladder; give the metro "fare" in fen`);
    km = k;
  } else {
    if (r.seasonal !== true) throw new BadInputError(`${where}: "seasonal" can only be true (or left out)`);
    if (city.rules?.seasonal === undefined) throw new BadInputError(`${where}: "seasonal" fares exist only in 青岛, not ${city.name}; give "fare"`);
    if (mode === 'metro') throw new BadInputError(`${where}: "seasonal" is for bus lines, not metro`);
    seasonal = true;
  }
  let zone: string | null = null;
  if (r.zone !== undefined) {
    const zones = city.entry?.remoteUse?.bus.map((b) => b.zone).filter((z): z is string => z !== null) ?? [];
    if (typeof r.zone !== 'string' || !zones.includes(r.zone)) {
      throw new BadInputError(`${where}: unknown zone ${JSON.stringify(r.zone)} for ${city.name}${zones.length > 0 ? ` (expected ${zones.join(' or ')})` : ' (the city has no zones)'}`);
    }
    zone = r.zone;
  }
  return { at: r.at, atMs, mode: mode as Mode, fare, km, seasonal, zone };
}
