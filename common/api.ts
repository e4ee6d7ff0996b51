/**
 * The station API: one contract, typed once (zod), used by the UI server (`station serve`),
 * the browser bridge (renderer/src/bridge.ts) and later Electron's preload. Every message
 * that crosses the boundary is parsed with these schemas on the receiving side.
 *
 * Client → server: `{ id, method, params }`.
 * Server → client: `{ id, result }` or `{ id, error: { code, message, hint? } }` answering a
 * request, and `{ event, ... }` pushed at any time (card placed/removed, readers, service, shift,
 * session).
 *
 * Money is integer fen everywhere in here; yuan are formatted only where people read them.
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { FeeLineSchema, FeeScheduleSchema } from './fees.ts';
import { say, SAY_KEYS } from './say.ts';
import { CUSTOMER_METHODS } from './api-customer.ts';
import { RECEIPT_METHODS, ReceiptOutcomeSchema } from './api-receipts.ts';
import { CardLogExplanationSchema, FARE_METHODS } from './api-fares.ts';
import { CARD_TYPE_CODES, concessionMethods } from './api-concession.ts';
import { STAFF_METHODS } from './api-staff.ts';
import { STOCK_METHODS } from './api-stock.ts';
import { LAB_METHODS } from './api-lab.ts';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const signedFen = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);

const SaySchema = z.object({ id: z.enum(SAY_KEYS), vars: z.record(z.string(), z.union([z.string(), z.number()])).optional() });

export const ErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  hint: z.string().optional(),
  /** The refusal as a message id and figures: the screen says it in the clerk's language (common/say.ts). */
  say: SaySchema.optional(),
  /** CARD_CHANGED: the card the clerk confirmed and the card found in the field (its number, or null). */
  cards: z.object({ confirmed: z.string(), found: z.string().nullable() }).optional(),
  /**
   * A failed card-changing request (CARD_CHANGING_METHODS): 'none' — nothing reached a card and
   * nothing was charged (a plain refusal); 'in-doubt' — an operation is open until the same card
   * is placed again (its ids in `opIds`, as the card event's `settled` names them); 'partial' —
   * part of it was recorded (the message says which).
   */
  outcome: z.enum(['none', 'partial', 'in-doubt']).optional(),
  opIds: z.array(z.string()).optional(),
});
export type ApiError = z.infer<typeof ErrorSchema>;

// ---- data shapes ---------------------------------------------------------------------------

export const CardStatusFlagSchema = z.enum(['enabled', 'not-enabled', 'blocked', 'blacklisted', 'expired', 'lost', 'refunded', 'migrated', 'in-progress']);
export type CardStatusFlag = z.infer<typeof CardStatusFlagSchema>;

export const CardLogLineSchema = z.object({
  seq: z.number().int(),
  type: z.number().int(),
  typeName: z.string(),
  amountFen: signedFen,
  terminal: z.string(),
  at: z.string().nullable(),
});
/** One EF 0018 record as the card read decodes it (core/workflows/read-card.ts, core/fares/explain-log.ts). */
export type CardLogLine = z.infer<typeof CardLogLineSchema>;

export const IncompleteOpSchema = z.object({
  opId: z.string(),
  workflow: z.string(),
  state: z.string(),
  amountFen: signedFen,
  createdAt: z.string(),
});
export type IncompleteOp = z.infer<typeof IncompleteOpSchema>;

/** core/workflows/read-card.ts TUnionView: a card's T-Union (交通联合) application. */
export const TUnionViewSchema = z.object({
  cardNo: z.string(),
  cityCode: z.string().nullable(),
  city: z.string().nullable(),
  member: z.boolean(),
  provinceCode: z.string().nullable(),
  province: z.string().nullable(),
  cardType: z.string().nullable(),
  interoperable: z.boolean().nullable(),
  balanceFen: fen,
});
export type TUnionView = z.infer<typeof TUnionViewSchema>;

