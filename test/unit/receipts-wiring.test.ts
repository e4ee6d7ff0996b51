// The receipts wired to the workflows (core/receipts.ts), in process on a real station database:
// every workflow's receipt rebuilt from the ledger shows its amounts and Chinese (pdftotext),
// the QR decodes to entry id and TAC, a reprint says 重印 and counts (audited), a step entry
// reprints its workflow's receipt, a receipt that cannot be written leaves the entry standing
// and says how to reprint, and a day of ≥ 1,000 mixed workflows exports as a PDF whose totals
// equal the ledger to the fen.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatYuan } from '../../common/money.ts';
import { readAudit } from '../../db/audit.ts';
import { readEntries } from '../../db/ledger.ts';
import { currentShift } from '../../db/shifts.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { exportDay } from '../../core/day-report.ts';
import { reprintReceipt, withReceipt } from '../../core/receipts.ts';
import { changePrinter, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { topup } from '../../core/workflows/topup.ts';
import { seededRandom } from '../harness/seeded-random.ts';
import { stockCard } from '../harness/card-faults.ts';
import { decodeQr, pdfText, pdfToPngs } from '../harness/pdf-tools.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

let fx: Fixture;
let tmp: string;
const ID = '11010519491231002X';
before(async () => {
  fx = await stationFixture();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'receipts-wiring-'));
});
after(async () => {
  await fx.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const text = (file: string | null): string => {
  assert.ok(file !== null && existsSync(file), `receipt file ${file}`);
  return pdfText(file).replace(/ +/g, ' ');
};

test('every workflow returns a receipt rebuilt from the ledger: amounts, Chinese, QR', async () => {
  const { station, operator } = fx;
  // 售卡: registered, with a first load, cash for both.
  fx.cards.insert(READER, stockCard('3100000000000701'));
  const sale = await withReceipt(station, await issueCard(station, operator, { registration: { name: '周八', idNumber: ID }, firstLoad: 5000, tendered: 10000 }), 'never');
  let t = text(sale.receipt);
  assert.match(t, /售卡 Card sale/);
  assert.match(t, /培训模式/);
  assert.match(t, /3100 \*\*\*\* \*\*\*\* 0701/);
  assert.match(t, /¥20\.00/); // deposit
  assert.match(t, /应收 Amount due ¥70\.00/);
  assert.match(t, /实收 Tendered ¥100\.00/);
  assert.match(t, /找零 Change ¥30\.00/);
  assert.ok(t.includes(sale.firstLoad!.tac), 'TAC of the first load');
  assert.equal(sale.receiptEntryId, sale.entryId);
  const png = pdfToPngs(sale.receipt!, path.join(tmp, 'sale'), { dpi: 200 });
  assert.deepEqual(decodeQr(png[0]!), [`CUR1|${sale.entryId}|${sale.firstLoad!.tac}`]);

  // 充值
  const up = await withReceipt(station, await topup(station, operator, { amount: 3000, pay: 'other', reference: 'POS-77' }), 'never');
  t = text(up.receipt);
  assert.match(t, /充值 Top-up/);
  assert.match(t, /充值金额 Amount ¥30\.00/);
  assert.match(t, /充值前余额 Balance before ¥50\.00/);
  assert.match(t, /充值后余额 Balance after ¥80\.00/);
  assert.match(t, /POS-77/);
  const upPng = pdfToPngs(up.receipt!, path.join(tmp, 'up'), { dpi: 200 });
  assert.deepEqual(decodeQr(upPng[0]!), [`CUR1|${up.entryId}|${up.tac}`]);

  // 挂失 (no fee by default), then 补卡 queued offline (pickup slip), then done with the host's balance.
  // With a fee (a city's parameter) paid in cash: tendered and change come back from the entry.
  station.policy.lostReportFeeFen = 1000;
  const lost = await withReceipt(station, await reportLost(station, operator, { idNumber: ID, tendered: 5000 }), 'never');
  station.policy.lostReportFeeFen = 0;
  t = text(lost.receipt);
  assert.match(t, /挂失/);
  assert.match(t, /周\*/);
  assert.match(t, /应收 Amount due ¥10\.00/);
  assert.match(t, /实收 Tendered ¥50\.00/);
  assert.match(t, /找零 Change ¥40\.00/);
  fx.clock.now = new Date(fx.clock.now.getTime() + 7 * 86_400_000);
  fx.cards.insert(READER, stockCard('3100000000000702'));
  const queued = await withReceipt(station, await replaceLostCard(station, operator, { idNumber: ID }), 'never');
  assert.equal(queued.state, 'queued');
  t = text(queued.receipt);
  assert.match(t, /取卡凭条/);
  assert.ok(t.includes(queued.requestId), 'request id on the slip');
  station.upstream = { lostCardBalance: async () => ({ balanceFen: 8000 }) };
  const replaced = await withReceipt(station, await replaceLostCard(station, operator, { idNumber: ID }), 'never');
  assert.equal(replaced.state, 'done');
  t = text(replaced.receipt);
  assert.match(t, /补卡/);
  assert.match(t, /¥80\.00/);
  // The 工本费 (issue 17) and the schedule it is charged under.
  assert.match(t, /补卡工本费 Card fee ¥10\.00/);
  assert.match(t, /收费标准 Fee schedule local-default-2026-12/);
  assert.match(t, /3100 \*\*\*\* \*\*\*\* 0701/);
  assert.match(t, /3100 \*\*\*\* \*\*\*\* 0702/);
  assert.equal(replaced.state === 'done' && replaced.receiptEntryId, replaced.state === 'done' && replaced.loadEntryId);

  // 换卡, customer damage: new deposit charged in cash.
  const old = makeLabCard({ kind: 'cpu', id: '3100000000000703', balanceFen: 4321 }) as CpuCard;
  fx.cards.insert(READER, old);
  fx.cards.insert(READER2, stockCard('3100000000000704'));
  const ex = await withReceipt(station, await exchangeDamagedCard(station, operator, { reader: READER, newReader: READER2, fault: 'customer', tendered: 5000 }), 'never');
  t = text(ex.receipt);
  assert.match(t, /换卡/);
  assert.match(t, /¥43\.21/);
  // The new deposit ¥20 and the 工本费 ¥10 (issue 17) of a card damaged by its holder.
  assert.match(t, /工本费 Card fee ¥10\.00/);
  assert.match(t, /应收 Amount due ¥30\.00/);
  assert.match(t, /找零 Change ¥20\.00/);
  // Unreadable: pickup slip.
  const slip = await withReceipt(station, await exchangeDamagedCard(station, operator, { fault: 'quality', unreadable: true, card: '3100000000000799' }), 'never');
  assert.match(text(slip.receipt), /取卡凭条/);

  // 退卡: balance + deposit paid out.
  fx.cards.remove(READER2);
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000000705', balanceFen: 1550 }));
  const refund = await withReceipt(station, await refundCard(station, operator), 'never');
  t = text(refund.receipt);
  assert.match(t, /退卡/);
  // ¥15.50 + ¥20.00 deposit, less the 5 % refund fee (¥0.775 → ¥0.78, half up).
  assert.match(t, /手续费 Fee ¥0\.78/);
  assert.match(t, /应退 Paid to customer ¥34\.72/);

  // 升级换卡: M1 balance + carried deposit onto a new CPU card.
  fx.cards.insert(READER, makeLabCard({ kind: 'm1', id: 'A1B2C3D4', balanceFen: 2600 }));
  fx.cards.insert(READER2, makeLabCard({ kind: 'cpu', id: '3100000000000706', enabled: false, balanceFen: 0 }));
  const up1 = await withReceipt(station, await migrate(station, operator, { oldReader: READER, newReader: READER2 }), 'never');
  t = text(up1.receipt);
  assert.match(t, /升级换卡/);
  assert.match(t, /¥26\.00/);
  assert.match(t, /¥46\.00/); // balance after: 26.00 + 20.00 deposit carried
  // The old card by the number printed on it (the lab's card 69552957), as the screen shows it — not its UID A1B2C3D4.
  assert.match(t, /\*\*\*\* 2957/);
  assert.doesNotMatch(t, /C3D4/);
  const migPng = pdfToPngs(up1.receipt!, path.join(tmp, 'mig'), { dpi: 200 });
  assert.deepEqual(decodeQr(migPng[0]!), [`CUR1|${up1.entryId}|${up1.new.tac}`]);

  // 交班: expected vs counted; the slip shows the float and the count.
  const closed = await withReceipt(station, await closeShift(station, operator, '10000x6,5000x1,2000x3', fx.supervisor), 'never');
  t = text(closed.receipt);
  assert.match(t, /交班/);
  assert.match(t, /¥500\.00/);
});

test('reprint: 重印 with its count, a step entry reprints its workflow receipt, audited', async () => {
  const { station, operator } = fx;
  await openShift(station, operator, 10_000);
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000000710', balanceFen: 0 }));
  const r = await topup(station, operator, { amount: 2000 });
  // A copy only saved is not counted (issue 16 item 6): it carries the next number, which stays free.
  const saved = await reprintReceipt(station, operator, r.entryId, 'never');
  assert.equal(saved.count, 1);
  assert.match(text(saved.receipt), /重印 REPRINT 第1次/);
  // Printed (the file spooler accepts it): counted.
  saveReceiptSettings(station.home, changePrinter(loadReceiptSettings(station.home), { dir: path.join(tmp, 'reprints') }));
  const first = await reprintReceipt(station, operator, r.entryId, 'always');
  const second = await reprintReceipt(station, operator, r.entryId, 'always');
  saveReceiptSettings(station.home, changePrinter(loadReceiptSettings(station.home), { none: true }));
  assert.equal(first.print?.ok, true, JSON.stringify(first.print));
  assert.equal(first.count, 1);
  assert.equal(second.count, 2);
  assert.notEqual(first.receipt, second.receipt);
  assert.match(text(second.receipt), /重印 REPRINT 第2次/);
  assert.match(text(first.receipt), /充值金额 Amount ¥20\.00/);
  const audit = (await readAudit(station.db, 50)).filter((a) => a.action === 'receipt-reprint' && a.outcome === 'ok');
  assert.ok(audit.some((a) => (a.details as { entryId: string; count: number }).count === 2 && a.actor === 'op1'));
  // The replacement's issue step names the replacement's receipt (its load entry).
  const issueStep = (await readEntries(station.db, "kind = 'replacement_issue'"))[0]!;
  const load = (await readEntries(station.db, "kind = 'replacement_load'"))[0]!;
  const rp = await reprintReceipt(station, operator, issueStep.entryId, 'never');
  assert.equal(rp.entryId, load.entryId);
  assert.match(text(rp.receipt), /补卡.*\n[\s\S]*重印 REPRINT 第1次/);
  await assert.rejects(reprintReceipt(station, operator, '01ZZZZZZZZZZZZZZZZZZZZZZZZ', 'never'), /No ledger entry/);
  const shiftOpen = (await readEntries(station.db, "kind = 'shift_open'"))[0]!;
  await assert.rejects(reprintReceipt(station, operator, shiftOpen.entryId, 'never'), /has no customer receipt/);
});

test('a receipt that cannot be written: the top-up stands, the result says so and how to reprint', async () => {
  const home = fx.station.home;
  const day = path.join(home, 'receipts', '2026-12-01');
  // Block the day's folder with a file: mkdir fails (as a full or read-only disk would).
  const at = new Date('2026-12-01T03:00:00Z');
  fx.clock.now = at;
  writeFileSync(day, 'not a folder');
  try {
    const before = (await readEntries(fx.station.db)).length;
    const r = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 1000 }), 'auto');
    assert.equal(r.receipt, null);
    assert.ok(r.receiptError, 'receiptError set');
    assert.match(r.receiptError.message, new RegExp(`entry ${r.entryId} is recorded`));
    assert.match(r.receiptError.hint, new RegExp(`station receipt reprint --entry ${r.entryId}`));
    assert.equal((await readEntries(fx.station.db)).length, before + 1, 'the entry stays');
    assert.ok((await readAudit(fx.station.db, 5)).some((a) => a.action === 'receipt' && a.outcome === 'error'));
    rmSync(day);
    const again = await reprintReceipt(fx.station, fx.operator, r.entryId, 'never');
    assert.match(text(again.receipt), /充值金额 Amount ¥10\.00/);
  } finally {
    rmSync(day, { force: true, recursive: true });
  }
});

