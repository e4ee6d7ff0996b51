/**
 * The real stack: smartcard → libpcsclite → pcscd → vpcd → card server, with pcscd and the
 * card server in the quickack network namespace (test/harness/pcsc-lab.ts). One lab and one
 * service for the whole file: libpcsclite fixes its socket path at the first context of the
 * process, so a file can only ever talk to one pcscd socket (docs/PCSC.md).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CardRemovedError, CardTimeoutError, NoCardError, NoReaderError, PcscUnavailableError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import { PcscReaderService, ReaderBusyError, type PcscCard } from '../../devices/pcsc/index.ts';
import { processGone, startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { hex, nextEvent, recordEvents } from '../harness/pcsc-wait.ts';
import { contactlessAtr, TEST_AID, testCardJSON, type TestCardJSON } from '../harness/test-card.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let svc: PcscReaderService;
let events: string[];
let R0: string;
let R1: string;

const SELECT = hex(`00A40400 09 ${TEST_AID}`);
const GET_UID = hex('FFCA000000');
const READ_BINARY_LE0 = hex('00B0000000');
const INCREMENT = hex('8032000004');

async function placeCard(slot: number, card: TestCardJSON): Promise<Uint8Array> {
  const reader = slot === 0 ? R0 : R1;
  const inserted = nextEvent(svc, 'card-inserted', (e) => e.reader === reader);
  await lab.insert(slot, card);
  const [e] = await inserted;
  return e.atr;
}

async function counterOf(slot: number): Promise<number> {
  return ((await lab.cardState(slot)) as TestCardJSON).counter;
}

before(async () => {
  lab = await startPcscLab({ slots: 2, quickack: true });
  [R0, R1] = lab.readerNames as [string, string];
  svc = new PcscReaderService({ socketPath: lab.socketPath, apduTimeoutMs: 3000, backoffMs: { initial: 20, max: 200 } });
  events = recordEvents(svc);
  await svc.start();
});

after(async () => {
  await svc?.stop();
  await lab?.stop();
});

test('lists the two vpcd readers, both empty, and announced them after service-up', () => {
  const readers = svc.readers();
  assert.deepEqual(readers.map((r) => r.name), [R0, R1]);
  assert.ok(readers.every((r) => !r.cardPresent && r.atr === null));
  assert.deepEqual(events.slice(0, 3), ['service-up', `reader-added:${R0}`, `reader-added:${R1}`]);
  assert.equal(svc.up, true);
});

test('the lab runs pcscd and the card server behind quickack loopback routes', async () => {
  const routes = await lab.inNetns('ip', ['route', 'show', 'table', 'local']);
  assert.match(routes, /local 127\.0\.0\.1 .*quickack 1/);
  assert.match(routes, /local 127\.0\.0\.0\/8 .*quickack 1/);
});

test('placing a card emits card-inserted with its ATR and updates the snapshot', async () => {
  const card = testCardJSON({ hist: '86434954595345' });
  const atr = await placeCard(0, card);
  assert.equal(toHex(atr), toHex(contactlessAtr(hex(card.hist))));
  const snap = svc.readers().find((r) => r.name === R0)!;
  assert.equal(snap.cardPresent, true);
  assert.equal(toHex(snap.atr!), toHex(atr));
  assert.equal(svc.readers().find((r) => r.name === R1)!.cardPresent, false);
});

test('connect errors are typed: empty reader, unknown reader, exclusive lock held', async () => {
  await assert.rejects(svc.connect(R1), NoCardError);
  await assert.rejects(svc.connect('No Such Reader 00 00'), NoReaderError);
  const first = await svc.connect(R0, { exclusive: true });
  try {
    const err = await svc.connect(R0, { exclusive: true }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ReaderBusyError, `expected ReaderBusyError, got ${String(err)}`);
  } finally {
    await first.disconnect();
  }
});

test('exclusive connect and transmit: 61xx is fetched with GET RESPONSE, 6Cxx re-issued with the right Le', async () => {
  const card = await svc.connect(R0, { exclusive: true });
  try {
    assert.equal(card.readerName, R0);
    assert.equal(toHex(await card.transmit(GET_UID)), '04A1B2C39000');
    const before = card.apduCount;
    const fci = await card.transmit(SELECT);
    assert.equal(card.apduCount - before, 2, 'SELECT answered 61xx, so one GET RESPONSE followed');
    assert.equal(toHex(fci), `6F14 8409${TEST_AID} A505 9F0C02 0000 9000`.replace(/ /g, ''));
    const file = await card.transmit(READ_BINARY_LE0);
    assert.equal(card.apduCount - before, 4, 'READ BINARY with Le=00 got 6C10 and was re-issued');
    assert.equal(toHex(file), '00112233445566778899AABBCCDDEEFF9000');
    assert.equal(toHex(await card.transmit(INCREMENT)), '000000019000');
    assert.equal(await counterOf(0), 1, 'the card server holds the state the APDU changed');
  } finally {
    await card.disconnect();
  }
});

test('APDUs are serialised per card: concurrent calls never interleave a GET RESPONSE', async () => {
  const card = await svc.connect(R0);
  try {
    const start = await counterOf(0);
    const results = await Promise.all([card.transmit(SELECT), card.transmit(INCREMENT), card.transmit(SELECT), card.transmit(INCREMENT), card.transmit(READ_BINARY_LE0)]);
    assert.deepEqual(results.map((r) => toHex(r.subarray(r.length - 2))), ['9000', '9000', '9000', '9000', '9000']);
    assert.equal(toHex(results[1]!), `${(start + 1).toString(16).padStart(8, '0')}9000`);
    assert.equal(toHex(results[3]!), `${(start + 2).toString(16).padStart(8, '0')}9000`);
  } finally {
    await card.disconnect();
  }
});

test('card pulled before an APDU reaches it → CardRemovedError, card-removed, nothing changed on the card', async () => {
  const card = await svc.connect(R0);
  const counter = await counterOf(0);
  const removed = nextEvent(svc, 'card-removed', (e) => e.reader === R0);
  await lab.fault(0, { kind: 'remove', atApdu: 0 });
  await assert.rejects(card.transmit(INCREMENT), CardRemovedError);
  await removed;
  await assert.rejects(card.transmit(GET_UID), CardRemovedError, 'the handle stays dead after the card left');
  assert.equal(card.connected, false);
  assert.equal(await counterOf(0), counter);
  assert.equal(svc.readers().find((r) => r.name === R0)!.cardPresent, false);
  await card.disconnect(); // no throw on a card that is gone
});

test('tear after commit → CardRemovedError although the card committed; the next card reads normally', async () => {
  await placeCard(0, testCardJSON({ counter: 7 }));
  let card: PcscCard = await svc.connect(R0);
  await lab.fault(0, { kind: 'tear-after-commit', atApdu: 1 });
  assert.equal(toHex(await card.transmit(GET_UID)), '04A1B2C39000');
  const removed = nextEvent(svc, 'card-removed', (e) => e.reader === R0);
  await assert.rejects(card.transmit(INCREMENT), CardRemovedError);
  await removed;
  assert.equal(await counterOf(0), 8, 'the change was committed before the power loss');

  await placeCard(0, testCardJSON({ uid: '11223344', counter: 100 }));
  card = await svc.connect(R0);
  try {
    assert.equal(toHex(await card.transmit(GET_UID)), '112233449000');
    assert.equal(toHex(await card.transmit(INCREMENT)), '000000659000');
  } finally {
    await card.disconnect();
  }
});

test('a second card on the other reader works alongside the first', async () => {
  await placeCard(1, testCardJSON({ uid: 'AABBCCDD' }));
  const [a, b] = await Promise.all([svc.connect(R0), svc.connect(R1)]);
  try {
    const [ua, ub] = await Promise.all([a.transmit(GET_UID), b.transmit(GET_UID)]);
    assert.equal(toHex(ua), '112233449000');
    assert.equal(toHex(ub), 'AABBCCDD9000');
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
  const removed = nextEvent(svc, 'card-removed', (e) => e.reader === R1);
  await lab.remove(1);
  await removed;
});

test('a card that does not answer in time → CardTimeoutError; the handle is finished, a new connect works', async () => {
  const card = await svc.connect(R0, { timeoutMs: 150 });
  await assert.rejects(card.transmit(hex('8034640000')), CardTimeoutError); // the card thinks for 1 s
  assert.equal(card.connected, false);
  await assert.rejects(card.transmit(GET_UID), CardTimeoutError, 'later APDUs fail at once with the same reason');
  await card.disconnect(); // waits for the late answer, then releases the exclusive lock
  const again = await svc.connect(R0);
  try {
    assert.equal(toHex(await again.transmit(GET_UID)), '112233449000');
  } finally {
    await again.disconnect();
  }
});

test('pcscd killed and restarted: the same service goes down, comes back, and transmits again', async () => {
  const card = await svc.connect(R0);
  const mark = events.length;
  const down = nextEvent(svc, 'service-down');
  await lab.killPcscd('SIGKILL');
  const [error] = await down;
  assert.ok(error instanceof PcscUnavailableError);
  assert.equal(svc.up, false);
  assert.deepEqual(svc.readers(), []);
  await assert.rejects(card.transmit(GET_UID), PcscUnavailableError, 'a handle from the dead pcscd is dead');
  await assert.rejects(svc.connect(R0), PcscUnavailableError);

  const up = nextEvent(svc, 'service-up');
  const cardBack = nextEvent(svc, 'card-inserted', (e) => e.reader === R0);
  await lab.restartPcscd();
  await up;
  await cardBack; // the card server reconnected its still-inserted card to the new vpcd
  const seq = events.slice(mark);
  assert.deepEqual(seq.slice(0, 4), ['service-down', `card-removed:${R0}`, `reader-removed:${R0}`, `reader-removed:${R1}`]);
  assert.ok(seq.indexOf('service-up') > seq.indexOf('service-down'));
  assert.ok(seq.indexOf(`card-inserted:${R0}`) > seq.indexOf('service-up'));
  assert.deepEqual(svc.readers().map((r) => r.name), [R0, R1]);

  const again = await svc.connect(R0);
  try {
    assert.equal(toHex(await again.transmit(GET_UID)), '112233449000');
  } finally {
    await again.disconnect();
  }
});

test('stop() then lab.stop() leave no process and no socket behind', async () => {
  const pids = lab.pids();
  assert.equal(pids.length, 3, 'netns holder, pcscd and card server were running');
  await svc.stop();
  assert.equal(svc.up, false);
  await lab.stop();
  for (const pid of pids) assert.ok(processGone(pid), `process ${pid} still alive`);
  assert.equal(existsSync(lab.socketPath), false);
  assert.equal(existsSync(lab.dir), false);
});
