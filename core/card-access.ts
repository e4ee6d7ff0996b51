/**
 * How workflows reach a card: through a CardAccess that hands out an exclusive channel for
 * the duration of one step. The PC/SC implementation (core/pcsc-access.ts) and the in-process
 * one (core/lab/in-process-access.ts: tests, bench, the in-process training lab) are
 * interchangeable; workflows never know which one they have.
 */
import { NoReaderError } from '../common/errors.ts';
import type { CardChannel } from '../devices/channel.ts';

export interface ReaderInfo {
  name: string;
  cardPresent: boolean;
  atr: string | null;
}

export interface CardAccess {
  readers(): Promise<ReaderInfo[]>;
  /** Runs `fn` with exclusive use of the card on `reader` (default: the first reader holding a card). */
  withCard<T>(reader: string | undefined, fn: (channel: CardChannel) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A station with no readers at all (a command that only needs the database, e.g. `station keys import`). */
export const NO_READERS: CardAccess = {
  readers: async () => [],
  withCard: async () => { throw new NoReaderError('This command has no card readers'); },
  close: async () => {},
};