/** core/workflows/read-card.ts CardView, as the card panel receives it. */
export const CardViewSchema = z.object({
  kind: z.enum(['cpu', 'm1', 'tunion']),
  reader: z.string(),
  cardRef: z.string(),
  asn: z.string().nullable(),
  uid: z.string().nullable(),
  cardNo: z.string().nullable(),
  cityCode: z.string().nullable(),
  city: z.string().nullable(),
  brand: z.string().nullable(),
  otherCity: z.boolean(),
  balanceFen: fen.nullable(),
  status: CardStatusFlagSchema,
  flags: z.array(CardStatusFlagSchema),
  depositFen: fen.nullable(),
  /** registry: this station's record; policy: a card it has no record of, the deposit 退卡 / 升级换卡 would pay or carry. */
  depositSource: z.enum(['registry', 'policy']).optional(),
  issueDate: z.string().nullable(),
  expiryDate: z.string().nullable(),
  cardType: z.string().nullable(),
  /** A concession card's 年审 verified-until date from its card file (null: never verified); absent on a 普通卡. */
  verifiedUntil: z.string().nullable().optional(),
  /** That card's 年审 state today: due (top-ups go on, remind), overdue (top-up refused, rides as 普通卡). */
  concessionState: z.enum(['not-needed', 'valid', 'due', 'overdue']).optional(),
  log: z.array(CardLogLineSchema),
  incomplete: z.array(IncompleteOpSchema),
  /** The T-Union application: a T-Union card's own, or a dual card's second one (full reads only). */
  tunion: TUnionViewSchema.nullable(),
  /** The purse a top-up at this counter loads: the City Union one, or none (T-Union, M1). */
  topupLoads: z.enum(['cu']).nullable(),
  /** What the fare rules say of each log record, same order as `log` (core/fares/explain-log.ts); absent for T-Union cards. */
  logExplain: z.array(CardLogExplanationSchema).optional(),
  /** A registered card's holder, masked (name and ID number as the registry keeps them); null when anonymous. */
  holder: z.object({ name: z.string().nullable(), idNumberMasked: z.string().nullable() }).nullable().optional(),
});
export type CardViewDto = z.infer<typeof CardViewSchema>;

export const SettledOpSchema = z.object({
  opId: z.string(),
  workflow: z.string(),
  outcome: z.enum(['recorded', 'aborted', 'still-in-doubt']),
  entryId: z.string().optional(),
  detail: z.string(),
  /** The queued request the op belongs to (core/card-ops.ts SettledOp): named when its new card's step was aborted. */
  requestId: z.string().optional(),
  /** Recorded, but its upgrade or request is not finished: the screen says how to finish (core/card-ops.ts SettledOp). */
  unfinished: z.literal(true).optional(),
});
export type SettledOpDto = z.infer<typeof SettledOpSchema>;

export const ReaderSchema = z.object({ name: z.string(), cardPresent: z.boolean() });

export const RoleSchema = z.enum(['operator', 'supervisor', 'admin']);
export const SessionSchema = z.object({
  staffId: z.string(),
  name: z.string(),
  role: RoleSchema,
  locked: z.boolean(),
});
export type SessionDto = z.infer<typeof SessionSchema>;

export const ShiftSchema = z.object({
  shiftId: z.string(),
  operatorId: z.string(),
  openedAt: z.string(),
  floatFen: fen,
  /** float + the drawer's postings so far: what the count at close should come to. */
  expectedFen: signedFen,
});
export type ShiftDto = z.infer<typeof ShiftSchema>;

/** The card currently on a reader, as the panel shows it (null: no card / cleared). */
export const CardSlotSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('card'), reader: z.string(), view: CardViewSchema, settled: z.array(SettledOpSchema) }),
  z.object({ state: z.literal('error'), reader: z.string(), error: ErrorSchema }),
]);
export type CardSlot = z.infer<typeof CardSlotSchema>;

export const StatusSchema = z.object({
  station: z.object({ stationId: z.string(), mode: z.enum(['training', 'live']), cityCode: z.string(), city: z.string().nullable(), terminalId: z.string() }),
  pcsc: z.object({ up: z.boolean(), error: ErrorSchema.optional() }),
  readers: z.array(ReaderSchema),
  session: SessionSchema.nullable(),
  shift: ShiftSchema.nullable(),
  policy: z.object({ minTopupFen: fen, maxBalanceFen: fen }),
  /** The station's clock at this answer (ISO instant): the renderer's "now" (common/china-time.ts formats it). */
  now: z.string(),
});
export type StatusDto = z.infer<typeof StatusSchema>;

