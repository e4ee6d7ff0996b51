/**
 * A card connected through PC/SC: the CardChannel the card clients (devices/cpu, devices/m1)
 * talk to. One APDU at a time (calls queue behind each other: a money flow must never have
 * two commands in flight), 61xx/6Cxx through transmitWithRules, a timeout per raw APDU, and
 * typed errors only.
 *
 * After a timeout the native SCardTransmit is still running on a libuv worker thread and
 * cannot be abandoned, so the handle is finished: later transmits fail at once with
 * CardTimeoutError, and the native disconnect waits until that transmit has returned (a
 * synchronous SCardDisconnect meanwhile would block the event loop on pcsc-lite's lock).
 * The same happens when the card is removed or pcscd goes away: reconnect to go on.
 */
import { CardRemovedError, CardTimeoutError, PcscUnavailableError, type StationError } from '../../common/errors.ts';
import type { CardChannel } from '../channel.ts';
import { transmitWithRules } from '../transmit-rules.ts';
import type { NativeCard, PcscBinding } from './binding.ts';
import { mapPcscError } from './errors.ts';

export type Disposition = 'leave' | 'reset' | 'unpower';

export interface PcscCardHooks {
  /** True once the service saw pcscd die (errors then read as PcscUnavailableError). */
  serviceDown(): boolean;
  /** Called once when the card is disconnected or invalidated, so the service forgets it. */
  released(card: PcscCard): void;
}

export class PcscCard implements CardChannel {
  readonly readerName: string;
  readonly atr: Uint8Array;
  /** Active protocol (binding constant: T=0 1, T=1 2). */
  readonly protocol: number;
  readonly timeoutMs: number;
  /** Raw APDUs sent (GET RESPONSE and 6Cxx re-issues included). */
  apduCount = 0;
  readonly #native: NativeCard;
  readonly #binding: PcscBinding;
  readonly #hooks: PcscCardHooks;
  #queue: Promise<unknown> = Promise.resolve();
  /** The native transmit in flight, if any (also after it timed out). */
  #inFlight: Promise<unknown> | null = null;
  #state: 'open' | 'closed' = 'open';
  #dead: StationError | null = null;
  /** The one release of the native handle (shared by every disconnect() call). */
  #release: Promise<void> | null = null;

  constructor(native: NativeCard, readerName: string, atr: Uint8Array, binding: PcscBinding, hooks: PcscCardHooks, timeoutMs: number) {
    this.#native = native;
    this.readerName = readerName;
    this.atr = atr;
    this.protocol = native.protocol;
    this.#binding = binding;
    this.#hooks = hooks;
    this.timeoutMs = timeoutMs;
  }

  /** False after disconnect, after pcscd went away, or after a timeout. */
  get connected(): boolean {
    return this.#state === 'open';
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    const run = () => transmitWithRules((apdu) => this.#raw(apdu), command);
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #raw(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#state !== 'open') throw this.#dead ?? new CardRemovedError(`The card on "${this.readerName}" is no longer connected`);
    this.apduCount++;
    const native = this.#native.transmit(Buffer.from(apdu.buffer, apdu.byteOffset, apdu.byteLength));
    const inFlight = native.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight = inFlight;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CardTimeoutError(`The card on "${this.readerName}" did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const answer = await Promise.race([native, timeout]);
      if (answer.length === 0) {
        // vpcd (and a reader losing the card mid-frame) reports success with no bytes: no
        // answer reached the reader, so the command's outcome on the card is unknown.
        throw new CardRemovedError(`The card on "${this.readerName}" left the field during the command (empty answer)`);
      }
      return Uint8Array.from(answer);
    } catch (err) {
      const mapped = mapPcscError(err, 'transmit', this.readerName, this.#hooks.serviceDown());
      // Timeout, card gone, pcscd gone: this handle is finished; release it (after the native
      // call returns) so an exclusive lock does not outlive the card.
      if (mapped instanceof CardTimeoutError || mapped instanceof CardRemovedError || mapped instanceof PcscUnavailableError) this.invalidate(mapped);
      throw mapped;
    } finally {
      clearTimeout(timer);
      void inFlight.then(() => {
        if (this.#inFlight === inFlight) this.#inFlight = null;
      });
    }
  }

  /**
   * Marks the handle dead (card removed, pcscd gone, timeout): later transmits fail at once
   * with `reason`, and the native handle is released in the background.
   */
  invalidate(reason: StationError): void {
    if (this.#state !== 'open') return;
    this.#dead = reason;
    void this.disconnect();
  }

  /**
   * Releases the card (after a queued or timed-out APDU has returned); every call, including
   * the background release after a timeout or removal, shares one promise, so awaiting it
   * means the exclusive lock is really gone. Never throws: a card that already left, or a
   * pcscd that already died, has nothing left to release.
   */
  disconnect(disposition: Disposition = 'leave'): Promise<void> {
    this.#release ??= this.#disconnect(disposition);
    return this.#release;
  }

  async #disconnect(disposition: Disposition): Promise<void> {
    this.#state = 'closed';
    this.#dead ??= new CardRemovedError(`The card on "${this.readerName}" was disconnected`);
    this.#hooks.released(this);
    await this.#queue;
    if (this.#inFlight !== null) await this.#inFlight;
    if (this.#dead instanceof PcscUnavailableError) return; // the context is gone with pcscd
    const d = disposition === 'reset' ? this.#binding.SCARD_RESET_CARD : disposition === 'unpower' ? this.#binding.SCARD_UNPOWER_CARD : this.#binding.SCARD_LEAVE_CARD;
    try {
      this.#native.disconnect(d);
    } catch {
      /* card removed or service gone: nothing to release */
    }
  }
}
