// Printing through a private CUPS (test/harness/cups-lab.ts): the station's own code path
// (saveReceipt → CupsSpooler.print → lp → job tracked with lpstat) into a file-backed PDF queue,
// and each printer fault turned into a PrinterError the operator can act on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { CupsSpooler, FileSpooler, listCupsQueues, PrinterError, saveReceipt, type PrinterFault } from '../../receipts/index.ts';
import { cupsAvailable, startCupsLab, type CupsLab } from '../harness/cups-lab.ts';
import { pdfText } from '../harness/pdf-tools.ts';
import { SAMPLE_RECEIPTS } from '../harness/receipt-samples.ts';
import { CUPS, PDF_TOOLS, suiteNeeding } from '../harness/system-needs.ts';

// Without CUPS / PDF_TOOLS on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(CUPS, PDF_TOOLS);

const work = mkdtempSync(path.join(tmpdir(), 'print-cups-'));
let lab: CupsLab;
let receipt: string;

function isFault(fault: PrinterFault, queue?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PrinterError, `expected a PrinterError, got ${String(e)}`);
    assert.equal(e.code, 'PRINTER');
    assert.equal(e.fault, fault, `fault ${e.fault}: ${e.message}`);
    if (queue) assert.equal(e.queue, queue);
    assert.ok(e.hint && e.hint.length > 10, 'has a hint for the operator');
    return true;
  };
}

before(async () => {
  // The CI script installs cups and cups-filters; a machine without them fails here, loudly.
  assert.ok(cupsAvailable(), 'cupsd, lp and the Generic PDF PPD are needed (apt-get install cups cups-client cups-filters)');
  lab = await startCupsLab();
  receipt = await saveReceipt(SAMPLE_RECEIPTS.topup, path.join(work, 'receipts'));
});

