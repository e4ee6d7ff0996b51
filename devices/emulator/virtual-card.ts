/**
 * What every emulated card (CPU e-purse, T-Union, M1 behind a PC/SC reader) offers to a
 * transport: the in-process channel (devices/emulator/in-process.ts) and the vpcd client
 * (devices/emulator/vpcd-client.ts) both drive cards only through this interface.
 */
/** 'dual': a City Union card that also carries a T-Union application (dual-card.ts). */
export type VirtualCardKind = 'cpu' | 'tunion' | 'm1' | 'dual';

/**
 * Fault hooks for tearing: the card (or the transport serving it) checks the armed fault on
 * every APDU. `atApdu` counts APDUs since the fault was armed (0 = the next one).
 * - `tear-before-commit`: the card loses power before changing anything; no answer.
 * - `tear-after-commit`: the change is committed, power is lost before the answer.
 * - `response-lost`: the change is committed and the answer is computed but never arrives.
 * - `remove`: the card leaves the field before the APDU reaches it.
 * - `garbage`: the card answers with the bytes given (malformed-answer tests).
 */
export type FaultKind = 'tear-before-commit' | 'tear-after-commit' | 'response-lost' | 'remove' | 'garbage';
export interface Fault {
  kind: FaultKind;
  atApdu: number;
  garbage?: Uint8Array;
}

/** What the card did with one APDU. `response: null` means no answer reached the reader. */
export interface CardAnswer {
  response: Uint8Array | null;
  /** True when the card lost power/left the field as part of this APDU (tear or removal). */
  removed: boolean;
}

export interface VirtualCard {
  readonly kind: VirtualCardKind;
  atr(): Uint8Array;
  /** Power-up / reset: clears volatile state (selection, security status, pending transaction). */
  reset(): void;
  /** Processes one APDU, honouring an armed fault. */
  process(apdu: Uint8Array): CardAnswer;
  /** Arms a fault (replacing any armed one); `null` disarms. */
  armFault(fault: Fault | null): void;
  /** Persistent state as plain JSON (hex strings for bytes), loadable by the card's `fromJSON`. */
  toJSON(): unknown;
}
