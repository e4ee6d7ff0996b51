/**
 * The independent auditor: where every fen must be, from what the simulated customers asked
 * for and what the cards themselves show — never from the station's ledger. After a run it
 * compares that truth with the ledger, the intent journal and the cards.
 */
import { TX_TYPE_EP_LOAD } from '../../devices/cpu/cpu-client.ts';
import { parseLogRecord } from '../../devices/cpu/files.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { toHex } from '../../common/hex.ts';
import { accountBalances, readEntries, verifyLedger, type Account, type StoredEntry } from '../../db/ledger.ts';
import { openOps } from '../../db/intents.ts';
import { currentShift, shiftCashNetFen } from '../../db/shifts.ts';
import type { Queryable } from '../../db/sqlite.ts';
import type { LoadInitFields } from '../../devices/sam/security-module.ts';
import type { M1Card } from '../../devices/emulator/m1-card.ts';
import { m1State, type SimCard, type World } from './world.ts';
import { chinaDate } from '../../common/china-time.ts';
import { getStockCard } from '../../db/card-stock.ts';
import { TRAINING_STOCK } from '../../core/station-home.ts';
import { stockCounts, stockLinesOfDay } from '../../core/stock.ts';

export type Pay = 'cash' | 'other';
/**
 * m1_zero: an M1 purse emptied by the upgrade (money owed until the CPU card has it);
 * migrate_issue / replacement_issue: a stock card activated for an upgrade / a replacement
 * (no new deposit); replacement_out: a lost card's balance the host confirmed, taken off it —
 * the only movement no card shows (see finalCheck).
 */
export type MovementKind = 'load' | 'sale' | 'refund' | 'damaged_block' | 'exchange_issue' | 'm1_zero' | 'migrate_issue' | 'replacement_issue' | 'replacement_out';

/**
 * A card change the auditor saw happen (on the card itself), with the money that moved for it
 * as the auditor reckons it: deltas per account as (debits − credits), the ledger's sign.
 */
export interface Movement {
  card: SimCard;
  kind: MovementKind;
  /** load: the online counter the load used (card-side proof of the change). */
  onlineAtc: number | null;
  deltas: Partial<Record<Account, number>>;
  pay: Pay;
  shiftNo: number;
  /** The station reported success for this very request (so it says it has recorded it). */
  acknowledged: boolean;
}

export interface CardSnapshot {
  balanceFen: number; onlineAtc: number; enabled: boolean; blocked: boolean; json: string;
  /** M1 cards only: purse and flags as the blocks show them. */
  m1?: { stable: boolean; valueFen: number; blacklisted: boolean };
}

export function snapshot(c: SimCard): CardSnapshot {
  if (c.kind === 'm1') {
    const m1 = c.card as M1Card;
    const st = m1State(m1);
    return { balanceFen: st.valueFen, onlineAtc: 0, enabled: true, blocked: false, json: JSON.stringify(m1.toJSON()), m1: st };
  }
  const cpu = c.card as CpuCard;
  return { balanceFen: cpu.balanceFen, onlineAtc: cpu.onlineAtc, enabled: cpu.ef0015[8] === 0x01, blocked: cpu.lock !== 'none', json: JSON.stringify(cpu.toJSON()) };
}

/** Ledger kinds of the card changes the auditor models. */
export const MODELLED_KINDS = [
  'topup', 'card_sale', 'refund', 'damaged_card_block', 'damaged_exchange_issue', 'damaged_exchange_load',
  'migrate_out', 'migrate_issue', 'migrate_in', 'replacement_issue', 'replacement_load', 'replacement_out',
];

/** The ledger entry that records a card change the auditor saw. */
export function entryMatches(m: Movement, e: StoredEntry): boolean {
  if (e.cardRef !== m.card.ref) return false;
  const p = e.payload as { onlineAtc?: unknown };
  if (m.kind === 'load') return p.onlineAtc === m.onlineAtc;
  if (m.kind === 'sale') return e.kind === 'card_sale';
  if (m.kind === 'damaged_block') return e.kind === 'damaged_card_block';
  if (m.kind === 'exchange_issue') return e.kind === 'damaged_exchange_issue';
  if (m.kind === 'm1_zero') return e.kind === 'migrate_out';
  if (m.kind === 'migrate_issue') return e.kind === 'migrate_issue';
  if (m.kind === 'replacement_issue') return e.kind === 'replacement_issue';
  if (m.kind === 'replacement_out') return e.kind === 'replacement_out';
  return e.kind === 'refund';
}

