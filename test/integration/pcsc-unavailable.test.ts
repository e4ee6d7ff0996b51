/**
 * pcscd absent when the station starts: start() rejects with PcscUnavailableError (code,
 * hint), the service keeps retrying in the background, and comes up by itself once pcscd
 * appears on the configured socket. Its own file, because libpcsclite fixes the socket path
 * per process at the first context.
 */
import assert from 'node:assert/strict';
import { PcscUnavailableError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import { PcscReaderService, useSocket } from '../../devices/pcsc/index.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { hex, nextEvent } from '../harness/pcsc-wait.ts';
import { testCardJSON } from '../harness/test-card.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let svc: PcscReaderService;

before(async () => {
  lab = await startPcscLab({ startPcscd: false });
  svc = new PcscReaderService({ socketPath: lab.socketPath, backoffMs: { initial: 20, max: 100 } });
});

after(async () => {
  await svc?.stop();
  await lab?.stop();
});

test('pcscd absent at start → PcscUnavailableError with code and hint; the service is down', async () => {
  assert.equal(process.env.PCSCLITE_CSOCK_NAME, lab.socketPath, 'the service set the socket variable before the first context');
  const err = await svc.start().then(() => null, (e: unknown) => e);
  assert.ok(err instanceof PcscUnavailableError, `expected PcscUnavailableError, got ${String(err)}`);
  assert.equal(err.code, 'PCSC_UNAVAILABLE');
  assert.match(err.hint ?? '', /pcscd/);
  assert.match(err.hint ?? '', /PCSCLITE_CSOCK_NAME/);
  assert.equal(svc.up, false);
  assert.deepEqual(svc.readers(), []);
  await assert.rejects(svc.connect(lab.readerNames[0]!), PcscUnavailableError);
});

test('the socket path cannot be switched once libpcsclite has fixed it', () => {
  assert.throws(() => useSocket('/tmp/some-other-pcscd.comm'), PcscUnavailableError);
  assert.doesNotThrow(() => useSocket(lab.socketPath));
});

test('pcscd appearing later brings the same service up, with its readers and cards', async () => {
  const up = nextEvent(svc, 'service-up');
  await lab.restartPcscd();
  await up;
  assert.equal(svc.up, true);
  assert.deepEqual(svc.readers().map((r) => r.name), lab.readerNames);

  const inserted = nextEvent(svc, 'card-inserted');
  await lab.insert(0, testCardJSON());
  await inserted;
  const card = await svc.connect(lab.readerNames[0]!);
  try {
    assert.equal(toHex(await card.transmit(hex('FFCA000000'))), '04A1B2C39000');
  } finally {
    await card.disconnect();
  }
});
