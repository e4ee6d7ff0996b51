// Shared builders for the fares tests (not a test file itself).
import { chinaIso } from '../../common/china-time.ts';
import { calculateFares, explainFares, type FareResult, type RideExplanation } from '../../core/fares/index.ts';

export interface RideSpec {
  /** Minutes (may be fractional) after 2019-11-05 08:00 +08:00. */
  min: number;
  mode: 'bus' | 'metro' | 'tram' | 'ferry';
  fare?: number;
  km?: number;
  zone?: string;
}

const T0 = Date.UTC(2019, 10, 5, 0, 0, 0); // 2019-11-05T08:00:00+08:00

/** An ISO timestamp with +08:00, `min` minutes after T0 (whole seconds). */
export function at(min: number): string {
  return chinaIso(T0 + Math.round(min * 60) * 1000);
}

export function input(city: string, rides: RideSpec[], card: { issuer?: string; type?: string } = {}, spent?: number): Record<string, unknown> {
  return {
    city,
    card: { issuer: card.issuer ?? city, type: card.type ?? 'regular' },
    ...(spent === undefined ? {} : { metro_spent_this_month: spent }),
    rides: rides.map((r) => ({ at: at(r.min), mode: r.mode, ...(r.fare !== undefined ? { fare: r.fare } : {}), ...(r.km !== undefined ? { km: r.km } : {}), ...(r.zone !== undefined ? { zone: r.zone } : {}) })),
  };
}

export function price(city: string, rides: RideSpec[], card?: { issuer?: string; type?: string }, spent?: number): FareResult {
  return calculateFares(input(city, rides, card, spent));
}

/** Charges only, e.g. [120, 70]. */
export function charges(city: string, rides: RideSpec[], card?: { issuer?: string; type?: string }, spent?: number): number[] {
  return price(city, rides, card, spent).rides.map((r) => r.charged);
}

/** [charged, transfer] pairs. */
export function pairs(city: string, rides: RideSpec[], card?: { issuer?: string; type?: string }, spent?: number): Array<[number, boolean]> {
  return price(city, rides, card, spent).rides.map((r) => [r.charged, r.transfer]);
}

export function explain(city: string, rides: RideSpec[], card?: { issuer?: string; type?: string }, spent?: number): RideExplanation[] {
  return explainFares(input(city, rides, card, spent)).explain;
}