const payAccount = (p: Pay): Account => (p === 'cash' ? 'cash_drawer' : 'other_payment_clearing');

export class Auditor {
  /** Where the money must be, per account (debits − credits), from the movements seen. */
  readonly truth: Partial<Record<Account, number>> = {};
  readonly movements: Movement[] = [];
  readonly violations: string[] = [];
  /** Shift bookkeeping: which shift the drawer is in. */
  shiftNo = 1;
  shiftOpen = true;
  shiftFloatFen: number;
  /** Cards with requests whose outcome the station did not confirm, until the card is settled. */
  readonly unsettled = new Map<string, number>();
  /** Deposits the auditor knows were paid for cards sold during the run. */
  readonly depositPaid = new Map<string, number>();
  /** Damaged-card exchanges: balance held for the customer (by old card), and the new card activated for it. */
  readonly exchangeHeld = new Map<string, number>();
  readonly exchangeNewCard = new Map<string, SimCard>();
  finishing: SimCard | null = null;
  /** The card the next action is about that is not in the reader (lost report, replacement). */
  target: SimCard | null = null;
  /** Lost reports: the station confirmed (or said it already had it). */
  readonly lostConfirmed = new Set<string>();
  /** Lost reports the station refused for good (the card was no longer active). */
  readonly lostRefused = new Set<string>();
  /** Replacements: tried (by lost card), the pickup slip held, the new card activated, finished. */
  readonly replaceTried = new Set<string>();
  readonly replaceSlip = new Map<string, string>();
  readonly replaceNewCard = new Map<string, SimCard>();
  readonly replaceDone = new Set<string>();
  /** Lost cards whose confirmed balance the auditor has booked (replacement_out). */
  readonly replaceOut = new Set<string>();
  /** M1 upgrades: tried, the M1 zeroed (what is owed: B + deposit), the CPU card activated, finished. */
  readonly m1Tried = new Set<string>();
  readonly m1Zeroed = new Set<string>();
  readonly m1Owed = new Map<string, number>();
  readonly m1NewCard = new Map<string, SimCard>();
  /** The stock card last placed for an upgrade / a replacement (the one to bring back while its activation is in doubt). */
  readonly m1Candidate = new Map<string, SimCard>();
  readonly replaceCandidate = new Map<string, SimCard>();
  readonly m1Done = new Set<string>();
  /** Last stable purse of each M1 card the auditor saw. */
  readonly m1Last = new Map<string, { valueFen: number; blacklisted: boolean }>();

  /**
   * The auditor's own cash box (issue 17 item 4): moves between the drawer, the safe and cash in
   * transit that no card shows — the float (备用金) issued and returned, 交款, transfers — by shift.
   */
  readonly boxMoves: Array<{ shiftNo: number; deltas: Partial<Record<Account, number>> }> = [];

  /** What the second counter's drawer holds (its shift opened with no float; only transfers move it). */
  teller2DrawerFen = 0;
  /** Transfers the auditor saw sent and not yet taken: id → amount and who takes it. */
  readonly transfersPending = new Map<string, { amountFen: number; to: 'op1' | 'op2' }>();
  /** Blank cards (issue 17 item 3): the ranges the sim received beyond the training stock, and the cards it spoiled. */
  readonly stockRanges: Array<{ first: string; last: string; cards: number }> = [];
  readonly stockSpoiled = new Set<string>();

  /** Cash-box requests whose process died: asked of the ledger once the station is back (resolveCashInDoubt). */
  readonly cashInDoubt: Array<(db: Queryable) => Promise<void>> = [];

  /** Settles the cash-box requests in doubt by what the ledger holds (each is asked once). */
  async resolveCashInDoubt(db: Queryable): Promise<void> {
    for (const resolve of this.cashInDoubt.splice(0)) await resolve(db);
  }

  /** `floatFen`: the float of the shift the world opened (issued from the safe). */
  constructor(floatFen: number, readonly label: string) {
    this.shiftFloatFen = 0;
    this.floatIssued(floatFen);
  }

