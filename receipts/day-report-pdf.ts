/**
 * The end-of-day report (A4) a supervisor signs: summary first (day, then each shift: totals
 * by workflow and payment, deposits, the drawer check), open card operations, chain head,
 * signature lines, then the full journal of the day's entries.
 *
 * Pages are added as the cursor runs out and written out as they are finished (the document
 * is piped, not buffered), so a 20,000-entry day costs the same memory as a short one. Cells
 * are placed with lineBreak off at fixed column positions, which is what keeps 20,000 rows
 * inside the time budget (docs/RECEIPTS.md).
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { formatYuan } from '../common/money.ts';
import { maskCardNumber } from './card-mask.ts';
import { computeDayTotals, type CashCheck, type DayTotals, type GroupTotals } from './day-totals.ts';
import { DAY_FEE_KINDS, DAY_WORKFLOWS, FEE_NAMES, PAYMENT_METHODS, type DayReportData, type DayStock } from './day-types.ts';
import { chinaDateTime, chinaTimeOfDay } from '../common/china-time.ts';
import { CJK, documentToBuffer, documentToStream, newDocument, type PdfOptions } from './pdf-document.ts';
import { PlainTextWriter } from './plain-text.ts';
import { PAYMENT_NAMES, WORKFLOW_NAMES } from './receipt-content.ts';

export interface DayReportOptions extends PdfOptions {
  /** List every entry after the summary (default true). */
  journal?: boolean;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
const LEFT = MARGIN;
const RIGHT = A4[0] - MARGIN;
const BOTTOM = A4[1] - MARGIN - 18; // room for the page footer

interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

const CASH_STATUS: Record<CashCheck['status'], string> = {
  balanced: '相符 balanced',
  'signed-off': '已签认 signed off',
  'unsigned-difference': '差额未签认 NOT SIGNED',
  'not-counted': '未清点 not counted',
};

/** Writes top to bottom, adding pages (with header and footer) as needed. */
class ReportWriter {
  y = 0;
  page = 0;
  private readonly plain: PlainTextWriter;
  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly footer: string,
  ) {
    doc.font(CJK);
    this.plain = new PlainTextWriter(doc);
  }

  newPage(): void {
    this.doc.addPage({ size: A4, margin: 0 });
    this.page++;
    this.doc.fillColor('#555555');
    this.plain.line([[`${this.footer} · 第 ${this.page} 页 Page ${this.page}`, LEFT, A4[1] - MARGIN]], 7.5);
    this.doc.fillColor('#000000');
    this.y = MARGIN;
  }

  ensure(height: number): void {
    if (this.page === 0 || this.y + height > BOTTOM) this.newPage();
  }

  text(s: string, size: number, opts: { x?: number; gap?: number } = {}): void {
    this.ensure(size * 1.5);
    this.plain.line([[s, opts.x ?? LEFT, this.y]], size);
    this.y += size * 1.5 + (opts.gap ?? 0);
  }

  heading(s: string): void {
    this.ensure(40);
    this.y += 6;
    this.text(s, 12);
    this.doc.save().moveTo(LEFT, this.y - 3).lineTo(RIGHT, this.y - 3).lineWidth(0.8).stroke('#000000').restore();
    this.y += 2;
  }

  /** Fixed-column table; repeats its header row after a page break. Rows may be a generator (the journal). */
  table(columns: Column[], rows: string[][] | Iterable<string[]>, size = 8.5, boldLast = false): void {
    const rowH = size * 1.55;
    const header = (): void => {
      this.doc.fillColor('#333333');
      this.cells(columns, columns.map((c) => c.title), size);
      this.doc.fillColor('#000000');
      this.doc.save().moveTo(LEFT, this.y + rowH - 2).lineTo(RIGHT, this.y + rowH - 2).lineWidth(0.4).stroke('#777777').restore();
      this.y += rowH;
    };
    this.ensure(rowH * 3);
    header();
    const lastIndex = Array.isArray(rows) ? rows.length - 1 : -1;
    let i = 0;
    for (const r of rows) {
      if (this.y + rowH > BOTTOM) {
        this.newPage();
        header();
      }
      if (boldLast && i === lastIndex) {
        this.doc.save().moveTo(LEFT, this.y - 1).lineTo(RIGHT, this.y - 1).lineWidth(0.4).stroke('#777777').restore();
      }
      this.cells(columns, r, size);
      this.y += rowH;
      i++;
    }
    this.y += 6;
  }

  private cells(columns: Column[], values: string[], size: number): void {
    const items: [string, number, number][] = [];
    let x = LEFT;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      const v = values[i] ?? '';
      if (v !== '') items.push([v, c.align === 'right' ? x + c.width - 4 - this.plain.width(v, size) : x, this.y]);
      x += c.width;
    }
    this.plain.line(items, size);
  }
}

