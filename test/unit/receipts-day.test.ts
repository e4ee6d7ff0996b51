// End-of-day documents of a seeded day of mixed workflows: totals, CSV (parsed back), JSON and
// the PDF text all equal the sums of the generated inputs to the fen.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe } from 'node:test';
import { BadInputError } from '../../common/errors.ts';
import { formatYuan } from '../../common/money.ts';
import {
  computeDayTotals,
  DAY_WORKFLOWS,
  dayEntriesCsv,
  dayReportJson,
  daySummaryCsv,
  ENTRY_COLUMNS,
  PAYMENT_METHODS,
  renderDayReport,
  WORKFLOW_NAMES,
  writeDayReport,
  type DayReportData,
} from '../../receipts/index.ts';
import { seededDay } from '../harness/day-samples.ts';
import { pdfInfo, pdfText, pdfToPngs } from '../harness/pdf-tools.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

const dir = mkdtempSync(path.join(tmpdir(), 'receipts-day-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** RFC 4180 reader, written here so the test does not trust the writer's own assumptions. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  assert.equal(cell, '', 'CSV ends with CRLF');
  return rows;
}

const N = 1200;
const { data, sums } = seededDay(N, 20261122);

describe(`a seeded day of ${N} mixed entries`, () => {
  test('the generator made a mixed day (every workflow and payment method, cash both ways)', () => {
    for (const w of DAY_WORKFLOWS) assert.ok((sums.byWorkflow.get(w)?.count ?? 0) > 10, `${w} appears`);
    for (const p of PAYMENT_METHODS) assert.ok((sums.byPayment.get(p)?.count ?? 0) > 10, `${p} appears`);
    assert.ok([...sums.cashByShift.values()].every((c) => c.inFen > 0 && c.outFen > 0));
  });

  test('totals equal the sums of the inputs to the fen', () => {
    const t = computeDayTotals(data);
    assert.equal(t.count, N);
    assert.equal(t.totalFen, sums.netFen);
    for (const w of DAY_WORKFLOWS) {
      assert.equal(t.byWorkflow[w].count, sums.byWorkflow.get(w)?.count ?? 0, `${w} count`);
      assert.equal(t.byWorkflow[w].totalFen, sums.byWorkflow.get(w)?.fen ?? 0, `${w} fen`);
    }
    for (const p of PAYMENT_METHODS) assert.equal(t.byPayment[p].totalFen, sums.byPayment.get(p)?.fen ?? 0, `${p} fen`);
    assert.equal(t.depositsTaken.fen, sums.depositTakenFen);
    assert.equal(t.depositsReturned.fen, sums.depositReturnedFen);
    assert.equal(t.shifts.reduce((s, x) => s + x.count, 0), N, 'every entry is in exactly one shift');
    for (const s of t.shifts) {
      const c = sums.cashByShift.get(s.shift.shiftId)!;
      assert.equal(s.cash.cashInFen, c.inFen);
      assert.equal(s.cash.cashOutFen, c.outFen);
      assert.equal(s.cash.expectedFen, s.shift.floatFen + c.inFen - c.outFen);
    }
    assert.deepEqual(t.shifts.map((s) => [s.cash.differenceFen, s.cash.status]), [[0, 'balanced'], [-7, 'signed-off'], [-14, 'unsigned-difference']]);
    assert.equal(t.cash.differenceFen, -21);
    assert.equal(t.cash.status, 'unsigned-difference');
    assert.equal(t.first?.seq, data.entries[0]!.seq);
    assert.equal(t.last?.entryId, data.entries[N - 1]!.entryId);
  });

  test('entries CSV: BOM, CRLF, Chinese intact, yuan text and fen agree, columns add up', () => {
    const csv = dayEntriesCsv(data);
    assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 BOM for Excel');
    const file = path.join(dir, 'day.csv');
    const bytes = Buffer.from(csv, 'utf8');
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows = parseCsv(csv.slice(1));
    assert.deepEqual(rows[0], [...ENTRY_COLUMNS]);
    const col = (name: string): number => ENTRY_COLUMNS.indexOf(name as (typeof ENTRY_COLUMNS)[number]);
    const body = rows.slice(1);
    assert.equal(body.length, N);
    let net = 0;
    const byWorkflow = new Map<string, number>();
    for (const r of body) {
      assert.equal(r.length, ENTRY_COLUMNS.length);
      for (const a of ['total', 'card_load', 'deposit_taken', 'deposit_returned', 'fee', 'carried']) {
        const fen = Number(r[col(`${a}_fen`)]);
        assert.ok(Number.isSafeInteger(fen), `${a}_fen is an integer`);
        assert.equal(r[col(`${a}_yuan`)], formatYuan(fen), `${a} yuan text matches fen`);
      }
      const fen = Number(r[col('total_fen')]);
      net += fen;
      byWorkflow.set(r[col('workflow')]!, (byWorkflow.get(r[col('workflow')]!) ?? 0) + fen);
      assert.equal(r[col('workflow_zh')], WORKFLOW_NAMES[r[col('workflow')] as (typeof DAY_WORKFLOWS)[number]].zh);
      assert.match(r[col('card')]!, /\*/, 'card numbers masked');
    }
    assert.equal(net, sums.netFen);
    for (const w of DAY_WORKFLOWS) assert.equal(byWorkflow.get(w) ?? 0, sums.byWorkflow.get(w)?.fen ?? 0, w);
    assert.match(body[0]![col('time_local')]!, /^2026-11-22 08:30:00$/);
    assert.ok(statSync(dir).isDirectory() && file.endsWith('.csv'));
  });

  test('summary CSV carries the same totals, per day and per shift', () => {
    const rows = parseCsv(daySummaryCsv(data).slice(1));
    const find = (scope: string, shift: string, group: string, key: string): string[] => {
      const r = rows.find((x) => x[0] === scope && x[1] === shift && x[2] === group && x[3] === key);
      assert.ok(r, `${scope}/${shift}/${group}/${key}`);
      return r;
    };
    assert.equal(Number(find('day', '', 'total', 'net')[7]), sums.netFen);
    assert.equal(find('day', '', 'total', 'net')[6], formatYuan(sums.netFen));
    for (const w of DAY_WORKFLOWS) assert.equal(Number(find('day', '', 'workflow', w)[7]), sums.byWorkflow.get(w)?.fen ?? 0);
    assert.equal(find('day', '', 'workflow', 'topup')[4], '充值');
    assert.equal(Number(find('day', '', 'deposit', 'taken')[7]), sums.depositTakenFen);
    const s3 = data.shifts[2]!.shiftId;
    assert.equal(Number(find('shift', s3, 'cash', 'difference')[7]), -14);
    assert.equal(find('shift', s3, 'signoff', 'unsigned-difference')[3], 'unsigned-difference');
    assert.equal(find('shift', data.shifts[1]!.shiftId, 'signoff', 'signed-off')[4], 'sup01 张伟');
  });

  test('JSON has the entries as given and the same totals, in fen', () => {
    const parsed = JSON.parse(dayReportJson(data)) as { format: string; totals: { totalFen: number; shifts: { shiftId: string }[] }; entries: unknown[]; chainHeadHash: string };
    assert.equal(parsed.format, 'city-union-station/day-report');
    assert.equal(parsed.totals.totalFen, sums.netFen);
    assert.equal(parsed.entries.length, N);
    assert.deepEqual(parsed.entries[7], data.entries[7]);
    assert.equal(parsed.totals.shifts.length, 3);
    assert.equal(parsed.chainHeadHash, data.chainHeadHash);
  });

  test('PDF report: the totals on paper equal the inputs, Chinese readable, journal paginated', async () => {
    const file = path.join(dir, 'day.pdf');
    const result = await writeDayReport(data, file, { creationDate: new Date('2026-11-22T13:00:00Z') });
    const info = pdfInfo(file);
    assert.equal(info.pages, result.pages);
    assert.ok(info.pages > 20, `journal spans pages, got ${info.pages}`);
    assert.ok(Math.abs(info.widthPt - 595.28) < 0.1, 'A4');
    const text = pdfText(file);
    assert.match(text, /城市一卡通 日结报表/);
    assert.match(text, /人民广场服务网点/);
    // Day summary: the total row and every workflow row carry count and net yuan.
    const totalRow = text.split('\n').find((l) => l.trim().startsWith('合计 Total'));
    assert.ok(totalRow, 'total row');
    assert.deepEqual(totalRow.trim().split(/\s+/).slice(2, 4), [String(N), formatYuan(sums.netFen)]);
    for (const w of DAY_WORKFLOWS) {
      const name = `${WORKFLOW_NAMES[w].zh} ${WORKFLOW_NAMES[w].en}`;
      const line = text.split('\n').find((l) => l.trim().startsWith(name));
      assert.ok(line, `${w} row`);
      const cells = line.trim().slice(name.length).trim().split(/\s+/);
      assert.equal(cells[0], String(sums.byWorkflow.get(w)?.count ?? 0), `${w} count on paper`);
      assert.equal(cells[1], formatYuan(sums.byWorkflow.get(w)?.fen ?? 0), `${w} net on paper`);
    }
    assert.ok(text.includes(data.chainHeadHash), 'chain head hash');
    assert.ok(text.includes(`#${data.entries[0]!.seq}`) && text.includes(data.entries[N - 1]!.entryId), 'first and last entry');
    for (const s of data.shifts) {
      const mine = data.entries.filter((e) => e.shiftId === s.shiftId);
      assert.match(text, new RegExp(`首笔 First #${mine[0]!.seq} .*末笔 Last #${mine[mine.length - 1]!.seq} `), `first/last of ${s.shiftId}`);
    }
    assert.match(text, /未完成交易 Incomplete transactions: 1/);
    assert.match(text, /差额未签认 NOT SIGNED/);
    assert.match(text, /sup01 张伟/);
    assert.ok(text.replace(/ +/g, ' ').includes(`合计 Total: ${N} 条流水 entries 净额 Net ¥${formatYuan(sums.netFen)}`), 'journal total');
    // Every journal row is on paper: each entry id appears.
    const missing = data.entries.filter((e) => !text.includes(e.entryId));
    assert.equal(missing.length, 0, `journal rows missing: ${missing.slice(0, 3).map((e) => e.entryId).join(', ')}`);
    const pngs = pdfToPngs(file, path.join(dir, 'day'), { dpi: 60, first: 1, last: 2 });
    assert.equal(pngs.length, 2);
    assert.ok(statSync(pngs[0]!).size > 10_000, 'page 1 rendered with content');
  });

  test('in-memory render equals the streamed file for the same creation date', async () => {
    const small = seededDay(50, 3).data;
    const opts = { creationDate: new Date('2026-11-22T13:00:00Z') };
    const file = path.join(dir, 'small.pdf');
    await writeDayReport(small, file, opts);
    assert.ok((await renderDayReport(small, opts)).equals(readFileSync(file)));
  });
});

test('20,000 entries stream to a PDF and CSV in reasonable time', async () => {
  const big = seededDay(20_000, 99).data;
  const started = performance.now();
  const csv = dayEntriesCsv(big);
  const r = await writeDayReport(big, path.join(dir, 'big.pdf'));
  const ms = performance.now() - started;
  assert.equal(csv.split('\r\n').length, 20_002);
  assert.ok(r.pages > 300);
  // Loose bound for a shared 2-core CI machine; bench/receipts.ts reports the real figure.
  assert.ok(ms < 15_000, `20,000-entry export took ${Math.round(ms)} ms`);
});

describe('a day that does not add up is refused, not reported', () => {
  const base = seededDay(20, 5).data;
  const withEntry = (patch: Partial<DayReportData['entries'][number]>, i = 3): DayReportData => ({
    ...base,
    entries: base.entries.map((e, k) => (k === i ? { ...e, ...patch } : e)),
  });
  test('total ≠ parts', () => {
    assert.throws(() => computeDayTotals(withEntry({ totalFen: base.entries[3]!.totalFen + 1 })), BadInputError);
  });
  test('seq out of order', () => {
    assert.throws(() => computeDayTotals(withEntry({ seq: 1 })), /out of seq order/);
  });
  test('unknown shift', () => {
    assert.throws(() => dayEntriesCsv(withEntry({ shiftId: 'nope' })), /not in the day/);
  });
  test('fractional fen', () => {
    assert.throws(() => computeDayTotals(withEntry({ feeFen: 0.5, totalFen: base.entries[3]!.totalFen + 0.5 })), RangeError);
  });
});

test('CSV cells with commas, quotes, newlines and formula starts survive Excel', () => {
  const base = seededDay(3, 1).data;
  const tricky: DayReportData = {
    ...base,
    shifts: base.shifts.map((s, i) => (i === 0 ? { ...s, shiftId: '=HYPERLINK("x"),班次\n1' } : s)),
    entries: base.entries.map((e) => (e.shiftId === base.shifts[0]!.shiftId ? { ...e, shiftId: '=HYPERLINK("x"),班次\n1' } : e)),
  };
  const rows = parseCsv(dayEntriesCsv(tricky).slice(1));
  assert.equal(rows[1]![3], `'=HYPERLINK("x"),班次\n1`);
  assert.equal(rows[1]!.length, ENTRY_COLUMNS.length);
});
