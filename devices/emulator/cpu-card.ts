/**
 * An emulated City Union CPU card (PBOC e-purse, CARD-PROTOCOL.md §3, §4, §7): the state
 * machine the station's tests and the training lab talk to. Persistent changes of each
 * command are gathered into one `commit` closure, so balance, counter, log record and
 * transaction proof change together or not at all (the FaultGate decides, per armed fault).
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual, concatBytes, readUintBE, uintBE } from '../../common/hex.ts';
import { SW } from '../apdu.ts';
import { TX_TYPE_EP_LOAD, TX_TYPE_EP_PURCHASE } from '../crypto/epurse.ts';
import { suiteFor, type CryptoSuite } from '../crypto/suite.ts';
import { contactlessAtr } from './atr.ts';
import { parseCommandApdu, sw, type ParsedCommand } from './command-apdu.ts';
import { cpuStateFromJSON, cpuStateToJSON, type CardKey, type CpuCardJSON, type CpuCardState, type LockState } from './cpu-card-state.ts';
import { CU_AID, LOG_RECORD_BYTES, LOG_RECORD_COUNT, PSE_NAME, buildFci, tlv } from './cpu-files.ts';
import { FaultGate, type CommandOutcome } from './fault-gate.ts';
import type { CardAnswer, Fault, VirtualCard } from './virtual-card.ts';

const SFI_EF0015 = 0x15;
const SFI_EF0016 = 0x16;
const SFI_LOG = 0x18;
/** The concession file (docs/CARD-PROTOCOL-NOTES.md "Concession file"): read freely, written only with line protection. */
const SFI_EF001C = 0x1c;
const MAX_COUNTER = 0xffff;
const SW_NO_PRECISE_DIAGNOSIS = 0x6f00;

interface PendingLoad {
  kind: 'load';
  keyIndex: number;
  amountFen: number;
  terminalId: Uint8Array;
  oldBalanceFen: number;
  atc: number;
  sessionKey: Uint8Array;
  suite: CryptoSuite;
}

interface PendingPurchase {
  kind: 'purchase';
  key: CardKey;
  amountFen: number;
  terminalId: Uint8Array;
  oldBalanceFen: number;
  atc: number;
  random: Uint8Array;
  suite: CryptoSuite;
}

type Selected = 'none' | 'mf' | 'adf';

export type RandomSource = (bytes: number) => Uint8Array;

function answer(response: Uint8Array, commit?: () => void): CommandOutcome {
  return commit === undefined ? { response } : { response, commit };
}
const status = (value: number): CommandOutcome => answer(sw(value));

export class CpuCard implements VirtualCard {
  readonly kind = 'cpu' as const;
  readonly #state: CpuCardState;
  readonly #gate = new FaultGate();
  readonly #random: RandomSource;
  // Volatile (cleared by reset, power loss and SELECT, §7).
  #selected: Selected = 'none';
  #pending: PendingLoad | PendingPurchase | null = null;
  #challenge: Uint8Array | null = null;

  constructor(state: CpuCardState, random: RandomSource = (n) => Uint8Array.from(randomBytes(n))) {
    this.#state = state;
    this.#random = random;
  }

  static fromJSON(json: unknown, random?: RandomSource): CpuCard {
    return new CpuCard(cpuStateFromJSON(json), random);
  }

