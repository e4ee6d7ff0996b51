/**
 * The card panel as the station API serves it: what each reader holds (a card slot with its
 * view and the operations settled when it was placed, or the error reading it), the reader
 * service's state, and the re-reads after a workflow. Card events come from core/card-watch.ts
 * (placing a card settles its incomplete ops); the reads go through the server's
 * SerialCardAccess like every workflow's.
 */
import type { CardSlot, StationEvent } from '../../common/api.ts';
import { toStationError, type StationError } from '../../common/errors.ts';
import { presentCard, watchCards, type CardPanelEvent } from '../card-watch.ts';
import { explainViewLog } from '../fares/index.ts';
import { untimed } from '../request-timing.ts';
import type { Station } from '../station.ts';
import { defaultCityCodes } from '../workflows/read-card.ts';
import { later } from '../after-answer.ts';
import type { Clients } from './broadcast.ts';
import type { CustomerFeed } from './customer-feed.ts';
import type { SerialCardAccess } from './serial-card-access.ts';

export interface CardPanelOptions {
  /** The station as the API's handlers see it: its `cards` is `access`. */
  station: Station;
  access: SerialCardAccess;
  clients: Clients;
  customer: CustomerFeed;
  /** Operations were settled on a placed card: the drawer may have moved. */
  onSettled(): void;
}

export class CardPanel {
  readonly slots = new Map<string, CardSlot>();
  private pcscUp: boolean;
  private pcscError: StationError | undefined;
  private readonly stopWatch: () => void;
  private readonly readersChanged = () => this.opts.clients.broadcast(this.readersEvent(), false);

  constructor(private readonly opts: CardPanelOptions) {
    this.pcscUp = opts.access.service.up;
    this.stopWatch = watchCards(opts.station, opts.access, (e) => this.onPanel(e));
    opts.access.service.on('reader-added', this.readersChanged);
    opts.access.service.on('reader-removed', this.readersChanged);
  }

  readersNow(): Array<{ name: string; cardPresent: boolean }> {
    const { service } = this.opts.access;
    return service.up ? service.readers().map((r) => ({ name: r.name, cardPresent: r.cardPresent })) : [];
  }

  /** The reader service's state for the status. */
  pcsc(): { up: boolean; error?: ReturnType<StationError['toJSON']> } {
    return { up: this.pcscUp, ...(this.pcscError ? { error: this.pcscError.toJSON() } : {}) };
  }

  /** The reader service's state for a new connection. */
  serviceEvent(): Extract<StationEvent, { event: 'service' }> {
    return { event: 'service', ...this.pcsc() };
  }

  readersEvent(): Extract<StationEvent, { event: 'readers' }> {
    return { event: 'readers', readers: this.readersNow() };
  }

  /** The reader service did not start: the status says why. */
  serviceFailed(err: unknown): void {
    this.pcscUp = false;
    this.pcscError = toStationError(err);
  }

  /** The reader holding the card the panel shows, when exactly one does. */
  onlyCardReader(): string | undefined {
    const cards = [...this.slots.values()].filter((s) => s.state === 'card');
    return cards.length === 1 ? cards[0]!.reader : undefined;
  }

  /** A workflow touched the cards on these readers (none named: every slot): read those still holding a card again. */
  refreshAfterWork(readers: Array<string | undefined>): void {
    const named = readers.filter((r): r is string => r !== undefined);
    const present = new Set(this.readersNow().filter((r) => r.cardPresent).map((r) => r.name));
    for (const r of new Set(named.length > 0 ? named : [...this.slots.keys()])) if (present.has(r)) this.refreshCard(r);
  }

  /**
   * After a workflow changed a card: re-read it for the panel (in the background). `quiet`: after
   * a failed request, whose card may be leaving the field — a read that fails then says nothing
   * (the reader's own removal event clears the panel), so the panel shows no error of its own.
   * Nor does a read that failed because the card left meanwhile (a load torn by the card losing
   * power): its removal may already have cleared the panel, and an error put after it would stay
   * on the panel of an empty reader.
   */
  refreshCard(reader: string | undefined, quiet = false): void {
    // Asked for while a request runs: after its answer is sent (core/after-answer.ts).
    if (later(() => this.refreshCard(reader, quiet))) return;
    const name = reader ?? [...this.slots.keys()][0];
    if (name === undefined) return;
    untimed(() => presentCard(this.opts.station, name)).then(
      ({ view, settled }) => this.onPanel({ type: 'card', reader: name, view, settled }),
      (err: unknown) => {
        const stillThere = this.readersNow().some((r) => r.name === name && r.cardPresent);
        if (!quiet && stillThere) this.onPanel({ type: 'card-error', reader: name, error: toStationError(err) });
      },
    );
  }

  /** A card is on `reader` (the reader service says so). */
  cardPresent(reader: string): boolean {
    return this.readersNow().some((x) => x.name === reader && x.cardPresent);
  }

  close(): void {
    this.stopWatch();
    this.opts.access.service.off('reader-added', this.readersChanged);
    this.opts.access.service.off('reader-removed', this.readersChanged);
  }

  private onPanel(e: CardPanelEvent): void {
    const { clients } = this.opts;
    switch (e.type) {
      case 'card': {
        // The panel shows what the fare rules say of each log record (FARES.md "Explaining a card's log").
        const logExplain = explainViewLog(e.view, this.opts.station.config, defaultCityCodes());
        const view = logExplain === null ? e.view : { ...e.view, logExplain };
        this.slots.set(e.reader, { state: 'card', reader: e.reader, view, settled: e.settled });
        clients.broadcast({ event: 'card', reader: e.reader, view, settled: e.settled }, true);
        // A settled op may have moved the drawer: every unlocked screen gets its shift again.
        if (e.settled.length > 0) this.opts.onSettled();
        break;
      }
      case 'card-error':
        this.slots.set(e.reader, { state: 'error', reader: e.reader, error: e.error.toJSON() });
        clients.broadcast({ event: 'card-error', reader: e.reader, error: e.error.toJSON() }, true);
        break;
      case 'cleared':
        this.slots.delete(e.reader);
        clients.broadcast({ event: 'cleared', reader: e.reader }, true);
        break;
      case 'service':
        this.pcscUp = e.up;
        this.pcscError = e.error;
        if (!e.up) this.slots.clear();
        clients.broadcast({ event: 'service', up: e.up, ...(e.error ? { error: e.error.toJSON() } : {}) }, false);
        break;
    }
    this.opts.customer.onPanel(e);
    clients.broadcast(this.readersEvent(), false);
  }
}
