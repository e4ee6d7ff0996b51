/**
 * In-process readers that announce their field like the PC/SC reader service does (card
 * inserted / removed events, a reader list, always up), so `station serve`'s server
 * (core/ui-server.ts) runs on the simulation's emulated cards: its panel reads a card when it is
 * placed and settles its incomplete operations, exactly as with pcscd. The real PC/SC path is
 * covered by the integration tests; here it would cost a pcscd round trip per APDU.
 */
import { EventEmitter } from 'node:events';
import { InProcessCardAccess } from '../../core/card-access.ts';
import type { WatchedCardAccess } from '../../core/card-watch.ts';
import type { InProcessChannel } from '../../devices/emulator/in-process.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';
import type { PcscServiceEvents } from '../../devices/pcsc/index.ts';

class InProcessReaderEvents extends EventEmitter<PcscServiceEvents> {
  constructor(readonly access: InProcessCardAccess) { super(); }
  get up(): boolean { return true; }
  readers(): Array<{ name: string; cardPresent: boolean }> {
    return [...this.access.slots].map(([name, ch]) => ({ name, cardPresent: ch?.present === true }));
  }
}

export class WatchedInProcessAccess extends InProcessCardAccess implements WatchedCardAccess {
  readonly service = new InProcessReaderEvents(this);

  async start(): Promise<void> {}

  /** A card placed on the reader (one already there leaves first, as a hand would take it off). */
  override insert(reader: string, card: VirtualCard): InProcessChannel {
    if (this.slots.get(reader)?.present === true) this.remove(reader);
    const ch = super.insert(reader, card);
    this.service.emit('card-inserted', { reader, atr: card.atr() });
    return ch;
  }

  /** The card leaves the field: a workflow still holding its channel finds it gone (CardRemovedError). */
  override remove(reader: string): void {
    const ch = this.slots.get(reader);
    ch?.remove();
    super.remove(reader);
    if (ch) this.service.emit('card-removed', { reader });
  }
}
