/**
 * Blank-card stock in the simulation (issue 17 item 3): a supervisor receives a small range from
 * the center, an operator records a stock card as spoiled (it is then kept aside: never sold).
 * The auditor keeps its own stock (test/sim/auditor.ts stockReceived / stockSpoiled) and its
 * final check holds the station's rows and counts to it, and finds any card sold outside stock.
 * A request whose process died is asked of the station once it is back, never guessed.
 */
import { StationError } from '../../common/errors.ts';
import { getStockCard } from '../../db/card-stock.ts';
import { receiveStock, spoilStockCard } from '../../core/stock.ts';
import type { SimAction } from './actions.ts';
import type { World } from './world.ts';

const refusedCleanly = (err: unknown): boolean => err instanceof StationError && ['BAD_INPUT', 'POLICY', 'FORBIDDEN', 'DISK_FULL', 'INCOMPLETE'].includes(err.code);

/** Stock cards not sold yet, still at the counter (a spoiled one is set aside: gone). */
const blanks = (world: World) => world.customers.filter((c) => c.stock && !c.gone && c.kind === 'cpu');

export const stockSpoilAction: SimAction = {
  name: 'stock-spoil',
  weight: (w, a) => (a.cashInDoubt.length === 0 && blanks(w).length > 1 ? 0.3 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const card = world.rng.pick(blanks(world));
    try {
      const r = await spoilStockCard(world.station, world.operator, { asn: card.asn, reason: '模拟：启用失败' });
      auditor.stockSpoiled.add(card.asn);
      card.gone = true;
      return r;
    } catch (err) {
      if (!refusedCleanly(err)) {
        card.gone = true;
        auditor.cashInDoubt.push(async (db) => {
          if ((await getStockCard(db, card.asn))?.state === 'spoiled') auditor.stockSpoiled.add(card.asn);
        });
      }
      throw err;
    }
  },
};

export const stockReceiveAction: SimAction = {
  name: 'stock-receive',
  weight: (_w, a) => (a.cashInDoubt.length === 0 && a.stockRanges.length < 3 ? 0.2 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const n = auditor.stockRanges.length;
    const first = `31000000002${String(n).padStart(2, '0')}000`;
    const last = `31000000002${String(n).padStart(2, '0')}009`;
    const book = (): void => { auditor.stockRanges.push({ first, last, cards: 10 }); };
    try {
      const r = await receiveStock(world.station, world.supervisor, { first, last, cardType: '00', documentNo: `SIM-${n}` });
      book();
      return r;
    } catch (err) {
      if (!refusedCleanly(err)) {
        auditor.cashInDoubt.push(async (db) => {
          if ((await getStockCard(db, first)) !== undefined) book();
        });
      }
      throw err;
    }
  },
};

export const STOCK_ACTIONS: SimAction[] = [stockSpoilAction, stockReceiveAction];
