/**
 * Byte images the emulated City Union card holds: EF 0015 (§3.3), EF 0016 (§3.4), log
 * records of EF 0018 (§3.5) and the SELECT answer (FCI, §3.2). The station's parsers live in
 * devices/cpu; these builders are written separately so one bug cannot hide in both.
 */
import { BadInputError } from '../../common/errors.ts';
import { concatBytes as concat, fromHex, isHex, uintBE } from '../../common/hex.ts';

export const CU_AID = fromHex('A00000000386980701');
export const PSE_NAME = new TextEncoder().encode('1PAY.SYS.DDF01');
export const EF0015_BYTES = 30;
/** T-Union EF 0017 (管理信息文件), docs/CARD-PROTOCOL-NOTES.md "T-Union files". */
export const TU_EF0017_BYTES = 60;
export const EF0016_BYTES = 55;
/** The concession card file, SFI 0x1C (this project's layout, docs/CARD-PROTOCOL-NOTES.md "Concession file"). */
export const EF001C_BYTES = 16;
export const LOG_RECORD_BYTES = 23;
export const LOG_RECORD_COUNT = 10;

export interface Ef0015Fields {
  issuerCode: string; // 4 hex
  cityCode: string; // 4 hex
  industryCode: string; // 4 hex
  rfu6: string; // 4 hex (byte 6 app type, byte 7 operator flag in some cities)
  enabled: boolean;
  appVersion: number;
  interopFlag: string; // 4 hex
  asn: string; // 16 hex
  issueDate: string; // YYYYMMDD
  expiryDate: string; // YYYYMMDD
  cardType: number; // byte 28
  rfu29: number;
}

function hexOf(name: string, value: string, bytes: number): Uint8Array {
  if (!isHex(value, bytes)) throw new BadInputError(`${name} must be ${bytes * 2} hex digits, got "${value}"`);
  return fromHex(value);
}

function digitsOf(name: string, value: string, digits: number): Uint8Array {
  if (!new RegExp(`^[0-9]{${digits}}$`).test(value)) throw new BadInputError(`${name} must be ${digits} digits, got "${value}"`);
  return fromHex(value);
}

function byteOf(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new BadInputError(`${name} must be 0..255, got ${value}`);
  return value;
}

export function buildEf0015(f: Ef0015Fields): Uint8Array {
  const out = new Uint8Array(EF0015_BYTES);
  out.set(hexOf('issuerCode', f.issuerCode, 2), 0);
  out.set(hexOf('cityCode', f.cityCode, 2), 2);
  out.set(hexOf('industryCode', f.industryCode, 2), 4);
  out.set(hexOf('rfu6', f.rfu6, 2), 6);
  out[8] = f.enabled ? 0x01 : 0x00;
  out[9] = byteOf('appVersion', f.appVersion);
  out.set(hexOf('interopFlag', f.interopFlag, 2), 10);
  out.set(hexOf('asn', f.asn, 8), 12);
  out.set(digitsOf('issueDate', f.issueDate, 8), 20);
  out.set(digitsOf('expiryDate', f.expiryDate, 8), 24);
  out[28] = byteOf('cardType', f.cardType);
  out[29] = byteOf('rfu29', f.rfu29);
  return out;
}

export interface LogRecordFields {
  seq: number;
  amountFen: number;
  type: number;
  terminal: string; // 12 hex
  date: string; // YYYYMMDD
  time: string; // hhmmss
  overdraftFen?: number;
}

export function buildLogRecord(f: LogRecordFields): Uint8Array {
  const out = new Uint8Array(LOG_RECORD_BYTES);
  out.set(uintBE(f.seq, 2), 0);
  out.set(uintBE(f.overdraftFen ?? 0, 3), 2);
  out.set(uintBE(f.amountFen, 4), 5);
  out[9] = byteOf('type', f.type);
  out.set(hexOf('terminal', f.terminal, 6), 10);
  out.set(digitsOf('date', f.date, 8), 16);
  out.set(digitsOf('time', f.time, 6), 20);
  return out;
}

/** Minimal BER-TLV encoder for the FCI (short and 81 long-form lengths). */
export function tlv(tag: number, value: Uint8Array): Uint8Array {
  const tagBytes = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  if (value.length > 0xff) throw new BadInputError(`TLV value too long: ${value.length}`);
  const len = value.length < 0x80 ? [value.length] : [0x81, value.length];
  return Uint8Array.from([...tagBytes, ...len, ...value]);
}

/** 6F { 84 DF-name, A5 { 9F08 app version, 9F0C issuer discretionary data } }. */
export function buildFci(dfName: Uint8Array, appVersion: number, discretionary: Uint8Array): Uint8Array {
  return tlv(0x6f, concat(tlv(0x84, dfName), tlv(0xa5, concat(tlv(0x9f08, Uint8Array.of(appVersion)), tlv(0x9f0c, discretionary)))));
}
