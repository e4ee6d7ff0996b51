/**
 * The ledger's event kinds and their payloads, typed once (issue 15 item 1). A ledger entry's
 * `kind` names one of the schemas below and its `payload` must parse with it: every write is
 * checked (core/record.ts refuses a payload that does not parse before anything is written),
 * every reader parses (receipts, the day report, the clearing host) and a stored row that does
 * not parse is a finding of `station ledger verify`, never read as zeros.
 *
 * The payload stored and hashed is the one the workflow wrote; parsing gives a typed view of
 * it (unknown fields are left out of the view, not refused: a payload keeps what an older or
 * newer station wrote beside the fields read here). Intents and card steps are typed in
 * common/card-intents.ts.
 *
 * Fields are required where every writer of the kind has written them since the ledger's first
 * release; optional where a writer leaves them out (a load settled from the card has no host
 * date/time, a TAC recovered from a card that kept no log has none).
 */
import { z } from 'zod';
import type { Json } from './canonical-json.ts';
import { StationError } from './errors.ts';
import { FeeLineSchema } from './fees.ts';
import { say } from './say.ts';

/** Integer fen (signed: a difference or an expected drawer can be negative); zod's int() is a safe integer. */
const fen = z.number().int();
/** Integer fen, never negative. */
const fenAmount = z.number().int().min(0);
const asn = z.string().regex(/^[0-9A-Fa-f]{16}$/, 'an ASN: 16 hex digits');
const cityCode = z.string().regex(/^[0-9A-Fa-f]{4}$/, 'a city code: 4 hex digits');
const nonEmpty = z.string().min(1);
/** A card reference as the ledger's card_ref holds it (`cpu:<ASN>`, `m1:<UID>`). */
const cardRef = z.string().regex(/^(cpu|m1):[0-9A-Fa-f]+$/, 'a card reference cpu:ASN or m1:UID');
/** YYYYMMDD as a card's issue date holds it. */
const ymd = z.string().regex(/^[0-9]{8}$/, 'a date YYYYMMDD');
const depositPolicy = z.enum(['carry', 'refund']);
const damageFault = z.enum(['quality', 'customer']);
/**
 * A counter fee charged or waived (issue 17, common/fees.ts): absent where no fee applied, and
 * in every entry written before fees existed (test/fixtures/release-ledger.sqlite).
 */
const feeFields = { fee: FeeLineSchema.optional() };

/** Fields a card operation's entry gets when it closes its op (core/card-ops.ts commitCardOp). */
const cardOpFields = {
  opId: nonEmpty,
  /** Settled from the card on a later placement, not by the request that began it. */
  recovered: z.literal(true).optional(),
};

/**
 * How the customer paid. `pay` is null where nothing was due. Entries written before change
 * was recorded carry no tenderedFen/changeFen: exact cash.
 */
const paymentFields = {
  pay: z.enum(['cash', 'other']).nullable(),
  tenderedFen: fenAmount.optional(),
  changeFen: fenAmount.optional(),
  reference: z.string().nullable().optional(),
};

/** What a load's card returned (devices/cpu/load.ts), as the entry records it. */
const loadFields = {
  /** The card's TAC (8 hex digits); null or absent when settlement found the load in a card without one. */
  tac: z.string().nullable().optional(),
  /** False when the station could not check the TAC itself (another city's card: the host checks it). */
  tacVerified: z.boolean().optional(),
  balanceBeforeFen: fenAmount,
  balanceAfterFen: fenAmount,
  onlineAtc: z.number().int().min(0).max(0xffff),
  /** The date/time MAC2 and the TAC cover; absent on an entry settled from the card. */
  hostDate: z.string().nullable().optional(),
  hostTime: z.string().nullable().optional(),
  terminalId: nonEmpty,
};

/**
 * The float is the shift's 备用金, issued from the safe (debit cash_drawer, credit safe). Entries
 * written before issue 17 have no postings and no `fromSafe`: their float moved no account.
 */
