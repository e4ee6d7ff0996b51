/**
 * Parsers for the City Union application's files: EF 0015 (§3.3), EF 0016 (§3.4), EF 0018
 * log records (§3.5), and the T-Union (JT/T 978) EF 0015 and EF 0017. Each checks its length first.
 */
import { BadInputError, CardMalformedError } from '../../common/errors.ts';
import { fromHex, toHex, readUintBE } from '../../common/hex.ts';
import { bcdDate, bcdTime } from '../../common/bcd.ts';

export const EF0015_BYTES = 30;
export const EF0016_BYTES = 55;
export const LOG_RECORD_BYTES = 23;

function need(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new CardMalformedError(`${what}: expected ${length} bytes, got ${bytes.length}`);
}

export interface CuPublicInfo {
  issuerCode: string;
  cityCode: string;
  industry: string;
  /** Bytes 6..7: RFU / app type + operator flag in some cities (hex). */
  rfu: string;
  enabled: boolean;
  appVersion: number;
  interopFlag: string;
  asn: string;
  /** ISO date, or null when the BCD is not a calendar date. */
  issueDate: string | null;
  expiryDate: string | null;
  cardSubtype: number;
}

/** Where EF 0015's fields sit (CARD-PROTOCOL.md §3.3). */
export const EF0015_OFFSETS = { enabled: 8, asn: 12, issueDate: 20, expiryDate: 24, cardType: 28 } as const;

/**
 * The write that activates a stock card: EF 0015 from its enable flag through its issue date
 * (offset 8, 16 bytes, the ASN between them unchanged), the flag set to 01 and the issue date
 * `issueDate` (YYYYMMDD, 4 BCD bytes).
 */
export function ef0015Activation(ef: Uint8Array, issueDate: string, cardType?: string): { offset: number; data: Uint8Array } {
  need(ef, EF0015_BYTES, 'EF 0015');
  if (!/^[0-9]{8}$/.test(issueDate)) throw new BadInputError(`issue date must be YYYYMMDD, got "${issueDate}"`);
  if (cardType !== undefined && !/^[0-9A-Fa-f]{2}$/.test(cardType)) throw new BadInputError(`card type must be 2 hex digits, got "${cardType}"`);
  const { enabled, issueDate: dateAt, cardType: typeAt } = EF0015_OFFSETS;
  // With a card type (issue 17: the product sold), the write runs on through byte 28; the
  // expiry date between is written back unchanged.
  const data = Uint8Array.from(ef.subarray(enabled, cardType === undefined ? dateAt + 4 : typeAt + 1));
  data[0] = 0x01;
  data.set(fromHex(issueDate), dateAt - enabled);
  if (cardType !== undefined) data[typeAt - enabled] = parseInt(cardType, 16);
  return { offset: enabled, data };
}

export function parseEf0015(bytes: Uint8Array): CuPublicInfo {
  need(bytes, EF0015_BYTES, 'EF 0015');
  return {
    issuerCode: toHex(bytes.subarray(0, 2)),
    cityCode: toHex(bytes.subarray(2, 4)),
    industry: toHex(bytes.subarray(4, 6)),
    rfu: toHex(bytes.subarray(6, 8)),
    enabled: bytes[8] === 0x01,
    appVersion: bytes[9]!,
    interopFlag: toHex(bytes.subarray(10, 12)),
    asn: toHex(bytes.subarray(12, 20)),
    issueDate: bcdDate(bytes.subarray(20, 24)),
    expiryDate: bcdDate(bytes.subarray(24, 28)),
    cardSubtype: bytes[28]!,
  };
}

/**
 * T-Union (交通联合, JT/T 978) EF 0015, 30 bytes (docs/CARD-PROTOCOL-NOTES.md "T-Union files"):
 * 发卡机构标识 8 | 应用类型标识 1 | 发卡机构应用版本 1 | 应用序列号 10 | 启用日期 4 | 有效日期 4 |
 * 发卡机构自定义 FCI 2. The card's city is not here but in EF 0017.
 */
export interface TUnionPublicInfo {
  /** 发卡机构标识, 8 bytes hex. */
  issuerId: string;
  appType: number;
  appVersion: number;
  /** 应用序列号: the 10-byte card number, hex. */
  cardNumber: string;
  issueDate: string | null;
  expiryDate: string | null;
  /** 发卡机构自定义 FCI 数据, 2 bytes hex. */
  issuerFci: string;
}

export function parseTUnionEf0015(bytes: Uint8Array): TUnionPublicInfo {
  need(bytes, EF0015_BYTES, 'T-Union EF 0015');
  return {
    issuerId: toHex(bytes.subarray(0, 8)),
    appType: bytes[8]!,
    appVersion: bytes[9]!,
    cardNumber: toHex(bytes.subarray(10, 20)),
    issueDate: bcdDate(bytes.subarray(20, 24)),
    expiryDate: bcdDate(bytes.subarray(24, 28)),
    issuerFci: toHex(bytes.subarray(28, 30)),
  };
}

