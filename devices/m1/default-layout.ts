/**
 * The default City Union M1 layout (a 建设部-style map after CARD-PROTOCOL.md §9.4; sector
 * numbers are ours [I], a city replaces this plug-in with its own).
 *
 * Sector map (absolute block numbers in brackets):
 *   0  directory      [0] manufacturer (UID, BCC, SAK 08, ATQA 0004), read-only
 *                     [1][2] application directory bytes (KAL excerpt), write B only
 *   1  issuance       [4] city code (2) ‖ card no. (4, BCD, 8 digits) ‖ card type (1) ‖ key
 *                         version (1) ‖ issue date (4, BCD YYYYMMDD) ‖ expiry date (4, BCD)
 *                     [5][6] reserved (zeros); blocks write B only
 *   2  purse          [9] primary value block, [10] backup value block, [8] unused
 *                     access 19 67 8E: blocks 1,2 = 110 (read A|B, write/increment B,
 *                     decrement/transfer/restore A|B: "A debits, B loads"), trailer 011
 *   3  public info    [12] primary, [13] backup = bitwise complement of the primary
 *                     primary: 0 pointer (0..9, newest record; 0 = none) ‖ 1–2 tx count (BE) ‖
 *                     3 progress flag (01 in progress, 02 complete, 00 never used) ‖
 *                     4–5 monthly-ticket count (BE) ‖ 6 blacklist flag (04 blacklisted, 00 not;
 *                     any other non-zero value is read as blacklisted: fail closed) ‖
 *                     7 file flag ‖ 8–14 reserved ‖ 15 check = XOR of bytes 0..14
 *   4,5,6 records     [16 17 18][20 21 22][24 25 26] = ring slots 1..9, one 16-byte record each:
 *                     0 type ‖ 1–4 amount fen (BE) ‖ 5–8 terminal id ‖ 9–12 date BCD
 *                     YYYYMMDD ‖ 13–15 time BCD hhmmss (China local time)
 *   3–6 access 7F 07 88: data 000 (A|B; validators hold only Key A and must write these),
 *   trailer 011. Sectors 7–15: left factory-fresh.
 * Keys: reads with A, writes with B, debits (ACS decrement/restore) with A.
 */
import { bcdDate, bcdDateTime, bcdTime, bcdDigits, bcdFromDigits } from '../../common/bcd.ts';
import { BadInputError, CardMalformedError } from '../../common/errors.ts';
import { bytesEqual, fromHex, isHex, readUintBE, toHex, uintBE } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import type { AccessConditions } from './access-bits.ts';
import type { M1CityLayout, M1Issuance, M1PublicInfo, M1PublicInfoRead, M1Record, M1RecordTypes } from './layout.ts';
import { M1_BLOCK_BYTES } from './value-block.ts';

export const DEFAULT_SECTORS = { directory: 0, issuance: 1, purse: 2, publicInfo: 3, records: [4, 5, 6] } as const;
export const RING_SLOTS = 9;
export const CARD_NO_DIGITS = 8;
export const TERMINAL_BYTES = 4;
export const BLACKLIST_FLAG = 0x04;
export const PROGRESS_IN_PROGRESS = 0x01;
export const PROGRESS_COMPLETE = 0x02;
export const MAX_TX_COUNT = 0xffff;

/** PBOC transaction types 02 (load) and 06 (purchase); 0x90 = migrated-out, station-specific [I]. */
export const DEFAULT_RECORD_TYPES: M1RecordTypes = { purchase: 0x06, load: 0x02, migratedOut: 0x90 };

const PURSE_ACCESS: AccessConditions = [0b000, 0b110, 0b110, 0b011];
const OPEN_ACCESS: AccessConditions = [0b000, 0b000, 0b000, 0b011];
const ISSUER_ACCESS: AccessConditions = [0b100, 0b100, 0b100, 0b011];
const DIRECTORY_HEX = ['0001100303030607' + '08FFFFFFFFFFFFFF', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'];

function xor15(block: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < 15; i++) x ^= block[i] as number;
  return x;
}

