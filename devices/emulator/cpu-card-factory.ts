/**
 * Builds a personalised emulated City Union card: EF 0015 from the given identity, and card
 * keys diversified from issuer master keys with the ASN (§5.3), so the SoftwareSam built from
 * the same key file and this card agree on MAC1/MAC2/TAC and line protection.
 */
import { BadInputError } from '../../common/errors.ts';
import { fromHex, isHex } from '../../common/hex.ts';
import { diversifyKey } from '../crypto/diversify.ts';
import { ALGORITHM_3DES } from '../crypto/suite.ts';
import type { IssuerKeySet } from '../sam/key-file.ts';
import { CpuCard, type RandomSource } from './cpu-card.ts';
import { DEFAULT_MAX_BALANCE_FEN, type CardKey, type CpuCardState } from './cpu-card-state.ts';
import { EF0016_BYTES, EF001C_BYTES, LOG_RECORD_COUNT, buildEf0015, buildLogRecord, type LogRecordFields } from './cpu-files.ts';

/** Same shape as one issuer entry of the key file (PRODUCT.md "Keys"), `dpk` optional. */
export interface MasterKeysEntry {
  algorithm?: string;
  version?: number;
  dlk: string;
  dtk: string;
  damk: string;
  dpk?: string;
}

export interface CreateCpuCardOptions {
  asn: string;
  cityCode: string;
  issuerCode?: string;
  industryCode?: string;
  balanceFen?: number;
  enabled?: boolean;
  /** EF 0015 byte 28 (card sub-type, city-specific). */
  cardType?: number;
  /** 'YYYY-MM-DD' or 'YYYYMMDD'. */
  issueDate: string;
  expiryDate: string;
  appVersion?: number;
  interopFlag?: string;
  /** Master keys as in a key-file entry, or a loaded key set (then `cityCode` picks the issuer). */
  masterKeys?: MasterKeysEntry;
  keySet?: IssuerKeySet;
  /** Initial EF 0018 records, newest first. */
  log?: LogRecordFields[];
  onlineAtc?: number;
  offlineAtc?: number;
  /** Raw EF 0016 (55 bytes, name in GBK); zeros when absent. */
  ef0016?: string;
  /**
   * The concession file SFI 0x1C (docs/CARD-PROTOCOL-NOTES.md): raw 32 hex digits, or false for a
   * card personalised without it. Default: present, all zero (a stock card before its sale).
   */
  ef001c?: string | false;
  atrHistorical?: string;
  maxBalanceFen?: number;
  blockedSelectSw?: number;
  permanentBlockSelectSw?: number;
  proveAcceptsUsedAtc?: boolean;
  /** Load/purchase key index the card answers to (default 1). */
  keyIndex?: number;
  random?: RandomSource;
}

/** Historical bytes "CU-EMU": visibly an emulator in reader logs. */
export const DEFAULT_CPU_ATR_HISTORICAL = '43552D454D55';

function dateDigits(name: string, d: string): string {
  const digits = d.replaceAll('-', '');
  if (!/^[0-9]{8}$/.test(digits)) throw new BadInputError(`${name} must be YYYY-MM-DD, got "${d}"`);
  return digits;
}

function masterKey(name: string, hex: string | undefined): Uint8Array {
  if (hex === undefined || !isHex(hex, 16)) throw new BadInputError(`master key ${name} must be 32 hex digits`);
  return fromHex(hex);
}