test('a seeded day of ≥ 1,000 mixed workflows: the PDF report equals the ledger to the fen', async () => {
  const f = await stationFixture({ now: new Date('2026-11-24T00:30:00Z'), openShiftFloatFen: 100_000 });
  try {
    const { station, operator } = f;
    const rnd = seededRandom(20261124);
    const live: string[] = [];
    let n = 0;
    let serial = 1000;
    const nextId = () => `31000000000${String(serial++).padStart(5, '0')}`;
    const started = performance.now();
    while (n < 1000) {
      f.clock.now = new Date(f.clock.now.getTime() + 20_000);
      const roll = rnd();
      const cash = rnd() < 0.7;
      if (live.length < 5 || roll < 0.15) {
        const id = nextId();
        f.cards.insert(READER, stockCard(id));
        const load = rnd() < 0.5 ? 1000 + Math.floor(rnd() * 500) * 7 : 0;
        await issueCard(station, operator, { firstLoad: load || undefined, ...(cash ? { tendered: 2000 + load + Math.floor(rnd() * 3) * 50 } : { pay: 'other', reference: `POS-${n}` }) });
        live.push(id);
        n++;
      } else if (roll < 0.85) {
        const id = live[Math.floor(rnd() * live.length)]!;
        f.cards.insert(READER, makeLabCard({ kind: 'cpu', id, balanceFen: Math.floor(rnd() * 5000) }));
        const amount = 1000 + Math.floor(rnd() * 4000) + (rnd() < 0.3 ? 1 : 0);
        await topup(station, operator, cash ? { amount, tendered: amount + Math.floor(rnd() * 100) } : { amount, pay: 'other', reference: `POS-${n}` });
        n++;
      } else if (roll < 0.93) {
        const id = live.splice(Math.floor(rnd() * live.length), 1)[0]!;
        f.cards.insert(READER, makeLabCard({ kind: 'cpu', id, balanceFen: Math.floor(rnd() * 9000) }));
        await refundCard(station, operator);
        n++;
      } else {
        const id = live.splice(Math.floor(rnd() * live.length), 1)[0]!;
        const fresh = nextId();
        f.cards.insert(READER, makeLabCard({ kind: 'cpu', id, balanceFen: Math.floor(rnd() * 9000) }));
        f.cards.insert(READER2, stockCard(fresh));
        await exchangeDamagedCard(station, operator, { reader: READER, newReader: READER2, fault: rnd() < 0.5 ? 'quality' : 'customer' });
        f.cards.remove(READER2);
        live.push(fresh);
        n++;
      }
    }
    const genMs = performance.now() - started;
    const out = path.join(tmp, 'day.pdf');
    const r = await exportDay(station.db, station.config, loadReceiptSettings(station.home), '2026-11-24', 'pdf', out, station.now());
    // The ledger's own figures for the day: the customers' cash (the float issued from the safe,
    // and given back, is the cash box's, not a payment).
    const net = async (account: string): Promise<number> => (await station.db.get<{ n: number | null }>(
      `SELECT SUM(p.debit_fen) - SUM(p.credit_fen) AS n FROM postings p JOIN ledger_entries e ON e.seq = p.entry_seq WHERE p.account = ? AND e.kind NOT IN ('cash_difference', 'shift_open', 'float_return')`, [account]))!.n ?? 0;
    const cashNet = await net('cash_drawer');
    const otherNet = await net('other_payment_clearing');
    const feeIncome = -(await net('fee_income'));
    assert.ok(r.totals.count >= 1000, `${r.totals.count} transactions of ${n} workflows`);
    assert.ok(r.totals.entries > r.totals.count, 'a sale\'s first load, an exchange\'s issue and load: more entries than transactions');
    assert.equal(r.totals.byPayment.cash!.totalFen, cashNet, 'cash = cash_drawer to the fen');
    assert.equal(r.totals.byPayment.other!.totalFen, otherNet, 'other = other_payment_clearing to the fen');
    assert.equal(r.totals.totalFen, cashNet + otherNet);
    const t = pdfText(out).replace(/ +/g, ' ');
    assert.ok(t.includes(`合计 Total: ${r.totals.entries} 条流水 entries 净额 Net ¥${formatYuan(r.totals.totalFen)}`), 'journal total on paper');
    const byPay = r.totals.byPayment;
    assert.ok(t.includes(`现金 Cash ${byPay.cash!.count} ${formatYuan(cashNet)} `), 'cash total on paper');
    assert.ok(t.includes(`其他 Other ${byPay.other!.count} ${formatYuan(otherNet)}`), 'other-payment total on paper');
    assert.match(t, new RegExp(`合计 Total ${r.totals.count} ${formatYuan(cashNet + otherNet).replace('.', '\\.')} [0-9.]+ [0-9.]+ [0-9.]+ ${formatYuan(feeIncome).replace('.', '\\.')} `), 'day total row: net and fee income');
    const head = await station.db.get<{ hash: string }>('SELECT hash FROM ledger_entries ORDER BY seq DESC LIMIT 1');
    assert.ok(t.includes(head!.hash), 'chain head hash');
    // Every money entry of the day is in the journal.
    // Stock movements are quantities: the report's stock lines, not journal rows.
    const ids = (await readEntries(station.db, "kind NOT IN ('shift_open', 'shift_close', 'cash_difference', 'stock_received', 'stock_issued', 'stock_spoiled', 'stock_returned')", [], 100_000)).map((e) => e.entryId);
    assert.deepEqual(ids.filter((id) => !t.includes(id)), []);
    // The JSON export prints the same totals.
    const jsonOut = path.join(tmp, 'day.json');
    await exportDay(station.db, station.config, loadReceiptSettings(station.home), '2026-11-24', 'json', jsonOut, station.now());
    const j = JSON.parse((await import('node:fs')).readFileSync(jsonOut, 'utf8'));
    assert.equal(j.report.totals.totalFen, r.totals.totalFen);
    // The journal's drawer account moves by the float too: issued from the safe at the open.
    assert.equal(j.dayNetFen.cash_drawer, cashNet + 100_000);
    assert.equal(j.dayNetFen.safe, -100_000);
    console.log(`${n} workflows (${r.totals.count} transactions, ${r.totals.entries} entries) in ${Math.round(genMs)} ms; PDF ${r.pages} pages, ${r.bytes} bytes`);
  } finally {
    await f.cleanup();
  }
});