  /** A move of the cash box in the shift now open (or, with `shiftNo`, another one). */
  cashMove(deltas: Partial<Record<Account, number>>, shiftNo = this.shiftNo): void {
    this.boxMoves.push({ shiftNo, deltas });
    for (const [a, v] of Object.entries(deltas) as [Account, number][]) this.truth[a] = (this.truth[a] ?? 0) + v;
  }

  /** A shift opened with `floatFen` from the safe. */
  floatIssued(floatFen: number): void {
    this.shiftFloatFen = floatFen;
    for (const [a, v] of [['cash_drawer', floatFen], ['safe', -floatFen]] as const) this.truth[a] = (this.truth[a] ?? 0) + v;
  }

  /** op1's shift is open with `floatFen` from the safe (the API and the UI open it alike). */
  shiftOpened(floatFen: number): void {
    this.floatIssued(floatFen);
    this.shiftOpen = true;
  }

  /** An opening whose answer never came: op1's shift is open, with its float, if the ledger says so. */
  shiftOpenInDoubt(floatFen: number): void {
    this.cashInDoubt.push(async (db) => {
      if ((await currentShift(db, 'op1')) !== undefined) this.shiftOpened(floatFen);
    });
  }

  /** The shift closed with `countedFen` in the drawer: its float goes back to the safe, never more than was counted. */
  closedWith(countedFen: number): void {
    const back = Math.min(this.shiftFloatFen, countedFen);
    for (const [a, v] of [['cash_drawer', -back], ['safe', back]] as const) this.truth[a] = (this.truth[a] ?? 0) + v;
    this.shiftOpen = false;
    this.shiftNo++;
  }

  violation(text: string): void { this.violations.push(`${this.label}: ${text}`); }

  /**
   * The refund fee of the local default schedule (docs/COUNTER-RULES.md), computed here without
   * the station's code: 5 % of a balance of ¥10.00 or more, half up to the fen (in fen:
   * hundredths of a fen are rounded by adding 50 before dividing by 100 the balance × 5).
   */
  /** The replacement 工本费 of the local default schedule (docs/COUNTER-RULES.md): ¥10.00. */
  replacementFee(): number {
    return 1000;
  }

  refundFee(balanceFen: number): number {
    if (balanceFen < 1000) return 0;
    const hundredths = balanceFen * 5; // 5 % of the balance, in hundredths of a fen
    return Math.min(balanceFen, Math.floor((hundredths + 50) / 100));
  }

  seen(m: Omit<Movement, 'shiftNo'>): void {
    this.movements.push({ ...m, shiftNo: this.shiftNo });
    for (const [a, v] of Object.entries(m.deltas) as [Account, number][]) this.truth[a] = (this.truth[a] ?? 0) + v;
  }

  /** Cash in the drawer now, by the auditor's reckoning (float + this shift's cash movements and cash-box moves). */
  drawerFen(): number {
    return this.shiftFloatFen + this.movements.filter((m) => m.shiftNo === this.shiftNo).reduce((s, m) => s + (m.deltas.cash_drawer ?? 0), 0)
      + this.boxMoves.filter((m) => m.shiftNo === this.shiftNo).reduce((s, m) => s + (m.deltas.cash_drawer ?? 0), 0);
  }

  markUnsettled(card: SimCard): void { this.unsettled.set(card.name, (this.unsettled.get(card.name) ?? 0) + 1); }
  markSettled(card: SimCard): void { this.unsettled.delete(card.name); }
  /** Cash of this shift that the station may not know about yet (blocks an exact drawer count). */
  shiftHasUnsettledCash(): boolean {
    return this.movements.some((m) => m.shiftNo === this.shiftNo && !m.acknowledged && this.unsettled.has(m.card.name) && (m.deltas.cash_drawer ?? 0) !== 0);
  }

