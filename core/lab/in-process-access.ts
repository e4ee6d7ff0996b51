/**
 * Readers that live in this process, holding emulated cards: a CardAccess for tests, benches
 * and the in-process training lab. It lives in core/lab because it loads the emulator, which
 * production code outside the lab never does (issue 15 item 4).
 */
import { NoCardError, NoReaderError } from '../../common/errors.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';
import type { CardAccess, ReaderInfo } from '../card-access.ts';

/** Readers that live in this process (tests, benches, the in-process training lab). */
export class InProcessCardAccess implements CardAccess {
  readonly slots = new Map<string, InProcessChannel | null>();

  constructor(names: string[] = ['Virtual Reader 00 00', 'Virtual Reader 00 01']) {
    for (const n of names) this.slots.set(n, null);
  }

  insert(reader: string, card: VirtualCard): InProcessChannel {
    if (!this.slots.has(reader)) throw new NoReaderError(`No reader named "${reader}"`);
    const ch = new InProcessChannel(card, reader);
    this.slots.set(reader, ch);
    return ch;
  }

  remove(reader: string): void {
    this.slots.set(reader, null);
  }

  async readers(): Promise<ReaderInfo[]> {
    return [...this.slots].map(([name, ch]) => ({ name, cardPresent: ch?.present === true, atr: ch?.present ? Buffer.from(ch.atr).toString('hex').toUpperCase() : null }));
  }

  async withCard<T>(reader: string | undefined, fn: (channel: CardChannel) => Promise<T>): Promise<T> {
    const name = reader ?? [...this.slots].find(([, ch]) => ch?.present === true)?.[0];
    if (name === undefined) throw new NoCardError([...this.slots.keys()].join(', '));
    if (!this.slots.has(name)) throw new NoReaderError(`No reader named "${name}"`);
    const ch = this.slots.get(name);
    if (!ch || !ch.present) throw new NoCardError(name);
    return fn(ch);
  }

  async close(): Promise<void> {}
}