after(async () => {
  await lab?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('private CUPS', () => {
  test('prints a receipt into the file-backed PDF queue and tracks the job to completion', async () => {
    const out = await lab.addFileQueue('Receipt');
    const spooler = new CupsSpooler({ queue: 'Receipt', server: lab.server, timeoutMs: 20_000 });
    const result = await spooler.print(receipt, { title: `receipt ${SAMPLE_RECEIPTS.topup.entryId}`, options: { media: 'Custom.80x190mm' } });
    assert.match(result.jobId ?? '', /^Receipt-\d+$/);
    assert.equal(result.spooler, 'cups');
    assert.equal(result.file, receipt);
    // Done means done: lpstat no longer lists it as pending, and the PDF is where the queue writes.
    const pending = execFileSync('lpstat', ['-W', 'not-completed', '-o', 'Receipt'], { env: { ...process.env, CUPS_SERVER: lab.server, LC_ALL: 'C' }, encoding: 'utf8' });
    assert.equal(pending.trim(), '');
    assert.ok(existsSync(out), `queue output ${out}`);
    // The Generic PDF PPD wraps the PDF in PJL (ESC%-12345X@PJL …) as a real printer would get it.
    const raw = readFileSync(out);
    const start = raw.indexOf('%PDF-');
    assert.ok(start >= 0 && start < 1024, 'a PDF inside the job output');
    const printed = path.join(work, 'printed.pdf');
    writeFileSync(printed, raw.subarray(start));
    const text = pdfText(printed);
    assert.ok(text.includes('充值') && text.includes('¥112.84') && text.includes('9F8E7D6C'), `printed text:\n${text}`);
    assert.ok(existsSync(receipt), 'the receipt stays on disk for reprints');
  });

  test('lists queues with their state', async () => {
    await lab.addFileQueue('Spare');
    const queues = await listCupsQueues({ server: lab.server });
    const names = queues.map((q) => q.name);
    assert.ok(names.includes('Receipt') && names.includes('Spare'), names.join(','));
    const r = queues.find((q) => q.name === 'Receipt')!;
    assert.equal(r.fault, null);
    assert.equal(r.accepting, true);
  });

  test('a paused queue gives a clear error before any job is queued, and prints again after resume', async () => {
    await lab.pause('Receipt');
    const spooler = new CupsSpooler({ queue: 'Receipt', server: lab.server });
    await assert.rejects(spooler.print(receipt), (e: unknown) => isFault('paused', 'Receipt')(e) && /Printer "Receipt" is paused/.test((e as Error).message));
    const pending = execFileSync('lpstat', ['-W', 'not-completed', '-o', 'Receipt'], { env: { ...process.env, CUPS_SERVER: lab.server, LC_ALL: 'C' }, encoding: 'utf8' });
    assert.equal(pending.trim(), '', 'nothing was queued behind the pause');
    assert.ok(existsSync(receipt));
    await lab.resume('Receipt');
    const again = await spooler.print(receipt, { title: 'reprint' });
    assert.match(again.jobId ?? '', /^Receipt-\d+$/);
  });

  test('out of paper mid-job: the job is held, the error names the fault and the job; the next print is refused up front', async () => {
    await lab.addPaperOutQueue('NoPaper');
    const spooler = new CupsSpooler({ queue: 'NoPaper', server: lab.server, timeoutMs: 15_000, pollMs: 50 });
    let jobId: string | null = null;
    await assert.rejects(spooler.print(receipt), (e: unknown) => {
      isFault('out-of-paper', 'NoPaper')(e);
      jobId = (e as PrinterError).jobId;
      assert.match((e as Error).message, /out of paper/);
      return true;
    });
    assert.match(jobId ?? '', /^NoPaper-\d+$/);
    await assert.rejects(spooler.print(receipt), (e: unknown) => isFault('out-of-paper')(e) && (e as PrinterError).jobId === null);
    await spooler.cancel(jobId!);
  });

  test('a missing printer', async () => {
    await assert.rejects(new CupsSpooler({ queue: 'NoSuchPrinter', server: lab.server }).print(receipt), isFault('missing', 'NoSuchPrinter'));
  });

  test('a queue that refuses jobs', async () => {
    await lab.addFileQueue('Closed');
    execFileSync('cupsreject', ['Closed'], { env: { ...process.env, CUPS_SERVER: lab.server } });
    await assert.rejects(new CupsSpooler({ queue: 'Closed', server: lab.server }).print(receipt), isFault('rejecting', 'Closed'));
  });

  test('a job that does not finish in time', async () => {
    await lab.addSlowQueue('Slow');
    const spooler = new CupsSpooler({ queue: 'Slow', server: lab.server, timeoutMs: 600, pollMs: 50 });
    await assert.rejects(spooler.print(receipt), (e: unknown) => isFault('timeout', 'Slow')(e) && /^Slow-\d+$/.test((e as PrinterError).jobId ?? ''));
  });

  test('CUPS not running', async () => {
    const spooler = new CupsSpooler({ queue: 'Receipt', server: path.join(work, 'no-cups.sock') });
    await assert.rejects(spooler.print(receipt), isFault('no-scheduler'));
  });

  test('lp not installed', async () => {
    const spooler = new CupsSpooler({ queue: 'Receipt', server: lab.server, lpstatPath: path.join(work, 'bin', 'lpstat'), lpPath: path.join(work, 'bin', 'lp') });
    await assert.rejects(spooler.print(receipt), isFault('not-installed'));
  });

  test('a receipt file that is gone is a STORAGE error, not a printer fault', async () => {
    await assert.rejects(new CupsSpooler({ queue: 'Receipt', server: lab.server }).print(path.join(work, 'gone.pdf')), (e: unknown) => (e as { code?: string }).code === 'STORAGE');
  });
});

test('file spooler writes the PDF into its folder without overwriting', async () => {
  const dir = path.join(work, 'spool');
  const spooler = new FileSpooler(dir);
  const a = await spooler.print(receipt, { title: 'receipt-1' });
  const b = await spooler.print(receipt, { title: 'receipt-1' });
  assert.equal(a.spooler, 'file');
  assert.notEqual(a.output, b.output);
  assert.deepEqual(readdirSync(dir).sort(), ['receipt-1-1.pdf', 'receipt-1.pdf']);
  assert.ok(readFileSync(a.output!).equals(readFileSync(receipt)));
});
