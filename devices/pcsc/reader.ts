/**
 * One PC/SC reader as the service knows it (Keyple's "reader" half): its last seen state and
 * how to turn pcsc-lite's state word into "card present" and events.
 */
import type { PcscBinding } from './binding.ts';

export interface ReaderSnapshot {
  name: string;
  cardPresent: boolean;
  /** The ATR of the card in the field, null when none. */
  atr: Uint8Array | null;
}

export class ReaderState {
  readonly name: string;
  /** pcsc-lite's dwEventState as last seen (high word: insert/remove event counter). */
  state: number;
  atr: Uint8Array | null;

  constructor(name: string, state: number, atr: Uint8Array | null) {
    this.name = name;
    this.state = state;
    this.atr = atr;
  }

  static present(b: PcscBinding, state: number): boolean {
    return (state & b.SCARD_STATE_PRESENT) !== 0 && (state & b.SCARD_STATE_MUTE) === 0;
  }

  static gone(b: PcscBinding, state: number): boolean {
    return (state & (b.SCARD_STATE_UNKNOWN | b.SCARD_STATE_UNAVAILABLE)) !== 0;
  }

  /** pcsc-lite counts card events in the high word, so remove+insert between two waits shows. */
  static eventCount(state: number): number {
    return (state >>> 16) & 0xffff;
  }

  snapshot(b: PcscBinding): ReaderSnapshot {
    const present = ReaderState.present(b, this.state);
    return { name: this.name, cardPresent: present, atr: present && this.atr !== null ? Uint8Array.from(this.atr) : null };
  }
}
