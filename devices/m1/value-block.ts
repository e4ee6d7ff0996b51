/**
 * MIFARE Classic value blocks (CARD-PROTOCOL.md §9.2):
 *   V (4, LSB first, two's complement) ‖ ¬V (4) ‖ V (4) ‖ A ‖ ¬A ‖ A ‖ ¬A
 * The value is a signed 32-bit integer on the chip; the purse application uses only
 * 0..MAX_VALUE_BLOCK_FEN. The address byte is whatever the writer chose (usually the block
 * number; a TRANSFER keeps the source block's address), so decoding returns it unchecked.
 */
import { CardMalformedError, BadInputError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';

export const M1_BLOCK_BYTES = 16;
export const VALUE_MIN = -0x8000_0000;
export const VALUE_MAX = 0x7fff_ffff;

export interface ValueBlock {
  /** Signed 32-bit value as stored. */
  value: number;
  /** Address byte (0..255). */
  address: number;
}

function assertInt32(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < VALUE_MIN || value > VALUE_MAX) {
    throw new BadInputError(`${what} must be a signed 32-bit integer, got ${String(value)}`);
  }
}

export function encodeValueBlock(value: number, address: number): Uint8Array {
  assertInt32(value, 'value');
  if (!Number.isInteger(address) || address < 0 || address > 0xff) throw new BadInputError(`value block address must be 0..255, got ${String(address)}`);
  const out = new Uint8Array(M1_BLOCK_BYTES);
  const v = value >>> 0; // two's complement bit pattern
  const inv = ~value >>> 0;
  for (let i = 0; i < 4; i++) {
    out[i] = (v >>> (8 * i)) & 0xff;
    out[4 + i] = (inv >>> (8 * i)) & 0xff;
    out[8 + i] = (v >>> (8 * i)) & 0xff;
  }
  out[12] = address;
  out[13] = ~address & 0xff;
  out[14] = address;
  out[15] = ~address & 0xff;
  return out;
}

/** Returns null when the 16 bytes are not a well-formed value block (e.g. a torn write). */
export function tryDecodeValueBlock(block: Uint8Array): ValueBlock | null {
  if (block.length !== M1_BLOCK_BYTES) return null;
  const b = (i: number): number => block[i] as number;
  for (let i = 0; i < 4; i++) {
    if (b(i) !== b(8 + i)) return null;
    if ((b(i) ^ b(4 + i)) !== 0xff) return null;
  }
  if (b(12) !== b(14) || (b(12) ^ b(13)) !== 0xff || (b(14) ^ b(15)) !== 0xff) return null;
  const value = (b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24)) >> 0; // signed
  return { value, address: b(12) };
}

export function decodeValueBlock(block: Uint8Array, what = 'value block'): ValueBlock {
  const decoded = tryDecodeValueBlock(block);
  if (decoded === null) throw new CardMalformedError(`${what} is not a valid value block (${toHex(block)})`);
  return decoded;
}
