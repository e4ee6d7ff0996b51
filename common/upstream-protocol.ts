/**
 * The wire protocol between a station and the city's clearing host (docs/UPSTREAM.md): HTTP
 * and JSON, every request but /v1/health signed (common/upstream-signing.ts). The schemas are
 * zod v4; the station's sync relay and the host parse with the same ones, so a field renamed
 * on one side fails a test instead of silently dropping money.
 *
 * Money is integer fen in every field. Hex fields are upper or lower case on the way in; the
 * host answers in upper case.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------- limits
/** One upload carries at most this many entries: bounded memory and transaction time. */
export const MAX_BATCH_ENTRIES = 1000;
/** Request bodies above this are refused (413) before parsing. 1000 entries ≈ 1 MiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A single entry's payload, as canonical JSON. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
export const MAX_POSTINGS_PER_ENTRY = 16;
/** Same bound as the station ledger: far above any counter movement (1,000,000 yuan). */
export const MAX_ENTRY_FEN = 100_000_000;
/** A card purse is an unsigned 32-bit fen amount. */
export const MAX_PURSE_FEN = 0xffff_ffff;
export const DEFAULT_DELTA_LIMIT = 1000;
export const MAX_DELTA_LIMIT = 5000;

// ---------------------------------------------------------------------------------- paths
export const PATHS = {
  health: '/v1/health',
  entries: (stationId: string) => `/v1/stations/${stationId}/entries`,
  head: (stationId: string) => `/v1/stations/${stationId}/head`,
  days: (stationId: string) => `/v1/stations/${stationId}/days`,
  blacklist: '/v1/blacklist',
  params: '/v1/params',
  loadAuthorize: '/v1/loads/authorize',
  cardBalance: (asn: string) => `/v1/cards/${asn}/balance`,
} as const;