  /**
   * The station's blank-card stock against the auditor's own: every card the sim activated was a
   * stock card received and not spoiled (no card sold outside stock), and is issued in the
   * station's rows unless it left with its activation unrecorded; the counts add up to what was
   * received; the day's lines reconcile.
   */
  async checkStock(world: World): Promise<void> {
    const db = world.station.db;
    const received = (asn: string): boolean => (asn >= TRAINING_STOCK.first && asn <= TRAINING_STOCK.last) || this.stockRanges.some((r) => asn >= r.first && asn <= r.last);
    let activated = 0;
    let activatedHere = 0;
    for (const c of world.customers.filter((x) => x.kind === 'cpu' && x.name.startsWith('stock'))) {
      if ((c.card as CpuCard).ef0015[8] !== 0x01) continue;
      activated++;
      if (!received(c.asn) || this.stockSpoiled.has(c.asn)) this.violation(`${c.name} (${c.asn}) was activated although the auditor's stock does not hold it`);
      const row = await getStockCard(db, c.asn);
      if (row?.state === 'issued') activatedHere++;
      else if (!c.gone) this.violation(`${c.name} (${c.asn}) is activated but the station's stock says ${row?.state ?? 'not received'}`);
    }
    const counts = await stockCounts(db);
    const all = counts.reduce((s, c) => s + c.inStock + c.issued + c.spoiled + c.returned, 0);
    const receivedCards = 10_000 + this.stockRanges.reduce((s, r) => s + r.cards, 0);
    if (all !== receivedCards) this.violation(`stock: the station holds rows for ${all} cards, the auditor received ${receivedCards}`);
    const spoiled = counts.reduce((s, c) => s + c.spoiled, 0);
    if (spoiled !== this.stockSpoiled.size) this.violation(`stock: the station counts ${spoiled} spoiled cards, the auditor ${this.stockSpoiled.size}`);
    const issued = counts.reduce((s, c) => s + c.issued, 0);
    if (issued !== activatedHere || issued > activated) this.violation(`stock: the station counts ${issued} issued, the auditor saw ${activated} activated (${activatedHere} recorded)`);
    const { problems } = await stockLinesOfDay(db, chinaDate(world.station.now()));
    if (problems.length > 0) this.violation(`stock lines do not reconcile: ${problems.join('; ')}`);
  }