export const DenominationCountSchema = z.record(z.string().regex(/^[0-9]{1,5}$/), z.number().int().min(0).max(100_000));

// ---- methods -------------------------------------------------------------------------------

const staffId = text(64).min(1);
const pin = z.string().regex(/^[0-9]{4,12}$/, 'A PIN is 4 to 12 digits');

// ---- card workflows (issue, refund, lost, replace, exchange, migrate) ------------------------
// Each money workflow answers with its receipt (core/receipts.ts withReceipt): the PDF path, the
// entry it belongs to, and what went wrong with it or the printer (the money movement stands).

/**
 * A money request's idempotency key, made by the client once per confirmation (the renderer when
 * the confirmation screen opens; the CLI once per run): the same key sent again — Enter twice, a
 * retry after a lost answer, a second tab — gets the first answer instead of a second booking.
 */
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'An idempotency key is 16 to 64 letters, digits, - or _');
/** Required on every request that moves money: a request without one could be booked twice. */
const idempotent = { idempotencyKey: IdempotencyKeySchema };

const payMethod = z.enum(['cash', 'other']);
/** Cash (tendered; change = tendered − due) or other (the payment slip's reference). */
const payParams = {
  pay: payMethod.optional(),
  tenderedFen: fen.optional(),
  reference: text(64).optional(),
  /** Receipt printing, as for the top-up: 'auto' (default: print when a printer is set), 'always', 'never'. */
  print: z.enum(['auto', 'always', 'never']).optional(),
};
const asnText = z.string().regex(/^[0-9A-Fa-f]{16}$/, 'A card number is the 16 hex digits of the card (ASN)');
const idNumberText = text(18).min(15);
const readerName = text(200);
const requestIdText = text(64).min(1);
const uidText = z.string().regex(/^[0-9A-Fa-f]{8}([0-9A-Fa-f]{6})?$/, 'An M1 card number is the 8 (or 14) hex digits of its UID');

/**
 * The card binding (issue 13, docs/RELIABILITY.md "The card binding"): every card-changing
 * request names the card the clerk saw on the confirmation — its reader and its number (ASN of
 * a CPU card, UID of an M1 card). The core reads the card on that reader and refuses any other
 * card with CARD_CHANGED before the first card-changing command and before any intent.
 *
 * `confirmedCard` is the card the request changes first: the card topped up, refunded or sold
 * (issue), the stock card of a replacement or of a queued exchange's collection, the old card of
 * a readable exchange or an upgrade. `confirmedNewCard` is the second card of a two-card
 * workflow (readable exchange, upgrade): the stock card that becomes the customer's; it is
 * absent on a one-reader counter, where that card is placed only after the swap prompt.
 * `null` says that no such card was on the counter at the confirmation (a replacement queued
 * without a card, an unreadable card's exchange request): a card changed then is refused too.
 */
// cardNo: an M1 card's printed number as the clerk saw it, only to name the card in a refusal (never checked).
export const ConfirmedCardSchema = z.object({ reader: readerName.min(1), asn: asnText.optional(), uid: uidText.optional(), cardNo: z.string().regex(/^[0-9]{1,20}$/).optional() })
  .strict()
  .refine((c) => (c.asn === undefined) !== (c.uid === undefined), 'A confirmed card has its ASN (CPU card) or its UID (M1 card)');
export type ConfirmedCardDto = z.infer<typeof ConfirmedCardSchema>;
const SupervisorSchema = z.object({ staffId, pin });
/**
 * A fee waived by a supervisor other than the clerk (issue 17): their ID and PIN (checked like a
 * login) and the reason. The reason's 1–120 characters are the core's rule (its refusal has
 * the clerk's words); the bound here only keeps a request small.
 */
const FeeWaiverSchema = z.object({ staffId, pin, reason: text(1000) });