/** T-Union EF 0017 (管理信息文件): 60 bytes on the cards the public sources describe. */
export const TU_EF0017_BYTES = 60;
/** The fields end at byte 11; the rest is reserved (预留), so a shorter file still parses. */
const TU_EF0017_FIELDS = 11;

/** 国际代码 4 | 省级代码 2 | 城市代码 2 | 互通卡种 2 | 卡种类型 1 | 预留 49. */
export interface TUnionManagementInfo {
  /** 国际代码, 4 bytes hex ("00000156" = China). */
  countryCode: string;
  /** 省级代码, 2 bytes hex. */
  provinceCode: string;
  /** 城市代码, 2 bytes hex (4 digits). */
  cityCode: string;
  /** 互通卡种: 0000 = local only, 0001 = interoperable (hex). */
  interopCode: string;
  interoperable: boolean;
  /** 卡种类型 (01 standard, 02 senior, 03 student, 04 staff where known). */
  cardType: number;
}

export function parseTUnionEf0017(bytes: Uint8Array): TUnionManagementInfo {
  if (bytes.length < TU_EF0017_FIELDS || bytes.length > 256) {
    throw new CardMalformedError(`T-Union EF 0017: expected ${TU_EF0017_BYTES} bytes (at least ${TU_EF0017_FIELDS}), got ${bytes.length}`);
  }
  const interopCode = toHex(bytes.subarray(8, 10));
  return {
    countryCode: toHex(bytes.subarray(0, 4)),
    provinceCode: toHex(bytes.subarray(4, 6)),
    cityCode: toHex(bytes.subarray(6, 8)),
    interopCode,
    interoperable: interopCode === '0001',
    cardType: bytes[10]!,
  };
}

export interface CardholderInfo {
  cardTypeFlag: number;
  staffFlag: number;
  /** Decoded from GBK, padding (00/FF/spaces) trimmed. */
  name: string;
  idNumber: string;
  idType: number;
}

interface Decoder { decode(bytes: Uint8Array): string }
let gbkDecoder: Decoder | null = null;
/** GBK needs full ICU (Node and Electron have it); a small-ICU build falls back to UTF-8. */
function gbk(): Decoder {
  if (gbkDecoder === null) {
    try {
      gbkDecoder = new TextDecoder('gbk');
    } catch {
      gbkDecoder = new TextDecoder('utf-8');
    }
  }
  return gbkDecoder;
}

function trimPadding(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0xff || bytes[end - 1] === 0x20)) end--;
  return bytes.subarray(0, end);
}

export function parseEf0016(bytes: Uint8Array): CardholderInfo {
  need(bytes, EF0016_BYTES, 'EF 0016');
  const id = trimPadding(bytes.subarray(22, 54));
  return {
    cardTypeFlag: bytes[0]!,
    staffFlag: bytes[1]!,
    name: gbk().decode(trimPadding(bytes.subarray(2, 22))),
    // ID numbers are ASCII digits/letters; anything else is shown as '?' rather than trusted.
    idNumber: Array.from(id, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join(''),
    idType: bytes[54]!,
  };
}

export const TX_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'ed-load',
  0x02: 'ep-load',
  0x03: 'unload',
  0x04: 'ed-cash-withdraw',
  0x05: 'ed-purchase',
  0x06: 'ep-purchase',
  0x07: 'ed-update-overdraw-limit',
  0x08: 'credit-purchase',
  0x09: 'capp-purchase',
  0x0a: 'ep-capp-purchase',
};

export interface LogRecord {
  /** Counter value the transaction used. */
  seq: number;
  overdraftFen: number;
  amountFen: number;
  type: number;
  typeName: string;
  /** Terminal id, 12 hex digits. */
  terminal: string;
  /** Local time in China (+08:00), or null when the BCD date/time is not valid. */
  at: string | null;
}

export function parseLogRecord(bytes: Uint8Array): LogRecord {
  need(bytes, LOG_RECORD_BYTES, 'log record');
  const date = bcdDate(bytes.subarray(16, 20));
  const time = bcdTime(bytes.subarray(20, 23));
  const type = bytes[9]!;
  return {
    seq: readUintBE(bytes, 0, 2),
    overdraftFen: readUintBE(bytes, 2, 3),
    amountFen: readUintBE(bytes, 5, 4),
    type,
    typeName: TX_TYPE_NAMES[type] ?? 'unknown',
    terminal: toHex(bytes.subarray(10, 16)),
    at: date !== null && time !== null ? `${date}T${time}+08:00` : null,
  };
}
