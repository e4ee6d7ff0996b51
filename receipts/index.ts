/** receipts/: what core and the CLI use. Layer rule: imports common/ only (and npm packages). */
export type {
  CardRef,
  DamagedExchangeReceipt,
  Denomination,
  IssueReceipt,
  LostReceipt,
  MigrateReceipt,
  OperatorInfo,
  PaperWidth,
  Payment,
  PaymentMethod,
  PickupSlipData,
  ReceiptCommon,
  ReceiptData,
  ReceiptWorkflow,
  RefundReceipt,
  ReplaceReceipt,
  FeeNote,
  ReprintInfo,
  ShiftCloseReceipt,
  StationInfo,
  TopupReceipt,
} from './receipt-types.ts';
export { RECEIPT_WORKFLOWS } from './receipt-types.ts';
export { amountDueFen, pickupSlipBlocks, receiptBlocks, validateReceipt, WORKFLOW_NAMES, PAYMENT_NAMES, type Block } from './receipt-content.ts';
export { receiptFileName, renderPickupSlip, renderReceipt, savePickupSlip, saveReceipt, type ReceiptOptions } from './receipt-pdf.ts';
export { parseReceiptQrPayload, qrModules, receiptQrPayload } from './qr-vector.ts';
export { maskCardNumber, maskName } from './card-mask.ts';
export { defaultFontPath, FONT_FILE } from './font.ts';
export type { PdfOptions } from './pdf-document.ts';

export type { DayCashBox, DayEntry, DayFee, DayFeeKind, DayIncomplete, DayPendingTransfer, DayReportData, DayShift, DayStock, DayStockLine, DayWorkflow, ShiftCashMoves } from './day-types.ts';
export { DAY_FEE_KINDS, DAY_WORKFLOWS, FEE_NAMES, PAYMENT_METHODS } from './day-types.ts';
export { computeDayTotals, validateDay, type CashCheck, type CashStatus, type DayTotals, type GroupTotals, type ShiftTotals } from './day-totals.ts';
export { renderDayReport, writeDayReport, type DayReportOptions, type DayReportResult } from './day-report-pdf.ts';
export { dayEntriesCsv, daySummaryCsv, ENTRY_COLUMNS, SUMMARY_COLUMNS } from './day-csv.ts';
export { dayReportJson, dayReportObject, DAY_JSON_FORMAT, DAY_JSON_VERSION, type DayReportJson } from './day-json.ts';

export { CupsSpooler, listCupsQueues, type CupsQueueInfo, type CupsSpoolerOptions } from './print/cups-spooler.ts';
export { FileSpooler } from './print/file-spooler.ts';
export { EscposSpooler, formatEscposTarget, parseEscposTarget, type EscposTarget } from './print/escpos-spooler.ts';
export type { EscposStatus } from './escpos/status.ts';
export { receiptEscpos, layoutReceipt, COLUMNS, type EscposOptions } from './escpos/receipt-escpos.ts';
export { loadReceiptFont } from './font.ts';
export { PrinterError, type PrinterFault } from './print/printer-error.ts';
export { mediaForPage, type PrintJobOptions, type PrintResult, type Spooler, type SpoolerKind } from './print/spooler.ts';
export type { QueueStatus } from './print/lpstat-parse.ts';
