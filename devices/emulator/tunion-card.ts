/**
 * An emulated T-Union (交通联合) card, enough for the station to recognise it and refuse City
 * Union services (PRODUCT.md "Cards"): PPSE `2PAY.SYS.DDF01` listing AID A000000632010105,
 * that AID's FCI with 9F0C = its EF 0015 (TU layout, §3.3 note), READ BINARY SFI 15,
 * READ RECORD SFI 18, GET BALANCE. The City Union AID is not present (6A82). No money commands.
 */
import { BadInputError } from '../../common/errors.ts';
import { bytesEqual, concatBytes, fromHex, isHex, toHex, uintBE } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { SW } from '../apdu.ts';
import { contactlessAtr } from './atr.ts';
import { parseCommandApdu, sw, type ParsedCommand } from './command-apdu.ts';
import { EF0015_BYTES, LOG_RECORD_BYTES, LOG_RECORD_COUNT, buildFci, buildLogRecord, tlv, type LogRecordFields } from './cpu-files.ts';
import { FaultGate, type CommandOutcome } from './fault-gate.ts';
import type { CardAnswer, Fault, VirtualCard } from './virtual-card.ts';

export const TU_AID = fromHex('A000000632010105');
export const PPSE_NAME = new TextEncoder().encode('2PAY.SYS.DDF01');
/** Changsha Xiaoxiang TU card's historical bytes (CARD-PROTOCOL.md §2.2, from PCT). */
export const DEFAULT_TU_ATR_HISTORICAL = 'FD01102020103000';

export interface TUnionCardJSON {
  kind: 'tunion';
  version: 1;
  ef0015: string;
  balanceFen: number;
  log: string[];
  atrHistorical: string;
}

export interface CreateTUnionCardOptions {
  /** 10-byte card number (20 hex digits), stored at EF 0015 offset 10. */
  cardNumber: string;
  /** 2-byte city code at offset 1 (TU layout). */
  cityCode: string;
  balanceFen?: number;
  issueDate: string;
  expiryDate: string;
  log?: LogRecordFields[];
}

type Selected = 'none' | 'ppse' | 'app';

function status(value: number): CommandOutcome {
  return { response: sw(value) };
}

export class TUnionCard implements VirtualCard {
  readonly kind = 'tunion' as const;
  readonly #ef0015: Uint8Array;
  readonly #log: Uint8Array[];
  readonly #balanceFen: number;
  readonly #atrHistorical: Uint8Array;
  readonly #gate = new FaultGate();
  #selected: Selected = 'none';

  constructor(ef0015: Uint8Array, balanceFen: number, log: Uint8Array[], atrHistorical: Uint8Array) {
    if (ef0015.length !== EF0015_BYTES) throw new BadInputError(`T-Union EF 0015 must be ${EF0015_BYTES} bytes`);
    if (!Number.isSafeInteger(balanceFen) || balanceFen < 0 || balanceFen > MAX_CARD_FEN) throw new BadInputError('T-Union balanceFen out of range');
    if (log.length > LOG_RECORD_COUNT || log.some((r) => r.length !== LOG_RECORD_BYTES)) throw new BadInputError('T-Union log must be up to 10 records of 23 bytes');
    if (atrHistorical.length > 15) throw new BadInputError('atrHistorical must be at most 15 bytes');
    this.#ef0015 = ef0015;
    this.#balanceFen = balanceFen;
    this.#log = log;
    this.#atrHistorical = atrHistorical;
  }

  static fromJSON(json: unknown): TUnionCard {
    const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (o.kind !== 'tunion' || o.version !== 1) throw new BadInputError('saved T-Union card: kind must be "tunion", version 1');
    const hexField = (v: unknown, name: string): Uint8Array => {
      if (typeof v !== 'string' || !isHex(v)) throw new BadInputError(`saved T-Union card: ${name} must be hex`);
      return fromHex(v);
    };
    if (!Array.isArray(o.log)) throw new BadInputError('saved T-Union card: log must be an array');
    if (typeof o.balanceFen !== 'number') throw new BadInputError('saved T-Union card: balanceFen must be a number');
    return new TUnionCard(hexField(o.ef0015, 'ef0015'), o.balanceFen, o.log.map((r, i) => hexField(r, `log[${i}]`)), hexField(o.atrHistorical, 'atrHistorical'));
  }