  toJSON(): CpuCardJSON {
    return cpuStateToJSON(this.#state);
  }

  // ---- read-only views for tests and the training lab ----
  get balanceFen(): number {
    return this.#state.balanceFen;
  }
  get onlineAtc(): number {
    return this.#state.onlineAtc;
  }
  get offlineAtc(): number {
    return this.#state.offlineAtc;
  }
  get lock(): LockState {
    return this.#state.lock;
  }
  get logRecords(): Uint8Array[] {
    return this.#state.log.map((r) => Uint8Array.from(r));
  }
  get ef0015(): Uint8Array {
    return Uint8Array.from(this.#state.ef0015);
  }
  /** The concession file SFI 0x1C, or null when the card has none. */
  get ef001c(): Uint8Array | null {
    return this.#state.ef001c === null ? null : Uint8Array.from(this.#state.ef001c);
  }

  atr(): Uint8Array {
    return contactlessAtr(this.#state.options.atrHistorical);
  }

  reset(): void {
    this.#selected = 'none';
    this.#pending = null;
    this.#challenge = null;
  }

  armFault(fault: Fault | null): void {
    this.#gate.arm(fault);
  }

  process(apdu: Uint8Array): CardAnswer {
    return this.#gate.run(() => this.#dispatchSafely(apdu), () => this.reset());
  }

  /** A real card never throws at its reader: an internal fault answers 6F00 (no diagnosis). */
  #dispatchSafely(apdu: Uint8Array): CommandOutcome {
    try {
      return this.#dispatch(apdu);
    } catch {
      this.#pending = null;
      return status(SW_NO_PRECISE_DIAGNOSIS);
    }
  }

  #dispatch(apdu: Uint8Array): CommandOutcome {
    const c = parseCommandApdu(apdu);
    if (c === null) return status(SW.WRONG_LENGTH);
    // PBOC rule (§7.1): any e-purse command other than GET BALANCE ends a pending transaction,
    // so CREDIT/DEBIT only ever see the INITIALIZE that came right before them.
    const pending = this.#pending;
    if (c.cla === 0x80 && c.ins !== 0x5c) this.#pending = null;
    switch (c.cla) {
      case 0x00:
        switch (c.ins) {
          case 0xa4: return this.#select(c);
          case 0xb0: return this.#readBinary(c);
          case 0xb2: return this.#readRecord(c);
          case 0x84: return this.#getChallenge(c);
          case 0xd6: return status(SW.SECURITY_NOT_SATISFIED); // files are written only with line protection
          default: return status(SW.INS_NOT_SUPPORTED);
        }
      case 0x80:
        switch (c.ins) {
          case 0x50: return this.#initialize(c);
          case 0x52: return this.#credit(c, pending);
          case 0x54: return this.#debit(c, pending);
          case 0x5a: return this.#transactionProve(c);
          case 0x5c: return this.#getBalance(c);
          default: return status(SW.INS_NOT_SUPPORTED);
        }
      case 0x04:
        if (c.ins === 0xd6) return this.#updateBinarySecure(c, apdu);
        return status(SW.INS_NOT_SUPPORTED);
      case 0x84:
        if (c.ins === 0x1e) return this.#applicationBlock(c, apdu);
        return status(SW.INS_NOT_SUPPORTED);
      default:
        return status(SW.CLA_NOT_SUPPORTED);
    }
  }

  // ---- selection and files ----

  #fci(): Uint8Array {
    return buildFci(CU_AID, this.#state.options.fciAppVersion, this.#state.ef0015);
  }

  #selectApplication(c: ParsedCommand): CommandOutcome {
    if (c.p2 !== 0x00 && c.p2 !== 0x0c) return status(SW.WRONG_P1P2);
    // The ADF is selected even when blocked, so the public files stay readable (§4.1 [I]);
    // the money commands refuse on their own.
    this.#selected = 'adf';
    const lock = this.#state.lock;
    if (lock === 'permanent') return status(this.#state.options.permanentBlockSelectSw);
    if (lock === 'temporary') {
      const blockedSw = this.#state.options.blockedSelectSw;
      // 62xx is a warning: the FCI still comes back with it.
      if ((blockedSw & 0xff00) === 0x6200 && c.p2 === 0x00) return answer(sw(blockedSw, this.#fci()));
      return status(blockedSw);
    }
    return answer(c.p2 === 0x0c ? sw(SW.OK) : sw(SW.OK, this.#fci()));
  }

  #select(c: ParsedCommand): CommandOutcome {
    this.#pending = null;
    this.#challenge = null;
    if (c.p1 === 0x04) {
      if (bytesEqual(c.data, CU_AID)) return this.#selectApplication(c);
      if (bytesEqual(c.data, PSE_NAME)) {
        this.#selected = 'mf';
        return answer(sw(SW.OK, tlv(0x6f, concatBytes(tlv(0x84, PSE_NAME), tlv(0xa5, tlv(0x88, Uint8Array.of(0x01)))))));
      }
      return status(SW.FILE_NOT_FOUND);
    }
    if (c.p1 === 0x00) {
      if (c.data.length !== 2) return status(SW.WRONG_LENGTH);
      const fid = readUintBE(c.data, 0, 2);
      if (fid === 0x3f00) {
        this.#selected = 'mf';
        return answer(sw(SW.OK));
      }
      if (fid === 0x1001 || fid === 0x3f01) return this.#selectApplication(c);
      return status(SW.FILE_NOT_FOUND);
    }
    return status(SW.WRONG_P1P2);
  }

  #binaryFile(sfi: number): Uint8Array | null {
    if (sfi === SFI_EF0015) return this.#state.ef0015;
    if (sfi === SFI_EF0016) return this.#state.ef0016;
    if (sfi === SFI_EF001C) return this.#state.ef001c;
    return null;
  }

  #readBinary(c: ParsedCommand): CommandOutcome {
    if (c.le === undefined || c.data.length > 0) return status(SW.WRONG_LENGTH);
    if (this.#selected !== 'adf') return status(SW.FILE_NOT_FOUND);
    if ((c.p1 & 0x80) === 0) return status(SW.WRONG_P1P2); // no current-EF reads: always by SFI
    const file = this.#binaryFile(c.p1 & 0x1f);
    if (file === null) return status(SW.FILE_NOT_FOUND);
    const offset = c.p2;
    if (offset >= file.length) return status(SW.WRONG_OFFSET);
    const remaining = file.length - offset;
    const le = c.le === 0 ? Math.min(256, remaining) : c.le;
    if (le > remaining) return status(0x6c00 | remaining);
    return answer(sw(SW.OK, file.slice(offset, offset + le)));
  }

  #readRecord(c: ParsedCommand): CommandOutcome {
    if (c.le === undefined || c.data.length > 0) return status(SW.WRONG_LENGTH);
    if (this.#selected !== 'adf') return status(SW.FILE_NOT_FOUND);
    if ((c.p2 & 0x07) !== 0x04 || c.p1 === 0) return status(SW.WRONG_P1P2);
    if (c.p2 >> 3 !== SFI_LOG) return status(SW.FILE_NOT_FOUND);
    const record = this.#state.log[c.p1 - 1];
    if (record === undefined) return status(SW.RECORD_NOT_FOUND);
    if (c.le !== 0 && c.le !== LOG_RECORD_BYTES) return status(0x6c00 | LOG_RECORD_BYTES);
    return answer(sw(SW.OK, record));
  }

  #getChallenge(c: ParsedCommand): CommandOutcome {
    if (c.data.length > 0 || (c.le !== 4 && c.le !== 8) || c.p1 !== 0 || c.p2 !== 0) return status(SW.WRONG_LENGTH);
    const challenge = this.#random(c.le);
    // Secure messaging uses the first 4 bytes as the IV's left half (§4.2, §5.7).
    this.#challenge = challenge.slice(0, 4);
    return answer(sw(SW.OK, challenge));
  }

  // ---- e-purse ----

  /** Money commands refuse while the application is blocked (§4.11). */
  #lockRefusal(): CommandOutcome | null {
    if (this.#selected !== 'adf') return status(SW.CONDITIONS_NOT_SATISFIED);
    if (this.#state.lock === 'permanent') return status(SW.APP_LOCKED);
    if (this.#state.lock === 'temporary') return status(SW.CONDITIONS_NOT_SATISFIED);
    return null;
  }

  #initialize(c: ParsedCommand): CommandOutcome {
    if (c.p2 !== 0x02 || (c.p1 !== 0x00 && c.p1 !== 0x01)) return status(SW.WRONG_P1P2);
    if (c.data.length !== 11) return status(SW.WRONG_LENGTH);
    const expectedLe = c.p1 === 0x00 ? 0x10 : 0x0f;
    if (c.le !== undefined && c.le !== 0 && c.le !== expectedLe) return status(0x6c00 | expectedLe);
    const refused = this.#lockRefusal();
    if (refused !== null) return refused;
    const keyIndex = c.data[0]!;
    const amountFen = readUintBE(c.data, 1, 4);
    const terminalId = c.data.slice(5, 11);
    const s = this.#state;
    if (c.p1 === 0x00) {
      const key = s.loadKeys.get(keyIndex);
      if (key === undefined) return status(SW.KEY_INDEX_UNSUPPORTED);
      if (s.onlineAtc >= MAX_COUNTER) return status(SW.COUNTER_MAX);
      if (s.balanceFen + amountFen > s.options.maxBalanceFen) return status(SW.WRONG_DATA);
      const suite = suiteFor(key.algorithmId);
      const random = this.#random(4);
      const sessionKey = suite.loadSessionKey(key.key, random, s.onlineAtc);
      const mac1 = suite.loadMac1(sessionKey, { oldBalanceFen: s.balanceFen, amountFen, terminalId });
      this.#pending = { kind: 'load', keyIndex, amountFen, terminalId, oldBalanceFen: s.balanceFen, atc: s.onlineAtc, sessionKey, suite };
      return answer(sw(SW.OK, concatBytes(uintBE(s.balanceFen, 4), uintBE(s.onlineAtc, 2), Uint8Array.of(key.version, key.algorithmId), random, mac1)));
    }
    const key = s.purchaseKeys.get(keyIndex);
    if (key === undefined) return status(SW.KEY_INDEX_UNSUPPORTED);
    if (s.offlineAtc >= MAX_COUNTER) return status(SW.COUNTER_MAX);
    if (amountFen > s.balanceFen) return status(SW.INSUFFICIENT_FUNDS);
    const suite = suiteFor(key.algorithmId);
    const random = this.#random(4);
    this.#pending = { kind: 'purchase', key, amountFen, terminalId, oldBalanceFen: s.balanceFen, atc: s.offlineAtc, random, suite };
    return answer(sw(SW.OK, concatBytes(uintBE(s.balanceFen, 4), uintBE(s.offlineAtc, 2), new Uint8Array(3), Uint8Array.of(key.version, key.algorithmId), random)));
  }

  #appendLog(record: Uint8Array): void {
    this.#state.log.unshift(record);
    if (this.#state.log.length > LOG_RECORD_COUNT) this.#state.log.length = LOG_RECORD_COUNT;
  }

  #logRecord(seq: number, amountFen: number, type: number, terminalId: Uint8Array, date: Uint8Array, time: Uint8Array): Uint8Array {
    const r = concatBytes(uintBE(seq, 2), new Uint8Array(3), uintBE(amountFen, 4), Uint8Array.of(type), terminalId, date, time);
    if (r.length !== LOG_RECORD_BYTES) throw new Error(`log record of ${r.length} bytes`);
    return r;
  }

  #credit(c: ParsedCommand, pending: PendingLoad | PendingPurchase | null): CommandOutcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x00) return status(SW.WRONG_P1P2);
    if (c.data.length !== 11) return status(SW.WRONG_LENGTH);
    if (c.le !== undefined && c.le !== 0 && c.le !== 4) return status(0x6c04);
    const refused = this.#lockRefusal();
    if (refused !== null) return refused;
    if (pending === null || pending.kind !== 'load') return status(SW.CONDITIONS_NOT_SATISFIED);
    const date = c.data.slice(0, 4);
    const time = c.data.slice(4, 7);
    const mac2 = c.data.slice(7, 11);
    const { suite } = pending;
    const expected = suite.loadMac2(pending.sessionKey, { amountFen: pending.amountFen, terminalId: pending.terminalId, hostDate: date, hostTime: time });
    if (!bytesEqual(expected, mac2)) return status(SW.MAC_INVALID); // pending already dropped (§7.3)
    const s = this.#state;
    const newBalanceFen = pending.oldBalanceFen + pending.amountFen;
    const tac = suite.loadTac(s.dtk, {
      newBalanceFen, onlineAtc: pending.atc, amountFen: pending.amountFen, terminalId: pending.terminalId, hostDate: date, hostTime: time,
    });
    const record = this.#logRecord(pending.atc, pending.amountFen, TX_TYPE_EP_LOAD, pending.terminalId, date, time);
    return answer(sw(SW.OK, tac), () => {
      s.balanceFen = newBalanceFen;
      s.onlineAtc = pending.atc + 1;
      this.#appendLog(record);
      s.proofs.set(TX_TYPE_EP_LOAD, { atcUsed: pending.atc, mac: mac2, tac });
    });
  }

  #debit(c: ParsedCommand, pending: PendingLoad | PendingPurchase | null): CommandOutcome {
    if (c.p1 !== 0x01 || c.p2 !== 0x00) return status(SW.WRONG_P1P2);
    if (c.data.length !== 15) return status(SW.WRONG_LENGTH);
    if (c.le !== undefined && c.le !== 0 && c.le !== 8) return status(0x6c08);
    const refused = this.#lockRefusal();
    if (refused !== null) return refused;
    if (pending === null || pending.kind !== 'purchase') return status(SW.CONDITIONS_NOT_SATISFIED);
    const terminalSeq = c.data.slice(0, 4);
    const date = c.data.slice(4, 8);
    const time = c.data.slice(8, 11);
    const mac1 = c.data.slice(11, 15);
    const { suite } = pending;
    const sespk = suite.purchaseSessionKey(pending.key.key, pending.random, pending.atc, terminalSeq);
    const fields = { amountFen: pending.amountFen, terminalId: pending.terminalId, date, time };
    if (!bytesEqual(suite.purchaseMac1(sespk, fields), mac1)) return status(SW.MAC_INVALID);
    const s = this.#state;
    const mac2 = suite.purchaseMac2(sespk, pending.amountFen);
    const tac = suite.purchaseTac(s.dtk, { ...fields, terminalSeq });
    const record = this.#logRecord(pending.atc, pending.amountFen, TX_TYPE_EP_PURCHASE, pending.terminalId, date, time);
    return answer(sw(SW.OK, concatBytes(tac, mac2)), () => {
      s.balanceFen = pending.oldBalanceFen - pending.amountFen;
      s.offlineAtc = pending.atc + 1;
      this.#appendLog(record);
      s.proofs.set(TX_TYPE_EP_PURCHASE, { atcUsed: pending.atc, mac: mac2, tac });
    });
  }