/** The receipt part of a money method's answer: defined once, in common/api-receipts.ts. */
export { ReceiptOutcomeSchema, type ReceiptOutcomeDto } from './api-receipts.ts';

/** core/workflows/card-steps.ts PickupSlip: what the customer takes home when the new card comes later. */
export const PickupSlipSchema = z.object({
  requestId: z.string(),
  kind: z.enum(['replacement', 'damaged']),
  cardNumber: z.string(),
  holderName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  stationId: z.string(),
  createdAt: z.string(),
  readyFrom: z.string(),
  instructions: z.string(),
});

/** The policy figures the workflow screens show before anything is sent (core/policy.ts). */
export const CounterPolicySchema = z.object({
  depositFen: fen,
  minTopupFen: fen,
  maxBalanceFen: fen,
  refundCashLimitFen: fen,
  replacementWaitDays: z.number().int().min(0),
  damagedPickupWorkingDays: z.number().int().min(0),
  migrationFeeFen: fen,
  migrationDeposit: z.enum(['carry', 'refund']),
  lostReportFeeFen: fen,
  customerDamageChargesDeposit: z.boolean(),
  /** Refund of an own-city card with no deposit on record: the policy deposit is refunded too. */
  refundDepositWithoutRecord: z.boolean(),
  /** The fee schedule in force (common/fees.ts): the screens show its fee before the clerk confirms. */
  feeSchedule: FeeScheduleSchema,
});
export type CounterPolicyDto = z.infer<typeof CounterPolicySchema>;

const queuedRequest = z.object({ state: z.literal('queued'), requestId: z.string(), oldCardRef: z.string(), entryId: z.string().nullable(), slip: PickupSlipSchema }).extend(ReceiptOutcomeSchema.shape);

