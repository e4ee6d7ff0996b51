/**
 * The station API's fare calculator, city directory and card-log explanation (issue 6, FARES.md).
 * Spread into common/api.ts METHODS, so they are part of the one contract: parsed on the server,
 * checked on the way out, parsed again by the renderer.
 *
 * The calculator's params are FARES.md's input in the API's own spelling (camelCase, money in
 * fen named so); the server turns them into FARES.md JSON and the engine validates them (its
 * messages name the ride and field, e.g. `rides[1]: "km" is only for metro rides`).
 */
import { z } from 'zod';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const int = z.number().int();
const name = z.string().min(1).max(20);

export const FARE_MODES = ['bus', 'metro', 'tram', 'ferry'] as const;
export const FARE_CARD_TYPES = ['regular', 'discount', 'student', 'senior'] as const;

// ---- the engine's explanation of one ride (core/fares/engine.ts RideExplanation) -------------

export const RideExplanationSchema = z.object({
  index: int,
  at: z.string(),
  mode: z.enum(FARE_MODES),
  base: z.discriminatedUnion('source', [
    z.object({ source: z.literal('fare'), fen }),
    z.object({ source: z.literal('ladder'), fen, km: z.number(), startKm: z.number(), steps: int, upToKm: z.number() }),
    z.object({ source: z.literal('seasonal'), fen, chinaDate: z.string(), airConditioned: z.boolean() }),
  ]),
  pricing: z.enum(['local-rules', 'local-base', 'other-city']),
  rate: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('base-fare'), perMille: z.literal(1000), reason: z.enum(['local-no-rules', 'other-city-non-bus']) }),
    z.object({ kind: z.literal('flat'), perMille: int }),
    z.object({ kind: z.literal('bands'), parts: z.array(z.object({ fromFen: fen, toFen: fen, perMille: int })) }),
    z.object({ kind: z.literal('monthly'), perMille: int, spentBeforeFen: fen, tierFromFen: fen, tierToFen: fen.nullable() }),
    z.object({ kind: z.literal('remote-use'), perMille: int, zone: z.string().nullable(), inTable: z.boolean(), tableDate: z.string() }),
    z.object({ kind: z.literal('local-table'), perMille: int, zone: z.string().nullable(), tableDate: z.string() }),
  ]),
  rateFormula: z.string(),
  ratedFen: fen,
  chain: z.object({
    anchorIndex: int, elapsedSec: z.number(), fromSec: int, toSec: int, role: z.enum(['anchor', 'early', 'in-window']),
    endsHere: z.boolean(), rule: z.string(), ruleZh: z.string(),
  }).nullable(),
  transfer: z.object({ clause: z.string(), clauseZh: z.string(), previousIndex: int, formula: z.string() }).nullable(),
  noTransferReason: z.string().nullable(),
  noTransferReasonZh: z.string().nullable(),
  chargedFen: fen,
  note: z.string(),
});
export type RideExplanationDto = z.infer<typeof RideExplanationSchema>;

// ---- card log explanation (core/fares/explain-log.ts) ----------------------------------------

export const LogVerdictSchema = z.enum(['not-a-ride', 'explained', 'ambiguous', 'unchecked', 'unexplained', 'undecidable']);
export const CardLogExplanationSchema = z.object({
  seq: int,
  type: int,
  /** Signed like CardLogLineSchema's (M1 logs): a schema stricter than the log would drop the card's whole view. */
  amountFen: int,
  at: z.string().nullable(),
  verdict: LogVerdictSchema,
  readings: z.array(z.object({
    place: z.enum(['home', 'here', 'elsewhere']),
    cities: z.array(z.string()),
    mode: z.enum(['bus', 'metro', 'any']),
    pricing: z.enum(['local-rules', 'local-base', 'local-table', 'remote-use']),
    baseFen: z.array(fen),
    km: z.object({ fromKm: z.number(), toKm: z.number() }).nullable(),
    rateFormula: z.string().nullable(),
    transfer: z.object({ clause: z.string(), clauseZh: z.string(), formula: z.string().nullable(), previousSeq: int.nullable() }).nullable(),
    note: z.string(),
    noteZh: z.string(),
  })),
  moreReadings: int.min(0),
  note: z.string(),
  noteZh: z.string(),
});
export type CardLogExplanationDto = z.infer<typeof CardLogExplanationSchema>;

