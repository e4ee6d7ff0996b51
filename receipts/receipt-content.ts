/**
 * What goes on a receipt, line by line, independent of paper width: the renderer
 * (receipt-pdf.ts) only places these blocks. Keeping the words here makes them testable
 * without a PDF and keeps every amount going through formatYuan.
 */
import { BadInputError } from '../common/errors.ts';
import { assertFen, capitals, formatYuan } from '../common/money.ts';
import { maskCardNumber, maskName } from './card-mask.ts';
import { chinaDateTime, parseInstant } from '../common/china-time.ts';
import { receiptQrPayload } from './qr-vector.ts';
import type { CardRef, FeeNote, Payment, PaymentMethod, PickupSlipData, ReceiptData, ReceiptWorkflow } from './receipt-types.ts';

/** A label in Chinese with its English gloss (dropped on 58 mm paper, where space is short). */
export interface Label {
  zh: string;
  en?: string;
}

export type Block =
  | { kind: 'title'; text: Label }
  | { kind: 'center'; text: string }
  | { kind: 'banner'; text: string }
  | { kind: 'kv'; label: Label; value: string; strong?: boolean }
  | { kind: 'rule' }
  | { kind: 'note'; text: string }
  | { kind: 'qr'; payload: string };

export const WORKFLOW_NAMES: Record<ReceiptWorkflow, Label> = {
  issue: { zh: '售卡', en: 'Card sale' },
  topup: { zh: '充值', en: 'Top-up' },
  migrate: { zh: '升级换卡', en: 'M1 to CPU upgrade' },
  lost: { zh: '挂失', en: 'Lost card report' },
  replace: { zh: '补卡', en: 'Card replacement' },
  'damaged-exchange': { zh: '换卡', en: 'Damaged card exchange' },
  refund: { zh: '退卡', en: 'Card refund' },
  'shift-close': { zh: '交班', en: 'Shift close' },
};

export const PAYMENT_NAMES: Record<PaymentMethod, Label> = {
  cash: { zh: '现金', en: 'Cash' },
  other: { zh: '其他', en: 'Other' },
  none: { zh: '无', en: 'None' },
};

/** ¥ and yuan from integer fen; the only way amounts reach paper. */
export function yuan(fen: number): string {
  return fen < 0 ? `-¥${formatYuan(-fen)}` : `¥${formatYuan(fen)}`;
}

function fen(value: number, what: string): number {
  return assertFen(value, what);
}

/**
 * Signed amount the customer pays (+) or receives (−) for this receipt, from its parts.
 * The workflows settle the same sum in the ledger; the receipt recomputes it rather than
 * trusting a separate total, so paper and parts cannot disagree.
 */
export function amountDueFen(r: ReceiptData): number {
  switch (r.workflow) {
    case 'issue':
      return fen(r.depositFen, 'depositFen') + fen(r.firstLoadFen, 'firstLoadFen') + fen(r.feeFen, 'feeFen');
    case 'topup':
      return fen(r.amountFen, 'amountFen');
    case 'migrate':
      return fen(r.newDepositFen, 'newDepositFen') + fen(r.feeFen, 'feeFen') - (r.depositPolicy === 'refunded' ? fen(r.oldDepositFen, 'oldDepositFen') : 0);
    case 'lost':
      return fen(r.feeFen, 'feeFen');
    case 'replace':
      // The deposit moves from the lost card (nothing paid for it); the customer pays the 工本费 (issue 17).
      fen(r.depositFen, 'depositFen');
      return fen(r.feeFen, 'feeFen');
    case 'damaged-exchange':
      return fen(r.newDepositFen, 'newDepositFen') + fen(r.feeFen, 'feeFen');
    case 'refund':
      return fen(r.feeFen, 'feeFen') - fen(r.balanceRefundFen, 'balanceRefundFen') - fen(r.depositRefundFen, 'depositRefundFen');
    case 'shift-close':
      return 0;
  }
}

