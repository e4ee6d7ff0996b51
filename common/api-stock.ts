/**
 * The station API's blank-card stock (issue 17 item 3, docs/COUNTER-RULES.md §3): receive by
 * serial range, spoil one card, return a range, and the count with the day's lines. Spread into
 * common/api.ts METHODS. Who may do what is decided in the core (core/stock.ts: receiving and
 * returning need a supervisor), not here. Quantities only: no money, no idempotency key (a
 * repeated receive or return is refused by the stock itself: the cards are known / not held).
 */
import { z } from 'zod';

/** A card serial as typed (the core checks it is 16 digits and says which field is wrong). */
const serialText = z.string().max(32);
const docText = z.string().max(64);
const count = z.number().int();

export const StockCountSchema = z.object({ cardType: z.string(), inStock: count, issued: count, spoiled: count, returned: count });
export const StockLineSchema = z.object({ cardType: z.string(), opening: count, received: count, issued: count, spoiled: count, returned: count, closing: count });

export const STOCK_METHODS = {
  /** Cards per type and state now, and the day's lines (opening + received − issued − spoiled − returned = closing). */
  stockCount: {
    params: z.object({ day: z.string().max(10).optional() }),
    result: z.object({ counts: z.array(StockCountSchema), day: z.string(), lines: z.array(StockLineSchema), problems: z.array(z.string()) }),
  },
  /** Blank cards from the center (a supervisor): the range is refused whole when any card of it is known. */
  stockReceive: {
    params: z.object({ first: serialText, last: serialText, cardType: z.string().max(4), documentNo: docText }),
    result: z.object({ entryId: z.string(), firstAsn: z.string(), lastAsn: z.string(), cardType: z.string(), cards: count, documentNo: z.string() }),
  },
  /** A card that failed personalisation (an operator). */
  stockSpoil: {
    params: z.object({ asn: serialText, reason: z.string().max(200) }),
    result: z.object({ entryId: z.string(), asn: z.string(), cardType: z.string() }),
  },
  /** The blank and spoiled cards of a range back to the center (a supervisor). */
  stockReturn: {
    params: z.object({ first: serialText, last: serialText, documentNo: docText }),
    result: z.object({
      firstAsn: z.string(), lastAsn: z.string(), documentNo: z.string(),
      returned: z.array(z.object({ entryId: z.string(), cardType: z.string(), cards: count, spoiledCards: count })),
    }),
  },
} as const;
