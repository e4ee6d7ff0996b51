/**
 * `station stock …`: the blank-card stock (issue 17 item 3, core/stock.ts). Receiving and
 * returning need a supervisor, spoiling, listing and counting an operator: the core checks the
 * role of --operator.
 */
import { countStock, listStock, receiveStock, returnStock, spoilStockCard, stockLinesOfDay, stockDay } from '../../core/stock.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, withStation } from '../session.ts';

const ACTOR_USAGE = '--operator ID   (PIN in STATION_PIN)';

export const stockReceiveCommand: CliCommand = {
  path: ['stock', 'receive'],
  summary: 'receive blank cards from the center by serial range (入库; a supervisor)',
  usage: `station stock receive --first ASN --last ASN --type 00 --doc NO [--json] ${ACTOR_USAGE}\n  ASNs are the 16-digit card numbers; at most 10,000 cards a range; --doc is the center's delivery note`,
  options: { ...ACTOR_OPTIONS, first: { type: 'string' }, last: { type: 'string' }, type: { type: 'string' }, doc: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await receiveStock(station, actor, { first: stringOpt(input, 'first'), last: stringOpt(input, 'last'), cardType: stringOpt(input, 'type') ?? '00', documentNo: stringOpt(input, 'doc') });
      emit(io, input.json, r, `Received ${r.cards} cards of type ${r.cardType}, ${r.firstAsn}–${r.lastAsn}, note ${r.documentNo}; entry ${r.entryId}`);
      return 0;
    });
  },
};

export const stockSpoilCommand: CliCommand = {
  path: ['stock', 'spoil'],
  summary: 'record a blank card that failed personalisation as spoiled (废卡)',
  usage: `station stock spoil --card ASN --reason TEXT [--json] ${ACTOR_USAGE}\n  the card is kept and goes back to the center with the next return`,
  options: { ...ACTOR_OPTIONS, card: { type: 'string' }, reason: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await spoilStockCard(station, actor, { asn: stringOpt(input, 'card'), reason: stringOpt(input, 'reason') });
      emit(io, input.json, r, `Card ${r.asn} (type ${r.cardType}) recorded as spoiled; entry ${r.entryId}`);
      return 0;
    });
  },
};

export const stockReturnCommand: CliCommand = {
  path: ['stock', 'return'],
  summary: 'return the blank and spoiled cards of a serial range to the center (退库; a supervisor)',
  usage: `station stock return --first ASN --last ASN --doc NO [--json] ${ACTOR_USAGE}\n  cards already issued in the range stay issued`,
  options: { ...ACTOR_OPTIONS, first: { type: 'string' }, last: { type: 'string' }, doc: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await returnStock(station, actor, { first: stringOpt(input, 'first'), last: stringOpt(input, 'last'), documentNo: stringOpt(input, 'doc') });
      emit(io, input.json, r, [
        `Returned to the center, note ${r.documentNo} (${r.firstAsn}–${r.lastAsn}):`,
        ...r.returned.map((x) => `  type ${x.cardType}: ${x.cards} from stock, ${x.spoiledCards} spoiled; entry ${x.entryId}`),
      ].join('\n'));
      return 0;
    });
  },
};

export const stockListCommand: CliCommand = {
  path: ['stock', 'list'],
  summary: 'list blank cards by state (in_stock, issued, spoiled, returned)',
  usage: `station stock list [--state in_stock] [--type 00] [--limit N] [--json] ${ACTOR_USAGE}`,
  options: { ...ACTOR_OPTIONS, state: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const limit = stringOpt(input, 'limit');
      const rows = await listStock(station, actor, { state: stringOpt(input, 'state'), cardType: stringOpt(input, 'type'), ...(limit !== undefined ? { limit: Number(limit) || 500 } : {}) });
      const cards = rows.map((r) => ({ asn: r.asn, cardType: r.card_type, state: r.state, receivedDoc: r.received_doc, spoilReason: r.spoil_reason, returnedDoc: r.returned_doc }));
      emit(io, input.json, { cards }, cards.length === 0 ? 'No cards' : cards.map((c) => `${c.asn}  ${c.cardType}  ${c.state}  ${c.receivedDoc}${c.spoilReason ? `  ${c.spoilReason}` : ''}`).join('\n'));
      return 0;
    });
  },
};

export const stockCountCommand: CliCommand = {
  path: ['stock', 'count'],
  summary: 'blank cards per card type now, and the day\'s stock lines (opening + received − issued − spoiled − returned = closing)',
  usage: `station stock count [--day YYYY-MM-DD] [--json] ${ACTOR_USAGE}\n  exits 1 when a day's line does not reconcile`,
  options: { ...ACTOR_OPTIONS, day: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const counts = await countStock(station, actor);
      const day = stringOpt(input, 'day') ?? stockDay(station);
      const { lines, problems } = await stockLinesOfDay(station.db, day);
      emit(io, input.json, { counts, day, lines, problems }, [
        'type  in stock  issued  spoiled  returned',
        ...counts.map((c) => `${c.cardType.padEnd(4)}  ${String(c.inStock).padStart(8)}  ${String(c.issued).padStart(6)}  ${String(c.spoiled).padStart(7)}  ${String(c.returned).padStart(8)}`),
        `${day}: opening + received − issued − spoiled − returned = closing`,
        ...lines.map((l) => `  ${l.cardType}: ${l.opening} + ${l.received} − ${l.issued} − ${l.spoiled} − ${l.returned} = ${l.closing}`),
        ...problems.map((p) => `  DOES NOT RECONCILE: ${p}`),
      ].join('\n'));
      return problems.length === 0 ? 0 : 1;
    });
  },
};
