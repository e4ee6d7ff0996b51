/** Receipt data of every workflow, as the workflows will hand it over; shared by tests and bench. */
import type { PickupSlipData, ReceiptData, ReceiptWorkflow } from '../../receipts/receipt-types.ts';

const station = { id: 'ST-310000-0007', name: '人民广场服务网点', address: '黄浦区人民大道 120 号', phone: '021-12345678' };
const operator = { id: 'op07', name: '李娜' };
const at = '2026-11-22T06:03:05Z'; // 14:03:05 in Shanghai

export const SAMPLE_RECEIPTS: Record<ReceiptWorkflow, ReceiptData> = {
  issue: {
    workflow: 'issue', station, operator, at, entryId: '01JDX4K7Q8ISSUE000000001',
    card: { number: '3100000012345678', kind: 'cpu' }, cardTypeName: '普通卡', depositFen: 2000, firstLoadFen: 5000, feeFen: 0,
    balanceAfterFen: 5000, registered: true, payment: { method: 'cash', tenderedFen: 10000 }, tac: '1A2B3C4D',
  },
  topup: {
    workflow: 'topup', station, operator, at, entryId: '01JDX4K7Q8TOPUP000000002',
    card: { number: '3100000012345678', kind: 'cpu' }, amountFen: 10050, balanceBeforeFen: 1234, balanceAfterFen: 11284,
    payment: { method: 'cash', tenderedFen: 20000 }, tac: '9F8E7D6C',
  },
  migrate: {
    workflow: 'migrate', station, operator, at, entryId: '01JDX4K7Q8MIGRATE0000003',
    oldCard: { number: 'A1B2C3D4', kind: 'm1' }, newCard: { number: '3100000099990001', kind: 'cpu' }, balanceMovedFen: 4321,
    oldDepositFen: 2000, depositPolicy: 'carried', newDepositFen: 0, feeFen: 0, balanceAfterFen: 6321, payment: { method: 'none' }, tac: '0BADF00D',
  },
  lost: {
    workflow: 'lost', station, operator, at, entryId: '01JDX4K7Q8LOST0000000004',
    card: { number: '3100000055550002' }, holderName: '王小明', feeFen: 0, payment: { method: 'none' }, replaceFrom: '2026-11-29',
  },
  replace: {
    workflow: 'replace', station, operator, at, entryId: '01JDX4K7Q8REPLACE0000005',
    lostCard: { number: '3100000055550002' }, newCard: { number: '3100000099990003' }, balanceRestoredFen: 8765, depositFen: 2000, feeFen: 1000,
    balanceAfterFen: 8765, payment: { method: 'other', reference: 'POS-889911' }, tac: 'C0FFEE11',
  },
  'damaged-exchange': {
    workflow: 'damaged-exchange', station, operator, at, entryId: '01JDX4K7Q8DAMAGED0000006',
    oldCard: { number: '3100000066660004' }, newCard: { number: '3100000099990005' }, fault: 'customer', balanceMovedFen: 300,
    newDepositFen: 2000, feeFen: 0, balanceAfterFen: 300, payment: { method: 'cash', tenderedFen: 2000 }, tac: 'DEADBEEF',
  },
  refund: {
    workflow: 'refund', station, operator, at, entryId: '01JDX4K7Q8REFUND00000007',
    card: { number: '3100000077770006' }, balanceBeforeFen: 5678, balanceRefundFen: 5678, depositRefundFen: 2000, feeFen: 0,
    payment: { method: 'cash', tenderedFen: 0 },
  },
  'shift-close': {
    workflow: 'shift-close', station, operator, at, entryId: '01JDX4K7Q8SHIFT000000008',
    shiftId: 'S-20261122-op07-1', openedAt: '2026-11-22T00:30:00Z', floatFen: 50000, cashInFen: 123450, cashOutFen: 7678, entryCount: 42,
    counted: [{ fen: 10000, count: 16 }, { fen: 5000, count: 1 }, { fen: 100, count: 5 }, { fen: 50, count: 3 }],
    signedOffBy: 'sup01 张伟',
  },
};

export const SAMPLE_PICKUP: PickupSlipData = {
  station, operator, at, requestId: '01JDX4K7Q8PICKUP00000009', kind: 'replace',
  card: { number: '3100000055550002' }, holderName: '王小明', pickupFrom: '2026-11-26', depositFen: 2000, feeFen: 1000,
  payment: { method: 'cash', tenderedFen: 5000 }, note: '请携带身份证原件。',
};

/** What must appear on paper for each sample (amounts as yuan text). */
export const SAMPLE_EXPECTED: Record<ReceiptWorkflow, string[]> = {
  issue: ['售卡', '3100 **** **** 5678', '¥20.00', '¥50.00', '¥70.00', '¥100.00', '¥30.00', '1A2B3C4D'],
  topup: ['充值', '3100 **** **** 5678', '¥100.50', '¥12.34', '¥112.84', '¥200.00', '¥99.50', '9F8E7D6C'],
  migrate: ['升级换卡', '**** C3D4', '3100 **** **** 0001', '¥43.21', '¥20.00', '¥63.21', '0BADF00D'],
  lost: ['挂失', '3100 **** **** 0002', '王*明', '2026-11-29', '已挂失'],
  // Due: the ¥10.00 工本费 only; the ¥20.00 deposit moves from the lost card, nothing is paid for it (issue 17).
  replace: ['补卡', '3100 **** **** 0002', '3100 **** **** 0003', '¥87.65', '¥10.00', 'POS-889911', 'C0FFEE11'],
  'damaged-exchange': ['换卡', '人为损坏', '¥3.00', '¥20.00', 'DEADBEEF'],
  refund: ['退卡', '¥56.78', '¥20.00', '应退', '¥76.78'],
  'shift-close': ['交班', '¥500.00', '¥1234.50', '¥76.78', '¥1657.72', '¥1656.50', '短款', '¥1.22', '壹元贰角贰分', 'sup01 张伟'],
};