  /** Everything after the final recovery pass. */
  async finalCheck(world: World): Promise<void> {
    const db = world.station.db;
    await this.resolveReplacementOut(world);
    await this.resolveCashInDoubt(db);
    // The cash box: transit holds exactly the transfers not taken; the second counter's drawer what was moved to it.
    const pendingFen = [...this.transfersPending.values()].reduce((s, t) => s + t.amountFen, 0);
    const transit = (await accountBalances(db)).cash_in_transit ?? 0;
    if (transit !== pendingFen) this.violation(`cash_in_transit: ledger ${transit}, the auditor's transfers not taken ${pendingFen}`);
    const op2 = await currentShift(db, 'op2');
    if (op2 !== undefined && op2.float_fen + (await shiftCashNetFen(db, op2.shift_id)) !== this.teller2DrawerFen) {
      this.violation(`the second counter's drawer: station expects ${op2.float_fen + (await shiftCashNetFen(db, op2.shift_id))}, the auditor ${this.teller2DrawerFen}`);
    }
    await this.checkStock(world);
    const integrity = await db.integrityCheck();
    if (integrity.length > 0) this.violation(`integrity_check: ${integrity.join('; ')}`);
    const v = await verifyLedger(db);
    if (!v.ok) this.violation(`ledger chain broken at ${v.firstBreak?.seq} (${v.firstBreak?.reason})`);
    const balances = await accountBalances(db);
    const sum = Object.values(balances).reduce((s, n) => s + n, 0);
    if (sum !== 0) this.violation(`postings do not balance: sum of accounts ${sum}`);

    // Open intents: only for cards that never came back.
    for (const op of await openOps(db)) {
      const owner = world.customers.find((c) => c.ref === op.cardRef);
      if (!owner) this.violation(`open op ${op.opId} (${op.state}) for a card nobody presented: ${op.cardRef}`);
      else if (!owner.gone) this.violation(`open op ${op.opId} (${op.state}) for ${owner.name}, which was presented again`);
    }

    // Every committed card change ↔ exactly one ledger entry with the same money.
    const entries = (await readEntries(db, 'card_ref IS NOT NULL', [], 1_000_000)).filter((e) => MODELLED_KINDS.includes(e.kind) || typeof (e.payload as { onlineAtc?: unknown }).onlineAtc === 'number');
    const claimed = new Set<string>();
    const allowance: Partial<Record<Account, number>> = {};
    const matches = entryMatches;
    for (const m of this.movements) {
      const es = entries.filter((e) => matches(m, e));
      const what = `${m.card.name}: ${m.kind}${m.onlineAtc !== null ? ` at counter ${m.onlineAtc}` : ''}`;
      if (es.length > 1) this.violation(`${what} has ${es.length} ledger entries`);
      if (es.length === 0) {
        if (!m.card.gone) this.violation(`${what} has no ledger entry although the card came back`);
        else for (const [a, d] of Object.entries(m.deltas) as [Account, number][]) allowance[a] = (allowance[a] ?? 0) + d;
        continue;
      }
      for (const e of es) claimed.add(e.entryId);
      const e = es[0]!;
      const net: Partial<Record<Account, number>> = {};
      for (const p of e.postings) net[p.account] = (net[p.account] ?? 0) + p.debitFen - p.creditFen;
      for (const a of new Set([...Object.keys(net), ...Object.keys(m.deltas)]) as Set<Account>) {
        if ((net[a] ?? 0) !== (m.deltas[a] ?? 0)) this.violation(`${what}: entry ${e.entryId} books ${net[a] ?? 0} on ${a}, the auditor reckons ${m.deltas[a] ?? 0}`);
      }
      if (m.kind === 'load') await this.checkTac(world, m, e);
    }
    for (const e of entries) if (!claimed.has(e.entryId)) this.violation(`entry ${e.entryId} (${e.kind} ${e.cardRef}, ${e.amountFen} fen) matches no card change`);

    // Lost reports the station confirmed: one entry each, the card on the blacklist.
    for (const name of this.lostConfirmed) {
      const c = world.customers.find((x) => x.name === name)!;
      const n = (await readEntries(db, "kind = 'lost_report' AND card_ref = ?", [c.ref])).length;
      if (n !== 1) this.violation(`${c.name}: reported lost, ${n} lost_report entries`);
    }

    // Every shift: one close at most, and nothing booked into it after its close — except the
    // settlement of a card operation begun before the close (its intent was written while the
    // shift was open; the close counted it among the incomplete operations).
    const closes = new Map<string, StoredEntry[]>();
    const all = await readEntries(db, 'shift_id IS NOT NULL', [], 1_000_000);
    for (const e of all) if (e.kind === 'shift_close') closes.set(e.shiftId!, [...(closes.get(e.shiftId!) ?? []), e]);
    for (const [shift, cs] of closes) if (cs.length > 1) this.violation(`shift ${shift} closed ${cs.length} times (entries ${cs.map((c) => c.seq).join(', ')})`);
    const begun = new Map((await db.all<{ entry_id: string; created_at: string }>('SELECT entry_id, created_at FROM card_ops WHERE entry_id IS NOT NULL')).map((r) => [r.entry_id, r.created_at]));
    for (const e of all) {
      const close = closes.get(e.shiftId!)?.[0];
      if (close === undefined || e.seq <= close.seq || e.kind === 'shift_close') continue;
      const opBegun = begun.get(e.entryId);
      if (!(opBegun !== undefined && opBegun <= close.at)) this.violation(`${e.kind} ${e.entryId} (${e.amountFen} fen) booked into shift ${e.shiftId} after its close (seq ${e.seq} after ${close.seq})`);
    }

    // M1 purses: what left them is what the auditor saw zeroed (m1_float).
    let m1FromCards = 0;
    for (const c of world.customers.filter((x) => x.kind === 'm1')) {
      const st = m1State(c.card as M1Card);
      if (!st.stable && !c.gone) this.violation(`${c.name}: the M1 card is still half-written after recovery`);
      m1FromCards += c.initialBalanceFen - st.valueFen;
    }
    if ((this.truth.m1_float ?? 0) !== m1FromCards) this.violation(`fen created or lost: the M1 purses lost ${m1FromCards}, the auditor saw ${this.truth.m1_float ?? 0} zeroed`);

    // Every load the cards show was seen by the auditor.
    let floatFromCards = 0;
    for (const c of world.customers) {
      if (c.kind !== 'cpu') continue;
      const cpu = c.card as CpuCard;
      for (let atc = c.initialOnlineAtc; atc < cpu.onlineAtc; atc++) {
        if (!this.movements.some((m) => m.card === c && m.kind === 'load' && m.onlineAtc === atc)) this.violation(`${c.name}: the card's counter ${atc} was used by no load the auditor saw`);
      }
      const refunded = this.movements.some((m) => m.card === c && (m.kind === 'refund' || m.kind === 'damaged_block' || m.kind === 'replacement_out'));
      floatFromCards += refunded ? -c.initialBalanceFen : cpu.balanceFen - c.initialBalanceFen;
    }
    if (-(this.truth.card_float ?? 0) !== floatFromCards) this.violation(`fen created or lost: the cards hold ${floatFromCards} more than at the start (refunded cards excluded), the auditor's float is ${-(this.truth.card_float ?? 0)}`);

    // Fees (issue 17): fee_income holds exactly the fees the auditor computed (refund fees not
    // waived, deposits kept from holder-damaged cards), nothing the auditor did not reckon.
    if ((balances.fee_income ?? 0) + (allowance.fee_income ?? 0) !== (this.truth.fee_income ?? 0)) {
      this.violation(`fee_income: the ledger holds ${-(balances.fee_income ?? 0)} fen of fees, the auditor computed ${-(this.truth.fee_income ?? 0)}`);
    }

    // Where the money is: every account, ledger + changes never recorded (cards gone) = truth.
    for (const a of new Set([...Object.keys(balances), ...Object.keys(this.truth)]) as Set<Account>) {
      const ledger = balances[a] ?? 0;
      if (ledger + (allowance[a] ?? 0) !== (this.truth[a] ?? 0)) this.violation(`${a}: ledger ${ledger} + unrecorded ${allowance[a] ?? 0} ≠ ${this.truth[a] ?? 0} by the auditor`);
    }
  }