function complement(block: Uint8Array): Uint8Array {
  return block.map((b) => ~b & 0xff);
}

function dateToBcd(date: string | null, what: string): Uint8Array {
  if (date === null) return new Uint8Array(4);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new BadInputError(`${what} must be YYYY-MM-DD, got ${date}`);
  const bcd = bcdFromDigits(date.replaceAll('-', ''));
  if (bcdDate(bcd) === null) throw new BadInputError(`${what} is not a calendar date: ${date}`);
  return bcd;
}

function assertBlock16(block: Uint8Array, what: string): void {
  if (block.length !== M1_BLOCK_BYTES) throw new CardMalformedError(`${what}: expected ${M1_BLOCK_BYTES} bytes, got ${block.length}`);
}

export class DefaultM1Layout implements M1CityLayout {
  readonly name = 'cu-default-m1';
  readonly issuanceBlock = 4;
  readonly purse = { primaryBlock: 9, backupBlock: 10 } as const;
  readonly publicInfo = { primaryBlock: 12, backupBlock: 13 } as const;
  readonly recordBlocks: readonly number[] = [16, 17, 18, 20, 21, 22, 24, 25, 26];
  readonly recordTypes = DEFAULT_RECORD_TYPES;
  readonly keys = { read: 'A', write: 'B', debit: 'A' } as const;

  sectorAccess(sector: number): AccessConditions | null {
    if (sector === DEFAULT_SECTORS.directory || sector === DEFAULT_SECTORS.issuance) return ISSUER_ACCESS;
    if (sector === DEFAULT_SECTORS.purse) return PURSE_ACCESS;
    if (sector === DEFAULT_SECTORS.publicInfo || (DEFAULT_SECTORS.records as readonly number[]).includes(sector)) return OPEN_ACCESS;
    return null;
  }

  staticBlocks(): ReadonlyMap<number, Uint8Array> {
    return new Map([[1, fromHex(DIRECTORY_HEX[0]!)], [2, fromHex(DIRECTORY_HEX[1]!)]]);
  }

  encodeIssuance(issuance: M1Issuance): Uint8Array {
    if (!new RegExp(`^\\d{${CARD_NO_DIGITS}}$`).test(issuance.cardNo)) throw new BadInputError(`card number must be ${CARD_NO_DIGITS} digits, got ${issuance.cardNo}`);
    if (!isHex(issuance.cityCode, 2)) throw new BadInputError(`city code must be 4 hex digits, got ${issuance.cityCode}`);
    if (!isHex(issuance.cardType, 1)) throw new BadInputError(`card type must be 2 hex digits, got ${issuance.cardType}`);
    const out = new Uint8Array(M1_BLOCK_BYTES);
    out.set(fromHex(issuance.cityCode), 0);
    out.set(bcdFromDigits(issuance.cardNo), 2);
    out.set(fromHex(issuance.cardType), 6);
    out[7] = 0x01; // key version
    out.set(dateToBcd(issuance.issueDate, 'issue date'), 8);
    out.set(dateToBcd(issuance.expiryDate, 'expiry date'), 12);
    return out;
  }

  decodeIssuance(block: Uint8Array): M1Issuance {
    assertBlock16(block, 'M1 issuance block');
    const cardNo = bcdDigits(block.subarray(2, 6));
    if (cardNo === null) throw new CardMalformedError(`M1 card number is not BCD: ${toHex(block.subarray(2, 6))}`);
    return {
      cardNo,
      cityCode: toHex(block.subarray(0, 2)),
      cardType: toHex(block.subarray(6, 7)),
      issueDate: bcdDate(block.subarray(8, 12)),
      expiryDate: bcdDate(block.subarray(12, 16)),
    };
  }

