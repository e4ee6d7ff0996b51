/**
 * The end-of-day documents' input, as plain data the ledger export hands over: the day's
 * entries, its shifts with their drawer counts, and the intents still open. Totals are not
 * part of the input: day-totals.ts computes them from the entries, so every document of the
 * day (PDF, CSV, JSON) adds up the same numbers the same way.
 */
import type { Denomination, PaymentMethod, ReceiptWorkflow, StationInfo } from './receipt-types.ts';

/** Ledger workflows that can appear in a day (receipt workflows minus the shift slip). */
export type DayWorkflow = Exclude<ReceiptWorkflow, 'shift-close'>;

export const DAY_WORKFLOWS: readonly DayWorkflow[] = ['issue', 'topup', 'migrate', 'lost', 'replace', 'damaged-exchange', 'refund'];

export const PAYMENT_METHODS: readonly PaymentMethod[] = ['cash', 'other', 'none'];

/**
 * One ledger entry of the day. Amounts are integer fen, signed from the station's side:
 * + money received from the customer, − money paid out.
 *   totalFen = cardLoadFen + depositTakenFen − depositReturnedFen + feeFen
 * (checked: a day whose entries break it is refused rather than reported).
 */
/** The money parts of a transaction, or of a sum of them. Integer fen. */
export interface MoneyParts {
  totalFen: number;
  /** Value loaded onto a card against payment (+), or card balance paid back (−). */
  cardLoadFen: number;
  depositTakenFen: number;
  depositReturnedFen: number;
  feeFen: number;
  /** Balance moved card to card without payment (upgrade, exchange, replacement): memo only. */
  carriedFen: number;
}

/** The counter fees of the day-end (issue 17): the schedule's fees, and a deposit kept from a card its holder damaged. */
export const DAY_FEE_KINDS = ['refund', 'replacement', 'lost-report', 'deposit-forfeit'] as const;
export type DayFeeKind = (typeof DAY_FEE_KINDS)[number];
/** The fee lines' names on the day-end (PDF, CSV). */
export const FEE_NAMES: Record<DayFeeKind, { zh: string; en: string }> = {
  refund: { zh: '退卡手续费', en: 'Refund fee' },
  replacement: { zh: '补换卡工本费', en: 'Card fee' },
  'lost-report': { zh: '挂失手续费', en: 'Lost-report fee' },
  'deposit-forfeit': { zh: '押金不退（人为损坏）', en: 'Deposit kept (holder damage)' },
};

/** A fee of one entry: what was charged (in feeFen) and what a supervisor waived. Integer fen. */
export interface DayFee {
  kind: DayFeeKind;
  chargedFen: number;
  waivedFen: number;
}

export interface DayEntry extends MoneyParts {
  seq: number;
  entryId: string;
  /** ISO 8601 instant. */
  at: string;
  shiftId: string;
  operatorId: string;
  workflow: DayWorkflow;
  payment: PaymentMethod;
  /** Masked or full card number; printed masked. */
  cardNumber: string | null;
  /** The entry's hash in the ledger chain. */
  hash: string;
  /**
   * The customer transaction this entry is a part of (one visit, one receipt): a sale and its
   * first load, the four steps of an M1 upgrade, a replacement's request, issue and load. Its
   * entries share one id and are counted once; absent, the entry is a transaction of its own.
   */
  transaction?: string;
  /** The fees charged or waived in this entry (absent: none). */
  fees?: DayFee[];
}

export interface DayShift {
  shiftId: string;
  operatorId: string;
  operatorName?: string;
  openedAt: string;
  /** null while the shift is still open when the report is made. */
  closedAt: string | null;
  floatFen: number;
  /** The drawer count at close, by denomination; null when not counted yet. */
  counted: Denomination[] | null;
  /** Supervisor who signed the difference off; null if none (or none needed). */
  signedOffBy: string | null;
  signedOffAt?: string | null;
  /**
   * The cash box's own moves in the shift (issue 17 item 4, fen, each ≥ 0): 交款 to the safe or
   * bank, transfers sent to and taken from other shifts, the 备用金 given back at the close.
   * Absent: none (a report made by an older station).
   */
  cashBox?: ShiftCashMoves;
}

export interface ShiftCashMoves {
  handedOverFen: number;
  transferredOutFen: number;
  transferredInFen: number;
  floatReturnedFen: number;
}

/** A transfer sent and not taken by the end of the day: cash in transit. */
export interface DayPendingTransfer {
  transferId: string;
  at: string;
  amountFen: number;
  fromOperatorId: string;
  toOperatorId: string;
}

/** The station's cash box over the day (docs/COUNTER-RULES.md §4). */
export interface DayCashBox {
  /** 交款 by destination. */
  handedOverSafeFen: number;
  handedOverBankFen: number;
  handovers: number;
  /** cash_in_transit at the end of the day (or now, for today): must be 0 — a transfer not taken. */
  inTransitFen: number;
  pending: DayPendingTransfer[];
}

/** A card operation whose outcome is not settled yet (intent written, card result unknown). */
export interface DayIncomplete {
  opId: string;
  at: string;
  workflow: DayWorkflow;
  cardNumber: string | null;
  amountFen: number;
  /** Journal state, e.g. "intent" or "in_doubt". */
  state: string;
  operatorId: string;
}

export interface DayReportData {
  station: StationInfo;
  /** Local day, YYYY-MM-DD. */
  day: string;
  /** When the export was made (ISO 8601 instant). */
  generatedAt: string;
  shifts: DayShift[];
  /** In seq order. */
  entries: DayEntry[];
  incomplete: DayIncomplete[];
  /** The cash box's day lines; absent in a report made by an older station. */
  cashBox?: DayCashBox;
  /** Hash of the last ledger entry at export time (the chain head the checkpoint sends). */
  chainHeadHash: string;
  /** Upstream acknowledgement of the day checkpoint, if any yet. */
  acknowledgedAt?: string | null;
  training?: boolean;
  /** The blank-card stock of the day per card type (core/stock.ts); absent when the station never received stock. */
  stock?: DayStock;
}

/** One card type's stock line: opening + received − issued − spoiled − returned = closing (whole cards). */
export interface DayStockLine {
  cardType: string;
  opening: number;
  received: number;
  issued: number;
  spoiled: number;
  returned: number;
  closing: number;
}

export interface DayStock {
  lines: DayStockLine[];
  /** Lines that do not reconcile or close below zero, said in words (empty: all reconcile). */
  problems: string[];
}
