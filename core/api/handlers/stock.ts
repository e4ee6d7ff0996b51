/**
 * The UI server's blank-card stock (common/api-stock.ts), wired to core/stock.ts, which enforces
 * the roles, checks inside its writes and audits refusals.
 */
import type { Actor } from '../../auth.ts';
import { countStock, receiveStock, returnStock, spoilStockCard, stockDay, stockLinesOfDay } from '../../stock.ts';
import type { Station } from '../../station.ts';

export function stockHandlers<C>(deps: { station: Station; actorOf: (conn: C) => Actor }) {
  const { station, actorOf } = deps;
  return {
    async stockCount(p: { day?: string | undefined }, conn: C) {
      const counts = await countStock(station, actorOf(conn));
      const day = p.day ?? stockDay(station);
      return { counts, day, ...(await stockLinesOfDay(station.db, day)) };
    },
    stockReceive: (p: { first: string; last: string; cardType: string; documentNo: string }, conn: C) => receiveStock(station, actorOf(conn), p),
    stockSpoil: (p: { asn: string; reason: string }, conn: C) => spoilStockCard(station, actorOf(conn), p),
    stockReturn: (p: { first: string; last: string; documentNo: string }, conn: C) => returnStock(station, actorOf(conn), p),
  };
}
