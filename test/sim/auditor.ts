/**
 * The independent auditor: where every fen must be, from what the simulated customers asked
 * for and what the cards themselves show — never from the station's ledger. After a run it
 * compares that truth with the ledger, the intent journal and the cards.
 */
import { TX_TYPE_EP_LOAD } from '../../devices/cpu/cpu-client.ts';
import { parseLogRecord } from '../../devices/cpu/files.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { toHex } from '../../common/hex.ts';
import { accountBalances, readEntries, verifyLedger, type StoredEntry } from '../../db/ledger.ts';
import { openOps } from '../../db/intents.ts';
import type { LoadInitFields } from '../../devices/sam/security-module.ts';
import type { SimCard, World } from './world.ts';

export type Pay = 'cash' | 'other';

/** A card change the auditor saw happen (from the card), with what the customer paid for it. */
export interface Movement {
  card: SimCard;
  /** Online counter the load used (card-side proof of the change). */
  onlineAtc: number;
  amountFen: number;
  pay: Pay;
  shiftNo: number;
  /** The station reported success for this very request (so it says it has recorded it). */
  acknowledged: boolean;
}

export interface CardSnapshot { balanceFen: number; onlineAtc: number; json: string }

export function snapshot(c: SimCard): CardSnapshot {
  const cpu = c.card as CpuCard;
  return { balanceFen: cpu.balanceFen, onlineAtc: cpu.onlineAtc, json: JSON.stringify(cpu.toJSON()) };
}

export class Auditor {
  /** Money the customers handed over, by where it went. */
  cashInFen = 0;
  otherInFen = 0;
  readonly movements: Movement[] = [];
  readonly violations: string[] = [];
  /** Shift bookkeeping: which shift the drawer is in, and the cash taken during it. */
  shiftNo = 1;
  shiftOpen = true;
  shiftFloatFen: number;
  /** Requests whose outcome the station did not confirm, per card name, until the card is settled. */
  readonly unsettled = new Map<string, number>();

  constructor(floatFen: number, readonly label: string) { this.shiftFloatFen = floatFen; }

  violation(text: string): void { this.violations.push(`${this.label}: ${text}`); }

  /** The customer paid for exactly the load the card shows. */
  loadSeen(card: SimCard, onlineAtc: number, amountFen: number, pay: Pay, acknowledged: boolean): void {
    if (pay === 'cash') this.cashInFen += amountFen;
    else this.otherInFen += amountFen;
    this.movements.push({ card, onlineAtc, amountFen, pay, shiftNo: this.shiftNo, acknowledged });
  }

  shiftCashFen(): number {
    return this.movements.filter((m) => m.shiftNo === this.shiftNo && m.pay === 'cash').reduce((s, m) => s + m.amountFen, 0);
  }

  markUnsettled(card: SimCard): void { this.unsettled.set(card.name, (this.unsettled.get(card.name) ?? 0) + 1); }
  markSettled(card: SimCard): void { this.unsettled.delete(card.name); }
  /** Cash of this shift that the station may not know about yet (blocks an exact drawer count). */
  shiftHasUnsettledCash(): boolean {
    return this.movements.some((m) => m.shiftNo === this.shiftNo && !m.acknowledged && this.unsettled.has(m.card.name));
  }