test('file spooler: with --dir set, a money command prints by default into that folder; --no-print does not', async () => {
  const { station, operator } = fx;
  const dir = path.join(tmp, 'spool');
  if (!(await currentShift(station.db, 'op1'))) await openShift(station, operator, 10_000);
  saveReceiptSettings(station.home, changePrinter(loadReceiptSettings(station.home), { dir, paper: '58' }));
  try {
    fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000000720', balanceFen: 0 }));
    const r = await withReceipt(station, await topup(station, operator, { amount: 1200 }));
    assert.equal(r.print?.ok, true, JSON.stringify(r.print));
    assert.equal(r.print?.spooler, 'file');
    assert.ok(r.print?.output !== null && r.print?.output.startsWith(dir), String(r.print?.output));
    assert.match(text(r.print!.output), /充值金额 ¥12\.00/, '58 mm roll: Chinese labels only');
    const quiet = await withReceipt(station, await topup(station, operator, { amount: 1000 }), 'never');
    assert.equal(quiet.print, undefined);
    assert.equal(readdirSync(dir).length, 1);
    assert.throws(() => changePrinter(loadReceiptSettings(station.home), { queue: 'a b' }), /not a CUPS queue name/);
    assert.throws(() => changePrinter(loadReceiptSettings(station.home), { queue: 'A', none: true }), /one of/);
  } finally {
    saveReceiptSettings(station.home, changePrinter(loadReceiptSettings(station.home), { none: true, paper: '80' }));
  }
});
