/**
 * The card binding (issue 13; docs/RELIABILITY.md "The card binding"): a card-changing request
 * carries the card the clerk confirmed, and the workflow checks it against the card it has just
 * read on the same channel — before settling anything, before any intent, before the first
 * card-changing command. Another card is refused with CARD_CHANGED, and the refusal is the only
 * thing written (an audit line).
 *
 * The API requires the binding (common/api.ts ConfirmedCardSchema); the CLI binds when given
 * `--card ASN` (or an M1 UID). `undefined` means "not bound" (a CLI run without --card, the new
 * card of a one-reader swap, placed only after the confirmation); `null` means the clerk
 * confirmed with no such card on the counter, so any card found there is refused.
 */
import { CardChangedError } from '../common/errors.ts';
import { writeAudit } from '../db/audit.ts';
import type { Station } from './station.ts';
import type { CardView } from './workflows/read-card.ts';

export interface ConfirmedCard {
  /** The reader it was on (always over the API; a CLI `--card` without `--reader` binds the number only). */
  reader?: string;
  /** A CPU card's number (16 hex digits). */
  asn?: string;
  /** An M1 card's UID (hex): what the binding checks. */
  uid?: string;
  /** An M1 card's number as the city prints it (the one the clerk saw): only to name the card in a refusal, never checked. */
  cardNo?: string;
}

export type CardBinding = ConfirmedCard | null | undefined;

/** A card as the binding sees it: its numbers (an M1 card's printed number when it has one). */
type BoundView = Pick<CardView, 'reader' | 'asn' | 'uid' | 'cardRef'> & { cardNo?: string | null };

/**
 * The number a clerk reads for a card (issue 16 item 8): the ASN of a CPU card; for an M1 card
 * the number the city prints on it (the one the screen and the receipt show), its UID only when
 * it has none.
 */
export function cardNumberOf(view: Omit<BoundView, 'reader'>): string {
  return view.asn ?? (view.cardNo ? view.cardNo : null) ?? view.uid ?? view.cardRef;
}

/** Null when `view` is the confirmed card; otherwise the refusal. */
export function bindingMismatch(view: BoundView, confirmed: CardBinding): CardChangedError | null {
  if (confirmed === undefined) return null;
  const found = cardNumberOf(view);
  if (confirmed === null) return new CardChangedError(null, found, view.reader);
  const want = confirmed.asn ?? (confirmed.cardNo ? confirmed.cardNo : null) ?? confirmed.uid ?? '';
  const same = (a: string | null | undefined, b: string | undefined) => b === undefined || (a !== null && a !== undefined && a.toUpperCase() === b.toUpperCase());
  const ok = (confirmed.reader === undefined || confirmed.reader === view.reader) && (confirmed.asn !== undefined || confirmed.uid !== undefined)
    && same(view.asn, confirmed.asn) && same(view.uid, confirmed.uid);
  return ok ? null : new CardChangedError(want.toUpperCase(), found, view.reader);
}

/**
 * Refuses the card in `view` unless it is the confirmed one; the refusal is audited (the only
 * write). Call it right after the first read of the card, before settling or changing anything.
 */
export async function requireConfirmedCard(station: Pick<Station, 'db' | 'now'>, actor: string | null, action: string, view: CardView, confirmed: CardBinding): Promise<void> {
  const refusal = bindingMismatch(view, confirmed);
  if (refusal === null) return;
  await writeAudit(station.db, actor, action, 'refused', { code: refusal.code, confirmed: refusal.confirmed ?? '(none)', found: refusal.found ?? '(none)', reader: view.reader }, station.now());
  throw refusal;
}