// eslint-disable-next-line max-lines-per-function -- the card's file system laid out in one place, as the card holds it
export function createCpuCard(o: CreateCpuCardOptions): CpuCard {
  if (!isHex(o.asn, 8)) throw new BadInputError(`asn must be 16 hex digits, got "${o.asn}"`);
  if (!isHex(o.cityCode, 2)) throw new BadInputError(`cityCode must be 4 hex digits, got "${o.cityCode}"`);
  const asn = fromHex(o.asn);
  const keyIndex = o.keyIndex ?? 1;
  const maxBalanceFen = o.maxBalanceFen ?? DEFAULT_MAX_BALANCE_FEN;
  const balanceFen = o.balanceFen ?? 0;
  if (!Number.isSafeInteger(balanceFen) || balanceFen < 0 || balanceFen > maxBalanceFen) {
    throw new BadInputError(`balanceFen must be 0..${maxBalanceFen}, got ${balanceFen}`);
  }

  let version: number;
  let dlk: Uint8Array;
  let dtk: Uint8Array;
  let damk: Uint8Array;
  let dpk: Uint8Array | null = null;
  if (o.keySet !== undefined) {
    const info = o.keySet.info(o.cityCode);
    if (info.algorithm !== '3des') throw new BadInputError(`emulated cards support 3des keys only, issuer ${info.cityCode} uses ${info.algorithm}`);
    version = info.version;
    const div = (k: 'dlk' | 'dtk' | 'damk' | 'dpk'): Uint8Array => o.keySet!.withMasterKey(o.cityCode, k, (mk) => diversifyKey(mk, asn));
    dlk = div('dlk');
    dtk = div('dtk');
    damk = div('damk');
    if (info.hasPurchaseKey) dpk = div('dpk');
  } else if (o.masterKeys !== undefined) {
    const mk = o.masterKeys;
    if (mk.algorithm !== undefined && mk.algorithm !== '3des') throw new BadInputError(`emulated cards support 3des keys only, got ${mk.algorithm}`);
    version = mk.version ?? 1;
    dlk = diversifyKey(masterKey('dlk', mk.dlk), asn);
    dtk = diversifyKey(masterKey('dtk', mk.dtk), asn);
    damk = diversifyKey(masterKey('damk', mk.damk), asn);
    if (mk.dpk !== undefined) dpk = diversifyKey(masterKey('dpk', mk.dpk), asn);
  } else {
    throw new BadInputError('createCpuCard needs masterKeys or keySet');
  }
  const cardKey = (key: Uint8Array): CardKey => ({ version, algorithmId: ALGORITHM_3DES, key });

  const log = o.log ?? [];
  if (log.length > LOG_RECORD_COUNT) throw new BadInputError(`at most ${LOG_RECORD_COUNT} log records`);
  const ef0016 = o.ef0016 === undefined ? new Uint8Array(EF0016_BYTES) : fromHex(o.ef0016);
  if (ef0016.length !== EF0016_BYTES) throw new BadInputError(`ef0016 must be ${EF0016_BYTES} bytes`);
  const ef001c = o.ef001c === false ? null : o.ef001c === undefined ? new Uint8Array(EF001C_BYTES) : fromHex(o.ef001c);
  if (ef001c !== null && ef001c.length !== EF001C_BYTES) throw new BadInputError(`ef001c must be ${EF001C_BYTES} bytes`);

  const state: CpuCardState = {
    ef0015: buildEf0015({
      issuerCode: o.issuerCode ?? o.cityCode,
      cityCode: o.cityCode,
      industryCode: o.industryCode ?? '0000',
      rfu6: '0300', // byte 6: application type 03 = e-purse (§3.3)
      enabled: o.enabled ?? true,
      appVersion: o.appVersion ?? version,
      interopFlag: o.interopFlag ?? '0001',
      asn: o.asn,
      issueDate: dateDigits('issueDate', o.issueDate),
      expiryDate: dateDigits('expiryDate', o.expiryDate),
      cardType: o.cardType ?? 0,
      rfu29: 0,
    }),
    ef0016,
    ef001c,
    balanceFen,
    onlineAtc: o.onlineAtc ?? 0,
    offlineAtc: o.offlineAtc ?? 0,
    log: log.map((r) => buildLogRecord(r)),
    lock: 'none',
    loadKeys: new Map([[keyIndex, cardKey(dlk)]]),
    purchaseKeys: dpk === null ? new Map() : new Map([[keyIndex, cardKey(dpk)]]),
    dtk,
    damk,
    proofs: new Map(),
    options: {
      maxBalanceFen,
      blockedSelectSw: o.blockedSelectSw ?? 0x6a81,
      permanentBlockSelectSw: o.permanentBlockSelectSw ?? 0x9303,
      proveAcceptsUsedAtc: o.proveAcceptsUsedAtc ?? false,
      atrHistorical: fromHex(o.atrHistorical ?? DEFAULT_CPU_ATR_HISTORICAL),
      fciAppVersion: 0x02,
    },
  };
  for (const [name, v] of [['onlineAtc', state.onlineAtc], ['offlineAtc', state.offlineAtc]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new BadInputError(`${name} must be 0..65535`);
  }
  if (state.options.atrHistorical.length > 15) throw new BadInputError('atrHistorical must be at most 15 bytes');
  return new CpuCard(state, o.random);
}