  /**
   * A lost card's balance leaves it when the host confirms it — a ledger decision no card
   * shows. The auditor books it when the new card is loaded with it (it must have happened);
   * a replacement that stopped before that may or may not have got the host's answer, so
   * there, and only there, the auditor asks the ledger whether it did (at most once, and the
   * amount is then checked against the card's own balance like every other movement).
   */
  async resolveReplacementOut(world: World): Promise<void> {
    for (const name of this.replaceTried) {
      if (this.replaceOut.has(name)) continue;
      const c = world.customers.find((x) => x.name === name)!;
      const n = (await readEntries(world.station.db, "kind = 'replacement_out' AND card_ref = ?", [c.ref])).length;
      if (n >= 1) this.bookReplacementOut(c, true);
    }
  }

  bookReplacementOut(lostCard: SimCard, acknowledged: boolean): void {
    if (this.replaceOut.has(lostCard.name)) return;
    this.replaceOut.add(lostCard.name);
    const b = (lostCard.card as CpuCard).balanceFen;
    this.seen({ card: lostCard, kind: 'replacement_out', onlineAtc: null, pay: 'cash', acknowledged, deltas: b > 0 ? { card_float: b, customer_payable: -b } : {} });
  }

  async checkTac(world: World, m: Movement, e: StoredEntry): Promise<void> {
    const cpu = m.card.card as CpuCard;
    const raw = cpu.logRecords.find((r) => parseLogRecord(r).seq === m.onlineAtc && parseLogRecord(r).type === TX_TYPE_EP_LOAD);
    const p = e.payload as { tac?: string; balanceAfterFen?: number };
    if (!raw) return; // pushed out of the card's 10-record log
    if (typeof p.tac !== 'string' || typeof p.balanceAfterFen !== 'number') {
      this.violation(`${m.card.name}: entry ${e.entryId} has no TAC or balance`);
      return;
    }
    const rec = parseLogRecord(raw);
    const loadKey = (cpu.toJSON() as { keys: { load: Array<{ version: number; algorithmId: number }> } }).keys.load[0]!;
    const ok = await world.station.sam!.verifyLoadTac({
      asn: m.card.asn, cityCode: '3100', amountFen: rec.amountFen, terminalId: rec.terminal,
      init: { onlineAtc: m.onlineAtc!, keyVersion: loadKey.version, algorithmId: loadKey.algorithmId } as LoadInitFields,
      hostDateTime: { date: toHex(raw.subarray(16, 20)), time: toHex(raw.subarray(20, 23)) },
      newBalanceFen: p.balanceAfterFen, tac: p.tac,
    }).catch(() => false);
    if (!ok) this.violation(`${m.card.name}: TAC ${p.tac} of entry ${e.entryId} does not prove the card's load at counter ${m.onlineAtc}`);
  }
}

export { payAccount };
