// Receipts as a counter gets them, through the real stacks: the `station` command over the
// PC/SC lab (smartcard → pcscd → vpcd → emulated cards) and a private CUPS with a file-backed
// PDF queue (test/harness/cups-lab.ts). Every money command returns its receipt's path and the
// PDF says the right amounts in Chinese; `station topup --print` lands in the queue's output;
// a paused queue is a clear warning while the top-up stands and its receipt stays on disk,
// printed later by `station receipt reprint` (重印, counted); doctor and `printer set` check the
// queue; the day exports as a PDF report.
import { chinaDate } from '../../common/china-time.ts';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { cupsAvailable, startCupsLab, type CupsLab } from '../harness/cups-lab.ts';
import { decodeQr, pdfText, pdfToPngs } from '../harness/pdf-tools.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, CUPS, PDF_TOOLS, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB / CUPS / PDF_TOOLS on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB, CUPS, PDF_TOOLS);

const ID = '11010519491231002X';
let lab: PcscLab;
let cups: CupsLab;
let home: string;
let work: string;
let queueOut: string;
let R0: string;
let R1: string;

function station(args: string[], env: Record<string, string> = {}): Promise<StationRun> {
  return runStation(args, { ...process.env, ...lab.env, STATION_HOME: home, STATION_PIN: '2468', ...env }, { timeoutMs: 90_000 });
}
const op = (args: string[], env: Record<string, string> = {}) => station([...args, '--json', '--operator', 'admin'], env);

function text(file: string): string {
  assert.ok(existsSync(file), `receipt ${file}`);
  return pdfText(file).replace(/ +/g, ' ');
}

/** The queue's last job as a PDF (the Generic PDF PPD wraps it in PJL). */
function printedText(): string {
  const raw = readFileSync(queueOut);
  const start = raw.indexOf('%PDF-');
  assert.ok(start >= 0, 'a PDF in the queue output');
  const file = path.join(work, `printed-${Date.now()}.pdf`);
  writeFileSync(file, raw.subarray(start));
  return text(file);
}

before(async () => {
  assert.ok(cupsAvailable(), 'cupsd, lp and the Generic PDF PPD are needed (apt-get install cups cups-client cups-filters)');
  [lab, cups] = await Promise.all([startPcscLab({ slots: 2 }), startCupsLab()]);
  [R0, R1] = [lab.readerNames[0]!, lab.readerNames[1]!];
  queueOut = await cups.addFileQueue('Counter');
  home = mkdtempSync(path.join(os.tmpdir(), 'station-receipts-'));
  work = mkdtempSync(path.join(os.tmpdir(), 'receipts-out-'));
  assert.equal((await station(['init', '--training', '--admin-pin', '2468'])).code, 0);
  assert.equal((await op(['shift', 'open', '--float', '20000'])).code, 0);
});
after(async () => {
  await Promise.all([lab?.stop(), cups?.stop()]);
  for (const d of [home, work]) if (d) rmSync(d, { recursive: true, force: true });
});

test('without a printer: the receipt is saved and --print says no printer is set', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000801', enabled: false }).toJSON());
  const sale = await op(['issue', '--reader', R0, '--name', '王小明', '--id-number', ID, '--load', '3000', '--tendered', '6000', '--print']);
  assert.equal(sale.code, 0, sale.stderr);
  assert.equal(sale.json.print.ok, false);
  assert.match(sale.stderr, /No receipt printer is configured/);
  const t = text(sale.json.receipt);
  assert.match(t, /售卡 Card sale/);
  assert.match(t, /应收 Amount due ¥50\.00/);
  assert.match(t, /找零 Change ¥10\.00/);
  assert.ok(t.includes(sale.json.firstLoad.tac));
});

test('station printer set + topup --print: the job goes through CUPS and the queue output is the receipt; QR = entry id and TAC', async () => {
  const set = await station(['printer', 'set', '--queue', 'Counter', '--server', cups.server, '--station-name', '人民广场服务网点', '--json']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.json.check.status, 'ok', set.stdout);
  const r = await op(['topup', '--amount', '2500', '--tendered', '3000', '--reader', R0, '--print']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.print.ok, true, JSON.stringify(r.json.print));
  assert.match(r.json.print.jobId, /^Counter-\d+$/);
  const printed = printedText();
  assert.match(printed, /充值 Top-up/);
  assert.match(printed, /人民广场服务网点/);
  assert.match(printed, /充值金额 Amount ¥25\.00/);
  assert.match(printed, /充值前余额 Balance before ¥30\.00/);
  assert.match(printed, /充值后余额 Balance after ¥55\.00/);
  assert.ok(printed.includes(r.json.tac));
  const png = pdfToPngs(r.json.receipt, path.join(work, 'topup'), { dpi: 200 });
  assert.deepEqual(decodeQr(png[0]!), [`CUR1|${r.json.entryId}|${r.json.tac}`]);
});

