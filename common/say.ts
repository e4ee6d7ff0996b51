/**
 * What a refusal or a check says, as a message id and its figures, so that the screen can say it
 * in the clerk's language (renderer/src/station-texts.ts holds the zh-CN and English text of every
 * id; a missing one does not compile). The core's own English message stays for the CLI, logs and
 * support. Figures are plain text the core has already formatted: times in China time
 * (common/china-time.ts clerkTime, with the date when not today), card numbers as printed.
 */
export const SAY_KEYS = [
  /** Login refused (one answer for every reason, docs/SECURITY.md). */
  'loginRefused',
  /** A request field the station refused before doing anything: {field} is its path (cardNo, supervisor.staffId, …). */
  'badField',
  'notLoggedIn',
  'stationLocked',
  'tooManyRequests',
  // Roles and four eyes (core/auth.ts)
  'needsSupervisor',
  'needsAdmin',
  'needsSignOff',
  'ownSignOff',
  // 挂失 / 补卡 (core/workflows/lost.ts, replace.ts)
  'lostNotRegistered',
  'lostIdMismatch',
  'lostWrongStatus',
  'lostAlreadyLost',
  'lostNoCardForId',
  'lostNoCandidate',
  'lostSeveralCards',
  'replaceTooEarly',
  'replaceNoRequest',
  'replaceRequestState',
  'replaceIdMismatch',
  'replaceHostNotConfirmed',
  // Amounts and payment (core/workflows/validate.ts, topup.ts): figures already formatted (¥12.30).
  'amountInvalid',
  'amountNotPositive',
  'paymentMethod',
  'referenceNeeded',
  'tenderedTooMuch',
  'tenderedTooLittle',
  'topupBelowMin',
  'topupAboveMax',
  'balanceAboveLimit',
  // The card in the field (validate.ts assertServiceable, topup.ts, refund.ts): {card} as printed.
  'needsCpuCard',
  'cardNoBalance',
  'cardBlacklisted',
  'cardLost',
  'cardBlocked',
  'cardRefunded',
  'cardExpired',
  'cardNotEnabled',
  'cardOtherCity',
  'cardRegistryStatus',
  'refundNoBalance',
  // 年审 (core/workflows/concession.ts, topup.ts): {card} as printed, {date} a China date.
  'concessionOverdue',
  'concessionDue',
  'concessionNotConcession',
  'concessionNotRegistered',
  'concessionEvidence',
  'concessionNoFile',
  'refundAboveLimit',
  // Fee waivers (core/fee-charge.ts): a supervisor other than the clerk and a written reason.
  'feeWaiverNoReason',
  'feeWaiverReasonTooLong',
  // A stock card to sell or to upgrade onto (card-steps.ts checkStockCard, migrate.ts).
  'stockNotCpu',
  'stockOtherCity',
  'stockAlreadySold',
  'stockBlacklisted',
  'stockBlocked',
  'stockExpired',
  'stockInRegistry',
  'stockUnusable',
  'stockAboveLimit',
  // Blank-card stock (core/stock.ts, issue 17 item 3): {card} as printed, {first}/{last} a serial range.
  'stockNotReceived',
  'stockCardIssued',
  'stockCardSpoiled',
  'stockCardReturned',
  'stockRangeKnown',
  'stockRangeEmpty',
  'stockCardBusy',
  // 升级换卡 (migrate.ts): the M1 card by the number the city prints.
  'upgradeReaders',
  'upgradeOneReader',
  'm1AlreadyUpgraded',
  'm1Blacklisted',
  'm1Lost',
  'm1OtherCity',
  'm1NoBalance',
  'upgradeAboveLimit',
  // 换卡 (core/workflows/damaged.ts) and what 补卡 shares with it (replace.ts): {request} as on the pickup slip.
  'damagedFault',
  'exchangeReaders',
  'damagedBlocked',
  'damagedNoBalance',
  'damagedNoRequest',
  'damagedRequestState',
  'damagedNotReady',
  'requestOtherNewCard',
  'newCardAboveLimit',
  /** A card number typed by the clerk (lost.ts parseAsn): the 16 characters printed on the card. */
  'asnInvalid',
  // Registration (core/registration.ts): a sale's or a replacement's holder.
  'idNumberMissing',
  'idNumberInvalid',
  'holderNameNeeded',
  'phoneInvalid',
  // 开班 / 交班 (core/workflows/shift.ts): amounts already formatted (¥500.00).
  'cashCountFormat',
  'cashDenomination',
  'cashPiecesPerDenomination',
  'cashPiecesTotal',
  'cashCountAboveLimit',
  'floatInvalid',
  'floatAboveLimit',
  'shiftAlreadyOpen',
  'shiftAlreadyClosed',
  'shiftExpectedChanged',
  /** {kind}: cashShort (短款) or cashOver (长款). */
  'cashDifference',
  // 员工管理 (core/staff-admin.ts) and PINs (core/auth.ts): {staff} is a staff ID.
  'staffIdFormat',
  'staffRoleInvalid',
  'staffNameInvalid',
  'staffExists',
  'staffUnknown',
  'staffOwnAccount',
  'staffNeedsAdmin',
  'pinFormat',
  // 查询/重印 (core/receipts.ts, core/api/handlers/receipts.ts): {entry} is the 流水号.
  'entryUnknown',
  'receiptUpgradeUnfinished',
  'receiptRequestPending',
  'receiptShiftMissing',
  'receiptNone',
  'receiptPrinting',
  'receiptPrintedAlready',
  'reprintBusy',
  'searchNeedsQuery',
  /** A two-card service whose new card was not named as confirmed (core/api/handlers/card-services.ts). */
  'confirmNewCardAgain',
  // The ledger itself (common/ledger-events.ts, db/sqlite-driver.ts): a stored entry that does not read.
  'ledgerEntryUnreadable',
  'ledgerAppendOnly',
  // 交款 and transfers between shifts (core/workflows/cash-box.ts): amounts formatted (¥12.30).
  'cashAboveDrawer',
  'transferToSelf',
  'transferNoShift',
  'transferNotPending',
  // 自检 (core/doctor.ts): one id per check outcome a counter meets.
  'doctorConfigOk',
  'doctorNoStation',
  'doctorFilesOk',
  'doctorFilesTightened',
  'doctorFilesFailed',
  'doctorPcscOk',
  'doctorInProcess',
  'doctorNoPcsc',
  'doctorReadersOk',
  'doctorNoReader',
  'doctorLedgerOk',
  'doctorLedgerIncomplete',
  'doctorLedgerBroken',
  'doctorKeysOk',
  'doctorNoKeys',
  'doctorPrinterNone',
  'doctorPrinterDir',
  'doctorUpstreamNone',
] as const;
export type SayKey = (typeof SAY_KEYS)[number];

export interface Say {
  /** The message's id in the screen's text tables (not `key`: API fields named key are kept for key material). */
  id: SayKey;
  vars?: Record<string, string | number>;
}

export function say(id: SayKey, vars?: Record<string, string | number>): Say {
  return vars === undefined ? { id } : { id, vars };
}