const amt = formatYuan;

function groupTables(w: ReportWriter, g: GroupTotals): void {
  w.table(
    [
      { title: '业务 Workflow', width: 124 },
      { title: '笔数 No.', width: 40, align: 'right' },
      { title: '合计 Net', width: 66, align: 'right' },
      { title: '卡值 Card', width: 66, align: 'right' },
      { title: '收押金 Dep+', width: 58, align: 'right' },
      { title: '退押金 Dep−', width: 58, align: 'right' },
      { title: '手续费 Fee', width: 50, align: 'right' },
      { title: '转移 Carried', width: 53.28, align: 'right' },
    ],
    [
      ...DAY_WORKFLOWS.map((k) => {
        const s = g.byWorkflow[k];
        return [`${WORKFLOW_NAMES[k].zh} ${WORKFLOW_NAMES[k].en ?? ''}`, String(s.count), amt(s.totalFen), amt(s.cardLoadFen), amt(s.depositTakenFen), amt(s.depositReturnedFen), amt(s.feeFen), amt(s.carriedFen)];
      }),
      ['合计 Total', String(g.count), amt(g.totalFen), amt(g.cardLoadFen), amt(g.depositsTaken.fen), amt(g.depositsReturned.fen), amt(g.feeFen), amt(g.carriedFen)],
    ],
    8.5,
    true,
  );
  w.table(
    [
      { title: '支付方式 Payment', width: 124 },
      { title: '笔数 No.', width: 40, align: 'right' },
      { title: '合计 Net', width: 66, align: 'right' },
      { title: '', width: 40 },
      { title: '押金 Deposits', width: 96 },
      { title: '笔数 No.', width: 52, align: 'right' },
      { title: '金额', width: 97.28, align: 'right' },
    ],
    PAYMENT_METHODS.map((p, i) => {
      const s = g.byPayment[p];
      const dep = i === 0 ? ['收取 Taken', String(g.depositsTaken.count), amt(g.depositsTaken.fen)] : i === 1 ? ['退还 Returned', String(g.depositsReturned.count), amt(g.depositsReturned.fen)] : ['净额 Net', '', amt(g.depositsTaken.fen - g.depositsReturned.fen)];
      return [`${PAYMENT_NAMES[p].zh} ${PAYMENT_NAMES[p].en ?? ''}`, String(s.count), amt(s.totalFen), '', ...dep];
    }),
  );
  // The fee lines (issue 17): per kind, charged and waived with their count.
  w.table(
    [
      { title: '收费 Fees', width: 224 },
      { title: '笔数 No.', width: 52, align: 'right' },
      { title: '收取 Charged', width: 120, align: 'right' },
      { title: '减免 Waived', width: 119.28, align: 'right' },
    ],
    DAY_FEE_KINDS.map((k) => [`${FEE_NAMES[k].zh} ${FEE_NAMES[k].en}`, String(g.fees[k].count), amt(g.fees[k].chargedFen), amt(g.fees[k].waivedFen)]),
  );
}