test('a paused queue: the top-up stands with a clear warning, the receipt stays on disk, reprint prints it (重印, counted)', async () => {
  await cups.pause('Counter', 'paused');
  const before = statSync(queueOut).mtimeMs;
  const r = await op(['topup', '--amount', '1000', '--reader', R0]);
  assert.equal(r.code, 0, 'the money moved: exit 0');
  assert.equal(r.json.balanceAfterFen, 6500);
  assert.equal(r.json.print.ok, false);
  assert.equal(r.json.print.error.fault, 'paused');
  assert.match(r.stderr, /receipt was not printed: Printer "Counter" is paused/);
  assert.ok(r.stderr.includes(`station receipt reprint --entry ${r.json.entryId}`), r.stderr);
  assert.ok(existsSync(r.json.receipt), 'receipt kept on disk');
  assert.equal(statSync(queueOut).mtimeMs, before, 'nothing printed');
  const doctor = await station(['doctor', '--json']);
  const check = doctor.json.checks.find((c: { name: string }) => c.name === 'printer');
  assert.equal(check.status, 'fail');
  assert.match(check.detail, /paused/);
  await cups.resume('Counter');
  const re = await op(['receipt', 'reprint', '--entry', r.json.entryId]);
  assert.equal(re.code, 0, re.stderr);
  assert.equal(re.json.count, 1);
  assert.equal(re.json.print.ok, true);
  const printed = printedText();
  assert.match(printed, /重印 REPRINT 第1次/);
  assert.match(printed, /充值金额 Amount ¥10\.00/);
});

test('exchange, upgrade, refund, shift close: each returns its receipt (lost, replacement and pickup slips: test/unit/receipts-wiring.test.ts)', async () => {
  const noPrint = ['--no-print'];
  // Damaged card (quality): the balance moves to a new card.
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000802', enabled: false }).toJSON());
  const ex = await op(['exchange', '--fault', 'quality', '--reader', R0, '--new-reader', R1, ...noPrint]);
  assert.equal(ex.code, 0, ex.stderr);
  let t = text(ex.json.receipt);
  assert.match(t, /换卡/);
  assert.match(t, /¥65\.00/);
  // M1 upgrade.
  await lab.insert(0, makeLabCard({ kind: 'm1', id: 'C0FFEE01', balanceFen: 1850 }).toJSON());
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000803', enabled: false }).toJSON());
  const up = await op(['migrate', '--old-reader', R0, '--new-reader', R1, ...noPrint]);
  assert.equal(up.code, 0, up.stderr);
  t = text(up.json.receipt);
  assert.match(t, /升级换卡/);
  assert.match(t, /¥18\.50/);
  assert.match(t, /¥38\.50/);
  // Refund of a card sold elsewhere: balance + the policy deposit − the refund fee (5 % of ¥43.21 = ¥2.1605 → ¥2.16).
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000805', balanceFen: 4321 }).toJSON());
  const refund = await op(['refund', '--reader', R0, ...noPrint]);
  assert.equal(refund.code, 0, refund.stderr);
  t = text(refund.json.receipt);
  assert.match(t, /退卡/);
  assert.match(t, /手续费 Fee ¥2\.16/);
  assert.match(t, /应退 Paid to customer ¥61\.05/);
  // Shift close: float 200.00 + 50.00 sale + 25.00 + 10.00 top-ups − 61.05 refund = 223.95.
  const close = await op(['shift', 'close', '--counted', '10000x2,2000x1,100x3,50x1,10x4,5x1', ...noPrint]);
  assert.equal(close.code, 0, close.stderr);
  assert.equal(close.json.expectedFen, 22395);
  t = text(close.json.receipt);
  assert.match(t, /交班/);
  assert.match(t, /¥200\.00/);
});

test('ledger export --format pdf: the day report of what the counter did', async () => {
  // The CLI's station runs on the system clock (moved by faketime in CI's second run, for both).
  const day = chinaDate(new Date());
  const out = path.join(work, 'day.pdf');
  const r = await station(['ledger', 'export', '--day', day, '--format', 'pdf', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  // Cash: sale 50.00 + top-ups 35.00 − refund 61.05 = 23.95.
  assert.equal(r.json.totals.byPayment.cash.totalFen, 2395);
  // The refund fee's line (issue 17): one, ¥2.16 charged.
  assert.deepEqual(r.json.totals.fees.refund, { count: 1, chargedFen: 216, waivedFen: 0 });
  const t = text(out);
  assert.match(t, /日结报表/);
  assert.match(t, /现金 Cash \d+ 23\.95 /);
  assert.match(t, /退卡手续费 Refund fee\s+1\s+2\.16\s+0\.00/);
});