/** Checks the balance arithmetic a receipt states, so a wrong number never reaches paper. */
export function validateReceipt(r: ReceiptData): void {
  const bad = (msg: string): never => {
    throw new BadInputError(`${r.workflow} receipt ${r.entryId}: ${msg}`);
  };
  if (!r.entryId) bad('entry id is empty');
  parseInstant(r.at, 'receipt time');
  if (r.reprint && (!Number.isSafeInteger(r.reprint.count) || r.reprint.count < 1)) bad('reprint count must be 1 or more');
  switch (r.workflow) {
    case 'issue':
      if (fen(r.balanceAfterFen, 'balanceAfterFen') !== r.firstLoadFen) bad('a new card\'s balance must equal its first load');
      break;
    case 'topup':
      if (fen(r.balanceBeforeFen, 'balanceBeforeFen') + fen(r.amountFen, 'amountFen') !== fen(r.balanceAfterFen, 'balanceAfterFen')) bad('balance before + amount ≠ balance after');
      break;
    case 'migrate': {
      const carried = r.depositPolicy === 'carried' ? fen(r.oldDepositFen, 'oldDepositFen') : 0;
      if (fen(r.balanceMovedFen, 'balanceMovedFen') + carried !== fen(r.balanceAfterFen, 'balanceAfterFen')) bad('moved balance (+ carried deposit) ≠ new balance');
      break;
    }
    case 'replace':
      if (fen(r.balanceRestoredFen, 'balanceRestoredFen') !== fen(r.balanceAfterFen, 'balanceAfterFen')) bad('restored balance ≠ new balance');
      break;
    case 'damaged-exchange':
      if (fen(r.balanceMovedFen, 'balanceMovedFen') !== fen(r.balanceAfterFen, 'balanceAfterFen')) bad('moved balance ≠ new balance');
      break;
    case 'refund':
      if (fen(r.balanceRefundFen, 'balanceRefundFen') > fen(r.balanceBeforeFen, 'balanceBeforeFen')) bad('refund exceeds the card balance');
      break;
    case 'shift-close':
      for (const d of r.counted) {
        fen(d.fen, 'denomination');
        if (!Number.isSafeInteger(d.count) || d.count < 0) bad(`count of ${d.fen} fen must be a whole number ≥ 0`);
      }
      break;
    case 'lost':
      break;
  }
  const due = amountDueFen(r);
  if ('payment' in r && r.payment.method === 'cash' && due > 0 && fen(r.payment.tenderedFen, 'tenderedFen') < due) {
    bad(`cash tendered ${r.payment.tenderedFen} fen is less than the ${due} fen due`);
  }
}

function cardLine(label: Label, card: CardRef): Block {
  return { kind: 'kv', label, value: maskCardNumber(card.number) };
}

function paymentBlocks(due: number, payment: Payment): Block[] {
  const out: Block[] = [];
  if (due >= 0) out.push({ kind: 'kv', label: { zh: '应收', en: 'Amount due' }, value: yuan(due), strong: true });
  else out.push({ kind: 'kv', label: { zh: '应退', en: 'Paid to customer' }, value: yuan(-due), strong: true });
  // The amount in capitals (大写), as the confirmation screen shows it: what a customer checks.
  if (due !== 0) out.push({ kind: 'kv', label: { zh: '大写', en: 'In words' }, value: capitals(Math.abs(due)) });
  if (due === 0 && payment.method === 'none') return out;
  switch (payment.method) {
    case 'cash':
      out.push({ kind: 'kv', label: { zh: '支付方式', en: 'Payment' }, value: '现金 Cash' });
      if (due > 0) {
        out.push({ kind: 'kv', label: { zh: '实收', en: 'Tendered' }, value: yuan(payment.tenderedFen) });
        out.push({ kind: 'kv', label: { zh: '找零', en: 'Change' }, value: yuan(payment.tenderedFen - due) });
      }
      break;
    case 'other':
      out.push({ kind: 'kv', label: { zh: '支付方式', en: 'Payment' }, value: '其他 Other' });
      out.push({ kind: 'kv', label: { zh: '参考号', en: 'Reference' }, value: payment.reference });
      break;
    case 'none':
      break;
  }
  return out;
}

