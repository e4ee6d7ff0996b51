// The UI's receipt, search, day and upload-status functions (core/api/handlers/receipts.ts) in process on a
// real station database with a file spooler: the preview is the receipt's blocks; the original
// prints once, then only as a reprint (重印, counted); no printer is a clear outcome, not an
// error; search by card digits / entry id / day; the day summary equals the ledger; a
// quarantined entry shows in the sync status with its reason; the status bar's polling does not
// keep a session from locking when idle.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { startUiServer } from '../../core/api/server.ts';
import { withReceipt } from '../../core/receipts.ts';
import { changePrinter, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { previewReceipt, printReceipt, searchEntries } from '../../core/api/handlers/receipts.ts';
import { daySummary } from '../../core/api/handlers/shift-day.ts';
import { syncStatus } from '../../core/api/handlers/sync.ts';
import { topup } from '../../core/workflows/topup.ts';
import { pdfText } from '../harness/pdf-tools.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { PDF_TOOLS, testsNeeding } from '../harness/system-needs.ts';

// Read back with poppler and zbarimg: on a machine without them every test here skips, saying so.
const test = testsNeeding(PDF_TOOLS);

let fx: Fixture;
let spool: string;
let entryId: string;
const env = { ...process.env, CUPS_SERVER: '' };

before(async () => {
  fx = await stationFixture();
  spool = mkdtempSync(path.join(os.tmpdir(), 'ui-receipts-spool-'));
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000054321', balanceFen: 1200 }));
  const r = await withReceipt(fx.station, await topup(fx.station, fx.operator, { amount: 5000, pay: 'cash', tendered: 10000 }), 'never');
  entryId = r.entryId;
});
after(async () => {
  await fx?.cleanup();
  if (spool) rmSync(spool, { recursive: true, force: true });
});

test('preview: the top-up receipt as blocks (amounts, masked card, QR rows), nothing printed or counted', async () => {
  const p = await previewReceipt(fx.station, fx.operator, entryId);
  assert.equal(p.entryId, entryId);
  assert.equal(p.type, 'receipt');
  assert.equal(p.printed, false);
  assert.equal(p.reprints, 0);
  assert.equal(p.printer.kind, 'none');
  const kv = new Map(p.blocks.flatMap((b) => (b.kind === 'kv' ? [[b.label.zh, b.value] as const] : [])));
  assert.equal(kv.get('充值金额'), '¥50.00');
  assert.equal(kv.get('充值后余额'), '¥62.00');
  assert.equal(kv.get('找零'), '¥50.00');
  assert.equal(kv.get('卡号'), '3100 **** **** 4321');
  const qr = p.blocks.find((b) => b.kind === 'qr');
  assert.ok(qr && qr.kind === 'qr' && qr.payload.startsWith(`CUR1|${entryId}|`) && qr.modules.length >= 21);
  assert.match(pdfText(p.file), /充值金额 Amount\s+¥50\.00/, 'the saved PDF says the same');
  await assert.rejects(previewReceipt(fx.station, fx.operator, 'NOSUCHENTRY'), { code: 'BAD_INPUT' });
});

test('print: no printer is an outcome with a next step; the original prints once, then only as 重印 (counted)', async () => {
  const none = await printReceipt(fx.station, fx.operator, entryId, false, env);
  assert.equal(none.print.ok, false);
  assert.equal(none.print.error?.code, 'CONFIG');
  assert.equal((await previewReceipt(fx.station, fx.operator, entryId)).printed, false, 'not printed: still the original');
  saveReceiptSettings(fx.home, changePrinter(loadReceiptSettings(fx.home), { dir: spool }));
  // Two presses at once: one original, the other refused.
  const [first, twin] = await Promise.allSettled([printReceipt(fx.station, fx.operator, entryId, false, env), printReceipt(fx.station, fx.operator, entryId, false, env)]);
  assert.equal(twin.status, 'rejected');
  assert.equal(first.status, 'fulfilled');
  if (first.status !== 'fulfilled') return;
  assert.equal(first.value.print.ok, true, JSON.stringify(first.value.print));
  assert.equal(first.value.count, 0);
  assert.equal(readdirSync(spool).length, 1);
  await assert.rejects(printReceipt(fx.station, fx.operator, entryId, false, env), { code: 'POLICY', message: /printed already/ });
  const again = await printReceipt(fx.station, fx.operator, entryId, true, env);
  assert.equal(again.count, 1);
  assert.equal(again.print.ok, true);
  const copies = readdirSync(spool).map((f) => path.join(spool, f));
  assert.equal(copies.length, 2);
  assert.ok(copies.some((f) => /重印 REPRINT 第1次/.test(pdfText(f))), 'the reprint says so on paper');
  const p = await previewReceipt(fx.station, fx.operator, entryId);
  assert.equal(p.printed, true);
  assert.equal(p.reprints, 1);
  assert.equal(p.printer.kind, 'file');
});

test('search: by part of the card number, by entry id, by day; nothing given is refused', async () => {
  const byCard = await searchEntries(fx.station, fx.operator, { cardNo: '054321' });
  assert.deepEqual(byCard.entries.map((e) => e.entryId), [entryId]);
  assert.equal(byCard.entries[0]!.receipt, true);
  assert.equal(byCard.entries[0]!.amountFen, 5000);
  assert.equal((await searchEntries(fx.station, fx.operator, { cardNo: '99999999' })).entries.length, 0);
  assert.deepEqual((await searchEntries(fx.station, fx.operator, { entryId: entryId.toLowerCase() })).entries.map((e) => e.entryId), [entryId]);
  const day = await searchEntries(fx.station, fx.operator, { day: '2026-11-23' });
  assert.deepEqual(day.entries.map((e) => e.kind), ['topup', 'shift_open', 'stock_received'], 'newest first (the training stock is received with the station)');
  assert.equal(day.entries.find((e) => e.kind === 'shift_open')!.receipt, false);
  assert.equal((await searchEntries(fx.station, fx.operator, { day: '2026-11-22' })).entries.length, 0);
  await assert.rejects(searchEntries(fx.station, fx.operator, {}), { code: 'BAD_INPUT' });
});

test('day summary: the figures of the ledger; sync status: a quarantined entry with its reason', async () => {
  const d = await daySummary(fx.station, fx.operator, '2026-11-23');
  assert.equal(d.count, 1);
  assert.equal(d.byWorkflow.topup?.totalFen, 5000);
  assert.equal(d.byPayment.cash?.totalFen, 5000);
  assert.equal(d.cash.expectedFen, 55_000);
  assert.equal(d.shifts.length, 1);
  assert.equal(d.shifts[0]!.cash.status, 'not-counted');
  assert.deepEqual(d.incomplete, []);
  assert.equal(d.training, true);
  const before = await syncStatus(fx.station);
  assert.equal(before.configured, false);
  assert.equal(before.quarantined, 0);
  assert.equal(before.backlog, 3, 'the training stock received with the station, the shift, the top-up');
  await fx.station.db.run("INSERT INTO sync_quarantine (entry_seq, reason, quarantined_at) SELECT seq, 'E_X: refused', at FROM ledger_entries WHERE entry_id = ?", [entryId]);
  const after = await syncStatus(fx.station);
  assert.equal(after.quarantined, 1);
  assert.deepEqual(after.quarantinedEntries.map((q) => [q.entryId, q.kind, q.reason]), [[entryId, 'topup', 'E_X: refused']]);
});

test('the status bar polling the upload state does not hold off the idle lock', async () => {
  const dist = mkdtempSync(path.join(os.tmpdir(), 'ui-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  const access = new PcscCardAccess({ socketPath: path.join(dist, 'no-pcscd.comm') });
  const server = await startUiServer({ station: fx.station, access, staticDir: dist, idleLockMs: 600 });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.send(JSON.stringify({ id: 1, method: 'login', params: { staffId: 'op1', pin: '2222' } }));
    while (!messages.some((m) => m.id === 1)) await new Promise((r) => setTimeout(r, 20));
    // Poll the upload state every 100 ms, as a (much faster) status bar would.
    let id = 2;
    const deadline = Date.now() + 6000;
    while (!messages.some((m) => m.event === 'session') && Date.now() < deadline) {
      ws.send(JSON.stringify({ id: id++, method: 'syncStatus', params: {} }));
      await new Promise((r) => setTimeout(r, 100));
    }
    const ev = messages.find((m) => m.event === 'session') as { user: { locked: boolean } } | undefined;
    assert.equal(ev?.user.locked, true, 'the session locked although the status bar kept asking');
    assert.ok(messages.some((m) => m.id === 2 && 'result' in m), 'the polls were answered while unlocked');
    ws.close();
  } finally {
    await server.close();
    await access.close();
    rmSync(dist, { recursive: true, force: true });
  }
});
