// Reprint honesty (issue 16 item 6, docs/RECEIPTS.md "Reprint counting"), on a real station
// database and a private CUPS: only a job the spooler accepted counts as printed or as
// 重印 第N次. A queue that refuses the job (cupsreject) leaves the count and the 已打印 state as
// they were, try after try; the first accepted copy is 第1次 on paper; no printer set is a
// failed try too; a copy only saved is not counted; an original the workflow printed shows
// as printed, so the next print is a reprint.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAudit } from '../../db/audit.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { reprintCount, reprintReceipt, withReceipt } from '../../core/receipts.ts';
import { changePrinter, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { previewReceipt, printReceipt } from '../../core/api/handlers/receipts.ts';
import { topup } from '../../core/workflows/topup.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { cupsAvailable, startCupsLab, type CupsLab } from '../harness/cups-lab.ts';
import { pdfText } from '../harness/pdf-tools.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { CUPS, PDF_TOOLS, suiteNeeding } from '../harness/system-needs.ts';

// Without CUPS / PDF_TOOLS on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(CUPS, PDF_TOOLS);

let fx: Fixture;
let cups: CupsLab;
let queueOut: string;
let work: string;
const env = () => ({ ...process.env, CUPS_SERVER: cups.server });
const cupsCmd = (cmd: string) => execFileSync(cmd, ['Counter'], { env: env() });

before(async () => {
  assert.ok(cupsAvailable(), 'cupsd, lp and the Generic PDF PPD are needed (apt-get install cups cups-client cups-filters)');
  cups = await startCupsLab();
  queueOut = await cups.addFileQueue('Counter');
  work = mkdtempSync(path.join(os.tmpdir(), 'reprint-honesty-'));
  fx = await stationFixture();
});
after(async () => {
  await fx?.cleanup();
  await cups?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a refused job is not a reprint: the count and 已打印 stay; the first accepted copy is 第1次', async () => {
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000077001', balanceFen: 0 }));
  const r = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 3000 }), 'never');
  // No printer set: the UI's reprint is a failed try, not counted.
  const none = await printReceipt(fx.station, fx.operator, r.entryId, true, env());
  assert.equal(none.print.ok, false);
  assert.equal(none.print.error?.code, 'CONFIG');
  assert.equal(await reprintCount(fx.station.db, r.entryId), 0);
  saveReceiptSettings(fx.home, changePrinter(loadReceiptSettings(fx.home), { queue: 'Counter', server: cups.server }));
  cupsCmd('cupsreject');
  for (let i = 0; i < 2; i++) {
    const refused = await printReceipt(fx.station, fx.operator, r.entryId, true, env());
    assert.equal(refused.print.ok, false);
    assert.equal(refused.print.error?.fault, 'rejecting');
    assert.equal(refused.count, 1, 'each try carries the number the next accepted copy gets');
  }
  const p = await previewReceipt(fx.station, fx.operator, r.entryId);
  assert.equal(p.reprints, 0, 'three failed tries, no reprint counted');
  assert.equal(p.printed, false, 'nothing printed: no 已打印');
  const tries = (await readAudit(fx.station.db, 30)).filter((a) => a.action === 'receipt-reprint');
  assert.deepEqual(tries.map((a) => a.outcome), ['error', 'error', 'error'], 'each failed try is in the audit trail as an error');
  // A copy only saved is not counted either.
  const saved = await reprintReceipt(fx.station, fx.operator, r.entryId, 'never');
  assert.equal(saved.count, 1);
  assert.equal(saved.print, undefined);
  assert.equal(await reprintCount(fx.station.db, r.entryId), 0);
  cupsCmd('cupsaccept');
  const before = statSync(queueOut, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const ok = await printReceipt(fx.station, fx.operator, r.entryId, true, env());
  assert.equal(ok.print.ok, true, JSON.stringify(ok.print));
  assert.equal(ok.count, 1);
  assert.ok(statSync(queueOut).mtimeMs > before, 'the queue printed');
  assert.match(pdfText(queueOut), /重印 REPRINT 第1次/);
  const after1 = await previewReceipt(fx.station, fx.operator, r.entryId);
  assert.equal(after1.reprints, 1);
  assert.equal(after1.printed, true);
  assert.equal((await printReceipt(fx.station, fx.operator, r.entryId, true, env())).count, 2, 'the next accepted one is 第2次');
  assert.ok(readFileSync(ok.receipt).length > 0);
});

test('an original the workflow printed shows as printed; a refused original does not', async () => {
  saveReceiptSettings(fx.home, changePrinter(loadReceiptSettings(fx.home), { queue: 'Counter', server: cups.server }));
  cupsCmd('cupsaccept');
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000077002', balanceFen: 0 }));
  const printed = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 1000 }), 'auto', env());
  assert.equal(printed.print?.ok, true, JSON.stringify(printed.print));
  assert.equal((await previewReceipt(fx.station, fx.operator, printed.entryId)).printed, true);
  await assert.rejects(printReceipt(fx.station, fx.operator, printed.entryId, false, env()), { code: 'POLICY', message: /printed already/ });
  cupsCmd('cupsreject');
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000077003', balanceFen: 0 }));
  const refused = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 1000 }), 'auto', env());
  assert.equal(refused.print?.ok, false);
  assert.equal((await previewReceipt(fx.station, fx.operator, refused.entryId)).printed, false);
  cupsCmd('cupsaccept');
});

test('station receipt reprint says whether the copy counted: refused → not counted, accepted → counted', async () => {
  saveReceiptSettings(fx.home, changePrinter(loadReceiptSettings(fx.home), { queue: 'Counter', server: cups.server }));
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000077004', balanceFen: 0 }));
  const r = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 2000 }), 'never');
  const cli = (json: boolean) => runStationInProcess(['receipt', 'reprint', '--entry', r.entryId, '--print', '--operator', 'op1', ...(json ? ['--json'] : [])],
    { ...env(), STATION_HOME: fx.home, STATION_KEYS: '', STATION_PIN: '2222' });
  cupsCmd('cupsreject');
  const refused = await cli(false);
  assert.equal(refused.code, 0, refused.stderr);
  assert.match(refused.stdout, /did not print: not counted, the next try is number 1 again/);
  cupsCmd('cupsaccept');
  const ok = await cli(true);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.json.counted, true);
  assert.equal(ok.json.count, 1);
  assert.equal(await reprintCount(fx.station.db, r.entryId), 1);
});
