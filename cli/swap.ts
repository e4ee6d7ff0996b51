/**
 * One-reader counters: after the old card's part, the command asks on stderr for the swap and
 * waits until the reader has been empty and then holds a card again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BadInputError, StationError } from '../common/errors.ts';
import type { Station } from '../core/station.ts';
import type { CliIO } from './command.ts';

export function parseSwapTimeout(text: string | undefined): number {
  const t = text ?? '120';
  if (!/^[0-9]{1,4}$/.test(t) || Number(t) < 1) throw new BadInputError(`--swap-timeout must be whole seconds (1–9999), got "${t}"`);
  return Number(t) * 1000;
}

export function waitForSwap(station: Station, io: CliIO, timeoutMs: number, onTimeout: string): (reader: string) => Promise<void> {
  return async (reader) => {
    io.stderr(`The old card is done. Take it off ${reader} and place the new card (waiting up to ${Math.round(timeoutMs / 1000)} s)…\n`);
    const deadline = performance.now() + timeoutMs;
    let sawEmpty = false;
    while (performance.now() < deadline) {
      if (io.signal.aborted) throw new StationError('BAD_INPUT', 'Interrupted while waiting for the new card', onTimeout);
      const here = (await station.cards.readers()).find((r) => r.name === reader)?.cardPresent === true;
      if (!here) sawEmpty = true;
      else if (sawEmpty) return;
      await sleep(200);
    }
    throw new StationError('NO_CARD', `No new card was placed on ${reader} within ${Math.round(timeoutMs / 1000)} s`, onTimeout);
  };
}