function header(
  station: { id: string; name: string },
  operator: { id: string; name?: string },
  at: string,
  title: Label,
  reprint: { count: number; at: string } | undefined,
  training: boolean | undefined,
): Block[] {
  const blocks: Block[] = [];
  if (training) blocks.push({ kind: 'banner', text: '培训模式 TRAINING 无效凭证' });
  blocks.push({ kind: 'center', text: '城市一卡通 City Union Card' });
  blocks.push({ kind: 'center', text: station.name });
  blocks.push({ kind: 'title', text: title });
  if (reprint) {
    blocks.push({ kind: 'banner', text: `重印 REPRINT 第${reprint.count}次` });
    blocks.push({ kind: 'center', text: `重印时间 ${chinaDateTime(reprint.at)}` });
  }
  blocks.push({ kind: 'rule' });
  blocks.push({ kind: 'kv', label: { zh: '网点', en: 'Station' }, value: station.id });
  blocks.push({ kind: 'kv', label: { zh: '柜员', en: 'Operator' }, value: operator.name ? `${operator.id} ${operator.name}` : operator.id });
  blocks.push({ kind: 'kv', label: { zh: '时间', en: 'Time' }, value: chinaDateTime(at) });
  blocks.push({ kind: 'rule' });
  return blocks;
}

function footer(entryId: string, tac: string | null, station: { phone?: string }): Block[] {
  const blocks: Block[] = [{ kind: 'rule' }];
  if (tac !== null) blocks.push({ kind: 'kv', label: { zh: '交易认证码', en: 'TAC' }, value: tac });
  blocks.push({ kind: 'kv', label: { zh: '流水号', en: 'Entry' }, value: entryId });
  blocks.push({ kind: 'qr', payload: receiptQrPayload(entryId, tac) });
  blocks.push({ kind: 'center', text: '请妥善保管本凭条 Please keep this receipt' });
  if (station.phone) blocks.push({ kind: 'center', text: `服务电话 ${station.phone}` });
  return blocks;
}

/**
 * A counter fee's lines (issue 17): charged, or waived with the supervisor's reason
 * ("手续费 ¥1.75 已减免：<reason>"), then the fee schedule's version in force.
 */
function feeBlocks(label: { zh: string; en: string }, feeFen: number, note: FeeNote | undefined): Block[] {
  const out: Block[] = [];
  if (note !== undefined && note.waivedFen > 0) out.push({ kind: 'kv', label, value: `${yuan(note.waivedFen)} 已减免：${note.reason ?? ''}` });
  else if (feeFen > 0) out.push({ kind: 'kv', label, value: yuan(feeFen) });
  if (note !== undefined) out.push({ kind: 'kv', label: { zh: '收费标准', en: 'Fee schedule' }, value: note.scheduleVersion });
  return out;
}

