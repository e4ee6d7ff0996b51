/**
 * Registry changes that belong to a card operation's ledger event. They travel inside the
 * prepared event of the intent (plain JSON), so whoever records the event — the workflow, or
 * recovery on a later placement — applies them in the same transaction as the entry: a sold
 * card is in the registry exactly when its sale is in the ledger.
 * Registration fields here are already masked (core/registration.ts); no ID number is ever
 * carried in clear.
 */
import type { CardEffect, CardRecord } from '../common/card-intents.ts';
import { StationError } from '../common/errors.ts';
import { addToBlacklist, getCard, setCardStatus, setCardType, setCardVerified, upsertCard } from '../db/registry.ts';
import { createRequest, updateRequest } from '../db/requests.ts';
import type { Queryable } from '../db/sqlite.ts';

export type { CardEffect, CardRecord };

export async function applyCardEffects(tx: Queryable, effects: readonly CardEffect[], at: Date, entryId: string): Promise<void> {
  for (const e of effects) {
    switch (e.type) {
      case 'card-upsert': {
        const c = e.card;
        const existing = await getCard(tx, c.cardRef);
        await upsertCard(tx, {
          card_ref: c.cardRef, kind: c.kind, city_code: c.cityCode, status: c.status, deposit_fen: c.depositFen, registered: c.registered ? 1 : 0,
          holder_name: c.holderName, id_number_masked: c.idNumberMasked, id_number_hash: c.idNumberHash, phone_masked: c.phoneMasked,
          issued_at: existing?.issued_at ?? at.toISOString(), updated_at: at.toISOString(),
        });
        if (c.cardType !== undefined) await setCardType(tx, c.cardRef, c.cardType);
        break;
      }
      case 'card-verified':
        // The sale's row is written first (its entry precedes the 年审 entry of a concession sale).
        if (!(await getCard(tx, e.cardRef))) throw new StationError('INTERNAL', `年审 of ${e.cardRef}, which is not in the registry`);
        await setCardVerified(tx, e.cardRef, e.cardType, e.verifiedUntil, at);
        break;
      case 'card-status':
        if (!(await getCard(tx, e.cardRef))) {
          // A card sold before this station kept a registry: the status still has to stick.
          await upsertCard(tx, {
            card_ref: e.cardRef, kind: e.cardRef.startsWith('m1:') ? 'm1' : 'cpu', city_code: null, status: e.status, deposit_fen: e.depositFen ?? 0,
            registered: 0, holder_name: null, id_number_masked: null, id_number_hash: null, phone_masked: null, issued_at: null, updated_at: at.toISOString(),
          });
        } else {
          await setCardStatus(tx, e.cardRef, e.status, at, e.depositFen);
        }
        break;
      case 'blacklist':
        await addToBlacklist(tx, e.cardRef, e.reason, 'local', at);
        break;
      case 'request':
        await updateRequest(tx, e.requestId, { ...(e.state !== undefined ? { state: e.state } : {}), ...(e.details !== undefined ? { details: e.details } : {}), ...(e.state === 'done' ? { entryId } : {}) }, at);
        break;
      case 'request-create':
        await createRequest(tx, { requestId: e.requestId, kind: e.kind, cardRef: e.cardRef, state: e.state, readyAfter: e.readyAfter, details: e.details, entryId, createdAt: at.toISOString() });
        break;
      case 'stock-issue':
        // Written by commitCardOp after these effects: it records its own ledger entry (stock_issued).
        break;
      default:
        throw new StationError('INTERNAL', `unknown card effect ${JSON.stringify(e)}`);
    }
  }
}
