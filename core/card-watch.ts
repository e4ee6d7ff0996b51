/**
 * The live card panel's engine: every card placed on a reader is read, its incomplete
 * transactions are settled (ARCHITECTURE.md "Recovery": on every card placement), and the
 * view is handed to the listener; removing the card clears it. Used by `station watch` now
 * and by the UI server later.
 */
import { toStationError, type StationError } from '../common/errors.ts';
import { settleCardOps, type SettledOp } from './card-settlers.ts';
import type { EventEmitter } from 'node:events';
import type { PcscServiceEvents } from '../devices/pcsc/index.ts';
import type { CardAccess } from './card-access.ts';
import type { Station } from './station.ts';
import type { Policy } from './policy.ts';
import { readCard, type CardView } from './workflows/read-card.ts';
import { refundDeposit } from './workflows/refund.ts';

export type CardPanelEvent =
  | { type: 'card'; reader: string; view: CardView; settled: SettledOp[] }
  | { type: 'card-error'; reader: string; error: StationError }
  | { type: 'cleared'; reader: string }
  | { type: 'service'; up: boolean; error?: StationError };

/**
 * The deposit the panel shows for a card: the registry's, else — for an own-city card in use
 * that this station has no record of — the one 退卡 would pay (refundDeposit) or 升级换卡 would
 * take over (an M1 card: the policy's), never "—" for a deposit the next step pays out.
 */
export function withPanelDeposit(view: CardView, policy: Policy): CardView {
  if (view.depositFen !== null || view.otherCity || view.flags.includes('not-enabled')) return view;
  if (view.kind === 'cpu') {
    const d = refundDeposit(undefined, policy);
    return d.depositSource === 'policy' ? { ...view, depositFen: d.depositFen, depositSource: 'policy' } : view;
  }
  return view.kind === 'm1' ? { ...view, depositFen: policy.depositFen, depositSource: 'policy' } : view;
}

/**
 * Reads (and settles) the card on `reader` once: a CPU card's open loads, activations and blocks,
 * and an old M1 card's open zeroing of an upgrade (decided from the card's progress flag, purse
 * copies and blacklist flag, card-ops.ts settleM1Zero), as the workflows' own reads do.
 */
export async function presentCard(station: Station, reader: string): Promise<{ view: CardView; settled: SettledOp[] }> {
  return station.cards.withCard(reader, async (channel) => {
    let view = await readCard(station.db, channel, station.config.cityCode, station.now());
    let settled: SettledOp[] = [];
    if (view.incomplete.length > 0) {
      settled = await settleCardOps(station, channel, view.cardRef);
      view = await readCard(station.db, channel, station.config.cityCode, station.now());
    }
    return { view: withPanelDeposit(view, station.policy), settled };
  });
}

/**
 * Card access whose readers announce what happens in their field: the PC/SC reader service
 * (core/pcsc-access.ts), or an in-process stand-in (the simulation drives `station serve`'s
 * server over it, test/sim/ui-access.ts).
 */
export interface WatchedCardAccess extends CardAccess {
  readonly service: Pick<EventEmitter<PcscServiceEvents>, 'on' | 'off'> & {
    readonly up: boolean;
    readers(): Array<{ name: string; cardPresent: boolean }>;
  };
  /** Starts watching (resolves once the reader list is known). */
  start(): Promise<void>;
}

export function watchCards(station: Station, access: WatchedCardAccess, listener: (e: CardPanelEvent) => void): () => void {
  const service = access.service;
  const onInserted = ({ reader }: { reader: string }) => {
    presentCard(station, reader).then(
      ({ view, settled }) => listener({ type: 'card', reader, view, settled }),
      (err: unknown) => listener({ type: 'card-error', reader, error: toStationError(err) }),
    );
  };
  const onRemoved = ({ reader }: { reader: string }) => listener({ type: 'cleared', reader });
  const onUp = () => listener({ type: 'service', up: true });
  const onDown = (error: StationError) => listener({ type: 'service', up: false, error });
  service.on('card-inserted', onInserted);
  service.on('card-removed', onRemoved);
  service.on('service-up', onUp);
  service.on('service-down', onDown);
  return () => {
    service.off('card-inserted', onInserted);
    service.off('card-removed', onRemoved);
    service.off('service-up', onUp);
    service.off('service-down', onDown);
  };
}
