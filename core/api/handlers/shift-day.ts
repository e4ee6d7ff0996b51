/**
 * The shift and the day (common/api.ts shiftOpen, shiftClose; common/api-receipts.ts
 * daySummary, dayExport): a shift opens with its float and closes with the counted drawer (a
 * supervisor's PIN when the count differs, checked like a login), then this screen gets its
 * drawer; the day's figures are dayReportData + computeDayTotals, the numbers the PDF prints.
 */
import path from 'node:path';
import type { WebSocket } from 'ws';
import type { Result, ShiftDto, StationEvent } from '../../../common/api.ts';
import { chinaDate } from '../../../common/china-time.ts';
import { writeAudit } from '../../../db/audit.ts';
import { currentShift, shiftCashNetFen } from '../../../db/shifts.ts';
import { computeDayTotals } from '../../../receipts/index.ts';
import { requireRole, type Actor } from '../../auth.ts';
import { dayReportData, exportDay } from '../../day-report.ts';
import { ensurePrivateDir } from '../../home-permissions.ts';
import { loadReceiptSettings } from '../../receipt-settings.ts';
import { withReceipt } from '../../receipts.ts';
import type { Station } from '../../station.ts';
import { acceptTransfer, handOver, sendTransfer, transfersWaiting } from '../../workflows/cash-box.ts';
import { closeShift, openShift } from '../../workflows/shift.ts';
import { send } from '../broadcast.ts';
import type { ApiContext, Handlers } from '../context.ts';

/** The operator's open shift and what the drawer should hold now, or null. */
export async function shiftOf(station: Station, staffId: string): Promise<ShiftDto | null> {
  const row = await currentShift(station.db, staffId);
  if (!row) return null;
  return { shiftId: row.shift_id, operatorId: row.operator_id, openedAt: row.opened_at, floatFen: row.float_fen, expectedFen: row.float_fen + (await shiftCashNetFen(station.db, row.shift_id)) };
}

/** This screen's shift, for the status bar's drawer figure. */
export async function pushShift(station: Station, ws: WebSocket, staffId: string): Promise<void> {
  send(ws, { event: 'shift', shift: await shiftOf(station, staffId) } satisfies StationEvent);
}

export async function daySummary(station: Station, actor: Actor, day: string | undefined): Promise<Result<'daySummary'>> {
  await requireRole(station.db, actor, 'operator', 'day-summary');
  const now = station.now();
  const data = await dayReportData(station.db, station.config, loadReceiptSettings(station.home), day ?? chinaDate(now), now);
  const t = computeDayTotals(data);
  const sums = (r: Record<string, { count: number; totalFen: number }>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { count: v.count, totalFen: v.totalFen }]));
  return {
    day: data.day, generatedAt: data.generatedAt, count: t.count, totalFen: t.totalFen, byWorkflow: sums(t.byWorkflow), byPayment: sums(t.byPayment),
    depositsTaken: t.depositsTaken, depositsReturned: t.depositsReturned, fees: t.fees,
    cash: {
      floatFen: t.cash.floatFen, cashInFen: t.cash.cashInFen, cashOutFen: t.cash.cashOutFen, handedOverFen: t.cash.handedOverFen, transferredOutFen: t.cash.transferredOutFen,
      transferredInFen: t.cash.transferredInFen, expectedFen: t.cash.expectedFen, countedFen: t.cash.countedFen, differenceFen: t.cash.differenceFen,
    },
    cashBox: t.cashBox,
    shifts: t.shifts.map((s) => ({
      shiftId: s.shift.shiftId, operatorId: s.shift.operatorId, operatorName: s.shift.operatorName ?? null, openedAt: s.shift.openedAt, closedAt: s.shift.closedAt, count: s.count,
      cash: { floatFen: s.cash.floatFen, cashInFen: s.cash.cashInFen, cashOutFen: s.cash.cashOutFen, handedOverFen: s.cash.handedOverFen, transferredOutFen: s.cash.transferredOutFen, transferredInFen: s.cash.transferredInFen, expectedFen: s.cash.expectedFen, countedFen: s.cash.countedFen, differenceFen: s.cash.differenceFen, signedOffBy: s.cash.signedOffBy, status: s.cash.status },
    })),
    incomplete: data.incomplete.map((i) => ({ opId: i.opId, at: i.at, workflow: i.workflow, cardNumber: i.cardNumber, amountFen: i.amountFen, state: i.state, operatorId: i.operatorId })),
    first: t.first, last: t.last, chainHeadHash: data.chainHeadHash, training: data.training === true,
  };
}

/** The day's report or journal under STATION_HOME/reports/<day>/ (the path is what the screen shows). */
export async function exportDayFile(station: Station, actor: Actor, day: string, format: 'csv' | 'pdf'): Promise<Result<'dayExport'>> {
  await requireRole(station.db, actor, 'operator', 'day-export');
  const dir = path.join(station.home, 'reports', day);
  ensurePrivateDir(dir);
  const r = await exportDay(station.db, station.config, loadReceiptSettings(station.home), day, format, path.join(dir, `day-${day}.${format}`), station.now());
  await writeAudit(station.db, actor.staffId, 'day-export', 'ok', { day, format, out: r.out }, station.now());
  return { format, out: r.out, bytes: r.bytes, entries: r.entries, ...(r.pages !== undefined ? { pages: r.pages } : {}) };
}


export function shiftDayHandlers(ctx: ApiContext): Handlers<'shiftOpen' | 'shiftClose' | 'daySummary' | 'dayExport' | 'cashHandover' | 'cashTransferSend' | 'cashTransferAccept' | 'cashTransfersWaiting'> {
  const { station, env, sessions } = ctx;
  return {
    async shiftOpen(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const r = await openShift(station, actor, p.floatFen);
      await pushShift(station, ws, actor.staffId);
      return r;
    },
    async shiftClose(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const supervisor = p.supervisor ? await sessions.checkPin(conn, p.supervisor.staffId, p.supervisor.pin) : null;
      const countedText = Object.entries(p.counted).filter(([, n]) => n > 0).map(([d, n]) => `${d}x${n}`).join(',');
      const r = await closeShift(station, actor, countedText, supervisor, p.blankCards ?? null);
      await pushShift(station, ws, actor.staffId);
      return withReceipt(station, r, p.print ?? 'auto', env);
    },
    async cashHandover(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      // The supervisor's PIN is checked like a login; four eyes in the core (cash-box.ts handOver).
      const supervisor = p.supervisor ? await sessions.checkPin(conn, p.supervisor.staffId, p.supervisor.pin) : null;
      const r = await handOver(station, actor, p.amountFen, p.to, supervisor);
      await pushShift(station, ws, actor.staffId);
      return r;
    },
    async cashTransferSend(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const r = await sendTransfer(station, actor, p.amountFen, p.toOperatorId);
      await pushShift(station, ws, actor.staffId);
      return r;
    },
    async cashTransferAccept(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const r = await acceptTransfer(station, actor, p.transferId);
      await pushShift(station, ws, actor.staffId);
      return r;
    },
    async cashTransfersWaiting(_p, conn) {
      const list = await transfersWaiting(station, sessions.actorOf(conn));
      return { transfers: list.map((t) => ({ transferId: t.transferId, at: t.at, amountFen: t.amountFen, fromOperatorId: t.fromOperatorId, fromShiftId: t.fromShiftId })) };
    },
    daySummary: (p, conn) => daySummary(station, sessions.actorOf(conn), p.day),
    dayExport: (p, conn) => exportDayFile(station, sessions.actorOf(conn), p.day, p.format),
  };
}