  encodePublicInfo(info: M1PublicInfo): { primary: Uint8Array; backup: Uint8Array } {
    const intIn = (v: number, max: number, what: string): number => {
      if (!Number.isInteger(v) || v < 0 || v > max) throw new BadInputError(`${what} must be 0..${max}, got ${String(v)}`);
      return v;
    };
    const p = new Uint8Array(M1_BLOCK_BYTES);
    p[0] = intIn(info.pointer, RING_SLOTS, 'record pointer');
    p.set(uintBE(intIn(info.txCount, MAX_TX_COUNT, 'tx count'), 2), 1);
    p[3] = info.progress === 'in-progress' ? PROGRESS_IN_PROGRESS : info.progress === 'complete' ? PROGRESS_COMPLETE : 0x00;
    p.set(uintBE(intIn(info.monthlyCount, 0xffff, 'monthly count'), 2), 4);
    p[6] = info.blacklisted ? BLACKLIST_FLAG : 0x00;
    p[7] = intIn(info.fileFlag, 0xff, 'file flag');
    p[15] = xor15(p);
    return { primary: p, backup: complement(p) };
  }

  /** Null when this copy fails its check byte or holds values outside the format. */
  #tryDecodeCopy(p: Uint8Array): M1PublicInfo | null {
    if (xor15(p) !== p[15]) return null;
    const pointer = p[0] as number;
    const flag = p[3] as number;
    if (pointer > RING_SLOTS) return null;
    if (flag !== 0x00 && flag !== PROGRESS_IN_PROGRESS && flag !== PROGRESS_COMPLETE) return null;
    return {
      pointer,
      txCount: readUintBE(p, 1, 2),
      progress: flag === PROGRESS_IN_PROGRESS ? 'in-progress' : flag === PROGRESS_COMPLETE ? 'complete' : 'none',
      monthlyCount: readUintBE(p, 4, 2),
      blacklisted: p[6] !== 0x00,
      fileFlag: p[7] as number,
    };
  }

  decodePublicInfo(primary: Uint8Array, backup: Uint8Array): M1PublicInfoRead {
    assertBlock16(primary, 'M1 public info primary');
    assertBlock16(backup, 'M1 public info backup');
    const restored = complement(backup);
    const backupMatches = bytesEqual(restored, primary);
    const fromPrimary = this.#tryDecodeCopy(primary);
    if (fromPrimary !== null) return { info: fromPrimary, source: 'primary', backupMatches };
    const fromBackup = this.#tryDecodeCopy(restored);
    if (fromBackup !== null) return { info: fromBackup, source: 'backup', backupMatches };
    throw new CardMalformedError(`M1 public info: neither copy is valid (${toHex(primary)} / ${toHex(backup)})`);
  }

  encodeRecord(record: { type: number; amountFen: number; terminal: string; at: Date }): Uint8Array {
    if (!Number.isInteger(record.type) || record.type < 1 || record.type > 0xff) throw new BadInputError(`record type must be 1..255, got ${String(record.type)}`);
    if (!Number.isSafeInteger(record.amountFen) || record.amountFen < 0 || record.amountFen > MAX_CARD_FEN) throw new BadInputError(`record amount must be 0..${MAX_CARD_FEN} fen`);
    if (!isHex(record.terminal, TERMINAL_BYTES)) throw new BadInputError(`terminal id must be ${TERMINAL_BYTES * 2} hex digits, got ${record.terminal}`);
    if (Number.isNaN(record.at.getTime())) throw new BadInputError('record time is not a valid date');
    const { date, time } = bcdDateTime(record.at);
    const out = new Uint8Array(M1_BLOCK_BYTES);
    out[0] = record.type;
    out.set(uintBE(record.amountFen, 4), 1);
    out.set(fromHex(record.terminal), 5);
    out.set(date, 9);
    out.set(time, 13);
    return out;
  }

  decodeRecord(block: Uint8Array): M1Record | null {
    if (block.length !== M1_BLOCK_BYTES || block.every((b) => b === 0)) return null;
    const date = bcdDate(block.subarray(9, 13));
    const time = bcdTime(block.subarray(13, 16));
    return {
      type: block[0] as number,
      amountFen: readUintBE(block, 1, 4),
      terminal: toHex(block.subarray(5, 9)),
      at: date !== null && time !== null ? `${date}T${time}+08:00` : null,
    };
  }
}
