/**
 * Card access for `station serve`: every withCard — the panel's reads and the workflows' — runs
 * one at a time, so a top-up never races the panel's read of the same card. A workflow that
 * holds two cards at once (the damaged-card exchange: old and new reader) nests withCard: the
 * inner call runs inside the outer one's turn instead of queueing behind it (which would never
 * end). With STATION_TIMINGS=1 every APDU is timed for the request it serves
 * (core/request-timing.ts, bench/ui).
 *
 * A wrapper, not a patch: the server hands the workflows a Station whose `cards` is this, and
 * the access it was given stays as it was.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CardChannel } from '../../devices/channel.ts';
import type { WatchedCardAccess } from '../card-watch.ts';
import { timedChannel } from '../request-timing.ts';

export class SerialCardAccess implements WatchedCardAccess {
  /** The end of the queue: the last card work started (its failure is the caller's, not the queue's). */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set inside a turn: a nested withCard runs at once. */
  private readonly inTurn = new AsyncLocalStorage<true>();

  constructor(private readonly inner: WatchedCardAccess, private readonly timed = false) {}

  get service(): WatchedCardAccess['service'] {
    return this.inner.service;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  readers(): ReturnType<WatchedCardAccess['readers']> {
    return this.inner.readers();
  }

  withCard<T>(reader: string | undefined, fn: (channel: CardChannel) => Promise<T>): Promise<T> {
    const direct = () => this.inner.withCard(reader, this.timed ? (ch) => fn(timedChannel(ch)) : fn);
    if (this.inTurn.getStore()) return direct();
    return this.serially(() => this.inTurn.run(true, direct));
  }

  /** Resolves once the card work queued so far has finished (the server's close waits for it). */
  async drained(): Promise<void> {
    await this.serially(async () => undefined);
  }

  /** The inner access belongs to whoever made it (the station closes it). */
  close(): Promise<void> {
    return this.inner.close();
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
