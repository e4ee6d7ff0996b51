/**
 * Every failure the station can explain to an operator has a code (stable, for the UI and
 * `--json`), a message (what happened) and a hint (the next step). Codes are a closed set so
 * the renderer can translate them without importing anything but this module.
 */
import type { Say } from './say.ts';

export const ERROR_CODES = [
  'BAD_INPUT',
  'CONFIG',
  'KEYS',
  'CRYPTO',
  'PCSC_UNAVAILABLE',
  'NO_READER',
  'READER_GONE',
  'NO_CARD',
  'CARD_REMOVED',
  'CARD_TIMEOUT',
  'CARD_MALFORMED',
  'CARD_STATUS',
  'CARD_UNSUPPORTED',
  'CARD_MISMATCH',
  /** The card in the field is not the one the clerk confirmed (core/card-binding.ts): nothing was done. */
  'CARD_CHANGED',
  'STORAGE',
  'DISK_FULL',
  'LEDGER_BROKEN',
  'AUTH',
  'FORBIDDEN',
  'POLICY',
  'NO_SHIFT',
  'UPSTREAM',
  'INCOMPLETE',
  'PRINTER',
  /** Too many attempts in a short time (PIN checks over the station API): wait, then try again. */
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class StationError extends Error {
  readonly code: ErrorCode;
  /** What the operator should do next; shown under the message. */
  readonly hint: string | undefined;
  /** The same refusal as a message id and figures, for the screen's languages (common/say.ts). */
  readonly say: Say | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown; say?: Say }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StationError';
    this.code = code;
    this.hint = hint;
    this.say = options?.say;
  }

  toJSON(): StationErrorJson {
    return {
      code: this.code, message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.say === undefined ? {} : { say: this.say }),
    };
  }
}

/** A StationError as it crosses the API; `cards` names both cards of a CARD_CHANGED refusal. */
export interface StationErrorJson {
  code: ErrorCode;
  message: string;
  hint?: string;
  say?: Say;
  cards?: { confirmed: string; found: string | null };
  /** A failed card-changing request: what it did to cards (core/card-ops.ts RequestOutcome) and the operations it left. */
  outcome?: 'none' | 'partial' | 'in-doubt';
  opIds?: string[];
}

/**
 * The card in the field is not the card the clerk confirmed (a swap between the confirmation
 * and the commit, or a card placed where none was confirmed). Raised before any intent and any
 * card-changing command, so nothing changed: the clerk reads the card again and starts over.
 */
export class CardChangedError extends StationError {
  /** The confirmed card's number (ASN or UID), or null when no card was confirmed. */
  readonly confirmed: string | null;
  /** The number of the card found in the field, or null when none could be read. */
  readonly found: string | null;
  constructor(confirmed: string | null, found: string | null, where: string) {
    super('CARD_CHANGED',
      confirmed === null
        ? `Card changed: card ${found ?? '?'} is on ${where}, but no card was confirmed there; nothing was done`
        : `Card changed: card ${found ?? '?'} is on ${where}, not card ${confirmed} that was confirmed; nothing was done`,
      'Read the card again and confirm again');
    this.name = 'CardChangedError';
    this.confirmed = confirmed;
    this.found = found;
  }

  override toJSON(): StationErrorJson {
    return { ...super.toJSON(), cards: { confirmed: this.confirmed ?? '—', found: this.found } };
  }
}

export class BadInputError extends StationError {
  constructor(message: string, hint?: string, say?: Say) {
    super('BAD_INPUT', message, hint, say === undefined ? undefined : { say });
    this.name = 'BadInputError';
  }
}

/** pcscd is not running, or its socket cannot be reached. */
export class PcscUnavailableError extends StationError {
  constructor(message = 'The PC/SC service (pcscd) is not reachable', options?: { cause?: unknown; hint?: string }) {
    super('PCSC_UNAVAILABLE', message, options?.hint ?? 'Start pcscd (systemctl start pcscd) or check PCSCLITE_CSOCK_NAME', options);
    this.name = 'PcscUnavailableError';
  }
}

export class NoReaderError extends StationError {
  constructor(message = 'No card reader is connected') {
    super('NO_READER', message, 'Plug in the reader, or run `station sim` for virtual readers');
    this.name = 'NoReaderError';
  }
}

export class ReaderGoneError extends StationError {
  constructor(reader: string, options?: { cause?: unknown }) {
    super('READER_GONE', `Reader "${reader}" was disconnected`, 'Reconnect the reader', options);
    this.name = 'ReaderGoneError';
  }
}

export class NoCardError extends StationError {
  constructor(reader: string) {
    super('NO_CARD', `No card on reader "${reader}"`, 'Place the card on the reader');
    this.name = 'NoCardError';
  }
}

/** The card left the field during a command: the command's outcome on the card is unknown. */
export class CardRemovedError extends StationError {
  constructor(message = 'The card was removed during the operation', options?: { cause?: unknown }) {
    super('CARD_REMOVED', message, 'Place the same card on the reader again and keep it still', options);
    this.name = 'CardRemovedError';
  }
}

export class CardTimeoutError extends StationError {
  constructor(message = 'The card did not answer in time', options?: { cause?: unknown }) {
    super('CARD_TIMEOUT', message, 'Lift the card, place it again and retry', options);
    this.name = 'CardTimeoutError';
  }
}

/** The card answered, but not in a shape this protocol allows (short, garbage TLV, ...). */
export class CardMalformedError extends StationError {
  constructor(message: string) {
    super('CARD_MALFORMED', message, 'The card may be damaged or not a City Union card; try again or use damaged-card exchange');
    this.name = 'CardMalformedError';
  }
}

/** The card refused a command with a status word. */
export class CardStatusError extends StationError {
  readonly sw: number;
  readonly command: string;
  constructor(command: string, sw: number, meaning: string) {
    super('CARD_STATUS', `${command} refused by the card: ${sw.toString(16).toUpperCase().padStart(4, '0')} (${meaning})`);
    this.name = 'CardStatusError';
    this.sw = sw;
    this.command = command;
  }
}

export class CardUnsupportedError extends StationError {
  constructor(message: string, hint?: string) {
    super('CARD_UNSUPPORTED', message, hint);
    this.name = 'CardUnsupportedError';
  }
}

/** Wraps anything unknown so that callers always get a StationError with a code. */
export function toStationError(err: unknown): StationError {
  if (err instanceof StationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StationError('INTERNAL', message, undefined, { cause: err });
}