export const WORKFLOW_METHODS = {
  // 年审 (issue 17): read and commit, common/api-concession.ts.
  ...concessionMethods(ConfirmedCardSchema, SettledOpSchema),
  counterPolicy: { params: z.object({}), result: CounterPolicySchema },
  /** 售卡: a stock CPU card activated; deposit, optional registration and first load; tendered covers deposit + load. */
  issue: {
    params: z.object({
      ...payParams,
      reader: readerName.optional(),
      confirmedCard: ConfirmedCardSchema,
      registration: z.object({ name: text(20).min(1), idNumber: idNumberText, phone: text(20).optional() }).nullable().optional(),
      firstLoadFen: fen.optional(),
      /** The card type sold (issue 17): 00 普通卡 (default), 01 学生卡, 02 老年卡, 03 爱心卡; a concession card is registered. */
      cardType: z.enum(CARD_TYPE_CODES).optional(),
      /** A concession card's eligibility: what was checked, never a document's number. */
      eligibility: text(120).optional(),
      ...idempotent,
    }),
    result: z.object({
      entryId: z.string(), cardRef: z.string(), asn: z.string(), cityCode: z.string(), depositFen: fen, issueDate: z.string(),
      registered: z.boolean(), holderName: z.string().nullable(), idNumberMasked: z.string().nullable(), phoneMasked: z.string().nullable(),
      pay: payMethod, totalFen: fen, tenderedFen: fen, changeFen: fen,
      firstLoad: z.object({ entryId: z.string(), amountFen: fen, balanceBeforeFen: fen, balanceAfterFen: fen, tac: z.string(), tacVerified: z.boolean() }).nullable(),
      cardType: z.enum(CARD_TYPE_CODES),
      /** A concession card's first verified-until date, read back from the card; null for a 普通卡. */
      verifiedUntil: z.string().nullable(),
      settled: z.array(SettledOpSchema),
    }).extend(ReceiptOutcomeSchema.shape),
  },
  /** 退卡: balance + deposit paid out in cash, the card blocked and kept; above the counter limit a supervisor approves. */
  refund: {
    params: z.object({
      reader: readerName.optional(), confirmedCard: ConfirmedCardSchema, supervisor: SupervisorSchema.optional(), waiver: FeeWaiverSchema.optional(), print: payParams.print, ...idempotent,
    }),
    result: z.object({
      entryId: z.string(), cardRef: z.string(), asn: z.string(), balanceFen: fen, depositFen: fen, totalFen: fen,
      /** The refund fee charged or waived (issue 17); null: none applied; absent in an answer kept from before fees. */
      fee: FeeLineSchema.nullable().optional(),
      depositSource: z.enum(['registry', 'policy', 'none']), approvedBy: z.string().nullable(), settled: z.array(SettledOpSchema),
    }).extend(ReceiptOutcomeSchema.shape),
  },
  /** 挂失: a registered card, found by the holder's ID number (and its number when they have several). */
  lost: {
    params: z.object({ idNumber: idNumberText, card: asnText.optional(), ...payParams, ...idempotent }),
    result: z.object({
      entryId: z.string(), cardRef: z.string(), asn: z.string(), holderName: z.string().nullable(), idNumberMasked: z.string().nullable(),
      lostAt: z.string(), replacementFrom: z.string(), feeFen: fen, pay: payMethod.nullable(), changeFen: fen,
    }).extend(ReceiptOutcomeSchema.shape),
  },
  /** 补卡: after the waiting period, onto a stock card with the host's balance; offline → queued with a pickup slip. */
  replace: {
    params: z.object({
      idNumber: idNumberText, card: asnText.optional(), request: requestIdText.optional(), reader: readerName.optional(),
      /** The stock card placed for the new card; null when none was (the request is then only queued). */
      confirmedCard: ConfirmedCardSchema.nullable(),
      /** The 工本费's payment (issue 17) and a supervisor's waiver of it. */
      ...payParams, waiver: FeeWaiverSchema.optional(),
      ...idempotent,
    }),
    result: z.discriminatedUnion('state', [
      queuedRequest,
      z.object({
        state: z.literal('done'), requestId: z.string(), oldCardRef: z.string(), newCardRef: z.string(), asn: z.string(), balanceFen: fen, depositFen: fen,
        issueEntryId: z.string().nullable(), loadEntryId: z.string().nullable(), tac: z.string().nullable(), settled: z.array(SettledOpSchema),
        /** The 工本费 charged or waived (issue 17); null: none charged by this call. */
        fee: FeeLineSchema.nullable().optional(), pay: payMethod.nullable().optional(), changeFen: fen.optional(),
      }).extend(ReceiptOutcomeSchema.shape),
    ]),
  },
  /** 换卡: a readable damaged card onto a stock card (two readers, or one with a swap); unreadable → queued with a pickup slip. */
  exchange: {
    params: z.object({
      fault: z.enum(['quality', 'customer']).optional(),
      reader: readerName.optional(),
      newReader: readerName.optional(),
      /** Old card (readable exchange) or the stock card (collecting a queued request); null for an unreadable card's request. */
      confirmedCard: ConfirmedCardSchema.nullable(),
      /** The stock card on the second reader of a readable exchange (absent on a one-reader counter). */
      confirmedNewCard: ConfirmedCardSchema.optional(),
      unreadable: z.boolean().optional(),
      card: asnText.optional(),
      request: requestIdText.optional(),
      ...payParams,
      /** A supervisor's waiver of the 工本费 of a card damaged by its holder (issue 17). */
      waiver: FeeWaiverSchema.optional(),
      ...idempotent,
    }),
    result: z.discriminatedUnion('state', [
      queuedRequest,
      z.object({
        state: z.literal('done'), requestId: z.string(), oldCardRef: z.string(), newCardRef: z.string(), asn: z.string(), balanceFen: fen, depositFen: fen,
        newDepositChargedFen: fen, forfeitedDepositFen: fen, pay: payMethod.nullable(), changeFen: fen,
        /** The 工本费 charged or waived (customer damage, issue 17); null: none charged by this call. */
        fee: FeeLineSchema.nullable().optional(),
        blockEntryId: z.string().nullable(), issueEntryId: z.string().nullable(), loadEntryId: z.string().nullable(), tac: z.string().nullable(), settled: z.array(SettledOpSchema),
      }).extend(ReceiptOutcomeSchema.shape),
    ]),
  },
  /** 换卡 pickup (F3): a queued damaged-card request before it is collected — the new deposit a customer-damage exchange charges. Read-only. */
  exchangeRequest: {
    params: z.object({ request: requestIdText }),
    result: z.object({
      requestId: z.string(), cardNumber: z.string(), fault: z.enum(['quality', 'customer']), readyFrom: z.string(), depositDueFen: fen,
      /** The 工本费 the collection charges unless waived (issue 17), and the schedule's version. */
      feeDueFen: fen.optional(), feeScheduleVersion: z.string().optional(),
    }),
  },
  /** 升级换卡: the old M1 card's purse (and deposit, per policy) onto a new CPU card; the same reader twice = swap when asked. */
  migrate: {
    params: z.object({
      oldReader: readerName, newReader: readerName, ...payParams,
      /** The old M1 card; `confirmedNewCard` the stock CPU card on the second reader (absent on a one-reader counter). */
      confirmedCard: ConfirmedCardSchema,
      confirmedNewCard: ConfirmedCardSchema.optional(),
      ...idempotent,
    }),
    result: z.object({
      migrationId: z.string(), resumed: z.boolean(), entryId: z.string(),
      old: z.object({ cardRef: z.string(), uid: z.string(), cardNo: z.string().nullable(), balanceFen: fen, depositFen: fen }),
      new: z.object({ cardRef: z.string(), asn: z.string(), balanceBeforeFen: fen.nullable(), balanceAfterFen: fen.nullable(), tac: z.string().nullable(), tacVerified: z.boolean().nullable() }),
      migratedFen: fen, carriedDepositFen: fen, refundedDepositFen: fen, loadedFen: fen, feeFen: fen, pay: payMethod, tenderedFen: fen, changeFen: fen,
      settled: z.array(SettledOpSchema),
    }).extend(ReceiptOutcomeSchema.shape),
  },
} as const;
export type WorkflowMethodName = keyof typeof WORKFLOW_METHODS;

