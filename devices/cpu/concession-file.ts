/**
 * The concession file, SFI 0x1C under the City Union ADF: this project's own layout (real ones
 * are city-specific and unpublished, CARD-PROTOCOL.md §3.6; docs/CARD-PROTOCOL-NOTES.md
 * "Concession file"; decision in docs/COUNTER-RULES.md §2). 16 bytes:
 *   0      card type (mirrors EF 0015 byte 28: 00 普通卡, 01 学生卡, 02 老年卡, 03 爱心卡)
 *   1..4   verified-until YYYYMMDD, BCD
 *   5..8   date of the last verification YYYYMMDD, BCD
 *   9..14  station id of that verification: 12 BCD digits, right-aligned, zero-filled
 *   15     RFU 00
 * All zero: never verified (a stock card). Written whole by UPDATE BINARY with secure messaging.
 */
import { bcdDate, bcdDigits } from '../../common/bcd.ts';
import { BadInputError, CardMalformedError } from '../../common/errors.ts';
import { fromHex } from '../../common/hex.ts';

export const SFI_CONCESSION = 0x1c;
export const CONCESSION_FILE_BYTES = 16;

export interface ConcessionFile {
  /** Two hex digits, as EF 0015 byte 28. */
  cardType: string;
  /** 'YYYY-MM-DD', or null when never verified (zeros) or not a date. */
  verifiedUntil: string | null;
  lastVerified: string | null;
  /** The station id digits as written (leading zeros trimmed), or null when none. */
  stationId: string | null;
}

const isoDigits = (name: string, iso: string): Uint8Array => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) throw new BadInputError(`${name} must be YYYY-MM-DD, got "${iso}"`);
  return fromHex(iso.replaceAll('-', ''));
};

/** The 12 BCD digits a station id is written as: its digits, right-aligned; other characters are refused. */
export function stationIdDigits(stationId: string): string {
  const digits = stationId.replace(/\D/g, '');
  if (digits.length === 0) return '0'.repeat(12);
  return digits.slice(-12).padStart(12, '0');
}

export function buildConcessionFile(f: { cardType: string; verifiedUntil: string; lastVerified: string; stationId: string }): Uint8Array {
  if (!/^[0-9A-Fa-f]{2}$/.test(f.cardType)) throw new BadInputError(`card type must be 2 hex digits, got "${f.cardType}"`);
  const out = new Uint8Array(CONCESSION_FILE_BYTES);
  out[0] = parseInt(f.cardType, 16);
  out.set(isoDigits('verified-until', f.verifiedUntil), 1);
  out.set(isoDigits('last verification', f.lastVerified), 5);
  out.set(fromHex(stationIdDigits(f.stationId)), 9);
  return out;
}

export function parseConcessionFile(bytes: Uint8Array): ConcessionFile {
  if (bytes.length !== CONCESSION_FILE_BYTES) throw new CardMalformedError(`concession file: expected ${CONCESSION_FILE_BYTES} bytes, got ${bytes.length}`);
  const station = bcdDigits(bytes.subarray(9, 15));
  const trimmed = station === null ? null : station.replace(/^0+/, '');
  return {
    cardType: bytes[0]!.toString(16).toUpperCase().padStart(2, '0'),
    verifiedUntil: bcdDate(bytes.subarray(1, 5)),
    lastVerified: bcdDate(bytes.subarray(5, 9)),
    stationId: trimmed === null || trimmed === '' ? null : trimmed,
  };
}
