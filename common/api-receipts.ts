/**
 * The station API's receipts, search, end-of-day and upstream-status methods (issue 4 item 3,
 * issue 5 "search and reprint", "shift and end-of-day", the status bar's sync part, issue 7's
 * quarantine list in the UI). Spread into common/api.ts METHODS, so they are part of the one
 * contract: parsed on the server, checked on the way out, parsed again by the renderer.
 *
 * The receipt preview is the receipt's own content blocks (receipts/receipt-content.ts, the
 * same blocks the PDF lays out), the QR as its module rows: the renderer draws them in HTML, so
 * the preview works under the strict CSP in a browser and in Electron's sandbox alike, with no
 * PDF plugin and no CSP exception, and cannot say anything the paper does not.
 */
import { z } from 'zod';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const signedFen = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0);
/** Entry ids are newId() values: letters, digits, '-' and '_'. */
export const EntryIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'An entry id (流水号) is letters, digits, - and _');
/** A China-local calendar day. */
export const DaySchema = z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, 'A day is YYYY-MM-DD');

// ---- receipts ------------------------------------------------------------------------------

export const PrintOutcomeSchema = z.object({
  ok: z.boolean(),
  spooler: z.enum(['cups', 'file', 'escpos']),
  queue: z.string().nullable(),
  jobId: z.string().nullable(),
  output: z.string().nullable(),
  error: z.object({ code: z.string(), fault: z.string().optional(), message: z.string(), hint: z.string().optional() }).optional(),
});
export type PrintOutcomeDto = z.infer<typeof PrintOutcomeSchema>;

/**
 * What a money method's answer says about its receipt: the one definition. The API's money
 * methods (common/api.ts) take its shape, core/receipts.ts withReceipt builds it (its
 * ReceiptOutcome is this type) and the renderer reads it (ReceiptOutcomeDto).
 */
export const ReceiptOutcomeSchema = z.object({
  /** The PDF on disk, or null when it could not be made. */
  receipt: z.string().nullable(),
  /** The entry whose receipt this is: what preview, print and reprint take (`station receipt reprint --entry`). */
  receiptEntryId: z.string().nullable(),
  /** Why there is no receipt file and how to get one; the money movement stands. */
  receiptError: z.object({ code: z.string(), message: z.string(), hint: z.string() }).optional(),
  /** Set when printing was asked for (or a printer is configured). */
  print: PrintOutcomeSchema.optional(),
  /** Set when the workflow moved cash and the printer (ESC/POS) drives the cash drawer: whether it opened. */
  drawer: z.object({ ok: z.boolean(), error: z.object({ code: z.string(), fault: z.string().optional(), message: z.string(), hint: z.string().optional() }).optional() }).optional(),
});
export type ReceiptOutcomeDto = z.infer<typeof ReceiptOutcomeSchema>;

const LabelSchema = z.object({ zh: z.string(), en: z.string().optional() });
export const ReceiptBlockSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('title'), text: LabelSchema }),
  z.object({ kind: z.literal('center'), text: z.string() }),
  z.object({ kind: z.literal('banner'), text: z.string() }),
  z.object({ kind: z.literal('kv'), label: LabelSchema, value: z.string(), strong: z.boolean().optional() }),
  z.object({ kind: z.literal('rule') }),
  z.object({ kind: z.literal('note'), text: z.string() }),
  /** `modules`: one string per row, '1' = dark module (quiet zone not included). */
  z.object({ kind: z.literal('qr'), payload: z.string(), modules: z.array(z.string().regex(/^[01]+$/)).max(177) }),
]);
export type ReceiptBlockDto = z.infer<typeof ReceiptBlockSchema>;

export const ReceiptPrinterSchema = z.object({
  /** 'none': receipts are saved only. */
  kind: z.enum(['cups', 'file', 'escpos', 'none']),
  /** The CUPS queue, the folder, or the ESC/POS printer's address. */
  name: z.string().nullable(),
  paper: z.enum(['80', '58']),
});

