/**
 * The plain path: pcscd and the card server on the host's loopback, no network namespace and
 * no quickack routes — what a machine without the lab's trick (or `station sim` run without
 * root) gets. Slow (~40 ms per APDU, Nagle meets delayed ACK inside vpcd), so it carries
 * only a few exchanges; correctness, not speed, is checked here (speed: bench/).
 */
import assert from 'node:assert/strict';
import { toHex } from '../../common/hex.ts';
import { PcscReaderService } from '../../devices/pcsc/index.ts';
import { processGone, startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { hex, nextEvent } from '../harness/pcsc-wait.ts';
import { contactlessAtr, TEST_AID, testCardJSON } from '../harness/test-card.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let svc: PcscReaderService;

before(async () => {
  lab = await startPcscLab({ quickack: false, slots: 1 });
  svc = new PcscReaderService({ socketPath: lab.socketPath });
  await svc.start();
});

after(async () => {
  await svc?.stop();
  await lab?.stop();
});

test('plain loopback: no network namespace is involved', async () => {
  assert.equal(lab.quickack, false);
  assert.equal(lab.pids().length, 2, 'only pcscd and the card server run');
  await assert.rejects(lab.inNetns('ip', ['route']), /no network namespace/);
});

test('plain loopback: card placed, connected and read (61xx and 6Cxx) through the same service code', async () => {
  const reader = lab.readerNames[0]!;
  assert.ok(svc.readers().some((r) => r.name === reader));
  const card = testCardJSON({ uid: '0A0B0C0D' });
  const inserted = nextEvent(svc, 'card-inserted', (e) => e.reader === reader);
  await lab.insert(0, card);
  const [e] = await inserted;
  assert.equal(toHex(e.atr), toHex(contactlessAtr(hex(card.hist))));
  const ch = await svc.connect(reader);
  try {
    assert.equal(toHex(await ch.transmit(hex('FFCA000000'))), '0A0B0C0D9000');
    const fci = await ch.transmit(hex(`00A4040009${TEST_AID}`));
    assert.equal(toHex(fci.subarray(fci.length - 2)), '9000');
    assert.equal(fci[0], 0x6f);
    assert.equal(toHex(await ch.transmit(hex('00B0000000'))), '00112233445566778899AABBCCDDEEFF9000');
  } finally {
    await ch.disconnect();
  }
});

test('plain lab stops cleanly', async () => {
  const pids = lab.pids();
  await svc.stop();
  await lab.stop();
  for (const pid of pids) assert.ok(processGone(pid), `process ${pid} still alive`);
});