export const ShiftOpenSchema = z.object({ floatFen: fenAmount, fromSafe: z.literal(true).optional() });
export const ShiftCloseSchema = z.object({
  counted: z.record(z.string(), z.number().int().min(0)),
  countedFen: fenAmount,
  expectedFen: fen,
  differenceFen: fen,
  signedOffBy: z.string().nullable(),
  incompleteOps: z.number().int().min(0),
  /** The 备用金 given back to the safe at this close (a float_return entry); absent before issue 17. */
  floatReturnedFen: fenAmount.optional(),
  /** The blank cards counted at the close per card type, beside the station's stock (issue 17 item 3); absent when not counted. */
  blankCards: z.record(z.string().regex(/^[0-9]{2}$/), z.object({ counted: z.number().int().min(0), expected: z.number().int() })).optional(),
});
export const CashDifferenceSchema = z.object({ signedOffBy: z.string().nullable(), expectedFen: fen, countedFen: fenAmount });

/**
 * The teller's cash box (issue 17 item 4, docs/COUNTER-RULES.md §4). 交款: cash out of the
 * drawer to the safe (or into the safe's bag for the bank), signed by a supervisor other than the
 * teller — debit safe, credit cash_drawer.
 */
export const CashHandoverSchema = z.object({
  handoverId: nonEmpty, amountFen: fenAmount.min(1), to: z.enum(['safe', 'bank']), supervisorId: nonEmpty,
});
/** The 备用金 back to the safe at the shift close: debit safe, credit cash_drawer. */
export const FloatReturnSchema = z.object({ floatFen: fenAmount, returnedFen: fenAmount });
/** Cash sent from this shift to another open shift: debit cash_in_transit, credit cash_drawer. */
export const CashTransferOutSchema = z.object({
  transferId: nonEmpty, amountFen: fenAmount.min(1), toOperatorId: nonEmpty, toShiftId: nonEmpty,
});
/** The other shift takes it: debit cash_drawer, credit cash_in_transit. */
export const CashTransferInSchema = z.object({
  transferId: nonEmpty, amountFen: fenAmount.min(1), fromOperatorId: nonEmpty, fromShiftId: nonEmpty, sentEntryId: nonEmpty,
});
/** EF 0015 byte 28 in this project's codes (issue 17, core/concession.ts). */
const cardTypeCode = z.enum(['00', '01', '02', '03']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a China date YYYY-MM-DD');

export const CardSaleSchema = z.object({
  ...cardOpFields, ...paymentFields,
  asn, cityCode, depositFen: fenAmount, registered: z.boolean(), firstLoadFen: fenAmount, issueDate: ymd,
  /** The card type sold (issue 17); absent on sales before it: 00 普通卡. */
  cardType: cardTypeCode.optional(),
  /** A concession card's eligibility: what the clerk checked (never a document's copy or number). */
  eligibility: z.string().min(1).max(120).optional(),
});
/**
 * 年审 (issue 17): a concession card's verified-until date written to its concession file and
 * read back (the date here is the card's). No postings: nothing is paid. `reason` 'sale' is the
 * first date a concession card gets when it is sold.
 */
export const ConcessionVerifiedSchema = z.object({
  ...cardOpFields,
  asn, cityCode, cardType: cardTypeCode, verifiedUntil: isoDate, previousUntil: isoDate.nullable(), verifiedOn: isoDate,
  reason: z.enum(['sale', 'annual']),
  /** What the clerk checked (e.g. "学生证 checked, 第一中学"); never a document's copy or number. */
  evidence: z.string().min(1).max(120),
  /** The 年审 schedule's parameter version in force. */
  scheduleVersion: nonEmpty,
});
export const TopupSchema = z.object({ ...cardOpFields, ...paymentFields, ...loadFields, asn, cityCode });
export const RefundSchema = z.object({
  ...cardOpFields,
  asn, cityCode, balanceFen: fenAmount, depositFen: fenAmount, depositSource: nonEmpty, approvedBy: z.string().nullable(), ...feeFields,
});
export const LostReportSchema = z.object({
  ...paymentFields,
  asn, cityCode, idNumberMasked: z.string().nullable(), depositFen: fenAmount, feeFen: fenAmount, blacklist: z.literal(true),
});

export const ReplacementRequestSchema = z.object({ requestId: nonEmpty, asn, depositFen: fenAmount, idNumberMasked: z.string().nullable() });
/** The host's confirmed balance taken off a card out of circulation (core/workflows/card-steps.ts recordConfirmedBalance). */
export const ConfirmedBalanceSchema = z.object({
  requestId: nonEmpty, asn, confirmedBalanceFen: fenAmount, balanceAfterFen: z.literal(0), source: z.literal('upstream'),
});
export const ReplacementIssueSchema = z.object({
  ...cardOpFields,
  requestId: nonEmpty, asn, cityCode, oldCardRef: cardRef, depositFen: fenAmount, balanceFen: fenAmount, issueDate: ymd, ...feeFields,
  /** How the 工本费 was paid (issue 17); absent in replacements written before it was charged. */
  pay: paymentFields.pay.optional(), tenderedFen: paymentFields.tenderedFen, changeFen: paymentFields.changeFen, reference: paymentFields.reference,
});
export const ReplacementLoadSchema = z.object({ ...cardOpFields, ...loadFields, requestId: nonEmpty, asn, cityCode, oldCardRef: cardRef });

export const DamagedCardBlockSchema = z.object({
  ...cardOpFields,
  requestId: nonEmpty, asn, cityCode, balanceFen: fenAmount, depositFen: fenAmount, fault: damageFault,
});
export const DamagedCardRequestSchema = z.object({
  requestId: nonEmpty, asn, fault: damageFault, depositFen: fenAmount, readyAfter: nonEmpty, blacklist: z.literal(true),
});
export const DamagedExchangeIssueSchema = z.object({
  ...cardOpFields, ...paymentFields,
  requestId: nonEmpty, asn, cityCode, oldCardRef: cardRef, fault: damageFault, depositFen: fenAmount,
  newDepositChargedFen: fenAmount, forfeitedDepositFen: fenAmount, issueDate: ymd, ...feeFields,
});
export const DamagedExchangeLoadSchema = z.object({
  ...cardOpFields, ...loadFields,
  requestId: nonEmpty, asn, cityCode, oldCardRef: cardRef, balanceSource: z.enum(['card', 'host']),
});

export const MigrateOutSchema = z.object({
  ...cardOpFields,
  migrationId: nonEmpty, uid: nonEmpty, migratedFen: fenAmount, m1TxCount: z.number().int().min(0), depositFen: fenAmount, deposit: depositPolicy,
  /** How the zeroing ended (devices/m1 zeroAndBlacklist, or settlement: already-done, finished-on-settlement). */
  outcome: nonEmpty,
  purseWasAlreadyZero: z.boolean().optional(),
  /** The M1 card's blocks after the zeroing, by block number (hex). */
  image: z.record(z.string(), z.string()),
});
export const MigrateIssueSchema = z.object({
  ...cardOpFields, ...paymentFields,
  migrationId: nonEmpty, asn, cityCode, oldCardRef: cardRef, feeFen: fenAmount, depositFen: fenAmount,
  /** Added when the upgrade records the activation itself; an activation settled from the card has none. */
  issueDate: ymd.optional(),
});
export const MigrateInSchema = z.object({
  ...cardOpFields, ...loadFields,
  migrationId: nonEmpty, asn, cityCode, oldCardRef: cardRef, migratedFen: fenAmount, carriedDepositFen: fenAmount,
});
export const MigrateDoneSchema = z.object({
  ...cardOpFields,
  uid: nonEmpty,
  /** The number printed on the M1 card; '' when it has none. */
  cardNo: z.string(),
  cityCode: z.string(),
  migratedFen: fenAmount, m1TxCount: z.number().int().min(0), depositFen: fenAmount, deposit: depositPolicy, loadFen: fenAmount, feeFen: fenAmount,
  migrationId: nonEmpty, newCardRef: cardRef, newAsn: asn, refundedDepositFen: fenAmount,
  migrateOutEntry: nonEmpty, migrateIssueEntry: nonEmpty, migrateInEntry: nonEmpty.nullable(),
});

// ——— Blank-card stock (issue 17 item 3, docs/COUNTER-RULES.md §3): quantities, never money, so
// these entries carry no postings; they join the chain like every entry, so the day-end and the
// auditor read stock and money from one ledger. ———
/** A card serial as stock counts it: the ASN's 16 digits, decimal (a serial range is a range of numbers). */
const serial = z.string().regex(/^[0-9]{16}$/, 'a card serial: 16 digits');
/** A card type code (EF 0015 byte 28; docs/COUNTER-RULES.md §2): 00 普通卡, 01 学生卡, … */
const cardType = z.string().regex(/^[0-9]{2}$/, 'a card type: 2 digits');
const cardCount = z.number().int().min(0);
export const StockReceivedSchema = z.object({ firstAsn: serial, lastAsn: serial, cardType, cards: cardCount.min(1), documentNo: nonEmpty });
/**
 * A stock card left stock with a sale, replacement, exchange or upgrade (`saleEntryId`, its kind),
 * recorded in the same transaction. `fromState` is the card's state before (in_stock, except
 * when a card spoiled or returned meanwhile was activated anyway: then the day-end does not count
 * it as leaving stock twice).
 */
export const StockIssuedSchema = z.object({ asn: serial, cardType, saleEntryId: nonEmpty, saleKind: nonEmpty, fromState: z.enum(['in_stock', 'spoiled', 'returned']) });
export const StockSpoiledSchema = z.object({ asn: serial, cardType, reason: nonEmpty });
/** Cards of one type sent back to the center: `cards` from stock, `spoiledCards` spoiled earlier (already out of stock). */
export const StockReturnedSchema = z.object({ firstAsn: serial, lastAsn: serial, cardType, cards: cardCount, spoiledCards: cardCount, documentNo: nonEmpty });

/** Every event kind the station writes, with its payload's schema. */
export const LEDGER_EVENT_SCHEMAS = {
  shift_open: ShiftOpenSchema,
  shift_close: ShiftCloseSchema,
  cash_difference: CashDifferenceSchema,
  cash_handover: CashHandoverSchema,
  float_return: FloatReturnSchema,
  cash_transfer_out: CashTransferOutSchema,
  cash_transfer_in: CashTransferInSchema,
  card_sale: CardSaleSchema,
  topup: TopupSchema,
  refund: RefundSchema,
  lost_report: LostReportSchema,
  replacement_request: ReplacementRequestSchema,
  replacement_out: ConfirmedBalanceSchema,
  replacement_issue: ReplacementIssueSchema,
  replacement_load: ReplacementLoadSchema,
  damaged_card_request: DamagedCardRequestSchema,
  damaged_card_block: DamagedCardBlockSchema,
  damaged_card_out: ConfirmedBalanceSchema,
  damaged_exchange_issue: DamagedExchangeIssueSchema,
  damaged_exchange_load: DamagedExchangeLoadSchema,
  migrate_out: MigrateOutSchema,
  migrate_issue: MigrateIssueSchema,
  migrate_in: MigrateInSchema,
  migrate_done: MigrateDoneSchema,
  concession_verified: ConcessionVerifiedSchema,
  stock_received: StockReceivedSchema,
  stock_issued: StockIssuedSchema,
  stock_spoiled: StockSpoiledSchema,
  stock_returned: StockReturnedSchema,
} as const;

/** The stock kinds (no postings): issue 17 item 3. */
export const STOCK_KINDS = ['stock_received', 'stock_issued', 'stock_spoiled', 'stock_returned'] as const satisfies readonly LedgerEventKind[];

type Schemas = typeof LEDGER_EVENT_SCHEMAS;
export type LedgerEventKind = keyof Schemas;
export const LEDGER_EVENT_KINDS = Object.keys(LEDGER_EVENT_SCHEMAS) as LedgerEventKind[];

/** The payload of each kind, as parsed. */
export type LedgerPayload<K extends LedgerEventKind> = z.infer<Schemas[K]>;
/** One parsed event: `kind` tells which payload it carries (a discriminated union). */
export type LedgerEvent = { [K in LedgerEventKind]: { kind: K; payload: LedgerPayload<K> } }[LedgerEventKind];
/** The event of one kind. */
export type LedgerEventOf<K extends LedgerEventKind> = Extract<LedgerEvent, { kind: K }>;

/** The load kinds: their payload carries what the card's TAC covers. */
export const LOAD_KINDS = ['topup', 'replacement_load', 'damaged_exchange_load', 'migrate_in'] as const satisfies readonly LedgerEventKind[];
export type LoadEvent = LedgerEventOf<(typeof LOAD_KINDS)[number]>;
export const isLoadEvent = (ev: LedgerEvent): ev is LoadEvent => (LOAD_KINDS as readonly string[]).includes(ev.kind);

/** Why a payload does not parse: the kind, and each field with what is wrong with it. */
export interface LedgerEventProblem {
  kind: string;
  /** An empty list: the kind itself is unknown. */
  fields: Array<{ field: string; problem: string }>;
  /** One line naming the kind and the fields. */
  message: string;
}

export type LedgerEventParse = { ok: true; event: LedgerEvent } | { ok: false; problem: LedgerEventProblem };

export function isLedgerEventKind(kind: string): kind is LedgerEventKind {
  return Object.hasOwn(LEDGER_EVENT_SCHEMAS, kind);
}

/** The payload of an entry of `kind` as its typed event, or what is wrong with it. Never throws. */
export function parseLedgerEvent(kind: string, payload: Json | unknown): LedgerEventParse {
  if (!isLedgerEventKind(kind)) return { ok: false, problem: { kind, fields: [], message: `unknown ledger event kind "${kind}"` } };
  const r = LEDGER_EVENT_SCHEMAS[kind].safeParse(payload);
  // The cast joins a kind with the payload its own schema parsed: TypeScript cannot follow the
  // correlation through the indexed schema table.
  if (r.success) return { ok: true, event: { kind, payload: r.data } as LedgerEvent };
  const fields = r.error.issues.map((i) => ({ field: i.path.length === 0 ? '(payload)' : i.path.map(String).join('.'), problem: i.message }));
  return { ok: false, problem: { kind, fields, message: `${kind} payload: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}` } };
}

/**
 * A payload that does not parse where one must. Writing one is a programming error (INTERNAL:
 * nothing was written); a stored row that does not read is a damaged ledger (LEDGER_BROKEN:
 * `station ledger verify` names it), never read as zeros.
 */
export class LedgerEventError extends StationError {
  constructor(readonly problem: LedgerEventProblem, readonly entry?: { seq?: number; entryId: string }) {
    super(
      entry === undefined ? 'INTERNAL' : 'LEDGER_BROKEN',
      entry === undefined ? `refused to record a ${problem.message}` : `ledger entry ${entry.seq !== undefined ? `#${entry.seq} ` : ''}(${entry.entryId}) does not read: ${problem.message}`,
      entry === undefined ? undefined : 'station ledger verify lists every entry that does not read; report the incident with the entries named',
      entry === undefined ? undefined : { say: say('ledgerEntryUnreadable', { seq: entry.seq ?? '—', entry: entry.entryId }) },
    );
    this.name = 'LedgerEventError';
  }
}

/** The typed event, or a LedgerEventError naming the kind and the fields (`entry`: a stored row being read). */
export function ledgerEventOrThrow(kind: string, payload: Json | unknown, entry?: { seq?: number; entryId: string }): LedgerEvent {
  const r = parseLedgerEvent(kind, payload);
  if (!r.ok) throw new LedgerEventError(r.problem, entry);
  return r.event;
}

/** The typed event of a stored entry, which must be of one of `kinds`; LEDGER_BROKEN when it does not read. */
export function storedEvent<K extends LedgerEventKind>(e: { seq?: number; entryId: string; kind: string; payload: Json }, ...kinds: K[]): LedgerEventOf<K> {
  const ev = ledgerEventOrThrow(e.kind, e.payload, e);
  if (!(kinds as string[]).includes(ev.kind)) {
    throw new StationError('INTERNAL', `entry ${e.entryId} is a ${e.kind}, not ${kinds.join(' or ')}`);
  }
  return ev as LedgerEventOf<K>;
}