  toJSON(): TUnionCardJSON {
    return { kind: 'tunion', version: 1, ef0015: toHex(this.#ef0015), balanceFen: this.#balanceFen, log: this.#log.map((r) => toHex(r)), atrHistorical: toHex(this.#atrHistorical) };
  }

  atr(): Uint8Array {
    return contactlessAtr(this.#atrHistorical);
  }

  reset(): void {
    this.#selected = 'none';
  }

  armFault(fault: Fault | null): void {
    this.#gate.arm(fault);
  }

  process(apdu: Uint8Array): CardAnswer {
    return this.#gate.run(() => this.#dispatch(apdu), () => this.reset());
  }

  #dispatch(apdu: Uint8Array): CommandOutcome {
    const c = parseCommandApdu(apdu);
    if (c === null) return status(SW.WRONG_LENGTH);
    if (c.cla === 0x00 && c.ins === 0xa4) return this.#select(c);
    if (c.cla === 0x00 && c.ins === 0xb0) {
      if (this.#selected !== 'app') return status(SW.FILE_NOT_FOUND);
      if (c.p1 !== 0x95 || c.p2 !== 0x00 || c.le === undefined) return c.le === undefined ? status(SW.WRONG_LENGTH) : status(SW.FILE_NOT_FOUND);
      if (c.le !== 0 && c.le !== EF0015_BYTES) return status(0x6c00 | EF0015_BYTES);
      return { response: sw(SW.OK, this.#ef0015) };
    }
    if (c.cla === 0x00 && c.ins === 0xb2) {
      if (this.#selected !== 'app') return status(SW.FILE_NOT_FOUND);
      if (c.p2 !== ((0x18 << 3) | 4) || c.p1 === 0) return status(SW.WRONG_P1P2);
      const r = this.#log[c.p1 - 1];
      if (r === undefined) return status(SW.RECORD_NOT_FOUND);
      return { response: sw(SW.OK, r) };
    }
    if (c.cla === 0x80 && c.ins === 0x5c) {
      if (this.#selected !== 'app') return status(SW.CONDITIONS_NOT_SATISFIED);
      if (c.p1 !== 0x00 || c.p2 !== 0x02) return status(SW.WRONG_P1P2);
      return { response: sw(SW.OK, uintBE(this.#balanceFen, 4)) };
    }
    if (c.cla === 0x80 || c.cla === 0x00 || c.cla === 0x04 || c.cla === 0x84) return status(SW.INS_NOT_SUPPORTED);
    return status(SW.CLA_NOT_SUPPORTED);
  }

  #select(c: ParsedCommand): CommandOutcome {
    if (c.p1 !== 0x04) return status(SW.FILE_NOT_FOUND);
    if (bytesEqual(c.data, PPSE_NAME)) {
      this.#selected = 'ppse';
      const entry = tlv(0x61, concatBytes(tlv(0x4f, TU_AID), tlv(0x87, Uint8Array.of(0x01))));
      return { response: sw(SW.OK, tlv(0x6f, concatBytes(tlv(0x84, PPSE_NAME), tlv(0xa5, tlv(0xbf0c, entry))))) };
    }
    if (bytesEqual(c.data, TU_AID)) {
      this.#selected = 'app';
      return { response: sw(SW.OK, buildFci(TU_AID, 0x01, this.#ef0015)) };
    }
    return status(SW.FILE_NOT_FOUND);
  }
}

/**
 * TU EF 0015 as the station reads it (§3.3 note): byte 0 card type, city code at 1..2,
 * 10-byte card number at 10..19, issue date at 20, expiry at 24. Other bytes zero here.
 */
export function createTUnionCard(o: CreateTUnionCardOptions): TUnionCard {
  if (!isHex(o.cardNumber, 10)) throw new BadInputError('cardNumber must be 20 hex digits');
  if (!isHex(o.cityCode, 2)) throw new BadInputError('cityCode must be 4 hex digits');
  const ef = new Uint8Array(EF0015_BYTES);
  ef[0] = 0x02;
  ef.set(fromHex(o.cityCode), 1);
  ef.set(fromHex(o.cardNumber), 10);
  for (const [name, d, at] of [['issueDate', o.issueDate, 20], ['expiryDate', o.expiryDate, 24]] as const) {
    const digits = d.replaceAll('-', '');
    if (!/^[0-9]{8}$/.test(digits)) throw new BadInputError(`${name} must be YYYY-MM-DD`);
    ef.set(fromHex(digits), at);
  }
  return new TUnionCard(ef, o.balanceFen ?? 0, (o.log ?? []).map((r) => buildLogRecord(r)), fromHex(DEFAULT_TU_ATR_HISTORICAL));
}
