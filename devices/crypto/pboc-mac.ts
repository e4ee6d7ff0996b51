/**
 * PBOC MAC (CARD-PROTOCOL.md §5.2): pad with 80 00.. always, DES-CBC under the left key half,
 * then for a 16-byte key a final E_K1(D_K2(last)) ("retail MAC", ISO 9797-1 alg. 3); the MAC
 * is the leftmost 4 bytes. The IV is zero, or challenge‖00000000 for secure messaging (§5.7).
 */
import { StationError } from '../../common/errors.ts';
import { DES_BLOCK_BYTES, DES_KEY_BYTES, TDES_KEY_BYTES, cbcLastBlock, decryptBlock, encryptBlock } from './des.ts';

export const MAC_BYTES = 4;
/** Longest MAC input we accept: a short APDU is at most 5 + 255 bytes; loads are far smaller. */
export const MAX_MAC_INPUT_BYTES = 512;

/** ISO 9797-1 padding method 2: always append 80, then 00 up to a whole block. */
export function pad80(data: Uint8Array): Uint8Array {
  const padded = new Uint8Array((Math.floor(data.length / DES_BLOCK_BYTES) + 1) * DES_BLOCK_BYTES);
  padded.set(data);
  padded[data.length] = 0x80;
  return padded;
}

export function pbocMac(key: Uint8Array, data: Uint8Array, iv: Uint8Array = new Uint8Array(DES_BLOCK_BYTES)): Uint8Array {
  if (key.length !== DES_KEY_BYTES && key.length !== TDES_KEY_BYTES) {
    throw new StationError('CRYPTO', `MAC key must be 8 or 16 bytes, got ${key.length}`);
  }
  if (iv.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `MAC IV must be 8 bytes, got ${iv.length}`);
  if (data.length > MAX_MAC_INPUT_BYTES) throw new StationError('CRYPTO', `MAC input of ${data.length} bytes is too long`);
  const left = key.subarray(0, DES_KEY_BYTES);
  // DES-CBC under the left half over all blocks, in one cipher context.
  let chain = cbcLastBlock(left, iv, pad80(data));
  if (key.length === TDES_KEY_BYTES) {
    // Retail MAC: the last block gets D_K2 then E_K1, so 16-byte keys cost one extra 3DES step.
    chain = encryptBlock(left, decryptBlock(key.subarray(DES_KEY_BYTES, TDES_KEY_BYTES), chain));
  }
  return chain.subarray(0, MAC_BYTES);
}