export const PrinterStatusSchema = z.object({
  kind: z.enum(['cups', 'file', 'escpos', 'none']),
  name: z.string().nullable(),
  status: z.object({ offline: z.boolean(), drawerOpen: z.boolean(), coverOpen: z.boolean(), paperNearEnd: z.boolean(), paperOut: z.boolean(), error: z.boolean() }).nullable(),
  /** The printer cannot be reached. */
  error: z.object({ code: z.string(), fault: z.string().optional(), message: z.string() }).optional(),
});

export type PrinterStatusDto = z.infer<typeof PrinterStatusSchema>;

export const EntrySchema = z.object({
  seq: z.number().int(),
  entryId: z.string(),
  at: z.string(),
  kind: z.string(),
  cardRef: z.string().nullable(),
  /** The number the customer knows: printed on the card (an M1 card's city number, not its UID), as the card panel shows it. */
  cardNumber: z.string().nullable(),
  amountFen: signedFen,
  operatorId: z.string().nullable(),
  shiftId: z.string().nullable(),
  /** Whether a receipt (or pickup slip) can be rebuilt for it. */
  receipt: z.boolean(),
});
export type EntryDto = z.infer<typeof EntrySchema>;

// ---- end of day ----------------------------------------------------------------------------

const SumSchema = z.object({ count, totalFen: signedFen });
export const CashCheckSchema = z.object({
  floatFen: fen,
  cashInFen: fen,
  cashOutFen: fen,
  /** 交款 and transfers (issue 17 item 4): expected = float + in − out − 交款 − sent + taken. */
  handedOverFen: fen,
  transferredOutFen: fen,
  transferredInFen: fen,
  expectedFen: signedFen,
  countedFen: fen.nullable(),
  differenceFen: signedFen.nullable(),
  signedOffBy: z.string().nullable(),
  status: z.enum(['balanced', 'signed-off', 'unsigned-difference', 'not-counted']),
});

