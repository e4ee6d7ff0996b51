// What lp and lpstat print (captured from CUPS 2.4 in the C locale), read into queue states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccepting, parseDestinations, parseJobIds, parsePrinterStatus, parseRequestId, queueFault, type QueueStatus } from '../../receipts/print/lpstat-parse.ts';
import { mediaForPage } from '../../receipts/print/spooler.ts';

const IDLE = `printer Receipt is idle.  enabled since Mon Nov 23 02:11:34 2026
\tForm mounted:
\tContent types: any
\tDescription: Receipt
\tAlerts: none
\tLocation: 
`;
const PAUSED = `printer Receipt disabled since Mon Nov 23 02:11:29 2026 -
\tPaused
\tForm mounted:
\tAlerts: paused
`;
const PAPER = `printer NoPaper disabled since Mon Nov 23 02:21:29 2026 -
\tOut of paper
\tForm mounted:
\tContent types: any
\tAlerts: media-empty-error paused
`;
const OFFLINE = `printer Receipt disabled since Mon Nov 23 02:21:29 2026 -
\tPrinter not connected; will retry in 30 seconds.
\tAlerts: offline-report paused
`;
const PRINTING = `printer Receipt now printing Receipt-5.  enabled since Mon Nov 23 02:11:34 2026
\tAlerts: none
`;

function status(text: string, accepting = true): QueueStatus {
  return { ...parsePrinterStatus(text, text.split(' ')[1]!)!, accepting };
}

test('request id from lp', () => {
  assert.equal(parseRequestId('request id is Receipt-12 (1 file(s))\n'), 'Receipt-12');
  assert.equal(parseRequestId('lp: Error - The printer or class does not exist.'), null);
});

test('destinations and jobs', () => {
  assert.deepEqual(parseDestinations('Receipt\nTestFile\n\n'), ['Receipt', 'TestFile']);
  assert.deepEqual(parseJobIds('Receipt-3              root              1024   Mon Nov 23 02:11:34 2026\nReceipt-14  root  2048   Mon\n'), ['Receipt-3', 'Receipt-14']);
  assert.deepEqual(parseJobIds(''), []);
});

test('printer states and their faults', () => {
  assert.deepEqual(status(IDLE), { name: 'Receipt', state: 'idle', reasons: [], message: null, accepting: true });
  assert.equal(queueFault(status(IDLE)), null);
  assert.equal(queueFault(status(PRINTING)), null);
  assert.equal(status(PRINTING).state, 'printing');
  assert.deepEqual(status(PAUSED), { name: 'Receipt', state: 'disabled', reasons: ['paused'], message: 'Paused', accepting: true });
  assert.equal(queueFault(status(PAUSED)), 'paused');
  assert.deepEqual(status(PAPER).reasons, ['media-empty-error', 'paused']);
  assert.equal(status(PAPER).message, 'Out of paper');
  assert.equal(queueFault(status(PAPER)), 'out-of-paper');
  assert.equal(queueFault(status(OFFLINE)), 'stopped');
  assert.equal(queueFault(status(IDLE, false)), 'rejecting');
  assert.equal(parsePrinterStatus(IDLE, 'Other'), null);
});

test('accepting', () => {
  assert.equal(parseAccepting('Receipt accepting requests since Mon Nov 23 02:11:42 2026\n', 'Receipt'), true);
  assert.equal(parseAccepting('Receipt not accepting requests since Mon Nov 23 02:11:29 2026 -\n\tRejecting Jobs\n', 'Receipt'), false);
  assert.equal(parseAccepting('', 'Receipt'), null);
});

test('media option for a receipt page', () => {
  assert.equal(mediaForPage(226.77, 538.58), 'Custom.80x190mm');
});
