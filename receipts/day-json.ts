/**
 * The day as JSON: the input entries and shifts as they were, plus the computed totals, all in
 * integer fen. This is what `station ledger export --format json` writes and what a later
 * import or audit reads, so it is versioned.
 */
import { computeDayTotals, type DayTotals } from './day-totals.ts';
import type { DayReportData } from './day-types.ts';

export const DAY_JSON_FORMAT = 'city-union-station/day-report';
export const DAY_JSON_VERSION = 1;

export interface DayReportJson {
  format: typeof DAY_JSON_FORMAT;
  version: typeof DAY_JSON_VERSION;
  station: DayReportData['station'];
  day: string;
  generatedAt: string;
  training: boolean;
  chainHeadHash: string;
  acknowledgedAt: string | null;
  totals: Omit<DayTotals, 'shifts'> & { shifts: (Omit<DayTotals['shifts'][number], 'shift'> & { shiftId: string })[] };
  shifts: DayReportData['shifts'];
  incomplete: DayReportData['incomplete'];
  entries: DayReportData['entries'];
  /** The day's blank-card stock lines; absent for a station that never received stock. */
  stock?: DayReportData['stock'];
}

export function dayReportObject(data: DayReportData, totals: DayTotals = computeDayTotals(data)): DayReportJson {
  return {
    format: DAY_JSON_FORMAT,
    version: DAY_JSON_VERSION,
    station: data.station,
    day: data.day,
    generatedAt: data.generatedAt,
    training: data.training ?? false,
    chainHeadHash: data.chainHeadHash,
    acknowledgedAt: data.acknowledgedAt ?? null,
    totals: { ...totals, shifts: totals.shifts.map(({ shift, ...rest }) => ({ shiftId: shift.shiftId, ...rest })) },
    shifts: data.shifts,
    incomplete: data.incomplete,
    entries: data.entries,
    ...(data.stock === undefined ? {} : { stock: data.stock }),
  };
}

/** Pretty-printed (people open it too); ends with a newline. */
export function dayReportJson(data: DayReportData, totals?: DayTotals): string {
  return JSON.stringify(dayReportObject(data, totals), null, 2) + '\n';
}