// ---------------------------------------------------------------------------------- atoms
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`), `${bytes * 2} hex digits`);
/** Stations are named by 12 hex digits (core/config.ts). */
export const StationIdSchema = z.string().regex(/^[0-9A-F]{12}$/, 'station id: 12 upper-case hex digits');
/** Entry ids are ULIDs made by the station (common/ids.ts). */
export const EntryIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'entry id: a 26-character ULID');
export const HashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'hash: 64 lower-case hex digits');
export const AsnSchema = hex(8);
export const CityCodeSchema = hex(2);
export const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'day: YYYY-MM-DD');
const PostingFen = z.int().min(0).max(MAX_ENTRY_FEN);
const PurseFen = z.int().min(0).max(MAX_PURSE_FEN);
const Seq = z.int().min(1);
const Version = z.int().min(0);
/** A list's changes with version > since, oldest first; ask again with since = version while `more`. */
const deltaOf = <C extends z.ZodType>(change: C) => z.strictObject({ version: Version, latest: Version, more: z.boolean(), changes: z.array(change) });
const ShortText = z.string().min(1).max(64);

// ---------------------------------------------------------------------------------- entries
export const PostingSchema = z.strictObject({
  account: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'account: lower-case name'),
  debitFen: PostingFen,
  creditFen: PostingFen,
});
export type WirePosting = z.infer<typeof PostingSchema>;

/**
 * One ledger entry exactly as the station stores it (db/ledger.ts StoredEntry). Nothing here
 * transforms a value: the host recomputes `hash` from the parsed fields (common/ledger-hash.ts).
 * Shape is checked here; money rules (balance, bounds) are checked by the host per entry so a
 * bad entry is quarantined with a reason instead of failing the whole upload.
 */
export const EntrySchema = z.strictObject({
  seq: Seq,
  entryId: EntryIdSchema,
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'kind: a short name'),
  at: z.string().min(10).max(40),
  stationId: StationIdSchema,
  operatorId: ShortText.nullable(),
  shiftId: ShortText.nullable(),
  cardRef: ShortText.nullable(),
  amountFen: z.int(),
  payload: z.json(),
  postings: z.array(PostingSchema).max(64),
  prevHash: HashSchema,
  hash: HashSchema,
});
export type WireEntry = z.infer<typeof EntrySchema>;

export const EntryBatchSchema = z.strictObject({
  stationId: StationIdSchema,
  entries: z.array(EntrySchema).min(1).max(MAX_BATCH_ENTRIES),
});
export type EntryBatch = z.infer<typeof EntryBatchSchema>;

/** Held by the host but not accepted for clearing; the station quarantines these. Listed in
 * every answer whose batch contains them, repeats included. */
export const REJECT_CODES = ['UNBALANCED', 'AMOUNT', 'POSTINGS', 'PAYLOAD_TOO_LARGE'] as const;
/** The batch stops at this entry: nothing from it on was stored. */
export const REFUSE_CODES = ['CHAIN_GAP', 'SEQ_ORDER', 'PREV_HASH_MISMATCH', 'HASH_MISMATCH', 'ENTRY_CONFLICT', 'STATION_MISMATCH'] as const;

export const EntryProblemSchema = z.strictObject({
  seq: z.int(),
  entryId: z.string(),
  code: z.string(),
  reason: z.string(),
});
export type EntryProblem = z.infer<typeof EntryProblemSchema>;

/**
 * The answer to an upload (HTTP 200; 409 when `refused.code` is ENTRY_CONFLICT; 422 for the
 * other refusals). Everything with seq ≤ ackSeq is held by the host (accepted or rejected);
 * the station resends from ackSeq + 1.
 */
export const EntryBatchAnswerSchema = z.strictObject({
  stationId: StationIdSchema,
  ackSeq: z.int().min(0),
  headHash: HashSchema,
  stored: z.int().min(0),
  duplicates: z.int().min(0),
  rejected: z.array(EntryProblemSchema),
  refused: EntryProblemSchema.nullable(),
});
export type EntryBatchAnswer = z.infer<typeof EntryBatchAnswerSchema>;

/** What the host holds of the station's chain (GET /v1/stations/{id}/head). */
export const StationHeadSchema = z.strictObject({ stationId: StationIdSchema, ackSeq: z.int().min(0), headHash: HashSchema });
export type StationHead = z.infer<typeof StationHeadSchema>;

// ---------------------------------------------------------------------------------- deltas
export const DeltaQuerySchema = z.strictObject({
  since: z.coerce.number().pipe(Version).default(0),
  limit: z.coerce.number().pipe(z.int().min(1).max(MAX_DELTA_LIMIT)).default(DEFAULT_DELTA_LIMIT),
});
export type DeltaQuery = z.infer<typeof DeltaQuerySchema>;

/** What every numbered change of a list carries: its version and when the host took it. */
const numbered = { version: z.int().min(1), at: z.string() };
export const BlacklistChangeSchema = z.strictObject({ ...numbered, asn: z.string(), action: z.enum(['add', 'remove']), reason: z.string(), stationId: z.string().nullable() });
export type BlacklistChange = z.infer<typeof BlacklistChangeSchema>;

export const BlacklistDeltaSchema = deltaOf(BlacklistChangeSchema);
export type BlacklistDelta = z.infer<typeof BlacklistDeltaSchema>;

/** A station reports a lost card (add) or a found one (remove); idempotent by requestId. */
export const BlacklistReportSchema = z.strictObject({
  requestId: EntryIdSchema,
  asn: AsnSchema,
  action: z.enum(['add', 'remove']),
  reason: z.string().min(1).max(200),
});
export type BlacklistReport = z.infer<typeof BlacklistReportSchema>;
export const BlacklistReportAnswerSchema = z.strictObject({ change: BlacklistChangeSchema, repeated: z.boolean() });
export type BlacklistReportAnswer = z.infer<typeof BlacklistReportAnswerSchema>;

/**
 * Parameter keys the station applies (their station-policy fields, core/policy.ts); others are
 * allowed and kept as sent. cityDirectory and fareTables are not distributed this way: see
 * docs/UPSTREAM.md "Parameters" for why.
 */
export const PARAM_KEYS = ['fees', 'limits', 'policy'] as const;
export const ParamKeySchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'parameter key');
export const ParamChangeSchema = z.strictObject({ ...numbered, key: z.string(), value: z.json() });
export type ParamChange = z.infer<typeof ParamChangeSchema>;
export const ParamDeltaSchema = deltaOf(ParamChangeSchema);
export type ParamDelta = z.infer<typeof ParamDeltaSchema>;

// ---------------------------------------------------------------------------------- loads
/**
 * Load (圈存) of another city's card: the fields of the card's INITIALIZE FOR LOAD answer plus
 * what the station sent it (CARD-PROTOCOL.md §4.6, §5.4, §6). Idempotent per
 * (asn, onlineAtc, random): the same request gets the same MAC2 and host date/time.
 */
export const LoadAuthRequestSchema = z.strictObject({
  asn: AsnSchema,
  cityCode: CityCodeSchema,
  keyVersion: z.int().min(0).max(255),
  algorithmId: hex(1),
  onlineAtc: z.int().min(0).max(0xffff),
  random: hex(4),
  oldBalanceFen: PurseFen,
  amountFen: z.int().min(1).max(MAX_PURSE_FEN),
  /** Transaction type: 02 = e-purse load (default), 01 = e-deposit. */
  txType: z.enum(['01', '02']).default('02'),
  terminalId: hex(6),
  mac1: hex(4),
});
export type LoadAuthRequest = z.input<typeof LoadAuthRequestSchema>;
export type LoadAuthRequestParsed = z.output<typeof LoadAuthRequestSchema>;

export const LOAD_REFUSE_CODES = ['UNKNOWN_ISSUER', 'UNSUPPORTED_ALGORITHM', 'KEY_VERSION', 'MAC1_INVALID', 'BLACKLISTED', 'LIMIT'] as const;
export const LoadAuthAnswerSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('authorised'),
    authId: z.string(),
    asn: z.string(),
    onlineAtc: z.int(),
    random: z.string(),
    amountFen: z.int(),
    mac2: hex(4),
    /** Host date YYYYMMDD and time HHMMSS (China time); MAC2 covers them, pass them to CREDIT FOR LOAD. */
    hostDate: z.string().regex(/^\d{8}$/),
    hostTime: z.string().regex(/^\d{6}$/),
    repeated: z.boolean(),
  }),
  z.strictObject({
    status: z.literal('refused'),
    code: z.enum(LOAD_REFUSE_CODES),
    reason: z.string(),
  }),
]);
export type LoadAuthAnswer = z.infer<typeof LoadAuthAnswerSchema>;

// ---------------------------------------------------------------------------------- days
export const KindTotalSchema = z.strictObject({ kind: z.string().min(1).max(64), count: z.int().min(0), amountFen: z.int() });
export type KindTotal = z.infer<typeof KindTotalSchema>;

/**
 * End-of-day checkpoint: the station's entries firstSeq..lastSeq (an empty day has
 * firstSeq = lastSeq + 1), their count and sums by kind, and the hash of entry lastSeq.
 */
export const DayCheckpointSchema = z.strictObject({
  stationId: StationIdSchema,
  day: DaySchema,
  firstSeq: Seq,
  lastSeq: z.int().min(0),
  entryCount: z.int().min(0),
  byKind: z.array(KindTotalSchema).max(200),
  headHash: HashSchema,
});
export type DayCheckpoint = z.infer<typeof DayCheckpointSchema>;

export const DayDifferenceSchema = z.strictObject({ field: z.string(), station: z.json(), host: z.json() });
export type DayDifference = z.infer<typeof DayDifferenceSchema>;
/**
 * acknowledged: the host holds exactly these entries. mismatch: `differences` says where.
 * incomplete: the host holds entries only up to heldThroughSeq; upload the rest, then retry.
 */
export const DayCheckpointAnswerSchema = z.strictObject({
  status: z.enum(['acknowledged', 'mismatch', 'incomplete']),
  stationId: z.string(),
  day: z.string(),
  heldThroughSeq: z.int().min(0),
  differences: z.array(DayDifferenceSchema),
  acknowledgedAt: z.string().nullable(),
});
export type DayCheckpointAnswer = z.infer<typeof DayCheckpointAnswerSchema>;

// ---------------------------------------------------------------------------------- cards
/**
 * What the host knows of a card's balance, for replacement after loss: the last balance an
 * entry recorded for it (payload.balanceAfterFen), moved by the card_float postings of later
 * entries that recorded none. null when no entry ever recorded one.
 */
export const CardBalanceAnswerSchema = z.strictObject({
  asn: z.string(),
  balanceFen: z.int().nullable(),
  /** verified: the card's own TAC of its latest load checked by the host; recorded: an older host's reading of a station's word; none: no balance the host can check. */
  basis: z.enum(['verified', 'recorded', 'none']),
  asOf: z.strictObject({ entryId: z.string(), stationId: z.string(), seq: z.int(), at: z.string() }).nullable(),
  entries: z.int().min(0),
  blacklisted: z.boolean(),
  blacklistedAt: z.string().nullable(),
});
export type CardBalanceAnswer = z.infer<typeof CardBalanceAnswerSchema>;

// ---------------------------------------------------------------------------------- misc
export const HealthAnswerSchema = z.strictObject({
  ok: z.boolean(),
  service: z.literal('city-union-upstream'),
  protocol: z.literal(PROTOCOL_VERSION),
  db: z.enum(['ok', 'down']),
  time: z.string(),
});
export type HealthAnswer = z.infer<typeof HealthAnswerSchema>;

export const UPSTREAM_ERROR_CODES = ['BAD_REQUEST', 'AUTH', 'STALE', 'REPLAY', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_LARGE', 'UNAVAILABLE', 'INTERNAL'] as const;
export const ErrorAnswerSchema = z.strictObject({
  error: z.strictObject({ code: z.enum(UPSTREAM_ERROR_CODES), message: z.string() }),
});
export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;
