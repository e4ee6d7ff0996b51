// The pure rules of issue 17: the refund fee and its waiver (common/fees.ts), the 年审 calendar
// (core/concession.ts) and the blank-card stock equation (core/stock-count.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEE_SCHEDULE, FeeScheduleSchema, FeeWaiverRefused, feeLine, refundFeeFen } from '../../common/fees.ts';
import { ConcessionScheduleSchema, DEFAULT_CONCESSION_SCHEDULE as S, fareCardType, verificationState, verifiedUntilAfter } from '../../core/concession.ts';
import { stockLines, stockProblems } from '../../core/stock-count.ts';

test('refund fee: 5 % of the balance from ¥10, half up to the fen (the issue\'s ¥35.00 → ¥1.75)', () => {
  assert.equal(refundFeeFen(3500, DEFAULT_FEE_SCHEDULE), 175);
  assert.equal(refundFeeFen(999, DEFAULT_FEE_SCHEDULE), 0, 'below the threshold');
  assert.equal(refundFeeFen(1000, DEFAULT_FEE_SCHEDULE), 50, 'at the threshold');
  assert.equal(refundFeeFen(1001, DEFAULT_FEE_SCHEDULE), 50, '50.05 rounds down');
  assert.equal(refundFeeFen(1010, DEFAULT_FEE_SCHEDULE), 51, '50.5 rounds up');
  assert.equal(refundFeeFen(0, DEFAULT_FEE_SCHEDULE), 0);
  assert.equal(refundFeeFen(0xffff_ffff, DEFAULT_FEE_SCHEDULE), 214_748_365, 'the largest card balance stays exact');
});

test('refund fee: minimum, cap, and never more than the balance', () => {
  const s = { refund: { rateBp: 500, thresholdFen: 0, minFen: 200, capFen: 1000 } };
  assert.equal(refundFeeFen(100, s), 100, 'the minimum is cut to the balance');
  assert.equal(refundFeeFen(1000, s), 200, 'the minimum');
  assert.equal(refundFeeFen(100_000, s), 1000, 'the cap');
  assert.throws(() => refundFeeFen(-1, s), RangeError);
  assert.throws(() => refundFeeFen(1.5, s), RangeError);
});

test('a schedule from the host is checked whole; the default is a valid schedule', () => {
  assert.deepEqual(FeeScheduleSchema.parse(DEFAULT_FEE_SCHEDULE), DEFAULT_FEE_SCHEDULE);
  assert.equal(FeeScheduleSchema.safeParse({ ...DEFAULT_FEE_SCHEDULE, replacementFen: -1 }).success, false);
  assert.equal(FeeScheduleSchema.safeParse({ ...DEFAULT_FEE_SCHEDULE, refund: { ...DEFAULT_FEE_SCHEDULE.refund, rateBp: 10_001 } }).success, false);
  assert.equal(FeeScheduleSchema.safeParse({ ...DEFAULT_FEE_SCHEDULE, surprise: 1 }).success, false, 'an unknown key is refused');
});

test('a waiver needs another person and a reason; it charges 0 and keeps what was scheduled', () => {
  const l = feeLine('refund', 175, 'v1', 'op1', { supervisorId: 'sup1', reason: '  卡片质量问题 ' });
  assert.deepEqual(l, { kind: 'refund', scheduledFen: 175, chargedFen: 0, scheduleVersion: 'v1', waiver: { supervisorId: 'sup1', reason: '卡片质量问题' } });
  assert.equal(feeLine('refund', 175, 'v1', 'op1', null).chargedFen, 175);
  assert.throws(() => feeLine('refund', 175, 'v1', 'op1', { supervisorId: 'op1', reason: 'x' }), (e: unknown) => e instanceof FeeWaiverRefused && e.why === 'same-person');
  assert.throws(() => feeLine('refund', 175, 'v1', 'op1', { supervisorId: 'sup1', reason: '   ' }), (e: unknown) => e instanceof FeeWaiverRefused && e.why === 'no-reason');
  assert.throws(() => feeLine('refund', 175, 'v1', 'op1', { supervisorId: 'sup1', reason: '长'.repeat(121) }), (e: unknown) => e instanceof FeeWaiverRefused && e.why === 'reason-too-long');
});

