/**
 * Blank-card stock (issue 17 item 3, docs/COUNTER-RULES.md §3). The center delivers cards by
 * serial range with its document number (received, a supervisor); a card leaves stock when a
 * sale, replacement, exchange or upgrade activates it (issued: core/card-tx.ts enableCardOp
 * checks it inside the intent's write and records stock_issued in the sale's transaction), when
 * it failed personalisation (spoiled, an operator) or when it goes back to the center (returned,
 * a supervisor). Each movement is a ledger event without postings in the same transaction as
 * the per-card rows (db/card-stock.ts), so the chain and the rows never disagree.
 */
import { chinaDate } from '../common/china-time.ts';
import { BadInputError, StationError } from '../common/errors.ts';
import { storedEvent, type LedgerEventKind } from '../common/ledger-events.ts';
import { say } from '../common/say.ts';
import {
  getStockCard, heldInRange, insertReceived, knownInRange, setStockState, stockByTypeAndState, stockCards, STOCK_STATES,
  type StockCardRow, type StockState,
} from '../db/card-stock.ts';
import { stockEntriesBefore } from '../db/ledger-queries.ts';
import type { StoredEntry } from '../db/ledger.ts';
import { openOpsForCard } from '../db/intents.ts';
import { currentShift } from '../db/shifts.ts';
import type { Queryable } from '../db/sqlite.ts';
import { requireRole, type Actor } from './auth.ts';
import { CARD_TYPE_CODES, type CardTypeCode } from './concession.ts';
import { recordInTx } from './record.ts';
import { stockLines, stockProblems, type StockLine, type StockMovement } from './stock-count.ts';
import type { Station } from './station.ts';
import { localDayRange } from './ledger-tools.ts';
import { TRAINING_STOCK } from './station-home.ts';
import { refused } from './workflows/validate.ts';

export type { StockLine };
export { STOCK_STATES, type StockState };

/** One delivery note's range at most: a box of cards is hundreds, a pallet a few thousand. */
export const MAX_RANGE_CARDS = 10_000;

/** A card serial: the ASN's 16 digits, decimal (a range is a range of numbers, docs/COUNTER-RULES.md §3). */
export function parseSerial(text: unknown, name: string): string {
  const s = typeof text === 'string' ? text.trim() : '';
  if (!/^[0-9]{16}$/.test(s)) throw new BadInputError(`${name} must be a card number of 16 digits, got "${String(text).slice(0, 40)}"`, 'Type the card number printed on the card (16 digits)', say('badField', { field: name }));
  return s;
}

/** The serials first…last, both ends included; refused when reversed or longer than MAX_RANGE_CARDS. */
export function serialRange(firstText: unknown, lastText: unknown): string[] {
  const first = parseSerial(firstText, 'first');
  const last = parseSerial(lastText, 'last');
  const a = BigInt(first);
  const n = BigInt(last) - a + 1n;
  if (n < 1n) throw new BadInputError(`the last card number ${last} is before the first ${first}`, 'Give the first and the last card number of the range, in that order', say('badField', { field: 'last' }));
  if (n > BigInt(MAX_RANGE_CARDS)) throw new BadInputError(`${first}–${last} is ${n} cards, more than ${MAX_RANGE_CARDS} in one range`, `Split the delivery into ranges of at most ${MAX_RANGE_CARDS} cards`, say('badField', { field: 'last' }));
  return Array.from({ length: Number(n) }, (_, i) => (a + BigInt(i)).toString().padStart(16, '0'));
}

export function parseCardType(text: unknown): CardTypeCode {
  const t = typeof text === 'string' ? text.trim() : '';
  if (!(CARD_TYPE_CODES as readonly string[]).includes(t)) throw new BadInputError(`card type must be one of ${CARD_TYPE_CODES.join(', ')}, got "${String(text).slice(0, 20)}"`, 'Give the card type code printed on the delivery note (00 普通卡)', say('badField', { field: 'cardType' }));
  return t as CardTypeCode;
}

/** A document number of the center (delivery or return note): 1–40 printable characters. */
export function parseDocumentNo(text: unknown): string {
  const d = typeof text === 'string' ? text.trim() : '';
  if (!/^[\x21-\x7E]{1,40}$/.test(d)) throw new BadInputError('the document number must be 1–40 letters, digits or signs, no spaces', 'Type the number printed on the center\'s note', say('badField', { field: 'documentNo' }));
  return d;
}

async function shiftOf(station: Station, actor: Actor): Promise<string | null> {
  return (await currentShift(station.db, actor.staffId))?.shift_id ?? null;
}