  #transactionProve(c: ParsedCommand): CommandOutcome {
    if (c.p1 !== 0x00) return status(SW.WRONG_P1P2);
    if (c.data.length !== 2) return status(SW.WRONG_LENGTH);
    if (c.le !== undefined && c.le !== 0 && c.le !== 8) return status(0x6c08);
    if (this.#selected !== 'adf') return status(SW.CONDITIONS_NOT_SATISFIED);
    const proof = this.#state.proofs.get(c.p2);
    if (proof === undefined) return status(SW.MAC_UNAVAILABLE);
    const atc = readUintBE(c.data, 0, 2);
    // Terminal practice (§4.10): the card's current counter, i.e. the used one + 1.
    const accepted = atc === proof.atcUsed + 1 || (this.#state.options.proveAcceptsUsedAtc && atc === proof.atcUsed);
    if (!accepted) return status(SW.MAC_UNAVAILABLE);
    return answer(sw(SW.OK, concatBytes(proof.mac, proof.tac)));
  }

  #getBalance(c: ParsedCommand): CommandOutcome {
    if (c.p1 !== 0x00 || c.p2 !== 0x02) return status(SW.WRONG_P1P2);
    if (c.data.length > 0 || c.le === undefined) return status(SW.WRONG_LENGTH);
    if (c.le !== 0 && c.le !== 4) return status(0x6c04);
    if (this.#selected !== 'adf') return status(SW.CONDITIONS_NOT_SATISFIED);
    return answer(sw(SW.OK, uintBE(this.#state.balanceFen, 4)));
  }

  // ---- line-protected maintenance commands ----

  /** Checks a secure-messaging MAC with the card's DAMK; consumes the challenge either way. */
  #smMacOk(apdu: Uint8Array, dataWithMac: Uint8Array): boolean {
    const challenge = this.#challenge;
    this.#challenge = null;
    if (challenge === null) return false;
    const headerAndData = apdu.slice(0, 5 + dataWithMac.length - 4);
    const mac = dataWithMac.slice(dataWithMac.length - 4);
    const suite = suiteFor(0x00);
    return bytesEqual(suite.secureMessagingMac(this.#state.damk, challenge, headerAndData), mac);
  }

  #updateBinarySecure(c: ParsedCommand, apdu: Uint8Array): CommandOutcome {
    if (c.le !== undefined) return status(SW.WRONG_LENGTH);
    if (c.data.length < 4) return status(SW.SM_MISSING);
    if (c.data.length === 4) return status(SW.WRONG_LENGTH);
    if (this.#selected !== 'adf') return status(SW.FILE_NOT_FOUND);
    if ((c.p1 & 0x80) === 0) return status(SW.WRONG_P1P2);
    const file = this.#binaryFile(c.p1 & 0x1f);
    if (file === null) return status(SW.FILE_NOT_FOUND);
    const refused = this.#lockRefusal();
    if (refused !== null) return refused;
    if (this.#challenge === null) return status(SW.REF_DATA_UNUSABLE);
    if (!this.#smMacOk(apdu, c.data)) return status(SW.SM_INCORRECT);
    const payload = c.data.slice(0, c.data.length - 4);
    const offset = c.p2;
    if (offset >= file.length) return status(SW.WRONG_OFFSET);
    if (offset + payload.length > file.length) return status(SW.WRONG_LENGTH);
    return answer(sw(SW.OK), () => file.set(payload, offset));
  }

  #applicationBlock(c: ParsedCommand, apdu: Uint8Array): CommandOutcome {
    if (c.p1 !== 0x00 || (c.p2 !== 0x00 && c.p2 !== 0x01)) return status(SW.WRONG_P1P2);
    if (c.le !== undefined || c.data.length !== 4) return status(SW.WRONG_LENGTH);
    if (this.#selected !== 'adf') return status(SW.FILE_NOT_FOUND);
    if (this.#state.lock === 'permanent') return status(SW.APP_LOCKED);
    if (this.#challenge === null) return status(SW.REF_DATA_UNUSABLE);
    if (!this.#smMacOk(apdu, c.data)) return status(SW.SM_INCORRECT);
    const next: LockState = c.p2 === 0x01 ? 'permanent' : 'temporary';
    this.#pending = null;
    return answer(sw(SW.OK), () => {
      this.#state.lock = next;
    });
  }
}