test('年审: the validity a verification grants ends with the type\'s month, at least six months on', () => {
  assert.equal(verifiedUntilAfter('2026-09-10', '01', S), '2027-09-30');
  assert.equal(verifiedUntilAfter('2026-03-15', '01', S), '2026-09-30');
  assert.equal(verifiedUntilAfter('2026-04-02', '01', S), '2027-09-30');
  assert.equal(verifiedUntilAfter('2026-12-07', '02', S), '2028-01-31', '老年卡: January 2027 is one month on');
  assert.equal(verifiedUntilAfter('2028-02-29', '03', S), '2029-05-31', '爱心卡 in May, from a leap day');
  assert.throws(() => verifiedUntilAfter('2026-12-07', '00', S), RangeError, '普通卡 has no 年审');
  assert.throws(() => verifiedUntilAfter('2026-02-30', '01', S), RangeError);
});

test('年审: valid, due in its month, refused from the first day after (grace from the parameters)', () => {
  assert.deepEqual(verificationState('01', '2027-09-30', '2027-08-31', S), { state: 'valid', verifiedUntil: '2027-09-30', dueFrom: '2027-09-01' });
  assert.deepEqual(verificationState('01', '2027-09-30', '2027-09-01', S), { state: 'due', verifiedUntil: '2027-09-30' });
  assert.deepEqual(verificationState('01', '2027-09-30', '2027-09-30', S), { state: 'due', verifiedUntil: '2027-09-30' });
  assert.deepEqual(verificationState('01', '2027-09-30', '2027-10-01', S), { state: 'overdue', verifiedUntil: '2027-09-30', refusedFrom: '2027-10-01' });
  const grace = { ...S, graceDays: 15 };
  assert.equal(verificationState('01', '2027-09-30', '2027-10-15', grace).state, 'due');
  assert.equal(verificationState('01', '2027-09-30', '2027-10-16', grace).state, 'overdue');
  assert.equal(verificationState('00', null, '2027-10-16', S).state, 'not-needed');
  assert.equal(verificationState('02', null, '2027-10-16', S).state, 'overdue', 'a concession card never verified');
  assert.deepEqual(ConcessionScheduleSchema.parse(S), S);
});

test('an overdue concession card rides as 普通卡', () => {
  assert.equal(fareCardType('01', '2027-09-30', '2027-09-15', S), '01');
  assert.equal(fareCardType('01', '2027-09-30', '2027-10-01', S), '00');
  assert.equal(fareCardType('00', null, '2027-10-01', S), '00');
});

test('stock: opening + received − issued − spoiled − returned = closing, per card type', () => {
  const lines = stockLines(new Map([['00', 5]]), [
    { cardType: '00', kind: 'received', cards: 100 },
    { cardType: '00', kind: 'issued', cards: 3 },
    { cardType: '00', kind: 'spoiled', cards: 1 },
    { cardType: '01', kind: 'received', cards: 10 },
    { cardType: '01', kind: 'returned', cards: 2 },
  ]);
  assert.deepEqual(lines, [
    { cardType: '00', opening: 5, received: 100, issued: 3, spoiled: 1, returned: 0, closing: 101 },
    { cardType: '01', opening: 0, received: 10, issued: 0, spoiled: 0, returned: 2, closing: 8 },
  ]);
  assert.deepEqual(stockProblems(lines), []);
  assert.deepEqual(stockProblems(stockLines(new Map(), [{ cardType: '02', kind: 'issued', cards: 1 }])), ['02: closing stock -1 is below zero']);
  assert.deepEqual(stockProblems([{ ...lines[0]!, closing: 100 }]), ['00: 5 + 100 − 3 − 1 − 0 ≠ 100']);
  assert.throws(() => stockLines(new Map(), [{ cardType: '00', kind: 'issued', cards: 0 }]), RangeError);
});