// eslint-disable-next-line max-lines-per-function -- the receipt's lines in printed order
export function receiptBlocks(r: ReceiptData): Block[] {
  validateReceipt(r);
  const out = header(r.station, r.operator, r.at, WORKFLOW_NAMES[r.workflow], r.reprint, r.training);
  const kv = (zh: string, en: string, value: string, strong = false): void => {
    out.push({ kind: 'kv', label: { zh, en }, value, strong });
  };
  let tac: string | null = null;
  switch (r.workflow) {
    case 'issue':
      out.push(cardLine({ zh: '卡号', en: 'Card' }, r.card));
      if (r.cardTypeName) kv('卡类型', 'Card type', r.cardTypeName);
      kv('记名', 'Registered', r.registered ? '是 Yes' : '否 No');
      kv('押金', 'Deposit', yuan(r.depositFen));
      kv('首次充值', 'First load', yuan(r.firstLoadFen));
      if (r.feeFen > 0) kv('手续费', 'Fee', yuan(r.feeFen));
      kv('卡内余额', 'Balance', yuan(r.balanceAfterFen), true);
      tac = r.tac;
      break;
    case 'topup':
      out.push(cardLine({ zh: '卡号', en: 'Card' }, r.card));
      kv('充值金额', 'Amount', yuan(r.amountFen), true);
      kv('充值前余额', 'Balance before', yuan(r.balanceBeforeFen));
      kv('充值后余额', 'Balance after', yuan(r.balanceAfterFen), true);
      tac = r.tac;
      break;
    case 'migrate':
      out.push(cardLine({ zh: '原M1卡', en: 'Old M1 card' }, r.oldCard));
      out.push(cardLine({ zh: '新CPU卡', en: 'New CPU card' }, r.newCard));
      kv('转移余额', 'Balance moved', yuan(r.balanceMovedFen));
      kv('原卡押金', 'Old deposit', yuan(r.oldDepositFen));
      kv('押金处理', 'Deposit', r.depositPolicy === 'carried' ? '转入卡内余额 Carried to balance' : '现金退还 Refunded');
      if (r.newDepositFen > 0) kv('新卡押金', 'New deposit', yuan(r.newDepositFen));
      if (r.feeFen > 0) kv('手续费', 'Fee', yuan(r.feeFen));
      kv('新卡余额', 'New balance', yuan(r.balanceAfterFen), true);
      tac = r.tac;
      break;
    case 'lost':
      out.push(cardLine({ zh: '卡号', en: 'Card' }, r.card));
      if (r.holderName) kv('持卡人', 'Holder', maskName(r.holderName));
      kv('状态', 'Status', '已挂失 Blacklisted');
      kv('可补卡日期', 'Replace from', r.replaceFrom);
      if (r.feeFen > 0) kv('手续费', 'Fee', yuan(r.feeFen));
      break;
    case 'replace':
      out.push(cardLine({ zh: '挂失卡号', en: 'Lost card' }, r.lostCard));
      out.push(cardLine({ zh: '新卡号', en: 'New card' }, r.newCard));
      kv('恢复余额', 'Balance restored', yuan(r.balanceRestoredFen));
      kv('押金', 'Deposit', yuan(r.depositFen));
      out.push(...feeBlocks({ zh: '补卡工本费', en: 'Card fee' }, r.feeFen, r.feeNote));
      kv('新卡余额', 'New balance', yuan(r.balanceAfterFen), true);
      tac = r.tac;
      break;
    case 'damaged-exchange':
      out.push(cardLine({ zh: '原卡号', en: 'Old card' }, r.oldCard));
      out.push(cardLine({ zh: '新卡号', en: 'New card' }, r.newCard));
      kv('损坏原因', 'Cause', r.fault === 'quality' ? '质量问题 Quality fault' : '人为损坏 Customer damage');
      kv('转移余额', 'Balance moved', yuan(r.balanceMovedFen));
      if (r.newDepositFen > 0) kv('新卡押金', 'New deposit', yuan(r.newDepositFen));
      out.push(...feeBlocks({ zh: '工本费', en: 'Card fee' }, r.feeFen, r.feeNote));
      kv('新卡余额', 'New balance', yuan(r.balanceAfterFen), true);
      tac = r.tac;
      break;
    case 'refund':
      out.push(cardLine({ zh: '卡号', en: 'Card' }, r.card));
      kv('卡内余额', 'Card balance', yuan(r.balanceBeforeFen));
      kv('退还余额', 'Balance refund', yuan(r.balanceRefundFen));
      kv('退还押金', 'Deposit refund', yuan(r.depositRefundFen));
      out.push(...feeBlocks({ zh: '手续费', en: 'Fee' }, r.feeFen, r.feeNote));
      kv('卡片状态', 'Card', '已回收 Kept by station');
      break;
    case 'shift-close': {
      const counted = r.counted.reduce((s, d) => s + d.fen * d.count, 0);
      const handedOver = r.handedOverFen ?? 0;
      const transferredOut = r.transferredOutFen ?? 0;
      const transferredIn = r.transferredInFen ?? 0;
      // float + takings − change − refunds − 交款 − transfers out + transfers in (docs/COUNTER-RULES.md §4).
      const expected = r.floatFen + r.cashInFen - r.cashOutFen - handedOver - transferredOut + transferredIn;
      kv('班次', 'Shift', r.shiftId);
      kv('开班时间', 'Opened', chinaDateTime(r.openedAt));
      kv('交易笔数', 'Entries', String(r.entryCount));
      kv('备用金', 'Float', yuan(r.floatFen));
      kv('现金收入', 'Cash in', yuan(r.cashInFen));
      kv('现金支出', 'Cash out', yuan(r.cashOutFen));
      if (handedOver > 0) kv('交款', 'Handed in', yuan(handedOver));
      if (transferredOut > 0) kv('调出', 'Sent to a shift', yuan(transferredOut));
      if (transferredIn > 0) kv('调入', 'From a shift', yuan(transferredIn));
      kv('应有现金', 'Expected', yuan(expected), true);
      out.push({ kind: 'rule' });
      for (const d of r.counted) kv(`${yuan(d.fen)} ×${d.count}`, '', yuan(d.fen * d.count));
      kv('实点现金', 'Counted', yuan(counted), true);
      // A difference as the counter says it: 长款 (over) / 短款 (short), the amount unsigned and in 大写.
      const diff = counted - expected;
      if (diff === 0) kv('差额', 'Difference', yuan(0), true);
      else {
        kv(diff > 0 ? '差额（长款）' : '差额（短款）', diff > 0 ? 'Over' : 'Short', yuan(Math.abs(diff)), true);
        kv('大写', 'In words', capitals(Math.abs(diff)));
      }
      if (counted !== expected) kv('签认', 'Signed off', r.signedOffBy ?? '未签认 NOT SIGNED');
      if ((r.floatReturnedFen ?? 0) > 0) kv('备用金退回', 'Float returned', yuan(r.floatReturnedFen ?? 0));
      break;
    }
  }
  if (r.workflow !== 'shift-close') {
    out.push({ kind: 'rule' });
    out.push(...paymentBlocks(amountDueFen(r), r.payment));
  }
  out.push(...footer(r.entryId, tac, r.station));
  return out;
}

