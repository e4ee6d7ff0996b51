/**
 * DES and 2-key 3DES on single 8-byte blocks, through node:crypto.
 *
 * Why `des-ede3-cbc` with a zero IV, one block at a time: Node 20 ships OpenSSL 3, where
 * `des-ecb` and `des-ede` live in the legacy provider and fail to load; Electron's BoringSSL
 * lacks 3-key ECB in some versions. `des-ede3-cbc` exists in both, and CBC over exactly one
 * block with IV = 0 is ECB. Single DES is 3DES with K‖K‖K (E_K D_K E_K = E_K); 2-key 3DES is
 * K1‖K2‖K1.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { StationError } from '../../common/errors.ts';

export const DES_BLOCK_BYTES = 8;
export const DES_KEY_BYTES = 8;
export const TDES_KEY_BYTES = 16;

const ZERO_IV = Buffer.alloc(DES_BLOCK_BYTES);

/** Expands an 8-byte DES key or a 16-byte 2-key 3DES key to the 24 bytes des-ede3 wants. */
function ede3Key(key: Uint8Array): Buffer {
  if (key.length === DES_KEY_BYTES) return Buffer.concat([key, key, key]);
  if (key.length === TDES_KEY_BYTES) return Buffer.concat([key, key.subarray(0, 8)]);
  throw new StationError('CRYPTO', `DES key must be 8 or 16 bytes, got ${key.length}`);
}

function assertBlock(block: Uint8Array): void {
  if (block.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `DES block must be 8 bytes, got ${block.length}`);
}

function run(decrypt: boolean, key: Uint8Array, block: Uint8Array): Uint8Array {
  assertBlock(block);
  const k = ede3Key(key);
  const c = decrypt ? createDecipheriv('des-ede3-cbc', k, ZERO_IV) : createCipheriv('des-ede3-cbc', k, ZERO_IV);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(block), c.final()]);
  if (out.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `DES produced ${out.length} bytes`);
  return Uint8Array.from(out);
}

/** Encrypts one block: single DES for an 8-byte key, 2-key 3DES EDE for a 16-byte key. */
export function encryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return run(false, key, block);
}

/** Decrypts one block: single DES for an 8-byte key, 2-key 3DES EDE for a 16-byte key. */
export function decryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return run(true, key, block);
}

/**
 * ECB over whole blocks (input length must be a multiple of 8), through ONE cipher context:
 * setting up a context (OpenSSL 3 fetches the algorithm and schedules the key) costs several
 * times a block's encryption. CBC chains each block onto the previous output, so each input is
 * XORed with that output first, which cancels the chaining: every output is E_K(block).
 */
export function encryptEcb(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % DES_BLOCK_BYTES !== 0) throw new StationError('CRYPTO', `ECB input of ${data.length} bytes is not whole blocks`);
  const c = createCipheriv('des-ede3-cbc', ede3Key(key), ZERO_IV);
  c.setAutoPadding(false);
  const out = new Uint8Array(data.length);
  let prev: Uint8Array = ZERO_IV;
  for (let i = 0; i < data.length; i += DES_BLOCK_BYTES) {
    const block = c.update(xorBytes(prev, data.subarray(i, i + DES_BLOCK_BYTES)));
    if (block.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `DES produced ${block.length} bytes`);
    out.set(block, i);
    prev = block;
  }
  c.final();
  return out;
}

/**
 * The last block of CBC encryption of `data` (whole blocks) from `iv`: the CBC-MAC chain, in
 * one cipher context instead of one per block.
 */
export function cbcLastBlock(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  assertBlock(iv);
  if (data.length === 0 || data.length % DES_BLOCK_BYTES !== 0) throw new StationError('CRYPTO', `CBC input of ${data.length} bytes is not whole blocks`);
  const c = createCipheriv('des-ede3-cbc', ede3Key(key), iv);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  if (out.length !== data.length) throw new StationError('CRYPTO', `DES produced ${out.length} bytes`);
  return Uint8Array.from(out.subarray(out.length - DES_BLOCK_BYTES));
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new StationError('CRYPTO', `xor of ${a.length} and ${b.length} bytes`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}
