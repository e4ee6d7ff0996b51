/**
 * The intent journal's shapes, typed once (issue 15 item 2): what a card operation asks of the
 * card (one schema per step kind), the ledger event it records when the card has provably
 * committed (with the registry effects recorded beside it), the card's evidence kept for
 * settlement, and the details of a queued request (replacement, damaged-card exchange).
 * The TypeScript types are derived from the schemas. An intent is checked when it is written
 * (db/intents.ts writeIntent) and parsed when it is read back (recovery, the workflows that
 * resume an upgrade or a request): a stored row that does not parse is an error naming the op,
 * never a value read as zero.
 *
 * Parsing keeps what the station wrote: the stored JSON is the one the hash-free journal holds,
 * so the schemas accept every intent the current release writes (test/fixtures/release-ledger.sqlite
 * holds one of each) and leave fields they do not name out of the typed view. The ledger event
 * payloads themselves are typed in common/ledger-events.ts when they are recorded.
 */
import { z } from 'zod';
import type { Json } from './canonical-json.ts';
import { PostingSchema } from './accounts.ts';
import { StationError } from './errors.ts';

/** Integer fen, never negative. */
const fenAmount = z.number().int().min(0);
const hexDigits = (digits: number, what: string) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${digits}}$`), `${what}: ${digits} hex digits`);
const asn = hexDigits(16, 'an ASN');
const cityCode = hexDigits(4, 'a city code');
const nonEmpty = z.string().min(1);
/** A card reference (`cpu:<ASN>`, `m1:<UID>`). */
const cardRef = z.string().regex(/^(cpu|m1):[0-9A-Fa-f]+$/, 'a card reference cpu:ASN or m1:UID');

/** Any JSON value (ledger payloads and request details are free JSON here; their kinds type them). */
const json: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]));
const jsonObject = z.record(z.string(), json);

// ——— What the card must do: one schema per step kind ———

/** A load (圈存) of amountFen onto a CPU card (CARD-PROTOCOL.md §8.2). */
export const LoadStepSchema = z.object({
  step: z.literal('load'), asn, cityCode, amountFen: z.number().int().min(1), terminalId: nonEmpty, keyIndex: z.number().int().min(1).max(255),
});
/** A card type code of EF 0015 byte 28 (issue 17: 00 普通卡, 01 学生卡, 02 老年卡, 03 爱心卡). */
const cardTypeCode = z.enum(['00', '01', '02', '03']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a China date YYYY-MM-DD');
/**
 * A stock CPU card's activation: EF 0015's enable flag and issue date (YYYYMMDD as hex BCD), and
 * since issue 17 the card type sold in byte 28 (absent in older intents: byte 28 left as it was).
 */
export const EnableStepSchema = z.object({ step: z.literal('enable'), asn, cityCode, issueDate: z.string().regex(/^[0-9]{8}$/, 'a date YYYYMMDD'), cardType: cardTypeCode.optional() });
/**
 * 年审 (issue 17): the concession file SFI 0x1C written whole with secure messaging
 * (devices/cpu/concession-file.ts). The card proves it: its file holds this verified-until date.
 */
export const VerifyStepSchema = z.object({
  step: z.literal('verify'), asn, cityCode, cardType: cardTypeCode, verifiedUntil: isoDate, lastVerified: isoDate, stationId: nonEmpty,
});
/** APPLICATION BLOCK of a CPU card (refund, damaged-card exchange). */
export const BlockStepSchema = z.object({ step: z.literal('block'), asn, cityCode });
/**
 * M1 → CPU upgrade, CARD-PROTOCOL.md §9.6 step 2: zero the M1 purse (B as read after
 * normalisation, with the card's transaction count) and set its blacklist flag.
 */
export const M1ZeroStepSchema = z.object({
  step: z.literal('m1-zero'), uid: hexDigits(8, 'an M1 UID'), balanceFen: fenAmount, txCount: z.number().int().min(0).max(0xffff), terminal: nonEmpty, at: z.iso.datetime(),
});
/**
 * The umbrella intent of one M1 → CPU migration (§9.6 step 1), on the M1 card's ref: it
 * changes no card itself; its card steps (m1-zero, enable, load) carry its op id as
 * `payload.migrationId`. Settled as aborted only when none of them ever reached a card.
 */
export const MigrationStepSchema = z.object({
  step: z.literal('migration'), uid: hexDigits(8, 'an M1 UID'), balanceFen: fenAmount, txCount: z.number().int().min(0).max(0xffff),
  depositFen: fenAmount, deposit: z.enum(['carry', 'refund']), loadFen: fenAmount, feeFen: fenAmount,
});
export const CardStepSchema = z.discriminatedUnion('step', [LoadStepSchema, EnableStepSchema, BlockStepSchema, M1ZeroStepSchema, MigrationStepSchema, VerifyStepSchema]);
export type CardStep = z.infer<typeof CardStepSchema>;
export type CardStepKind = CardStep['step'];
export type StepOf<K extends CardStepKind> = Extract<CardStep, { step: K }>;

// ——— The ledger event an intent records, and the registry effects recorded with it ———

export const CARD_STATUSES = ['active', 'lost', 'blocked', 'refunded', 'migrated', 'replaced', 'damaged'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const REQUEST_KINDS = ['replacement', 'damaged'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const REQUEST_STATES = ['waiting', 'ready', 'done', 'cancelled'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** A card's registry row as an effect writes it; registration fields already masked (core/registration.ts). */
export const CardRecordSchema = z.object({
  cardRef, kind: z.enum(['cpu', 'm1']), cityCode: z.string().nullable(), status: z.enum(CARD_STATUSES), depositFen: fenAmount, registered: z.boolean(),
  holderName: z.string().nullable(), idNumberMasked: z.string().nullable(), idNumberHash: z.string().nullable(), phoneMasked: z.string().nullable(),
  /** The card type sold (issue 17); absent in older intents: 00 普通卡. */
  cardType: cardTypeCode.optional(),
});
export type CardRecord = z.infer<typeof CardRecordSchema>;

/** Registry changes recorded in the entry's transaction (core/card-effects.ts). */
export const CardEffectSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('card-upsert'), card: CardRecordSchema }),
  z.object({ type: z.literal('card-status'), cardRef, status: z.enum(CARD_STATUSES), depositFen: fenAmount.optional() }),
  z.object({ type: z.literal('blacklist'), cardRef, reason: z.string() }),
  /** 年审 (issue 17): the registry keeps the card type and the verified-until date the card holds. */
  z.object({ type: z.literal('card-verified'), cardRef, cardType: cardTypeCode, verifiedUntil: isoDate }),
  z.object({ type: z.literal('request'), requestId: nonEmpty, state: z.enum(REQUEST_STATES).optional(), details: jsonObject.optional() }),
  z.object({ type: z.literal('request-create'), requestId: nonEmpty, kind: z.enum(REQUEST_KINDS), cardRef, state: z.enum(REQUEST_STATES), readyAfter: z.string(), details: jsonObject }),
  /** The activated card leaves the station's blank-card stock (core/stock.ts issueFromStock, written by core/card-ops.ts commitCardOp). */
  z.object({ type: z.literal('stock-issue'), asn: z.string().min(1) }),
]);
export type CardEffect = z.infer<typeof CardEffectSchema>;

/** The ledger event to write once the card has provably committed. */
export const PreparedEventSchema = z.object({
  kind: nonEmpty,
  cardRef,
  amountFen: fenAmount,
  payload: jsonObject,
  postings: z.array(PostingSchema),
  /** Registry changes recorded with the entry, in its transaction (core/card-effects.ts). */
  effects: z.array(CardEffectSchema).optional(),
});
export type PreparedEvent = z.infer<typeof PreparedEventSchema>;

/** An intent as card_ops.request holds it: the step and the event it records. */
export const CardOpRequestSchema = z.object({ step: CardStepSchema, event: PreparedEventSchema });
export type CardOpRequest = z.infer<typeof CardOpRequestSchema>;

// ——— The card's evidence, kept for settlement ———

/**
 * The host date and time a load's MAC2 and TAC cover, as the card stores them: 'YYYYMMDD' and
 * 'hhmmss' (BCD digits). The security module seam (devices/sam/security-module.ts) uses this type.
 */
export const HostDateTimeSchema = z.object({ date: z.string(), time: z.string() });
export type HostDateTime = z.infer<typeof HostDateTimeSchema>;

/** The 16-byte INITIALIZE FOR LOAD answer, decoded (CARD-PROTOCOL.md §4.6). */
export const LoadInitFieldsSchema = z.object({
  oldBalanceFen: fenAmount,
  /** Online counter before the load (the one MAC1, MAC2 and TAC are bound to). */
  onlineAtc: z.number().int().min(0),
  keyVersion: z.number().int(),
  algorithmId: z.number().int(),
  /** 4-byte card random, 8 hex digits. */
  random: hexDigits(8, 'a card random'),
  /** 4-byte MAC1, 8 hex digits. */
  mac1: hexDigits(8, 'a MAC1'),
});
export type LoadInitFields = z.infer<typeof LoadInitFieldsSchema>;
/** The answer as the CPU client returns it and the evidence keeps it: the fields and the whole answer, hex. */
export const LoadInitAnswerSchema = LoadInitFieldsSchema.extend({ raw: z.string() });
export type LoadInitAnswer = z.infer<typeof LoadInitAnswerSchema>;

/**
 * A load's evidence (devices/cpu/load.ts PendingLoad): the INITIALIZE FOR LOAD answer and, once
 * fixed, the date/time MAC2 covers (and MAC2 itself when the clearing host gave it).
 */
export const LoadEvidenceSchema = z.object({
  asn, cityCode, amountFen: z.number().int().min(1), terminalId: nonEmpty, keyIndex: z.number().int().min(1).max(255),
  init: LoadInitAnswerSchema,
  hostDateTime: HostDateTimeSchema.optional(),
  mac2: z.string().optional(),
  /** The card's TAC, when an older release stored it with card_committed. */
  tac: z.string().optional(),
});
export type LoadEvidence = z.infer<typeof LoadEvidenceSchema>;
/** An M1 zeroing's evidence once the card has it: how it ended and the card image after. */
export const M1ZeroEvidenceSchema = z.object({ outcome: z.enum(['zeroed', 'already-done']), image: json });
export type M1ZeroEvidence = z.infer<typeof M1ZeroEvidenceSchema>;

// ——— Queued requests' details (requests.details) ———

const registrationFields = {
  holderName: z.string().nullable(), idNumberMasked: z.string().nullable(), phoneMasked: z.string().nullable(),
};
/** A replacement after loss (core/workflows/replace.ts). */
export const ReplacementDetailsSchema = z.object({
  asn, oldCardRef: cardRef, cityCode: z.string().nullable(), depositFen: fenAmount, ...registrationFields,
  idNumberHash: z.string(), balanceFen: fenAmount.optional(), newCardRef: cardRef.optional(),
});
export type ReplacementDetails = z.infer<typeof ReplacementDetailsSchema>;
/** A damaged-card exchange (core/workflows/damaged.ts). */
export const DamagedDetailsSchema = z.object({
  asn, oldCardRef: cardRef, cityCode: z.string().nullable(), fault: z.enum(['quality', 'customer']), depositFen: fenAmount,
  /** 'card': read from the card and moved to customer_payable when it was blocked; 'host': ask upstream. */
  balanceSource: z.enum(['card', 'host']), balanceFen: fenAmount.optional(), registered: z.boolean(), ...registrationFields,
  idNumberHash: z.string().nullable(), newCardRef: cardRef.optional(),
});
export type DamagedDetails = z.infer<typeof DamagedDetailsSchema>;

/** `value` parsed with `schema`, or an INTERNAL error naming what (`what`) did not parse and why. */
export function parseStored<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new StationError('INTERNAL', `${what} does not parse: ${why}`, 'Run station doctor; the journal row is kept as it is');
}

/** A value of a schema's type as plain JSON (for a Json-typed column or payload). */
export function asJson<T extends { [key: string]: unknown }>(value: T): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(value)) as { [key: string]: Json };
}
