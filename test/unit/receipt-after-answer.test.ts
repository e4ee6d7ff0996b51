// A done screen does not wait for the receipt's PDF (issue 16 gap 1): inside a UI request
// (core/after-answer.ts) withReceipt answers with the path the original will have and saves it
// once the answer is sent; the preview waits for that save; with a printer the answer still
// carries the print outcome (so the PDF is saved first); outside a request (the CLI) the file is
// there when withReceipt returns, as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { answerScope, flushAfterAnswer, inAnswerScope } from '../../core/after-answer.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { withReceipt } from '../../core/receipts.ts';
import { changePrinter, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { previewReceipt } from '../../core/api/handlers/receipts.ts';
import { topup } from '../../core/workflows/topup.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let spool: string;
before(async () => {
  fx = await stationFixture();
  spool = mkdtempSync(path.join(os.tmpdir(), 'receipt-after-answer-'));
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000054399', balanceFen: 1200 }));
});
after(async () => {
  await fx?.cleanup();
  if (spool) rmSync(spool, { recursive: true, force: true });
});

const load = () => topup(fx.station, fx.operator, { amount: 1000, pay: 'cash', tendered: 1000 });

test('in a UI request without a printer: answered before the PDF exists, saved after the answer, the preview waits for it', async () => {
  const scope = answerScope();
  const r = await inAnswerScope(scope, async () => withReceipt(fx.station, await load(), 'auto'));
  assert.ok(r.receipt !== null && r.receiptError === undefined, JSON.stringify(r));
  assert.equal(existsSync(r.receipt), false, 'the answer did not wait for the PDF');
  flushAfterAnswer(scope);
  // Asked for at once (the done screen's receipt panel): the preview waits for the save.
  const p = await previewReceipt(fx.station, fx.operator, r.entryId);
  assert.equal(p.file, r.receipt, 'the answer named the file the original is saved as');
  assert.ok(existsSync(r.receipt), 'saved after the answer');
});

test('a request that never flushed (its answer lost) still gets its receipt: the preview saves it from the ledger', async () => {
  const r = await inAnswerScope(answerScope(), async () => withReceipt(fx.station, await load(), 'never'));
  assert.ok(r.receipt !== null && !existsSync(r.receipt));
  // The pending save never started: the preview waits on it forever unless it saves by itself.
  // (Not flushed here on purpose; a flushed-late scope is the ordinary case above.)
  const p = await previewReceipt(fx.station, fx.operator, r.entryId);
  assert.ok(existsSync(p.file));
});

test('with a printer the answer carries the print outcome: the PDF is saved and printed before it', async () => {
  saveReceiptSettings(fx.station.home, changePrinter(loadReceiptSettings(fx.station.home), { dir: spool }));
  try {
    const r = await inAnswerScope(answerScope(), async () => withReceipt(fx.station, await load(), 'auto'));
    assert.ok(r.receipt !== null && existsSync(r.receipt));
    assert.equal(r.print?.ok, true, JSON.stringify(r.print));
  } finally {
    saveReceiptSettings(fx.station.home, changePrinter(loadReceiptSettings(fx.station.home), { none: true }));
  }
});

test('outside a request (the CLI): the PDF is on disk when withReceipt returns', async () => {
  const r = await withReceipt(fx.station, await load(), 'never');
  assert.ok(r.receipt !== null && existsSync(r.receipt));
});
