/**
 * A seeded, reproducible day of mixed workflows for the end-of-day tests and the bench. The
 * generator also returns its own running sums (kept while generating, independently of
 * receipts/day-totals.ts), so a test can check the documents against the inputs to the fen.
 */
import type { DayEntry, DayReportData, DayShift, DayWorkflow } from '../../receipts/day-types.ts';
import type { PaymentMethod } from '../../receipts/receipt-types.ts';

import { seededRandom as rng } from './seeded-random.ts';

export { rng };

export interface SeededSums {
  count: number;
  netFen: number;
  byWorkflow: Map<DayWorkflow, { count: number; fen: number }>;
  byPayment: Map<PaymentMethod, { count: number; fen: number }>;
  depositTakenFen: number;
  depositReturnedFen: number;
  cashByShift: Map<string, { inFen: number; outFen: number }>;
}

const WORKFLOWS: DayWorkflow[] = ['topup', 'topup', 'topup', 'topup', 'issue', 'refund', 'migrate', 'lost', 'replace', 'damaged-exchange'];

export function seededDay(entryCount: number, seed = 42, shiftCount = 3): { data: DayReportData; sums: SeededSums } {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const dayStart = Date.parse('2026-11-22T00:30:00Z'); // 08:30 Shanghai
  const shifts: DayShift[] = [];
  for (let i = 0; i < shiftCount; i++) {
    shifts.push({
      shiftId: `S-20261122-${i + 1}`,
      operatorId: `op${String(i + 1).padStart(2, '0')}`,
      operatorName: ['李娜', '王芳', '陈静', '刘洋'][i % 4]!,
      openedAt: new Date(dayStart + i * 4 * 3600_000).toISOString(),
      closedAt: new Date(dayStart + (i + 1) * 4 * 3600_000 - 60_000).toISOString(),
      floatFen: 50000,
      counted: null,
      signedOffBy: null,
    });
  }
  const sums: SeededSums = {
    count: 0,
    netFen: 0,
    byWorkflow: new Map(),
    byPayment: new Map(),
    depositTakenFen: 0,
    depositReturnedFen: 0,
    cashByShift: new Map(shifts.map((s) => [s.shiftId, { inFen: 0, outFen: 0 }])),
  };
  const entries: DayEntry[] = [];
  const span = shiftCount * 4 * 3600_000 - 120_000;
  for (let i = 0; i < entryCount; i++) {
    const workflow = pick(WORKFLOWS);
    const atMs = dayStart + Math.floor((i * span) / entryCount);
    const shift = shifts[Math.min(shiftCount - 1, Math.floor((atMs - dayStart) / (4 * 3600_000)))]!;
    let cardLoadFen = 0;
    let depositTakenFen = 0;
    let depositReturnedFen = 0;
    let feeFen = 0;
    let carriedFen = 0;
    switch (workflow) {
      case 'topup':
        cardLoadFen = int(10, 500) * 100 + pick([0, 0, 50, 5, 99]);
        break;
      case 'issue':
        depositTakenFen = 2000;
        cardLoadFen = pick([0, 1000, 5000, 10000]);
        break;
      case 'refund':
        cardLoadFen = -int(0, 9999);
        depositReturnedFen = 2000;
        break;
      case 'migrate':
        carriedFen = int(0, 20000);
        break;
      case 'lost':
        feeFen = pick([0, 0, 500]);
        break;
      case 'replace':
        carriedFen = int(0, 30000);
        depositTakenFen = 2000;
        feeFen = 1000;
        break;
      case 'damaged-exchange':
        carriedFen = int(0, 10000);
        depositTakenFen = pick([0, 2000]);
        break;
    }
    const totalFen = cardLoadFen + depositTakenFen - depositReturnedFen + feeFen;
    const payment: PaymentMethod = totalFen === 0 ? 'none' : r() < 0.7 ? 'cash' : 'other';
    const seq = 1000 + i;
    const e: DayEntry = {
      seq,
      entryId: `01JDX${seq.toString(36).toUpperCase().padStart(8, '0')}${workflow.slice(0, 3).toUpperCase()}`,
      at: new Date(atMs).toISOString(),
      shiftId: shift.shiftId,
      operatorId: shift.operatorId,
      workflow,
      payment,
      cardNumber: workflow === 'migrate' ? `A1B2${int(1000, 9999)}` : `31000000${int(10_000_000, 99_999_999)}`,
      totalFen,
      cardLoadFen,
      depositTakenFen,
      depositReturnedFen,
      feeFen,
      carriedFen,
      hash: (seq * 2654435761).toString(16).padStart(16, '0').repeat(4).slice(0, 64),
    };
    entries.push(e);
    sums.count++;
    sums.netFen += totalFen;
    const w = sums.byWorkflow.get(workflow) ?? { count: 0, fen: 0 };
    w.count++;
    w.fen += totalFen;
    sums.byWorkflow.set(workflow, w);
    const p = sums.byPayment.get(payment) ?? { count: 0, fen: 0 };
    p.count++;
    p.fen += totalFen;
    sums.byPayment.set(payment, p);
    sums.depositTakenFen += depositTakenFen;
    sums.depositReturnedFen += depositReturnedFen;
    if (payment === 'cash') {
      const c = sums.cashByShift.get(shift.shiftId)!;
      if (totalFen > 0) c.inFen += totalFen;
      else c.outFen -= totalFen;
    }
  }
  // Count each drawer: the first shift balances exactly, the others are short by a few fen
  // (one signed off, one not), so every drawer status appears.
  shifts.forEach((s, i) => {
    const c = sums.cashByShift.get(s.shiftId)!;
    let expected = s.floatFen + c.inFen - c.outFen;
    const short = i === 0 ? 0 : 7 * i;
    expected -= short;
    const notes = Math.floor(expected / 10000);
    let rest = expected - notes * 10000;
    const fives = Math.floor(rest / 500);
    rest -= fives * 500;
    s.counted = [{ fen: 10000, count: notes }, { fen: 500, count: fives }, { fen: 1, count: rest }];
    s.signedOffBy = i === 1 ? 'sup01 张伟' : null;
    s.signedOffAt = i === 1 ? s.closedAt : null;
  });
  const last = entries[entries.length - 1];
  return {
    data: {
      station: { id: 'ST-310000-0007', name: '人民广场服务网点' },
      day: '2026-11-22',
      generatedAt: '2026-11-22T13:00:00Z',
      shifts,
      entries,
      incomplete: [{ opId: 'op-77', at: '2026-11-22T05:00:00Z', workflow: 'topup', cardNumber: '3100000012345678', amountFen: 5000, state: 'in_doubt', operatorId: 'op02' }],
      chainHeadHash: last ? last.hash : '0'.repeat(64),
      acknowledgedAt: null,
    },
    sums,
  };
}
