/**
 * The UI server's fare calculator and city directory methods (common/api-fares.ts), as plain
 * functions so core/api/server.ts only wires them. The calculator builds FARES.md's JSON from
 * the API params and runs the same parse + engine as `station fare --explain`; the directory is
 * core/cities' data with the configured city codes.
 */
import type { Params, Result } from '../../../common/api.ts';
import { BadInputError } from '../../../common/errors.ts';
import { CITIES, REMOTE_USE_TABLE_DATE, joinInterval, sameCardSystem, searchCities, type CityEntry } from '../../cities/index.ts';
import { explainFares, fareCityNames, fareRulesFor, knownCity } from '../../fares/index.ts';
import { defaultCityCodes } from '../../workflows/read-card.ts';

export function fareCities(): Result<'fareCities'> {
  return {
    cities: fareCityNames().map((n) => {
      const c = knownCity(n)!;
      const rules = c.rules;
      return {
        name: c.name,
        member: c.entry !== null,
        rules: rules !== null,
        ladder: rules === null ? null : { startFen: rules.ladder.startFen, startKm: rules.ladder.startKm, stepsKm: [...rules.ladder.stepsKm], stepFen: rules.ladder.stepFen },
        seasonal: rules?.seasonal !== undefined,
        zones: c.entry?.remoteUse?.bus.map((b) => b.zone).filter((z): z is string => z !== null) ?? [],
        summary: rules?.transfer.summary ?? null,
        summaryZh: rules?.transfer.summaryZh ?? null,
      };
    }),
  };
}

/** FARES.md input from the API's params; the engine validates everything else. */
export function fareInputOf(p: Params<'fareCalculate'>): Record<string, unknown> {
  return {
    city: p.city,
    card: { issuer: p.issuer, type: p.cardType },
    ...(p.metroSpentThisMonthFen === undefined ? {} : { metro_spent_this_month: p.metroSpentThisMonthFen }),
    rides: p.rides.map((r) => ({
      at: r.at, mode: r.mode,
      ...(r.fareFen === undefined ? {} : { fare: r.fareFen }),
      ...(r.km === undefined ? {} : { km: r.km }),
      ...(r.seasonal === undefined ? {} : { seasonal: r.seasonal }),
      ...(r.zone === undefined ? {} : { zone: r.zone }),
    })),
  };
}

export function fareCalculate(p: Params<'fareCalculate'>): Result<'fareCalculate'> {
  return explainFares(fareInputOf(p));
}

function directoryEntry(c: CityEntry, code: string | null): Result<'cityDirectory'>['cities'][number] {
  const span = joinInterval(c.joined);
  const r = c.remoteUse;
  return {
    name: c.name, fullName: c.fullName, batch: c.batch,
    joined: { text: c.joined.text, precision: c.joined.precision, from: span.from, to: span.to },
    brand: c.brand, remark: c.remark, province: c.province, code,
    remoteUse: r === null ? null : {
      tableName: r.tableName, busText: r.busText, otherText: r.otherText,
      bus: r.bus.map((b) => ({ zone: b.zone, perMille: b.perMille })), other: r.other.map((o) => ({ service: o.service, perMille: o.perMille })),
    },
    sharesCardWith: CITIES.filter((o) => o !== c && sameCardSystem(o, c)).map((o) => o.name),
    fareRules: fareRulesFor(c.name) !== null,
  };
}

export function cityDirectory(p: Params<'cityDirectory'>): Result<'cityDirectory'> {
  const codes = defaultCityCodes();
  let found: CityEntry[];
  try {
    found = searchCities({
      ...(p.text !== undefined && p.text.trim() !== '' ? { text: p.text } : {}),
      ...(p.batch === undefined ? {} : { batch: p.batch }),
      ...(p.joinedFrom === undefined || p.joinedFrom.trim() === '' ? {} : { joinedFrom: p.joinedFrom }),
      ...(p.joinedTo === undefined || p.joinedTo.trim() === '' ? {} : { joinedTo: p.joinedTo }),
    });
  } catch (err) {
    if (err instanceof RangeError) throw new BadInputError(err.message, 'A date is YYYY, YYYY-MM or YYYY-MM-DD; a batch is 1 to 7');
    throw err;
  }
  return {
    cities: found.map((c) => directoryEntry(c, codes.byName.get(c.name) ?? null)),
    total: CITIES.length,
    remoteUseTableDate: REMOTE_USE_TABLE_DATE,
    codesKind: codes.kind,
  };
}

/** The handlers, keyed by method; every one needs an unlocked session (checked by the caller's actorOf). */
export function fareHandlers<C>(deps: { actorOf: (conn: C) => unknown }) {
  return {
    async fareCities(_p: Params<'fareCities'>, conn: C): Promise<Result<'fareCities'>> {
      deps.actorOf(conn);
      return fareCities();
    },
    async fareCalculate(p: Params<'fareCalculate'>, conn: C): Promise<Result<'fareCalculate'>> {
      deps.actorOf(conn);
      return fareCalculate(p);
    },
    async cityDirectory(p: Params<'cityDirectory'>, conn: C): Promise<Result<'cityDirectory'>> {
      deps.actorOf(conn);
      return cityDirectory(p);
    },
  };
}
