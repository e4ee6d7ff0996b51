/**
 * MIFARE Classic access bits (CARD-PROTOCOL.md §9.1): three bytes 6..8 of a sector trailer.
 *   byte6 = ¬C2[3..0] ‖ ¬C1[3..0]   byte7 = C1[3..0] ‖ ¬C3[3..0]   byte8 = C3[3..0] ‖ C2[3..0]
 * Bit i of C1/C2/C3 belongs to block i of the sector (3 = trailer). A condition is the 3-bit
 * number C1C2C3 (C1 most significant), e.g. 0b110 = the classic purse setting.
 *
 * The permission tables below are shared by the emulator (which enforces them) and by the
 * station (which uses them to refuse a plan that cannot work before touching a card).
 */
import { BadInputError, CardMalformedError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';

export const ACCESS_BITS_BYTES = 3;
export const BLOCKS_PER_SECTOR = 4;
export const TRAILER_INDEX = 3;

/** Condition C1C2C3 for blocks 0, 1, 2 and the trailer (index 3). */
export type AccessConditions = readonly [number, number, number, number];

export const TRANSPORT_CONDITIONS: AccessConditions = [0b000, 0b000, 0b000, 0b001];

function assertCondition(c: number, i: number): void {
  if (!Number.isInteger(c) || c < 0 || c > 7) throw new BadInputError(`access condition for block ${i} must be 0..7, got ${String(c)}`);
}

export function encodeAccessBits(conditions: AccessConditions): Uint8Array {
  if (conditions.length !== BLOCKS_PER_SECTOR) throw new BadInputError(`need ${BLOCKS_PER_SECTOR} access conditions, got ${conditions.length}`);
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  conditions.forEach((c, i) => {
    assertCondition(c, i);
    c1 |= ((c >> 2) & 1) << i;
    c2 |= ((c >> 1) & 1) << i;
    c3 |= (c & 1) << i;
  });
  return Uint8Array.from([
    ((~c2 & 0xf) << 4) | (~c1 & 0xf),
    (c1 << 4) | (~c3 & 0xf),
    (c3 << 4) | c2,
  ]);
}

/** Null when the inverted copies disagree (a chip would treat the sector as unusable). */
export function tryDecodeAccessBits(bytes3: Uint8Array): AccessConditions | null {
  if (bytes3.length !== ACCESS_BITS_BYTES) return null;
  const b6 = bytes3[0] as number;
  const b7 = bytes3[1] as number;
  const b8 = bytes3[2] as number;
  const c1 = b7 >> 4;
  const c2 = b8 & 0xf;
  const c3 = b8 >> 4;
  if ((~b6 & 0xf) !== c1 || ((~b6 >> 4) & 0xf) !== c2 || (~b7 & 0xf) !== c3) return null;
  const cond = (i: number): number => (((c1 >> i) & 1) << 2) | (((c2 >> i) & 1) << 1) | ((c3 >> i) & 1);
  return [cond(0), cond(1), cond(2), cond(3)];
}

export function decodeAccessBits(bytes3: Uint8Array): AccessConditions {
  const c = tryDecodeAccessBits(bytes3);
  if (c === null) throw new CardMalformedError(`access bits ${toHex(bytes3)} are inconsistent`);
  return c;
}

export type M1KeyType = 'A' | 'B';
/** Which keys allow an operation: none, A only, B only, or either. */
type Who = '-' | 'A' | 'B' | 'AB';
const allows = (who: Who, key: M1KeyType): boolean => who === 'AB' || who === key;

export type DataOp = 'read' | 'write' | 'increment' | 'decrement';
/** `decrement` also stands for TRANSFER and RESTORE, which share its column in the datasheet. */
const DATA_TABLE: Record<number, Record<DataOp, Who>> = {
  0b000: { read: 'AB', write: 'AB', increment: 'AB', decrement: 'AB' },
  0b010: { read: 'AB', write: '-', increment: '-', decrement: '-' },
  0b100: { read: 'AB', write: 'B', increment: '-', decrement: '-' },
  0b110: { read: 'AB', write: 'B', increment: 'B', decrement: 'AB' },
  0b001: { read: 'AB', write: '-', increment: '-', decrement: 'AB' },
  0b011: { read: 'B', write: 'B', increment: '-', decrement: '-' },
  0b101: { read: 'B', write: '-', increment: '-', decrement: '-' },
  0b111: { read: '-', write: '-', increment: '-', decrement: '-' },
};

export type TrailerPart = 'keyA' | 'access' | 'keyB';
interface TrailerRights { read: Record<TrailerPart, Who>; write: Record<TrailerPart, Who> }
const TRAILER_TABLE: Record<number, TrailerRights> = {
  0b000: { read: { keyA: '-', access: 'A', keyB: 'A' }, write: { keyA: 'A', access: '-', keyB: 'A' } },
  0b010: { read: { keyA: '-', access: 'A', keyB: 'A' }, write: { keyA: '-', access: '-', keyB: '-' } },
  0b100: { read: { keyA: '-', access: 'AB', keyB: '-' }, write: { keyA: 'B', access: '-', keyB: 'B' } },
  0b110: { read: { keyA: '-', access: 'AB', keyB: '-' }, write: { keyA: '-', access: '-', keyB: '-' } },
  0b001: { read: { keyA: '-', access: 'A', keyB: 'A' }, write: { keyA: 'A', access: 'A', keyB: 'A' } },
  0b011: { read: { keyA: '-', access: 'AB', keyB: '-' }, write: { keyA: 'B', access: 'B', keyB: 'B' } },
  0b101: { read: { keyA: '-', access: 'AB', keyB: '-' }, write: { keyA: '-', access: 'B', keyB: '-' } },
  0b111: { read: { keyA: '-', access: 'AB', keyB: '-' }, write: { keyA: '-', access: '-', keyB: '-' } },
};

function row<T>(table: Record<number, T>, condition: number): T {
  const r = table[condition];
  if (r === undefined) throw new BadInputError(`access condition must be 0..7, got ${String(condition)}`);
  return r;
}

/**
 * True when Key B is readable under this trailer condition. The datasheet then forbids
 * Key B as an authentication key: a chip accepts the authentication but refuses every
 * following access, which is what the emulator does.
 */
export function keyBReadable(trailerCondition: number): boolean {
  return row(TRAILER_TABLE, trailerCondition).read.keyB !== '-';
}

export function dataBlockAllows(condition: number, op: DataOp, key: M1KeyType, trailerCondition: number): boolean {
  if (key === 'B' && keyBReadable(trailerCondition)) return false;
  return allows(row(DATA_TABLE, condition)[op], key);
}

export function trailerAllows(trailerCondition: number, mode: 'read' | 'write', part: TrailerPart, key: M1KeyType): boolean {
  if (key === 'B' && keyBReadable(trailerCondition)) return false;
  return allows(row(TRAILER_TABLE, trailerCondition)[mode][part], key);
}

/**
 * A sector trailer as a card leaves the factory: keys A and B all FF, transport access
 * conditions, general-purpose byte 69. Personalisation overwrites the keys and access bits.
 */
export function transportTrailer(): Uint8Array {
  const trailer = new Uint8Array(16).fill(0xff);
  trailer.set(encodeAccessBits(TRANSPORT_CONDITIONS), 6);
  trailer[9] = 0x69;
  return trailer;
}