/** The blank cards per card type: opening + received − issued − spoiled − returned = closing (issue 17 item 3). */
function stockSection(w: ReportWriter, stock: DayStock): void {
  w.heading('卡库存 Card stock (张 cards)');
  w.table(
    [
      { title: '卡类型 Type', width: 80 },
      { title: '期初 Opening', width: 62, align: 'right' },
      { title: '入库 Received', width: 62, align: 'right' },
      { title: '发出 Issued', width: 62, align: 'right' },
      { title: '废卡 Spoiled', width: 62, align: 'right' },
      { title: '退库 Returned', width: 62, align: 'right' },
      { title: '期末 Closing', width: 125.28, align: 'right' },
    ],
    stock.lines.map((l) => [l.cardType, String(l.opening), String(l.received), String(l.issued), String(l.spoiled), String(l.returned), String(l.closing)]),
    8.5,
  );
  w.text(stock.problems.length === 0 ? '期初 + 入库 − 发出 − 废卡 − 退库 = 期末：平 Opening + received − issued − spoiled − returned = closing: reconciled'
    : `不平 DOES NOT RECONCILE: ${stock.problems.join('; ')}`, 9, { gap: 4 });
}

function cashRows(c: Omit<CashCheck, 'denominations' | 'signedOffBy'> & { signedOffBy?: string | null }): string[] {
  return [amt(c.floatFen), amt(c.cashInFen), amt(c.cashOutFen), amt(c.expectedFen), c.countedFen === null ? '—' : amt(c.countedFen), c.differenceFen === null ? '—' : amt(c.differenceFen)];
}

/**
 * 钱箱 Cash box (docs/COUNTER-RULES.md §4): per shift the 交款, transfers and 备用金 returned (the
 * moves the drawer's expected figure already counts), then the day's lines; cash still in transit
 * at the day's end is flagged with each transfer not taken.
 */
function cashBoxSection(w: ReportWriter, t: DayTotals): void {
  const b = t.cashBox;
  w.heading('钱箱 Cash box (¥)');
  w.table(
    [
      { title: '班次 Shift', width: 150 },
      { title: '备用金 Float', width: 70, align: 'right' },
      { title: '交款 Handed in', width: 75, align: 'right' },
      { title: '调出 Sent', width: 70, align: 'right' },
      { title: '调入 Taken', width: 70, align: 'right' },
      { title: '备用金退回 Back', width: 80.28, align: 'right' },
    ],
    [
      ...t.shifts.map((s) => [s.shift.shiftId || '—', amt(s.shift.floatFen), amt(s.cash.handedOverFen), amt(s.cash.transferredOutFen), amt(s.cash.transferredInFen), amt(s.shift.cashBox?.floatReturnedFen ?? 0)]),
      ['全日 Day', amt(b.floatIssuedFen), amt(b.handedOverSafeFen + b.handedOverBankFen), amt(b.transferredOutFen), amt(b.transferredInFen), amt(b.floatReturnedFen)],
    ],
    8,
    true,
  );
  w.text(`交款 ${b.handovers} 笔 handovers: 保险柜 safe ¥${amt(b.handedOverSafeFen)}  银行 bank ¥${amt(b.handedOverBankFen)}`, 9);
  w.text(b.inTransitFen === 0 ? '在途现金 In transit: ¥0.00 (调款均已接收 all transfers taken)' : `在途现金 In transit: ¥${amt(b.inTransitFen)}  未接收！NOT TAKEN — 日结前须接收 take it before the day-end`, 9, { gap: b.pending.length > 0 ? 0 : 4 });
  for (const p of b.pending) w.text(`  ${chinaDateTime(p.at)}  ${p.fromOperatorId} → ${p.toOperatorId}  ¥${amt(p.amountFen)}  (${p.transferId})`, 8.5);
}