/** Every method: its params and its result. */
export const METHODS = {
  /** Staff ID + PIN → a session (the server keeps the Actor; the browser holds only the token). Also unlocks. */
  login: {
    params: z.object({ staffId, pin }),
    result: z.object({ session: z.string(), user: SessionSchema }),
  },
  /** Re-attach a connection (page reload) to a session by its token. */
  resume: {
    params: z.object({ session: z.string().regex(/^[0-9a-f]{64}$/) }),
    result: z.object({ user: SessionSchema }),
  },
  lock: { params: z.object({}), result: z.object({ locked: z.literal(true) }) },
  logout: { params: z.object({}), result: z.object({ ok: z.literal(true) }) },
  status: { params: z.object({}), result: StatusSchema },
  readers: { params: z.object({}), result: z.array(ReaderSchema) },
  /** The cards on the readers right now (what the panel shows). */
  card: { params: z.object({}), result: z.array(CardSlotSchema) },
  topup: {
    params: z.object({
      amountFen: fen,
      pay: z.enum(['cash', 'other']),
      tenderedFen: fen.optional(),
      reference: text(64).optional(),
      reader: text(200).optional(),
      /** The card shown on the confirmation (the binding above). */
      confirmedCard: ConfirmedCardSchema,
      /** Receipt printing: 'auto' (default, like the CLI: print when a printer is set) or 'never' (the screen previews it first). */
      print: z.enum(['auto', 'always', 'never']).optional(),
      ...idempotent,
    }),
    result: z.object({
      entryId: z.string(),
      cardRef: z.string(),
      asn: z.string(),
      amountFen: fen,
      balanceBeforeFen: fen,
      balanceAfterFen: fen,
      tac: z.string(),
      tacVerified: z.boolean(),
      pay: z.enum(['cash', 'other']),
      tenderedFen: fen,
      changeFen: fen,
      settled: z.array(SettledOpSchema),
      /** A concession card in its 年审 month: loaded; the screen reminds the customer. */
      concessionDue: z.object({ verifiedUntil: z.string() }).optional(),
      ...ReceiptOutcomeSchema.shape,
    }),
  },
  shiftOpen: {
    params: z.object({ floatFen: fen, ...idempotent }),
    result: z.object({ shiftId: z.string(), floatFen: fen, entryId: z.string() }),
  },
  shiftClose: {
    params: z.object({
      counted: DenominationCountSchema,
      /** The blank cards counted per card type (issue 17 item 3), beside the station's stock. */
      blankCards: z.record(z.string(), z.number().int().min(0)).optional(),
      /** A supervisor signs a difference off here (their own ID and PIN). */
      supervisor: z.object({ staffId, pin }).optional(),
      print: z.enum(['auto', 'always', 'never']).optional(),
      ...idempotent,
    }),
    result: z.object({
      shiftId: z.string(),
      floatFen: fen,
      expectedFen: signedFen,
      countedFen: fen,
      differenceFen: signedFen,
      counted: z.record(z.string(), z.number().int()),
      signedOffBy: z.string().nullable(),
      incompleteOps: z.number().int(),
      entryIds: z.array(z.string()),
      blankCards: z.array(z.object({ cardType: z.string(), counted: z.number().int(), expected: z.number().int(), difference: z.number().int() })).optional(),
      /** The receipt is the shift slip (交班单). */
      ...ReceiptOutcomeSchema.shape,
    }),
  },
  // The teller's cash box (issue 17 item 4, core/workflows/cash-box.ts): 交款 with a supervisor's
  // sign-off, transfers between two open shifts. Each answers with what the drawer holds now.
  cashHandover: {
    params: z.object({ amountFen: fen, to: z.enum(['safe', 'bank']), supervisor: z.object({ staffId, pin }).optional(), ...idempotent }),
    result: z.object({ handoverId: z.string(), shiftId: z.string(), amountFen: fen, to: z.enum(['safe', 'bank']), supervisorId: z.string(), entryId: z.string(), drawerFen: signedFen }),
  },
  cashTransferSend: {
    params: z.object({ amountFen: fen, toOperatorId: staffId, ...idempotent }),
    result: z.object({ transferId: z.string(), amountFen: fen, fromShiftId: z.string(), toOperatorId: z.string(), toShiftId: z.string(), entryId: z.string(), drawerFen: signedFen }),
  },
  cashTransferAccept: {
    params: z.object({ transferId: text(64).min(1), ...idempotent }),
    result: z.object({ transferId: z.string(), amountFen: fen, fromOperatorId: z.string(), fromShiftId: z.string(), shiftId: z.string(), entryId: z.string(), drawerFen: signedFen }),
  },
  cashTransfersWaiting: {
    params: z.object({}),
    result: z.object({ transfers: z.array(z.object({ transferId: z.string(), at: z.string(), amountFen: fen, fromOperatorId: z.string(), fromShiftId: z.string() })) }),
  },
  doctor: {
    params: z.object({}),
    // `say`: the outcome in the clerk's language (the 自检 screen); detail and hint are the CLI's English.
    result: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'warn', 'fail']), detail: z.string(), hint: z.string().optional(), say: SaySchema.optional() })),
  },
  ...WORKFLOW_METHODS,
  ...RECEIPT_METHODS,
  // The customer display's confirmation step (common/api-customer.ts).
  ...CUSTOMER_METHODS,
  ...FARE_METHODS,
  // The supervisor tools: staff list, unlock, PIN reset, deactivate (common/api-staff.ts).
  ...STAFF_METHODS,
  ...STOCK_METHODS,
  // The training lab panel: cards on and off the virtual readers, training stations only (common/api-lab.ts).
  ...LAB_METHODS,
} as const;

