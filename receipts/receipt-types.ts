/**
 * What a receipt says, as plain data. The workflows (core/) build one of these from the ledger
 * entry they just wrote; receipts/ only lays it out. Money is integer fen everywhere; yuan
 * appear only in the rendered text.
 */

/** Receipt roll width in millimetres. 80 mm is the counter default; 58 mm for small printers. */
export type PaperWidth = 80 | 58;

export interface StationInfo {
  /** Station/terminal id as configured (printed small, for the clearing center). */
  id: string;
  /** Service center name, e.g. "人民广场服务网点". */
  name: string;
  address?: string;
  phone?: string;
}

export interface OperatorInfo {
  id: string;
  name?: string;
}

/** A card as the receipt names it: the ASN (CPU) or UID (M1) in hex or digits; masked when printed. */
export interface CardRef {
  number: string;
  kind?: 'cpu' | 'm1';
}

/**
 * How the customer settled the amount due. Cash carries what was tendered so the receipt can
 * print the change; "other" (card terminal, QR pay) carries its reference; "none" when nothing
 * was due.
 */
export type Payment =
  | { method: 'cash'; tenderedFen: number }
  | { method: 'other'; reference: string }
  | { method: 'none' };

export type PaymentMethod = Payment['method'];

/** Set on reprints: the paper says 重印 and which reprint it is (1 = first reprint). */
export interface ReprintInfo {
  count: number;
  /** When the reprint was made (ISO 8601 instant). */
  at: string;
}

export interface ReceiptCommon {
  station: StationInfo;
  operator: OperatorInfo;
  /** When the entry was recorded (ISO 8601 instant, e.g. "2026-11-22T06:03:05Z"). */
  at: string;
  /** The ledger entry id; printed in full and carried in the QR code. */
  entryId: string;
  reprint?: ReprintInfo;
  /** Training-lab receipts are marked so they can never pass for real ones. */
  training?: boolean;
}

/**
 * A counter fee's schedule version and its waiver (issue 17): printed under the fee line. A
 * waived fee prints its figure with 已减免 and the supervisor's reason; feeFen (charged) is then 0.
 */
export interface FeeNote {
  scheduleVersion: string;
  waivedFen: number;
  reason: string | null;
}

/** 售卡: a pre-personalised card enabled and sold, with its deposit and an optional first load. */
export interface IssueReceipt extends ReceiptCommon {
  workflow: 'issue';
  card: CardRef;
  cardTypeName?: string;
  depositFen: number;
  firstLoadFen: number;
  feeFen: number;
  /** Card balance after the first load (equals firstLoadFen for a new card). */
  balanceAfterFen: number;
  registered: boolean;
  payment: Payment;
  /** TAC of the first load; null when nothing was loaded. */
  tac: string | null;
}

/** 充值/圈存. */
export interface TopupReceipt extends ReceiptCommon {
  workflow: 'topup';
  card: CardRef;
  amountFen: number;
  balanceBeforeFen: number;
  balanceAfterFen: number;
  payment: Payment;
  tac: string;
}

/** 升级换卡: an M1 card's balance moved onto a new CPU card. */
export interface MigrateReceipt extends ReceiptCommon {
  workflow: 'migrate';
  oldCard: CardRef;
  newCard: CardRef;
  /** Balance taken off the M1 purse and loaded onto the new card. */
  balanceMovedFen: number;
  oldDepositFen: number;
  /** Policy: the old deposit was loaded onto the new card ("carried") or paid back in cash. */
  depositPolicy: 'carried' | 'refunded';
  newDepositFen: number;
  feeFen: number;
  balanceAfterFen: number;
  payment: Payment;
  tac: string;
}

/** 挂失: a registered card blacklisted. */
export interface LostReceipt extends ReceiptCommon {
  workflow: 'lost';
  card: CardRef;
  /** Registered holder's name, printed masked (张*三). */
  holderName?: string;
  feeFen: number;
  payment: Payment;
  /** First day a replacement can be issued (YYYY-MM-DD, local). */
  replaceFrom: string;
}

/** 补卡: a new card loaded with the balance the upstream confirmed for the lost card. */
export interface ReplaceReceipt extends ReceiptCommon {
  workflow: 'replace';
  lostCard: CardRef;
  newCard: CardRef;
  balanceRestoredFen: number;
  depositFen: number;
  feeFen: number;
  feeNote?: FeeNote;
  balanceAfterFen: number;
  payment: Payment;
  tac: string;
}

/** 换卡: a damaged but readable card's balance moved to a new card. */
export interface DamagedExchangeReceipt extends ReceiptCommon {
  workflow: 'damaged-exchange';
  oldCard: CardRef;
  newCard: CardRef;
  /** Quality fault: the deposit moves free; customer damage: a new deposit is charged. */
  fault: 'quality' | 'customer';
  balanceMovedFen: number;
  newDepositFen: number;
  feeFen: number;
  feeNote?: FeeNote;
  balanceAfterFen: number;
  payment: Payment;
  tac: string;
}

/** 退卡: balance and deposit paid back, the card kept. */
export interface RefundReceipt extends ReceiptCommon {
  workflow: 'refund';
  card: CardRef;
  balanceBeforeFen: number;
  balanceRefundFen: number;
  depositRefundFen: number;
  feeFen: number;
  feeNote?: FeeNote;
  /** Cash paid out (method cash, tendered 0) or sent back by the other channel. */
  payment: Payment;
}

export interface Denomination {
  /** Face value in fen (10000 = ¥100 note, 50 = 5 jiao coin). */
  fen: number;
  count: number;
}

/** 交班: the operator's shift closing slip. */
export interface ShiftCloseReceipt extends ReceiptCommon {
  workflow: 'shift-close';
  shiftId: string;
  openedAt: string;
  floatFen: number;
  cashInFen: number;
  cashOutFen: number;
  /**
   * The cash box's own moves (issue 17 item 4): 交款 to the safe or bank, transfers to and from
   * other shifts, and the 备用金 given back at the close. Absent (0) on slips of older shifts.
   */
  handedOverFen?: number;
  transferredOutFen?: number;
  transferredInFen?: number;
  floatReturnedFen?: number;
  /** Entries recorded in the shift. */
  entryCount: number;
  counted: Denomination[];
  /** Supervisor who signed a difference off; null when there was none to sign. */
  signedOffBy: string | null;
}

export type ReceiptData =
  | IssueReceipt
  | TopupReceipt
  | MigrateReceipt
  | LostReceipt
  | ReplaceReceipt
  | DamagedExchangeReceipt
  | RefundReceipt
  | ShiftCloseReceipt;

export type ReceiptWorkflow = ReceiptData['workflow'];

export const RECEIPT_WORKFLOWS: readonly ReceiptWorkflow[] = [
  'issue',
  'topup',
  'migrate',
  'lost',
  'replace',
  'damaged-exchange',
  'refund',
  'shift-close',
];

/** 取卡凭条: the customer's slip for a replacement that is queued (offline, or an unreadable card). */
export interface PickupSlipData {
  station: StationInfo;
  operator: OperatorInfo;
  at: string;
  /** The queued request's id (an entry or intent id); in the QR code. */
  requestId: string;
  kind: 'replace' | 'damaged-exchange';
  card: CardRef;
  holderName?: string;
  /** Earliest pickup day (YYYY-MM-DD, local). */
  pickupFrom: string;
  depositFen: number;
  feeFen: number;
  payment: Payment;
  /** Free text the counter adds (what to bring, opening hours). */
  note?: string;
  reprint?: ReprintInfo;
  training?: boolean;
}
