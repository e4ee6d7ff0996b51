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
import type { Auditor } from './auditor.ts';
import type { SimCard, World } from './world.ts';

const refusedCleanly = (err: unknown): boolean => err instanceof StationError && ['BAD_INPUT', 'POLICY', 'FORBIDDEN', 'DISK_FULL', 'INCOMPLETE'].includes(err.code);

/**
 * Stock cards not sold yet, still at the counter (a spoiled one is set aside: gone), and not set
 * aside for a customer: the card an unfinished upgrade, replacement or exchange activated or
 * was tried on is that customer's, not one to spoil. (Seed 20229: a process death while spoiling
 * the card of an upgrade in doubt left the sim holding it as gone, and the upgrade unfinishable.)
 */
const blanks = (world: World, auditor: Auditor) => {
  const reserved = new Set<SimCard>([...auditor.m1Candidate.values(), ...auditor.m1NewCard.values(), ...auditor.replaceCandidate.values(), ...auditor.replaceNewCard.values(), ...auditor.exchangeNewCard.values()]);
  return world.customers.filter((c) => c.stock && !c.gone && c.kind === 'cpu' && !reserved.has(c));
};

export const stockSpoilAction: SimAction = {
  name: 'stock-spoil',
  weight: (w, a) => (a.cashInDoubt.length === 0 && blanks(w, a).length > 1 ? 0.3 : 0),
  pickCard: () => null,
  async perform(world, auditor) {
    const card = world.rng.pick(blanks(world, auditor));
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
