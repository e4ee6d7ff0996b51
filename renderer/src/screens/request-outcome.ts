// What a failed card-changing request did, as the confirmation screens judge it: back to the
// confirmation (nothing done), or a screen that stays on the transaction. Plain TypeScript (no
// DOM) so the unit tests check it under Node.
import { ApiCallError } from '../../../common/api.ts';

/** Refusals that happen before a card can have changed: the operator may correct and retry. */
export const REFUSED_BEFORE_CARD = new Set(['BAD_INPUT', 'POLICY', 'NO_SHIFT', 'NO_CARD', 'NO_READER', 'AUTH', 'FORBIDDEN', 'CARD_UNSUPPORTED', 'UPSTREAM', 'PCSC_UNAVAILABLE', 'KEYS', 'CONFIG', 'CARD_CHANGED', 'RATE_LIMITED']);

/**
 * A failure that certainly changed no card and charged nothing: a refusal before any card, or
 * the station's word that no card-changing command reached a card (outcome 'none'). Only these
 * go back to the confirmation; anything else may have changed a card.
 */
export function nothingDone(err: unknown): boolean {
  if (!(err instanceof ApiCallError)) return false;
  // The station's own word on what reached a card decides, whatever the code: a sale whose first
  // load met another card answers CARD_CHANGED with outcome 'partial' (the card was sold). Going
  // back to the confirmation then would tell the clerk nothing happened (the API simulation,
  // seed 22: issue with a silent swap at APDU 11).
  if (err.outcome !== undefined) return err.outcome === 'none';
  return REFUSED_BEFORE_CARD.has(err.code);
}

/**
 * The answer never came (the connection dropped, or the bridge could not read it): the station
 * answers every failed card-changing request with its `outcome` (core/request-failure.ts), so
 * an error without one was made on this side. Nothing can be settled on this screen then: it
 * says so and where to look, instead of promising an outcome here.
 */
export function answerLost(err: unknown): boolean {
  return err instanceof ApiCallError && err.outcome === undefined && !nothingDone(err);
}
