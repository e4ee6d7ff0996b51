/**
 * An emulated T-Union (交通联合, JT/T 978) card, enough for the station to recognise it, show its
 * issuing city and refuse City Union services (PRODUCT.md "Cards"): PPSE `2PAY.SYS.DDF01`
 * listing AID A000000632010105, that AID's FCI with 9F0C = its EF 0015, READ BINARY SFI 15
 * and SFI 17 (管理信息文件), READ RECORD SFI 18, GET BALANCE. The file layouts are those of
 * docs/CARD-PROTOCOL-NOTES.md "T-Union files". The City Union AID is not present (6A82). No money
 * commands. A dual card (both applications) is devices/emulator/dual-card.ts.
 */
import { BadInputError } from '../../common/errors.ts';
import { bytesEqual, concatBytes, fromHex, isHex, toHex, uintBE } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { SW } from '../apdu.ts';
import { contactlessAtr } from './atr.ts';
import { parseCommandApdu, sw, type ParsedCommand } from './command-apdu.ts';
import { EF0015_BYTES, LOG_RECORD_BYTES, LOG_RECORD_COUNT, TU_EF0017_BYTES, buildFci, buildLogRecord, tlv, type LogRecordFields } from './cpu-files.ts';
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
  /** EF 0017 (hex); absent or null: the card has no EF 0017 (older saved cards). */
  ef0017?: string | null;
  balanceFen: number;
  log: string[];
  atrHistorical: string;
}

export interface CreateTUnionCardOptions {
  /** 10-byte card number (应用序列号, 20 hex digits), stored at EF 0015 offset 10. */
  cardNumber: string;
  /** EF 0017 城市代码, 4 digits (GB/T 13497-1992, e.g. 2900 上海; core/cities/tunion-codes.ts). */
  cityCode: string;
  /** EF 0017 省级代码, 4 digits (e.g. 3100 上海); default 0000. */
  provinceCode?: string;
  /** EF 0017 卡种类型; default 01 (standard). */
  cardType?: number;
  /** EF 0017 互通卡种 0001 (interoperable, the default) or 0000. */
  interoperable?: boolean;
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
  readonly #ef0017: Uint8Array | null;
  readonly #log: Uint8Array[];
  readonly #balanceFen: number;
  readonly #atrHistorical: Uint8Array;
  readonly #gate = new FaultGate();
  #selected: Selected = 'none';

  constructor(ef0015: Uint8Array, balanceFen: number, log: Uint8Array[], atrHistorical: Uint8Array, ef0017: Uint8Array | null = null) {
    if (ef0015.length !== EF0015_BYTES) throw new BadInputError(`T-Union EF 0015 must be ${EF0015_BYTES} bytes`);
    if (ef0017 !== null && ef0017.length !== TU_EF0017_BYTES) throw new BadInputError(`T-Union EF 0017 must be ${TU_EF0017_BYTES} bytes`);
    if (!Number.isSafeInteger(balanceFen) || balanceFen < 0 || balanceFen > MAX_CARD_FEN) throw new BadInputError('T-Union balanceFen out of range');
    if (log.length > LOG_RECORD_COUNT || log.some((r) => r.length !== LOG_RECORD_BYTES)) throw new BadInputError('T-Union log must be up to 10 records of 23 bytes');
    if (atrHistorical.length > 15) throw new BadInputError('atrHistorical must be at most 15 bytes');
    this.#ef0015 = ef0015;
    this.#ef0017 = ef0017;
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
    const ef0017 = o.ef0017 === undefined || o.ef0017 === null ? null : hexField(o.ef0017, 'ef0017');
    return new TUnionCard(hexField(o.ef0015, 'ef0015'), o.balanceFen, o.log.map((r, i) => hexField(r, `log[${i}]`)), hexField(o.atrHistorical, 'atrHistorical'), ef0017);
  }

  toJSON(): TUnionCardJSON {
    return {
      kind: 'tunion', version: 1, ef0015: toHex(this.#ef0015), ef0017: this.#ef0017 === null ? null : toHex(this.#ef0017),
      balanceFen: this.#balanceFen, log: this.#log.map((r) => toHex(r)), atrHistorical: toHex(this.#atrHistorical),
    };
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
      const file = c.p1 === 0x95 ? this.#ef0015 : c.p1 === 0x97 ? this.#ef0017 : null;
      if (c.le === undefined) return status(SW.WRONG_LENGTH);
      if (file === null || c.p2 !== 0x00) return status(SW.FILE_NOT_FOUND);
      if (c.le !== 0 && c.le !== file.length) return status(0x6c00 | file.length);
      return { response: sw(SW.OK, file) };
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

/** 应用类型标识 of the emulated cards (EF 0015 byte 8) [I]: the public sources give no value set. */
export const TU_APP_TYPE = 0x02;
/** 国际代码 (EF 0017 bytes 0–3): ISO 3166 numeric 156 = China, as public terminal code shows it. */
export const TU_COUNTRY_CHINA = '00000156';

/**
 * The JT/T 978 files (docs/CARD-PROTOCOL-NOTES.md "T-Union files"). EF 0015: 发卡机构标识 8 (here
 * 0000 + city code + FFFFFFFF, so a reader that looks for the city inside the issuer id, as
 * one public reader does at bytes 2–3, sees the same city) | 应用类型标识 1 | 应用版本 1 |
 * 应用序列号 10 | 启用日期 4 | 有效日期 4 | 自定义 FCI 2. EF 0017: 国际代码 4 | 省级代码 2 |
 * 城市代码 2 | 互通卡种 2 | 卡种类型 1 | 预留 49.
 */
export function tunionFiles(o: CreateTUnionCardOptions): { ef0015: Uint8Array; ef0017: Uint8Array } {
  if (!isHex(o.cardNumber, 10)) throw new BadInputError('cardNumber must be 20 hex digits');
  if (!/^[0-9]{4}$/.test(o.cityCode)) throw new BadInputError('cityCode must be 4 digits (BCD)');
  const province = o.provinceCode ?? '0000';
  if (!/^[0-9]{4}$/.test(province)) throw new BadInputError('provinceCode must be 4 digits (BCD)');
  const cardType = o.cardType ?? 0x01;
  if (!Number.isInteger(cardType) || cardType < 0 || cardType > 0xff) throw new BadInputError('cardType must be one byte');
  const ef = new Uint8Array(EF0015_BYTES);
  ef.set(fromHex(`0000${o.cityCode}FFFFFFFF`), 0);
  ef[8] = TU_APP_TYPE;
  ef[9] = 0x01;
  ef.set(fromHex(o.cardNumber), 10);
  for (const [name, d, at] of [['issueDate', o.issueDate, 20], ['expiryDate', o.expiryDate, 24]] as const) {
    const digits = d.replaceAll('-', '');
    if (!/^[0-9]{8}$/.test(digits)) throw new BadInputError(`${name} must be YYYY-MM-DD`);
    ef.set(fromHex(digits), at);
  }
  const ef0017 = new Uint8Array(TU_EF0017_BYTES);
  ef0017.set(fromHex(`${TU_COUNTRY_CHINA}${province}${o.cityCode}${o.interoperable === false ? '0000' : '0001'}`), 0);
  ef0017[10] = cardType;
  return { ef0015: ef, ef0017 };
}

export function createTUnionCard(o: CreateTUnionCardOptions): TUnionCard {
  const { ef0015, ef0017 } = tunionFiles(o);
  return new TUnionCard(ef0015, o.balanceFen ?? 0, (o.log ?? []).map((r) => buildLogRecord(r)), fromHex(DEFAULT_TU_ATR_HISTORICAL), ef0017);
}