  /** Everything after the final recovery pass. */
  async finalCheck(world: World): Promise<void> {
    const db = world.station.db;
    const integrity = await db.integrityCheck();
    if (integrity.length > 0) this.violation(`integrity_check: ${integrity.join('; ')}`);
    const v = await verifyLedger(db);
    if (!v.ok) this.violation(`ledger chain broken at ${v.firstBreak?.seq} (${v.firstBreak?.reason})`);
    const balances = await accountBalances(db);
    const sum = Object.values(balances).reduce((s, n) => s + n, 0);
    if (sum !== 0) this.violation(`postings do not balance: sum of accounts ${sum}`);

    // Open intents: only for cards that never came back.
    const open = await openOps(db);
    for (const op of open) {
      const owner = world.customers.find((c) => c.ref === op.cardRef);
      if (!owner) this.violation(`open op ${op.opId} (${op.state}) for a card nobody presented: ${op.cardRef}`);
      else if (!owner.gone) this.violation(`open op ${op.opId} (${op.state}) for ${owner.name}, which was presented again`);
    }

    // Every committed card change ↔ exactly one ledger entry (matched by card counter).
    const entries = await readEntries(db, 'card_ref IS NOT NULL', [], 1_000_000);
    const loadsByCard = new Map<string, StoredEntry[]>();
    for (const e of entries) {
      const p = e.payload as Record<string, unknown>;
      if (typeof p.onlineAtc !== 'number') continue;
      const list = loadsByCard.get(e.cardRef!) ?? [];
      list.push(e);
      loadsByCard.set(e.cardRef!, list);
    }
    let allowanceCash = 0;
    let allowanceOther = 0;
    let cardDeltaFen = 0;
    for (const c of world.customers) {
      const cpu = c.card as CpuCard;
      cardDeltaFen += cpu.balanceFen - c.initialBalanceFen;
      const seen = this.movements.filter((m) => m.card === c);
      const byAtc = new Map<number, StoredEntry[]>();
      for (const e of loadsByCard.get(c.ref) ?? []) {
        const atc = (e.payload as { onlineAtc: number }).onlineAtc;
        byAtc.set(atc, [...(byAtc.get(atc) ?? []), e]);
      }
      const loadKey = (cpu.toJSON() as { keys: { load: Array<{ version: number; algorithmId: number }> } }).keys.load[0]!;
      const records = new Map<number, Uint8Array>();
      for (const r of cpu.logRecords) {
        const rec = parseLogRecord(r);
        if (rec.type === TX_TYPE_EP_LOAD) records.set(rec.seq, r);
      }
      for (let atc = c.initialOnlineAtc; atc < cpu.onlineAtc; atc++) {
        const m = seen.find((x) => x.onlineAtc === atc);
        if (!m) { this.violation(`${c.name}: the card's counter ${atc} was used by no load the auditor saw`); continue; }
        const es = byAtc.get(atc) ?? [];
        byAtc.delete(atc);
        if (es.length > 1) this.violation(`${c.name}: load at counter ${atc} has ${es.length} ledger entries`);
        if (es.length === 0) {
          if (!c.gone) this.violation(`${c.name}: load at counter ${atc} (${m.amountFen} fen) has no ledger entry although the card came back`);
          else if (m.pay === 'cash') allowanceCash += m.amountFen;
          else allowanceOther += m.amountFen;
          continue;
        }
        const e = es[0]!;
        if (e.amountFen !== m.amountFen) this.violation(`${c.name}: entry ${e.entryId} says ${e.amountFen} fen, the card loaded ${m.amountFen}`);
        const raw = records.get(atc);
        const p = e.payload as { tac?: string; balanceAfterFen?: number };
        if (raw && world.station.sam && typeof p.tac === 'string' && typeof p.balanceAfterFen === 'number') {
          const rec = parseLogRecord(raw);
          const ok = await world.station.sam.verifyLoadTac({
            asn: c.asn, cityCode: '3100', amountFen: rec.amountFen, terminalId: rec.terminal,
            init: { onlineAtc: atc, keyVersion: loadKey.version, algorithmId: loadKey.algorithmId } as LoadInitFields,
            hostDateTime: { date: toHex(raw.subarray(16, 20)), time: toHex(raw.subarray(20, 23)) },
            newBalanceFen: p.balanceAfterFen, tac: p.tac,
          }).catch(() => false);
          if (!ok) this.violation(`${c.name}: TAC ${p.tac} of entry ${e.entryId} does not prove the card's load at counter ${atc}`);
        } else if (raw && typeof p.tac !== 'string') {
          this.violation(`${c.name}: entry ${e.entryId} has no TAC`);
        }
      }
      for (const [atc, es] of byAtc) this.violation(`${c.name}: ${es.length} ledger entr(ies) for counter ${atc}, which the card never used`);
    }

    // Where the money is: drawer, other-payment clearing, card float.
    const cash = balances.cash_drawer ?? 0;
    const other = balances.other_payment_clearing ?? 0;
    const float = -(balances.card_float ?? 0);
    if (cash + allowanceCash !== this.cashInFen) this.violation(`cash drawer: ledger ${cash} + unrecorded ${allowanceCash} ≠ cash taken ${this.cashInFen}`);
    if (other + allowanceOther !== this.otherInFen) this.violation(`other payments: ledger ${other} + unrecorded ${allowanceOther} ≠ taken ${this.otherInFen}`);
    if (float + allowanceCash + allowanceOther !== cardDeltaFen) this.violation(`card float: ledger ${float} + unrecorded ${allowanceCash + allowanceOther} ≠ cards' increase ${cardDeltaFen}`);
    if (cardDeltaFen !== this.cashInFen + this.otherInFen) this.violation(`fen created or lost: cards rose by ${cardDeltaFen}, customers paid ${this.cashInFen + this.otherInFen}`);
    for (const k of Object.keys(balances)) {
      if (!['cash_drawer', 'other_payment_clearing', 'card_float'].includes(k) && balances[k] !== 0) this.violation(`account ${k} moved (${balances[k]}) with no workflow that books it`);
    }
  }
}
