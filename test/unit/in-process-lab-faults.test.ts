// Card faults on the in-process training readers (issue 19): the same spec as the PC/SC lab's
// (LabFault: kind, atApdu, garbageHex — `station sim`'s `fault SLOT KIND AT` line and the card
// server take it), armed through InProcessLabBackend.fault. A load torn at CREDIT FOR LOAD in
// process takes the card off the reader as vpcd does (card-removed), leaves the operation
// incomplete, and when the card is placed again from its saved state the panel's read
// (readSettled) settles it: recorded when the card took the credit, aborted when it did not.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CardRemovedError, StationError } from '../../common/errors.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { InProcessLabBackend } from '../../core/lab/in-process-lab.ts';
import { runSimLine } from '../../core/lab/sim-session.ts';
import { readSettled } from '../../core/workflows/card-steps.ts';
import { topup } from '../../core/workflows/topup.ts';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import type { LabFault } from '../../devices/pcsc/lab.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let backend: InProcessLabBackend;
let fx: Fixture;
let removals: string[];
beforeEach(async () => {
  backend = new InProcessLabBackend();
  fx = await stationFixture({ cards: backend.access });
  removals = [];
  backend.access.service.on('card-removed', ({ reader }) => removals.push(reader));
});
afterEach(async () => {
  await fx.cleanup();
  await backend.stop();
});

const READER = (): string => backend.readerNames[0]!;
const balanceOf = async (): Promise<number> => (await backend.cardState(0) as { balanceFen: number }).balanceFen;
const cardOnReader = (): boolean => backend.access.slots.get(READER())?.present === true;

// APDUs of a top-up: SELECT, GET BALANCE, INITIALIZE FOR LOAD, CREDIT FOR LOAD (index 3).
const TEARS: Array<{ fault: LabFault; took: boolean }> = [
  { fault: { kind: 'tear-before-commit', atApdu: 3 }, took: false },
  { fault: { kind: 'tear-after-commit', atApdu: 3 }, took: true },
  { fault: { kind: 'response-lost', atApdu: 3 }, took: true },
  { fault: { kind: 'remove', atApdu: 3 }, took: false },
];
for (const { fault, took } of TEARS) {
  test(`a load torn in process (${fault.kind} at CREDIT FOR LOAD): the card leaves the reader, and placed again it settles ${took ? 'recorded' : 'aborted'}`, async () => {
    await backend.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000019001', balanceFen: 1000 }).toJSON());
    await backend.fault(0, fault);
    await assert.rejects(topup(fx.station, fx.operator, { amount: 3000, pay: 'cash' }), (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE');
    assert.deepEqual(removals, [READER()], 'the reader announced the card gone, as pcscd does after vpcd drops it');
    assert.equal(cardOnReader(), false);
    assert.equal(await balanceOf(), took ? 4000 : 1000, 'the card kept what it committed');
    await assert.rejects(backend.fault(0, fault), /no card on slot 0/, 'no card to arm a fault on');

    // The card comes back from its saved state, as the PC/SC lab's tests place it again.
    await backend.insert(0, await backend.cardState(0));
    const { view, settled } = await backend.access.withCard(READER(), (ch) => readSettled(fx.station, ch));
    assert.equal(settled.length, 1);
    assert.equal(settled[0]!.outcome, took ? 'recorded' : 'aborted');
    assert.equal(view.incomplete.length, 0, 'nothing left open');
    assert.equal(view.balanceFen, took ? 4000 : 1000);
    const balances = await accountBalances(fx.station.db);
    assert.equal(balances.card_float ?? 0, took ? -3000 : 0, 'the card float holds what the card took (a credit balance)');
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
  });
}

test('station sim\'s fault line arms the in-process card; garbage answers it and the card stays; null disarms', async () => {
  await backend.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000019002', balanceFen: 500 }).toJSON());
  const armed = await runSimLine(backend, 'fault 0 remove 0');
  assert.equal(armed.ok, true, armed.message);
  await assert.rejects(backend.access.withCard(READER(), (ch) => ch.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x00))), (e: unknown) => e instanceof CardRemovedError);
  assert.equal(cardOnReader(), false);

  await backend.insert(0, await backend.cardState(0));
  await backend.fault(0, { kind: 'garbage', atApdu: 0, garbageHex: '6F00' } satisfies LabFault);
  const answer = await backend.access.withCard(READER(), (ch) => ch.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x00)));
  assert.deepEqual([...answer], [0x6f, 0x00]);
  assert.equal(cardOnReader(), true, 'a garbled answer leaves the card in the field');

  await backend.fault(0, { kind: 'remove', atApdu: 0 });
  await backend.fault(0, null);
  await topup(fx.station, fx.operator, { amount: 1000, pay: 'cash' });
  assert.equal(await balanceOf(), 1500, 'disarmed: the load went through');
  assert.deepEqual(removals, [READER()]);
});