export const DaySummarySchema = z.object({
  day: z.string(),
  generatedAt: z.string(),
  count,
  totalFen: signedFen,
  /** Per workflow (issue, topup, migrate, lost, replace, damaged-exchange, refund). */
  byWorkflow: z.record(z.string(), SumSchema),
  /** Per payment method (cash, other, none). */
  byPayment: z.record(z.string(), SumSchema),
  depositsTaken: z.object({ count, fen }),
  depositsReturned: z.object({ count, fen }),
  /** The fee lines (issue 17) per kind (refund, replacement, lost-report, deposit-forfeit): charged, waived, count. */
  fees: z.record(z.string(), z.object({ count, chargedFen: fen, waivedFen: fen })),
  cash: z.object({
    floatFen: fen, cashInFen: fen, cashOutFen: fen, handedOverFen: fen, transferredOutFen: fen, transferredInFen: fen,
    expectedFen: signedFen, countedFen: fen.nullable(), differenceFen: signedFen.nullable(),
  }),
  /** The cash box's day lines (docs/COUNTER-RULES.md §4); `status` 'in-transit': a transfer not taken, the day cannot end. */
  cashBox: z.object({
    floatIssuedFen: fen, floatReturnedFen: fen, handedOverSafeFen: fen, handedOverBankFen: fen, handovers: count, transferredOutFen: fen, transferredInFen: fen,
    inTransitFen: fen, pending: z.array(z.object({ transferId: z.string(), at: z.string(), amountFen: fen, fromOperatorId: z.string(), toOperatorId: z.string() })),
    status: z.enum(['settled', 'in-transit']),
  }),
  shifts: z.array(z.object({
    shiftId: z.string(),
    operatorId: z.string(),
    operatorName: z.string().nullable(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    count,
    cash: CashCheckSchema,
  })),
  incomplete: z.array(z.object({ opId: z.string(), at: z.string(), workflow: z.string(), cardNumber: z.string().nullable(), amountFen: signedFen, state: z.string(), operatorId: z.string() })),
  first: z.object({ seq: z.number().int(), entryId: z.string(), at: z.string() }).nullable(),
  last: z.object({ seq: z.number().int(), entryId: z.string(), at: z.string() }).nullable(),
  chainHeadHash: z.string(),
  training: z.boolean(),
});
export type DaySummaryDto = z.infer<typeof DaySummarySchema>;

// ---- upstream ------------------------------------------------------------------------------

export const QuarantinedSchema = z.object({ seq: z.number().int(), entryId: z.string(), kind: z.string(), reason: z.string() });
export const SyncStatusSchema = z.object({
  /** A clearing host is set (upstream.json). */
  configured: z.boolean(),
  url: z.string().nullable(),
  /** null until a relay cycle has talked to (or failed to reach) the host. */
  online: z.boolean().nullable(),
  lastOkAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastSeq: z.number().int(),
  ackSeq: z.number().int(),
  /** Entries the host does not hold yet. */
  backlog: count,
  quarantined: count,
  /** An entry the chain cannot pass: later entries wait behind it. */
  blocked: z.object({ seq: z.number().int(), code: z.string(), reason: z.string() }).nullable(),
  quarantinedEntries: z.array(QuarantinedSchema),
});
export type SyncStatusDto = z.infer<typeof SyncStatusSchema>;

// ---- the methods ---------------------------------------------------------------------------

export const RECEIPT_METHODS = {
  /** The receipt (or pickup slip) of an entry, as content blocks, without printing or counting anything. */
  receiptPreview: {
    params: z.object({ entryId: EntryIdSchema }),
    result: z.object({
      /** The entry the receipt belongs to (a step of a workflow names its workflow's receipt entry). */
      entryId: z.string(),
      requestedEntryId: z.string(),
      type: z.enum(['receipt', 'slip']),
      /** The saved PDF, the file of record that is printed. */
      file: z.string(),
      blocks: z.array(ReceiptBlockSchema),
      /** Whether the original was printed already (then only a reprint, 重印, prints again). */
      printed: z.boolean(),
      reprints: count,
      printer: ReceiptPrinterSchema,
    }),
  },
  /**
   * Prints an entry's receipt on the configured printer. `reprint: false` prints the original
   * (allowed until it has printed once); `reprint: true` is `station receipt reprint --print`
   * (marked 重印 第N次, counted in the audit trail). A printer fault is an answer, not an error:
   * the receipt stays on disk and can be printed again.
   */
  receiptPrint: {
    params: z.object({ entryId: EntryIdSchema, reprint: z.boolean() }),
    result: z.object({ entryId: z.string(), count, receipt: z.string(), print: PrintOutcomeSchema }),
  },
  /** Ledger entries by card number (or part of it), entry id, and/or China-local day; newest first. */
  entrySearch: {
    params: z.object({
      cardNo: z.string().regex(/^[0-9A-Fa-f]{4,20}$/, 'A card number is 4 to 20 digits (or hex for an M1 UID)').optional(),
      entryId: EntryIdSchema.optional(),
      day: DaySchema.optional(),
    }),
    result: z.object({ entries: z.array(EntrySchema), truncated: z.boolean() }),
  },
  /** The day's figures as the end-of-day report prints them (core/day-report.ts, receipts/day-totals.ts). */
  daySummary: {
    params: z.object({ day: DaySchema.optional() }),
    result: DaySummarySchema,
  },
  /** Writes the end-of-day report (PDF) or journal (CSV, UTF-8 with BOM) under STATION_HOME/reports/<day>/. */
  dayExport: {
    params: z.object({ day: DaySchema, format: z.enum(['csv', 'pdf']) }),
    result: z.object({ format: z.enum(['csv', 'pdf']), out: z.string(), bytes: count, entries: count, pages: count.optional() }),
  },
  /** The receipt printer's own status (ESC/POS over TCP: DLE EOT), for the status bar; null where it cannot be read. */
  printerStatus: {
    params: z.object({}),
    result: PrinterStatusSchema,
  },
  /** The relay's state from the station's own database (no call to the host). */
  syncStatus: {
    params: z.object({}),
    result: SyncStatusSchema,
  },
} as const;