/** A stock movement's entry: no card, no money, no postings. */
function stockEvent(kind: LedgerEventKind, actor: Actor, shiftId: string | null, payload: Record<string, string | number>, at: Date) {
  return { kind, operatorId: actor.staffId, shiftId, cardRef: null, amountFen: 0, payload, postings: [], at };
}

export interface ReceiveResult {
  entryId: string;
  firstAsn: string;
  lastAsn: string;
  cardType: CardTypeCode;
  cards: number;
  documentNo: string;
}

/** `station stock receive`: a supervisor books a delivery; any card of the range already known refuses the whole range (checked inside the write). */
export async function receiveStock(station: Station, actor: Actor, input: { first: unknown; last: unknown; cardType: unknown; documentNo: unknown }): Promise<ReceiveResult> {
  await requireRole(station.db, actor, 'supervisor', 'stock-receive');
  const checked = await refused(station.db, actor.staffId, 'stock-receive', () => ({
    asns: serialRange(input.first, input.last), cardType: parseCardType(input.cardType), documentNo: parseDocumentNo(input.documentNo),
  }));
  const shiftId = await shiftOf(station, actor);
  return refused(station.db, actor.staffId, 'stock-receive', () => receiveRange(station, station.db, actor.staffId, shiftId, checked));
}

/** The delivery's write: the range refused whole when any card of it is known, else its entry and rows in one transaction. */
async function receiveRange(
  owner: Pick<Station, 'now' | 'config'>, db: Station['db'], actorId: string, shiftId: string | null, r: { asns: string[]; cardType: CardTypeCode; documentNo: string },
): Promise<ReceiveResult> {
  const firstAsn = r.asns[0]!;
  const lastAsn = r.asns[r.asns.length - 1]!;
  const at = owner.now();
  const entry = await db.transaction(async (tx) => {
    const known = await knownInRange(tx, firstAsn, lastAsn);
    if (known > 0) {
      throw new StationError('POLICY', `${known} cards of ${firstAsn}–${lastAsn} were received before`, 'Check the first and last card number on the delivery note',
        { say: say('stockRangeKnown', { first: firstAsn, last: lastAsn, count: String(known) }) });
    }
    const e = await recordInTx(owner, tx, {
      kind: 'stock_received', operatorId: actorId, shiftId, cardRef: null, amountFen: 0, postings: [], at,
      payload: { firstAsn, lastAsn, cardType: r.cardType, cards: r.asns.length, documentNo: r.documentNo },
    });
    await insertReceived(tx, r.asns, r.cardType, e.entryId, r.documentNo, at);
    return e;
  });
  return { entryId: entry.entryId, firstAsn, lastAsn, cardType: r.cardType, cards: r.asns.length, documentNo: r.documentNo };
}

/**
 * A training station's stock (core/station-home.ts TRAINING_STOCK), received once when its first
 * admin is created: the lab's stock cards are in it (core/lab/card-specs.ts), so a sale in
 * training is held to the same rule as a live one.
 */
export async function receiveTrainingStock(db: Station['db'], config: Station['config'], now: () => Date, adminId: string): Promise<ReceiveResult> {
  return receiveRange({ now, config }, db, adminId, null, {
    asns: serialRange(TRAINING_STOCK.first, TRAINING_STOCK.last), cardType: TRAINING_STOCK.cardType, documentNo: TRAINING_STOCK.documentNo,
  });
}

/** Why a card cannot leave stock by a sale, or null when it is in the station's stock. */
export function notInStock(row: StockCardRow | undefined, asn: string, what: string): StationError | null {
  if (row === undefined) {
    return new StationError('POLICY', `${what} refused: card ${asn} is not in this station's stock (never received here)`,
      'Take a card this station received; a supervisor receives the batch first (station stock receive)', { say: say('stockNotReceived', { card: asn }) });
  }
  switch (row.state) {
    case 'in_stock': return null;
    case 'issued': return new StationError('POLICY', `${what} refused: card ${asn} is already issued from stock (${row.changed_entry ?? ''})`, 'Take another card from stock; a supervisor checks this one', { say: say('stockCardIssued', { card: asn }) });
    case 'spoiled': return new StationError('POLICY', `${what} refused: card ${asn} was recorded as spoiled`, 'Put it with the spoiled cards and take another from stock', { say: say('stockCardSpoiled', { card: asn }) });
    case 'returned': return new StationError('POLICY', `${what} refused: card ${asn} was returned to the card center`, 'Hand it to the supervisor and take another from stock', { say: say('stockCardReturned', { card: asn }) });
  }
}