// eslint-disable-next-line max-lines-per-function -- the report's sections in page order
function drawReport(w: ReportWriter, data: DayReportData, t: DayTotals, opts: DayReportOptions): void {
  w.newPage();
  w.text('城市一卡通 日结报表  End-of-day report', 16, { gap: 2 });
  w.text(`${data.station.name}  (${data.station.id})    营业日 Day ${data.day}`, 10);
  w.text(`生成时间 Generated ${chinaDateTime(data.generatedAt)}    上传确认 Acknowledged ${data.acknowledgedAt ? chinaDateTime(data.acknowledgedAt) : '未确认 not yet'}`, 9);
  if (data.training) w.text('培训模式 TRAINING — 非真实账目 not real money', 11);

  w.heading('全日汇总 Day summary (金额 amounts in ¥)');
  groupTables(w, t);

  w.heading('现金核对 Cash drawer (¥)');
  w.table(
    [
      { title: '班次 Shift', width: 90 },
      { title: '柜员 Operator', width: 58 },
      { title: '备用金', width: 50, align: 'right' },
      { title: '收入 In', width: 54, align: 'right' },
      { title: '支出 Out', width: 50, align: 'right' },
      { title: '应有 Exp.', width: 54, align: 'right' },
      { title: '实点 Cnt.', width: 54, align: 'right' },
      { title: '差额', width: 40, align: 'right' },
      { title: '  签认 Sign-off', width: 65.28 },
    ],
    [
      ...t.shifts.map((s) => [s.shift.shiftId, s.shift.operatorName ? `${s.shift.operatorId} ${s.shift.operatorName}` : s.shift.operatorId, ...cashRows(s.cash), `  ${s.cash.signedOffBy ?? (s.cash.status === 'unsigned-difference' ? '未签认!' : '')}`]),
      ['全日 Day', '', ...cashRows(t.cash), ''],
    ],
    8,
    true,
  );
  w.text(`全日现金状态 Drawer status: ${CASH_STATUS[t.cash.status]}`, 9, { gap: 4 });
  cashBoxSection(w, t);
  if (data.stock !== undefined) stockSection(w, data.stock);

  for (const s of t.shifts) {
    w.heading(`班次 Shift ${s.shift.shiftId}  柜员 ${s.shift.operatorName ?? ''} ${s.shift.operatorId}`);
    w.text(`开班 Opened ${chinaDateTime(s.shift.openedAt)}    交班 Closed ${s.shift.closedAt ? chinaDateTime(s.shift.closedAt) : '未交班 still open'}`, 9);
    w.text(`首笔 First ${s.first ? `#${s.first.seq} ${chinaTimeOfDay(s.first.at)}` : '—'}    末笔 Last ${s.last ? `#${s.last.seq} ${chinaTimeOfDay(s.last.at)}` : '—'}`, 9);
    groupTables(w, s);
    const c = s.cash;
    w.table(
      [
        { title: '面额 Denomination', width: 118 },
        { title: '张/枚 Count', width: 70, align: 'right' },
        { title: '金额 Amount (¥)', width: 90, align: 'right' },
      ],
      [
        ...c.denominations.map((d) => [`¥${amt(d.fen)}`, String(d.count), amt(d.amountFen)]),
        ['实点 Counted', '', c.countedFen === null ? '—' : amt(c.countedFen)],
        ['应有 Expected', '', amt(c.expectedFen)],
        ['差额 Difference', '', c.differenceFen === null ? '—' : amt(c.differenceFen)],
      ],
      8.5,
    );
    w.text(`现金状态 Drawer: ${CASH_STATUS[c.status]}${c.signedOffBy ? `    签认人 Signed off by ${c.signedOffBy}${s.shift.signedOffAt ? ` at ${chinaDateTime(s.shift.signedOffAt)}` : ''}` : ''}`, 9, { gap: 4 });
  }

  w.heading(`未完成交易 Incomplete transactions: ${data.incomplete.length}`);
  if (data.incomplete.length > 0) {
    w.table(
      [
        { title: '时间 Time', width: 96 },
        { title: '业务 Workflow', width: 80 },
        { title: '卡号 Card', width: 110 },
        { title: '金额 (¥)', width: 60, align: 'right' },
        { title: '状态 State', width: 60 },
        { title: '柜员', width: 40 },
        { title: '操作号 Op id', width: 69.28 },
      ],
      data.incomplete.map((i) => [chinaDateTime(i.at), WORKFLOW_NAMES[i.workflow].zh, i.cardNumber ? maskCardNumber(i.cardNumber) : '', amt(i.amountFen), i.state, i.operatorId, i.opId]),
    );
  } else {
    w.text('无 None', 9);
  }

  w.heading('账链 Ledger chain');
  const mark = (m: DayTotals['first']): string => (m ? `#${m.seq}  ${m.entryId}  ${chinaDateTime(m.at)}` : '—');
  w.text(`首笔 First entry: ${mark(t.first)}`, 9);
  w.text(`末笔 Last entry:  ${mark(t.last)}`, 9);
  w.text(`链头哈希 Chain head hash:`, 9);
  w.text(data.chainHeadHash, 8.5, { x: LEFT + 12 });

  w.ensure(70);
  w.y += 24;
  w.text('柜员签字 Operator: ____________________        值班长签字 Supervisor: ____________________        日期 Date: ____________', 9);

  if (opts.journal !== false && data.entries.length > 0) {
    w.newPage();
    w.heading(`流水明细 Journal: ${data.entries.length} 笔 entries`);
    const cols: Column[] = [
      { title: '序号 Seq', width: 48, align: 'right' },
      { title: '时间', width: 46 },
      { title: '柜员', width: 38 },
      { title: '业务', width: 50 },
      { title: '卡号 Card', width: 92 },
      { title: '支付', width: 30 },
      { title: '金额 (¥)', width: 58, align: 'right' },
      { title: '押金 (¥)', width: 50, align: 'right' },
      { title: '流水号 Entry id', width: 103.28 },
    ];
    // A generator: 20,000 rows are formatted one at a time as the pages fill, not all up front.
    function* journalRows(): Generator<string[]> {
      for (const e of data.entries) {
        yield [
          String(e.seq),
          chinaTimeOfDay(e.at),
          e.operatorId,
          WORKFLOW_NAMES[e.workflow].zh,
          e.cardNumber ? maskCardNumber(e.cardNumber) : '',
          PAYMENT_NAMES[e.payment].zh,
          amt(e.totalFen),
          e.depositTakenFen - e.depositReturnedFen === 0 ? '' : amt(e.depositTakenFen - e.depositReturnedFen),
          e.entryId,
        ];
      }
    }
    w.table(cols, journalRows(), 7.5);
    // The journal lists ledger entries (条); the summary above counts customer transactions (笔).
    w.text(`合计 Total: ${data.entries.length} 条流水 entries  净额 Net ¥${amt(t.totalFen)}`, 9);
  }
}

function meta(data: DayReportData): { title: string; subject: string; author: string } {
  return { title: `日结报表 ${data.station.id} ${data.day}`, subject: 'City Union end-of-day report', author: `${data.station.name} (${data.station.id})` };
}

export interface DayReportResult {
  pages: number;
  totals: DayTotals;
}

/** The report in memory (tests, preview). */
export async function renderDayReport(data: DayReportData, opts: DayReportOptions = {}): Promise<Buffer> {
  const totals = computeDayTotals(data);
  const doc = newDocument(opts, meta(data));
  const w = new ReportWriter(doc, `${data.station.id} ${data.day}`);
  return documentToBuffer(doc, () => drawReport(w, data, totals, opts));
}

/**
 * Streams the report to `file` (via a temp name, renamed when complete, so a crash never
 * leaves half a report under the real name).
 */
export async function writeDayReport(data: DayReportData, file: string, opts: DayReportOptions = {}): Promise<DayReportResult> {
  const totals = computeDayTotals(data);
  const doc = newDocument(opts, meta(data));
  const w = new ReportWriter(doc, `${data.station.id} ${data.day}`);
  const tmp = `${file}.part`;
  try {
    await documentToStream(doc, createWriteStream(tmp, { mode: 0o600 }), () => drawReport(w, data, totals, opts));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { pages: w.page, totals };
}