export type MethodName = keyof typeof METHODS;

/** The methods that may change a card: they name the confirmed card, and a failure says what it did (ErrorSchema.outcome). */
export const CARD_CHANGING_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['topup', 'issue', 'refund', 'replace', 'exchange', 'migrate', 'concessionVerify']);
export type Params<M extends MethodName> = z.infer<(typeof METHODS)[M]['params']>;
export type Result<M extends MethodName> = z.infer<(typeof METHODS)[M]['result']>;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** Methods allowed without an unlocked session. */
export const PUBLIC_METHODS: readonly MethodName[] = ['login', 'resume', 'status', 'logout'];

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The envelope; `params` is checked against the method's own schema by `parseRequest`. */
export const RequestEnvelopeSchema = z.object({
  id: requestId,
  method: z.enum(METHOD_NAMES as [MethodName, ...MethodName[]]),
  params: z.unknown(),
}).strict();

export type Request = { [M in MethodName]: { id: number; method: M; params: Params<M> } }[MethodName];

/**
 * Parses an incoming request. Returns the typed request, or an error to answer with (and the
 * id when one could be read, so the answer reaches the caller).
 */
export function parseRequest(raw: unknown): { ok: true; request: Request } | { ok: false; id: number | null; error: ApiError } {
  const env = RequestEnvelopeSchema.safeParse(raw);
  if (!env.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && requestId.safeParse((raw as { id: unknown }).id).success ? (raw as { id: number }).id : null;
    return { ok: false, id, error: { code: 'BAD_INPUT', message: `bad request: ${summarise(env.error)}`, say: say('badField', { field: fieldOf(env.error) }) } };
  }
  const schema = METHODS[env.data.method].params.strict();
  const params = schema.safeParse(env.data.params ?? {});
  if (!params.success) return { ok: false, id: env.data.id, error: { code: 'BAD_INPUT', message: `${env.data.method}: ${summarise(params.error)}`, say: say('badField', { field: fieldOf(params.error) }) } };
  return { ok: true, request: { id: env.data.id, method: env.data.method, params: params.data } as Request };
}

