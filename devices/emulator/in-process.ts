/**
 * A CardChannel straight onto a VirtualCard in this process: the fast path for unit tests and
 * for measuring the station's own overhead (bench/). It reports tears and removals exactly as
 * the PC/SC path does (CardRemovedError), so card clients cannot tell the difference.
 */
import { CardRemovedError, NoCardError } from '../../common/errors.ts';
import type { CardChannel } from '../channel.ts';
import { transmitWithRules } from '../transmit-rules.ts';
import type { VirtualCard } from './virtual-card.ts';

export class InProcessChannel implements CardChannel {
  readonly readerName: string;
  #card: VirtualCard | null;
  /** Number of raw APDUs that reached the card (GET RESPONSE rounds included). */
  apduCount = 0;

  constructor(card: VirtualCard, readerName = 'In-process emulator 00 00') {
    this.#card = card;
    this.readerName = readerName;
    card.reset();
  }

  get atr(): Uint8Array {
    if (this.#card === null) throw new NoCardError(this.readerName);
    return this.#card.atr();
  }

  get present(): boolean {
    return this.#card !== null;
  }

  /** Puts a (possibly different) card in the field, as a reader would on insertion. */
  insert(card: VirtualCard): void {
    card.reset();
    this.#card = card;
  }

  remove(): void {
    this.#card = null;
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return transmitWithRules(async (apdu) => {
      const card = this.#card;
      if (card === null) throw new CardRemovedError();
      this.apduCount++;
      const answer = card.process(apdu);
      if (answer.removed) this.#card = null;
      if (answer.response === null) throw new CardRemovedError();
      return answer.response;
    }, command);
  }
}