// ---- city directory ----------------------------------------------------------------------------

export const CityDirectoryEntrySchema = z.object({
  name: z.string(),
  fullName: z.string(),
  batch: int.min(1).max(7),
  /** As the seed gives it, with its precision and the days it can mean. */
  joined: z.object({ text: z.string(), precision: z.enum(['day', 'month']), from: z.string(), to: z.string() }),
  brand: z.string().nullable(),
  remark: z.string().nullable(),
  province: z.string().nullable(),
  /** The configured city code (resources/city-codes.json or the deployment's table). */
  code: z.string().nullable(),
  remoteUse: z.object({
    tableName: z.string(),
    busText: z.string(),
    otherText: z.string(),
    bus: z.array(z.object({ zone: z.string().nullable(), perMille: int })),
    other: z.array(z.object({ service: z.string(), perMille: int })),
  }).nullable(),
  /** Other member cities of the same card system (兰州 ↔ 白银). */
  sharesCardWith: z.array(z.string()),
  /** The city has seed-003 fare and transfer rules. */
  fareRules: z.boolean(),
});
export type CityDirectoryEntryDto = z.infer<typeof CityDirectoryEntrySchema>;

export const FareCitySchema = z.object({
  name: z.string(),
  member: z.boolean(),
  /** Seed-003 rules: distance ladder, card rates, transfers. */
  rules: z.boolean(),
  ladder: z.object({ startFen: fen, startKm: z.number(), stepsKm: z.array(z.number()), stepFen: fen }).nullable(),
  seasonal: z.boolean(),
  /** Parts of the city with their own remote-use rate (龙岩). */
  zones: z.array(z.string()),
  summary: z.string().nullable(),
  summaryZh: z.string().nullable(),
});
export type FareCityDto = z.infer<typeof FareCitySchema>;

export const FareRideParamsSchema = z.object({
  /** ISO 8601 with an offset, e.g. 2019-11-05T08:00:00+08:00. */
  at: z.string().min(1).max(40),
  mode: z.enum(FARE_MODES),
  fareFen: fen.optional(),
  km: z.number().optional(),
  seasonal: z.boolean().optional(),
  zone: z.string().max(20).optional(),
});

export const FARE_METHODS = {
  /** The calculator's cities (80 members + the seed-003 cities outside them) and what each accepts. */
  fareCities: { params: z.object({}), result: z.object({ cities: z.array(FareCitySchema) }) },
  /** FARES.md's calculator with the engine's explanation of every ride. */
  fareCalculate: {
    params: z.object({
      city: name,
      issuer: name,
      cardType: z.enum(FARE_CARD_TYPES),
      metroSpentThisMonthFen: fen.optional(),
      rides: z.array(FareRideParamsSchema).min(1).max(50),
    }),
    result: z.object({
      rides: z.array(z.object({ charged: fen, transfer: z.boolean() })),
      total: fen,
      explain: z.array(RideExplanationSchema),
    }),
  },
  /** The member cities, filtered (all criteria must hold; none = all 80). */
  cityDirectory: {
    params: z.object({
      /** Part of the name, full name or card brand (甬城 finds 宁波). */
      text: z.string().max(40).optional(),
      batch: int.min(1).max(7).optional(),
      /** YYYY, YYYY-MM or YYYY-MM-DD; a month-precision join date matches when any of its days is in range. */
      joinedFrom: z.string().max(10).optional(),
      joinedTo: z.string().max(10).optional(),
    }),
    result: z.object({
      cities: z.array(CityDirectoryEntrySchema),
      total: int,
      remoteUseTableDate: z.string(),
      /** 'training-default' while the shipped placeholder codes are in use. */
      codesKind: z.string(),
    }),
  },
} as const;
