import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError, CardMalformedError, CardRemovedError, CardStatusError, StationError } from '../../common/errors.ts';
import { fromHex, toHex } from '../../common/hex.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { M1Client } from '../../devices/m1/client.ts';
import { channel, makeCard, sectorKeys, UID } from './m1-fixtures.ts';

/** A channel that answers each command from a script (hex), recording what it was sent. */
function scripted(answers: (string | Error)[]): CardChannel & { sent: string[] } {
  const sent: string[] = [];
  return {
    readerName: 'script',
    atr: new Uint8Array(0),
    sent,
    transmit(command: Uint8Array): Promise<Uint8Array> {
      sent.push(toHex(command));
      const next = answers.shift();
      if (next === undefined) return Promise.reject(new Error('script exhausted'));
      if (next instanceof Error) return Promise.reject(next);
      return Promise.resolve(fromHex(next));
    },
  };
}

test('client against the emulator: uid, login, read, write, value operations', async () => {
  const card = makeCard();
  const c = new M1Client(channel(card));
  assert.equal(toHex(await c.uid()), UID);
  await c.login(2, 'B', fromHex(sectorKeys(2).b));
  assert.equal(await c.readValue(9), 5000);
  await c.decrement(9, 1234);
  assert.equal(await c.readValue(9), 3766);
  await c.increment(9, 34);
  await c.restoreTransfer(9, 10);
  assert.equal(await c.readValue(10), 3800);
  await c.storeValue(8, -5);
  assert.equal(await c.readValue(8), -5);
  await c.writeBlock(8, new Uint8Array(16).fill(0x11));
  assert.equal(toHex(await c.readBlock(8)), '11'.repeat(16));
  const obsolete = new M1Client(channel(card), { authCommand: 'obsolete' });
  await obsolete.loadKey(fromHex(sectorKeys(2).a), 1);
  await obsolete.authenticate(9, 'A', 1);
  assert.equal((await obsolete.readBlock(9)).length, 16);
});

test('client sends the §9.3 byte strings', async () => {
  const ch = scripted(['01020304' + '9000', '9000', '9000', '00'.repeat(16) + '9000', '9000', '9000', '0000000A9000']);
  const c = new M1Client(ch);
  await c.uid();
  await c.loadKey(fromHex('A0A1A2A3A4A5'));
  await c.authenticate(9, 'B');
  await c.readBlock(9);
  await c.writeBlock(9, new Uint8Array(16));
  await c.decrement(9, 256);
  assert.equal(await c.readValue(9), 10);
  assert.deepEqual(ch.sent, [
    'FFCA000000', 'FF82000006A0A1A2A3A4A5', 'FF86000005010009' + '6100', 'FFB0000910',
    'FFD6000910' + '00'.repeat(16), 'FFD70009050200000100', 'FFB1000904',
  ]);
});

test('client errors: refused → CardStatusError, wrong shape → CardMalformedError, bad input → BadInputError', async () => {
  await assert.rejects(new M1Client(scripted(['6300'])).readBlock(9), (e: unknown) => e instanceof CardStatusError && e.sw === 0x6300);
  await assert.rejects(new M1Client(scripted(['00'.repeat(15) + '9000'])).readBlock(9), CardMalformedError);
  await assert.rejects(new M1Client(scripted(['90'])).readBlock(9), CardMalformedError);
  await assert.rejects(new M1Client(scripted(['01029000'])).writeBlock(9, new Uint8Array(16)), CardMalformedError);
  await assert.rejects(new M1Client(scripted(['0102039000'])).uid(), CardMalformedError);
  await assert.rejects(new M1Client(scripted(['00019000'])).readValue(9), CardMalformedError);
  await assert.rejects(new M1Client(scripted([new CardRemovedError()])).uid(), CardRemovedError);
  await assert.rejects(new M1Client(scripted([new TypeError('boom')])).uid(), (e: unknown) => e instanceof StationError && e.code === 'INTERNAL');
  const c = new M1Client(scripted([]));
  await assert.rejects(c.readBlock(64), BadInputError);
  await assert.rejects(c.writeBlock(4, new Uint8Array(15)), BadInputError);
  await assert.rejects(c.loadKey(new Uint8Array(5)), BadInputError);
  await assert.rejects(c.decrement(9, -1), BadInputError);
  await assert.rejects(c.decrement(9, 2 ** 31), BadInputError);
  await assert.rejects(c.restoreTransfer(9, 12), BadInputError);
  await assert.rejects(c.authenticate(9, 'A', 99), BadInputError);
});
