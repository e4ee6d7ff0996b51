/**
 * The `smartcard` binding rejects with plain `Error`s whose message is pcsc-lite's text
 * (src/pcsc_errors.h: "Card was removed", "PC/SC service not running", ...); there is no
 * numeric code on them. This module maps those texts onto the station's typed errors, with
 * the PC/SC text kept as `cause`. `smartcard`'s own PCSCError classes (with `.code`) are
 * mapped too, in case a later version starts using them.
 */
import {
  CardRemovedError,
  CardTimeoutError,
  NoCardError,
  PcscUnavailableError,
  ReaderGoneError,
  StationError,
} from '../../common/errors.ts';

/** Another application holds the reader (SCARD_E_SHARING_VIOLATION on an exclusive connect). */
export class ReaderBusyError extends StationError {
  constructor(reader: string, options?: { cause?: unknown }) {
    super('INTERNAL', `Reader "${reader}" is in use by another application`, 'Close other smart-card programs (or the other station window) and retry', options);
    this.name = 'ReaderBusyError';
  }
}

/** Where the error happened: decides between "no card" (connect) and "card removed" (transmit). */
export type PcscOp = 'context' | 'list' | 'wait' | 'connect' | 'transmit' | 'disconnect';

const SERVICE = new Set(['PC/SC service not running', 'PC/SC service stopped', 'Context is not valid', 'Invalid handle']);
const REMOVED = new Set(['Card was removed', 'Card was reset', 'Card is unpowered', 'Transaction failed', 'Card is not connected']);
const READER = new Set(['Reader unavailable', 'Unknown reader', 'No readers available']);
const CODES: Record<number, string> = {
  0x8010001d: 'PC/SC service not running',
  0x8010001e: 'PC/SC service stopped',
  0x80100069: 'Card was removed',
  0x80100068: 'Card was reset',
  0x80100067: 'Card is unpowered',
  0x80100016: 'Transaction failed',
  0x8010000a: 'Operation timed out',
  0x8010000c: 'No smart card present',
  0x80100017: 'Reader unavailable',
  0x80100009: 'Unknown reader',
  0x8010002e: 'No readers available',
  0x8010000b: 'Sharing violation',
  0x80100066: 'Card is unresponsive',
};

/** NoCardError takes no options; keep the PC/SC error as its cause all the same. */
function withCause<E extends Error>(e: E, cause: unknown): E {
  Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  return e;
}

function pcscText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && CODES[code] !== undefined) return CODES[code];
    return err.message;
  }
  return String(err);
}

/** True when the error says pcscd itself is gone (not a card or reader problem). */
export function isServiceError(err: unknown): boolean {
  if (err instanceof PcscUnavailableError) return true;
  const text = pcscText(err);
  return SERVICE.has(text) || text === 'Communication error' || text === 'Unknown PC/SC error';
}

/**
 * Maps a binding error to a StationError. `reader` names the reader for messages; `op`
 * distinguishes a connect without card (NoCardError) from a card lost mid-command
 * (CardRemovedError). `serviceDown` lets the caller say pcscd was seen dying, which turns
 * ambiguous failures (comm errors) into PcscUnavailableError.
 */
export function mapPcscError(err: unknown, op: PcscOp, reader?: string, serviceDown = false): StationError {
  if (err instanceof StationError) return err;
  const text = pcscText(err);
  const where = reader === undefined ? '' : ` (reader "${reader}")`;
  if (SERVICE.has(text) || (serviceDown && (text === 'Communication error' || text === 'Unknown PC/SC error'))) {
    return new PcscUnavailableError(`The PC/SC service (pcscd) is not reachable: ${text}${where}`, { cause: err });
  }
  if (READER.has(text)) return new ReaderGoneError(reader ?? '?', { cause: err });
  if (text === 'Operation timed out') return new CardTimeoutError(`The card did not answer in time${where}`, { cause: err });
  if (text === 'Card is unresponsive') {
    return op === 'connect' ? new CardTimeoutError(`The card does not answer to reset${where}`, { cause: err }) : new CardRemovedError(`The card stopped answering${where}`, { cause: err });
  }
  if (text === 'No smart card present') {
    return op === 'connect' ? withCause(new NoCardError(reader ?? '?'), err) : new CardRemovedError(`The card was removed during the operation${where}`, { cause: err });
  }
  if (REMOVED.has(text)) return new CardRemovedError(`The card was removed during the operation${where}: ${text}`, { cause: err });
  if (text === 'Sharing violation') return new ReaderBusyError(reader ?? '?', { cause: err });
  if (text === 'Communication error') {
    // The reader lost the card's channel: for a command the outcome on the card is unknown.
    return op === 'transmit' ? new CardRemovedError(`Communication with the card failed${where}`, { cause: err }) : new ReaderGoneError(reader ?? '?', { cause: err });
  }
  return new StationError('INTERNAL', `PC/SC ${op} failed${where}: ${text}`, undefined, { cause: err });
}