/** The sale's guard: inside the transaction that writes its intent (core/card-tx.ts enableCardOp). */
export async function requireInStock(tx: Queryable, asn: string, what: string): Promise<void> {
  const refusal = notInStock(await getStockCard(tx, asn), asn, what);
  if (refusal !== null) throw refusal;
}

/**
 * The card a sale (or replacement, exchange, upgrade) activated leaves stock: in the sale entry's
 * transaction (core/card-ops.ts commitCardOp, also when recovery records it). A card the station
 * never received (an intent written before stock existed) has nothing to move.
 */
export async function issueFromStock(station: Station, tx: Queryable, asn: string, sale: StoredEntry): Promise<StoredEntry | null> {
  const row = await getStockCard(tx, asn);
  if (row === undefined || row.state === 'issued') return null;
  const e = await recordInTx(station, tx, {
    kind: 'stock_issued', operatorId: sale.operatorId, shiftId: sale.shiftId, cardRef: sale.cardRef, amountFen: 0, postings: [], requestKey: null,
    payload: { asn, cardType: row.card_type, saleEntryId: sale.entryId, saleKind: sale.kind, fromState: row.state }, at: new Date(sale.at),
  });
  await setStockState(tx, asn, 'issued', e.entryId, new Date(sale.at));
  return e;
}

/** `station stock spoil`: a card that failed personalisation leaves stock; it is kept and goes back with the next return. */
export async function spoilStockCard(station: Station, actor: Actor, input: { asn: unknown; reason: unknown }): Promise<{ entryId: string; asn: string; cardType: string }> {
  await requireRole(station.db, actor, 'operator', 'stock-spoil');
  const { asn, reason } = await refused(station.db, actor.staffId, 'stock-spoil', () => {
    const r = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (r.length < 2 || r.length > 200) throw new BadInputError('say why the card is spoiled (2–200 characters)', 'e.g. "activation failed" or "chip damaged"', say('badField', { field: 'reason' }));
    return { asn: parseSerial(input.asn, 'asn'), reason: r };
  });
  const shiftId = await shiftOf(station, actor);
  const at = station.now();
  return refused(station.db, actor.staffId, 'stock-spoil', () => station.db.transaction(async (tx) => {
    await requireInStock(tx, asn, 'Spoiling a card');
    // A card whose activation is open may still become a sold card: settle it first.
    if ((await openOpsForCard(tx, `cpu:${asn}`)).length > 0) {
      throw new StationError('INCOMPLETE', `card ${asn} has an unfinished operation`, 'Place the card on a reader to finish it, then record it as spoiled', { say: say('stockCardBusy', { card: asn }) });
    }
    const row = (await getStockCard(tx, asn))!;
    const e = await recordInTx(station, tx, { ...stockEvent('stock_spoiled', actor, shiftId, { asn, cardType: row.card_type, reason }, at), cardRef: `cpu:${asn}` });
    await setStockState(tx, asn, 'spoiled', e.entryId, at, { spoilReason: reason });
    return { entryId: e.entryId, asn, cardType: row.card_type };
  }));
}

export interface ReturnResult {
  firstAsn: string;
  lastAsn: string;
  documentNo: string;
  /** One entry per card type the range held. */
  returned: Array<{ entryId: string; cardType: string; cards: number; spoiledCards: number }>;
}

/** `station stock return`: a supervisor sends the cards of a range still held (in stock or spoiled) back to the center; issued cards stay issued. */
export async function returnStock(station: Station, actor: Actor, input: { first: unknown; last: unknown; documentNo: unknown }): Promise<ReturnResult> {
  await requireRole(station.db, actor, 'supervisor', 'stock-return');
  const { asns, documentNo } = await refused(station.db, actor.staffId, 'stock-return', () => ({ asns: serialRange(input.first, input.last), documentNo: parseDocumentNo(input.documentNo) }));
  const firstAsn = asns[0]!;
  const lastAsn = asns[asns.length - 1]!;
  const shiftId = await shiftOf(station, actor);
  const at = station.now();
  const returned = await refused(station.db, actor.staffId, 'stock-return', () => station.db.transaction(async (tx) => {
    const held = await heldInRange(tx, firstAsn, lastAsn);
    if (held.length === 0) {
      throw new StationError('POLICY', `no card of ${firstAsn}–${lastAsn} is held at the station (in stock or spoiled)`, 'Check the first and last card number on the return note',
        { say: say('stockRangeEmpty', { first: firstAsn, last: lastAsn }) });
    }
    const out: ReturnResult['returned'] = [];
    for (const cardType of [...new Set(held.map((r) => r.card_type))].sort()) {
      const rows = held.filter((r) => r.card_type === cardType);
      const cards = rows.filter((r) => r.state === 'in_stock').length;
      const e = await recordInTx(station, tx, stockEvent('stock_returned', actor, shiftId, { firstAsn, lastAsn, cardType, cards, spoiledCards: rows.length - cards, documentNo }, at));
      for (const r of rows) await setStockState(tx, r.asn, 'returned', e.entryId, at, { returnedDoc: documentNo });
      out.push({ entryId: e.entryId, cardType, cards, spoiledCards: rows.length - cards });
    }
    return out;
  }));
  return { firstAsn, lastAsn, documentNo, returned };
}

