// bench/ui's split of a request's time (core/request-timing.ts): APDUs count towards the request
// they run in, until its answer is sent; work run `untimed` (the panel's re-read) and APDUs outside
// any request do not; named steps add up; the line is what bench/ui parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CardChannel } from '../../devices/channel.ts';
import { answered, phase, TIMING_PREFIX, timedChannel, timeRequest, timingsEnabled, untimed } from '../../core/request-timing.ts';

const slowCard: CardChannel = {
  readerName: 'R0',
  atr: new Uint8Array([0x3b]),
  transmit: () => new Promise((resolve) => setTimeout(() => resolve(Uint8Array.of(0x90, 0x00)), 5)),
};

test('APDUs count towards their request until it is answered; untimed work and other requests do not', async () => {
  const ch = timedChannel(slowCard);
  await ch.transmit(Uint8Array.of(0)); // outside any request: nowhere to count, still answered
  let line = '';
  const timing = await timeRequest('topup', async (t) => {
    await ch.transmit(Uint8Array.of(1));
    await phase('receipt', () => ch.transmit(Uint8Array.of(2)));
    await untimed(() => ch.transmit(Uint8Array.of(3)));
    line = answered(t);
    await ch.transmit(Uint8Array.of(4)); // after the answer: the panel's business
    return t;
  });
  assert.equal(timing.apdus, 2);
  assert.ok(timing.cardMs >= 8, `two 5 ms APDUs, got ${timing.cardMs}`);
  assert.ok(timing.phases.receipt! >= 4 && timing.phases.receipt! <= timing.cardMs);
  assert.ok(timing.lastCardAt! <= timing.answeredAt! && timing.receivedAt <= timing.lastCardAt!);
  assert.ok(line.startsWith(TIMING_PREFIX) && line.endsWith('\n'));
  assert.equal(JSON.parse(line.slice(TIMING_PREFIX.length)).apdus, 2);
  assert.equal(timingsEnabled({ STATION_TIMINGS: '1' }), true);
  assert.equal(timingsEnabled({}), false);
});
