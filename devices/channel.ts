/**
 * The one seam between card protocols and transports (Keyple's "reader" split): a card
 * client (devices/cpu, devices/m1) talks to a CardChannel and never knows whether the card
 * is an in-process emulator, a vpcd-served emulator behind pcscd, or a real card.
 */
export interface CardChannel {
  /** Name of the reader the card sits in (for messages and ledger records). */
  readonly readerName: string;
  /** The card's ATR as the reader reported it. */
  readonly atr: Uint8Array;
  /**
   * Sends one command APDU and returns the full answer including SW1 SW2. Implementations
   * resolve 61xx (GET RESPONSE) and 6Cxx (re-issue with the right Le) themselves, and throw
   * typed errors from common/errors (CardRemovedError, CardTimeoutError, ReaderGoneError,
   * PcscUnavailableError) instead of returning partial data.
   */
  transmit(command: Uint8Array): Promise<Uint8Array>;
}
