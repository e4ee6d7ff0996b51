/**
 * City code (EF 0015 bytes 2–3, 4 hex digits) ↔ member city, from configuration.
 *
 * The 住建部 city-code table is not public (CARD-PROTOCOL.md §6). The default mapping in
 * resources/city-codes.json is a TRAINING/DEFAULT mapping: 上海 = 2000 (the one code the
 * protocol notes record), 宁波 = 3100 (our training home city), and placeholders F<batch><nn>
 * for every other member city (nn = position in the seed's batch list). A deployment replaces
 * the file with its issuer's table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../../common/errors.ts';
import { CITIES, cityByName, type CityEntry } from './directory.ts';

export interface CityCodeMapping {
  /** 'training-default' for the shipped placeholder table, else what the file says. */
  readonly kind: string;
  /** Upper-case code → directory entry. */
  readonly byCode: ReadonlyMap<string, CityEntry>;
  /** Directory short name → upper-case code. */
  readonly byName: ReadonlyMap<string, string>;
}

export const DEFAULT_CITY_CODES_FILE = path.resolve(import.meta.dirname, '..', '..', 'resources', 'city-codes.json');
export const SHANGHAI_CODE = '2000';
export const TRAINING_HOME_CODE = '3100';
export const TRAINING_HOME_CITY = '宁波';

/**
 * The placeholder table the default file holds, computed from the directory so that it is
 * deterministic: 上海 2000, 宁波 3100, others F + batch + two-digit list position.
 */
export function trainingDefaultCodes(): Record<string, string> {
  const out: Record<string, string> = {};
  const position = new Map<number, number>();
  for (const c of CITIES) {
    const n = (position.get(c.batch) ?? 0) + 1;
    position.set(c.batch, n);
    const code = c.name === '上海' ? SHANGHAI_CODE : c.name === TRAINING_HOME_CITY ? TRAINING_HOME_CODE : `F${c.batch}${String(n).padStart(2, '0')}`;
    out[code] = c.name;
  }
  return out;
}

const CODE_RE = /^[0-9A-Fa-f]{4}$/;

/**
 * Validates a mapping document `{"kind": "...", "codes": {"2000": "上海", ...}}`: every code is
 * 4 hex digits and unique (case-insensitively), every name is a member city (short or full
 * name), and no city has two codes. Throws BadInputError naming the first problem.
 */
export function parseCityCodes(doc: unknown, source = 'city code mapping'): CityCodeMapping {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BadInputError(`${source}: expected a JSON object with "codes"`);
  const d = doc as Record<string, unknown>;
  const codes = d.codes;
  if (typeof codes !== 'object' || codes === null || Array.isArray(codes)) throw new BadInputError(`${source}: "codes" must be an object of code → city name`);
  const kind = typeof d.kind === 'string' ? d.kind : 'custom';
  const byCode = new Map<string, CityEntry>();
  const byName = new Map<string, string>();
  for (const [rawCode, rawName] of Object.entries(codes as Record<string, unknown>)) {
    if (!CODE_RE.test(rawCode)) throw new BadInputError(`${source}: city code "${rawCode}" is not 4 hex digits`);
    const code = rawCode.toUpperCase();
    if (byCode.has(code)) throw new BadInputError(`${source}: city code ${code} appears twice`);
    if (typeof rawName !== 'string') throw new BadInputError(`${source}: the city of code ${code} must be a name`);
    const city = cityByName(rawName);
    if (city === null) throw new BadInputError(`${source}: "${rawName}" (code ${code}) is not a City Union member city`);
    const other = byName.get(city.name);
    if (other !== undefined) throw new BadInputError(`${source}: ${city.name} has two codes, ${other} and ${code}`);
    byCode.set(code, city);
    byName.set(city.name, code);
  }
  return { kind, byCode, byName };
}

/** Reads and validates a mapping file (default: resources/city-codes.json). */
export function loadCityCodes(file = DEFAULT_CITY_CODES_FILE): CityCodeMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StationError('CONFIG', `Cannot read the city code mapping ${file}: ${(err as Error).message}`, 'Check the path of the city code file', { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BadInputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseCityCodes(doc, file);
}

/** The member city of a card's city code (case-insensitive hex), or null when unmapped. */
export function cityByCode(code: string, mapping: CityCodeMapping): CityEntry | null {
  if (!CODE_RE.test(code)) return null;
  return mapping.byCode.get(code.toUpperCase()) ?? null;
}

/** The configured code of a member city (short or full name), or null. */
export function codeOfCity(name: string, mapping: CityCodeMapping): string | null {
  const city = cityByName(name);
  return city === null ? null : mapping.byName.get(city.name) ?? null;
}