export interface StockCount {
  cardType: string;
  inStock: number;
  issued: number;
  spoiled: number;
  returned: number;
}

/** Cards per type and state now (`station stock count`, the count screen, the shift close's expected blank cards). */
export async function stockCounts(db: Queryable): Promise<StockCount[]> {
  const out = new Map<string, StockCount>();
  for (const r of await stockByTypeAndState(db)) {
    const c = out.get(r.card_type) ?? { cardType: r.card_type, inStock: 0, issued: 0, spoiled: 0, returned: 0 };
    const key = ({ in_stock: 'inStock', issued: 'issued', spoiled: 'spoiled', returned: 'returned' } as const)[r.state];
    c[key] = r.n;
    out.set(r.card_type, c);
  }
  return [...out.values()];
}

export async function countStock(station: Station, actor: Actor): Promise<StockCount[]> {
  await requireRole(station.db, actor, 'operator', 'stock-count');
  return stockCounts(station.db);
}

/** `station stock list`: the cards of one state (default in stock), by serial. */
export async function listStock(station: Station, actor: Actor, filter: { state?: unknown; cardType?: unknown; limit?: number }): Promise<StockCardRow[]> {
  await requireRole(station.db, actor, 'operator', 'stock-list');
  const state = filter.state === undefined ? 'in_stock' : filter.state;
  if (!(STOCK_STATES as readonly unknown[]).includes(state)) throw new BadInputError(`state must be one of ${STOCK_STATES.join(', ')}`, undefined, say('badField', { field: 'state' }));
  const cardType = filter.cardType === undefined ? undefined : parseCardType(filter.cardType);
  return stockCards(station.db, { state: state as StockState, ...(cardType === undefined ? {} : { cardType }), limit: Math.min(Math.max(filter.limit ?? 500, 1), MAX_RANGE_CARDS) });
}

/** A stock entry as the equation's movement (none: a return of spoiled cards only, an issue of a card no longer in stock). */
function movementOf(e: { seq: number; entryId: string; kind: string; payload: string }): StockMovement | null {
  const ev = storedEvent({ ...e, payload: JSON.parse(e.payload) }, 'stock_received', 'stock_issued', 'stock_spoiled', 'stock_returned');
  const cardType = ev.payload.cardType as CardTypeCode;
  switch (ev.kind) {
    case 'stock_received': return { cardType, kind: 'received', cards: ev.payload.cards };
    case 'stock_issued': return ev.payload.fromState === 'in_stock' ? { cardType, kind: 'issued', cards: 1 } : null;
    case 'stock_spoiled': return { cardType, kind: 'spoiled', cards: 1 };
    case 'stock_returned': return ev.payload.cards > 0 ? { cardType, kind: 'returned', cards: ev.payload.cards } : null;
  }
}

/**
 * The day's stock lines per card type (opening + received − issued − spoiled − returned =
 * closing), from the ledger alone: opening is every movement before the day. Empty when the
 * station has never received stock (an older ledger's day report stays as it was).
 */
export async function stockLinesOfDay(db: Queryable, day: string): Promise<{ lines: StockLine[]; problems: string[] }> {
  const { start, end } = localDayRange(day);
  const rows = await stockEntriesBefore(db, end);
  const before: StockMovement[] = [];
  const during: StockMovement[] = [];
  for (const r of rows) {
    const m = movementOf(r);
    if (m !== null) (r.at < start ? before : during).push(m);
  }
  const opening = new Map<CardTypeCode, number>(stockLines(new Map(), before).map((l) => [l.cardType, l.closing]));
  const lines = stockLines(opening, during);
  return { lines, problems: stockProblems(lines) };
}

/** Today's China date of the station's clock (the count screen's day). */
export const stockDay = (station: Station): string => chinaDate(station.now());