/** The first refused field's path (supervisor.staffId), which the screen names in the clerk's words. */
function fieldOf(error: z.ZodError): string {
  return error.issues[0]?.path.join('.') || '(request)';
}

function summarise(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
}

export const ResponseSchema = z.union([
  z.object({ id: requestId, result: z.unknown() }).strict(),
  z.object({ id: requestId, error: ErrorSchema }).strict(),
]);
export type Response = z.infer<typeof ResponseSchema>;

// ---- events --------------------------------------------------------------------------------

export const EventSchema = z.discriminatedUnion('event', [
  /** A card was placed (read, its incomplete transactions settled) or re-read after a workflow. */
  z.object({ event: z.literal('card'), reader: z.string(), view: CardViewSchema, settled: z.array(SettledOpSchema) }),
  z.object({ event: z.literal('card-error'), reader: z.string(), error: ErrorSchema }),
  /** The card left the reader: the panel clears. */
  z.object({ event: z.literal('cleared'), reader: z.string() }),
  z.object({ event: z.literal('readers'), readers: z.array(ReaderSchema) }),
  z.object({ event: z.literal('service'), up: z.boolean(), error: ErrorSchema.optional() }),
  z.object({ event: z.literal('shift'), shift: ShiftSchema.nullable() }),
  /** The session of this connection changed (locked by idle time, logged out elsewhere). */
  z.object({ event: z.literal('session'), user: SessionSchema.nullable() }),
  /** One-reader counter mid-workflow (upgrade, exchange): the old card is done — take it off and place the new card. */
  z.object({ event: z.literal('swap'), reader: z.string(), timeoutMs: z.number().int().min(0) }),
]);
export type StationEvent = z.infer<typeof EventSchema>;

/** Anything the server sends. */
export const ServerMessageSchema = z.union([EventSchema, ResponseSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** What a screen talks to: the browser bridge over WebSocket now, Electron's preload later. */
export interface StationApi {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  onEvent(listener: (e: StationEvent) => void): () => void;
}

/** A failed call, as the renderer sees it. */
export class ApiCallError extends Error {
  readonly code: ApiError['code'];
  readonly hint: string | undefined;
  readonly say: ApiError['say'];
  readonly cards: ApiError['cards'];
  readonly outcome: ApiError['outcome'];
  readonly opIds: readonly string[];
  constructor(e: ApiError) {
    super(e.message);
    this.name = 'ApiCallError';
    this.code = e.code;
    this.hint = e.hint;
    this.say = e.say;
    this.cards = e.cards;
    this.outcome = e.outcome;
    this.opIds = e.opIds ?? [];
  }
}