export function pickupSlipBlocks(s: PickupSlipData): Block[] {
  if (!s.requestId) throw new BadInputError('pickup slip: request id is empty');
  // A slip whose payment is none collected nothing: the deposit it names is the old card's, on
  // record and carried to the new one — not an amount due (the day-end counts none either).
  const collects = s.payment.method !== 'none';
  const due = collects ? fen(s.depositFen, 'depositFen') + fen(s.feeFen, 'feeFen') : 0;
  if (s.payment.method === 'cash' && due > 0 && fen(s.payment.tenderedFen, 'tenderedFen') < due) {
    throw new BadInputError(`pickup slip ${s.requestId}: cash tendered is less than the ${due} fen due`);
  }
  const out = header(s.station, s.operator, s.at, { zh: '取卡凭条', en: 'Pickup slip' }, s.reprint, s.training);
  out.push({ kind: 'kv', label: { zh: '业务', en: 'Service' }, value: s.kind === 'replace' ? '补卡 Replacement' : '换卡 Exchange' });
  out.push(cardLine({ zh: '原卡号', en: 'Card' }, s.card));
  if (s.holderName) out.push({ kind: 'kv', label: { zh: '持卡人', en: 'Holder' }, value: maskName(s.holderName) });
  out.push({ kind: 'kv', label: { zh: '取卡日期', en: 'Pick up from' }, value: s.pickupFrom, strong: true });
  if (s.depositFen > 0) out.push({ kind: 'kv', label: collects ? { zh: '押金', en: 'Deposit' } : { zh: '原卡押金（转入新卡）', en: 'Deposit on record (to the new card)' }, value: yuan(s.depositFen) });
  if (s.feeFen > 0) out.push({ kind: 'kv', label: { zh: '手续费', en: 'Fee' }, value: yuan(s.feeFen) });
  out.push({ kind: 'rule' });
  out.push(...paymentBlocks(due, s.payment));
  out.push({ kind: 'rule' });
  out.push({ kind: 'note', text: '凭本凭条及有效身份证件于取卡日期后到本网点领取新卡。余额以清分中心确认为准。' });
  if (s.note) out.push({ kind: 'note', text: s.note });
  out.push({ kind: 'kv', label: { zh: '受理号', en: 'Request' }, value: s.requestId });
  out.push({ kind: 'qr', payload: receiptQrPayload(s.requestId, null) });
  if (s.station.phone) out.push({ kind: 'center', text: `服务电话 ${s.station.phone}` });
  return out;
}
