/**
 * A failed API request as the screen gets it (docs/RELIABILITY.md "Certain outcomes"): always a
 * typed error with a next step — an unexpected exception is logged and named only as such,
 * never shown raw — and, for a card-changing method, what it did to cards (core/card-ops.ts
 * requestOutcome over the intents the request wrote), so the screen can say 未充值，未收款 when
 * nothing reached a card and stay on the transaction only when its outcome is truly unknown.
 */
import { CARD_CHANGING_METHODS, type MethodName } from '../common/api.ts';
import { StationError, type ErrorCode, type StationErrorJson } from '../common/errors.ts';
import { requestOutcome, type RequestOutcome } from './card-ops.ts';
import type { Station } from './station.ts';

/**
 * A failure after which this station cannot name what the request did to cards: a repeat of a
 * keyed request whose process died mid-way (core/idempotency.ts) did nothing itself and does not
 * know the first run's operations. Never 'none': the screen sends the clerk to check the card.
 */
export class OutcomeUnknownError extends StationError {
  constructor(message: string, hint: string, code: ErrorCode = 'INCOMPLETE', cause?: unknown) {
    super(code, message, hint, cause === undefined ? undefined : { cause });
    this.name = 'OutcomeUnknownError';
  }
}

export async function failureAnswer(
  station: Station, method: MethodName, err: unknown, opIds: readonly string[], log: (line: string) => void,
): Promise<StationErrorJson> {
  const unexpected = !(err instanceof StationError);
  if (unexpected) log(`${method} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const e = unexpected
    ? new StationError('INTERNAL', `The station met an unexpected error during ${method}`, 'Run the station check (F6); if it happens again, call support with the time shown')
    : err;
  if (!CARD_CHANGING_METHODS.has(method)) return e.toJSON();
  // The journal cannot be read: an operation the request wrote may be open, so it is not 'none'.
  const outcome = err instanceof OutcomeUnknownError
    ? 'in-doubt'
    : await requestOutcome(station, opIds).catch((): RequestOutcome => (opIds.length === 0 ? 'none' : 'in-doubt'));
  return { ...e.toJSON(), outcome, ...(opIds.length > 0 ? { opIds: [...opIds] } : {}) };
}
