/**
 * Single-DES encryption of one 8-byte block, for M1 sector-key derivation only.
 *
 * Why not `des-ecb`: OpenSSL 3 (Node 20) moved single DES to the legacy provider, so it fails
 * at runtime; Electron's BoringSSL lacks it too. Triple DES with K‖K‖K degenerates to single
 * DES (E_K ∘ D_K ∘ E_K = E_K), and CBC with a zero IV over exactly one block equals ECB.
 * Kept private to devices/m1/ on purpose (devices/crypto/ is another engineer's module; unify
 * later).
 */
import { createCipheriv } from 'node:crypto';
import { StationError } from '../../common/errors.ts';

export const DES_BLOCK_BYTES = 8;
export const DES_KEY_BYTES = 8;

export function desEncryptBlock(key8: Uint8Array, block8: Uint8Array): Uint8Array {
  if (key8.length !== DES_KEY_BYTES) throw new StationError('CRYPTO', `DES key must be ${DES_KEY_BYTES} bytes, got ${key8.length}`);
  if (block8.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `DES block must be ${DES_BLOCK_BYTES} bytes, got ${block8.length}`);
  const key24 = Buffer.concat([key8, key8, key8]);
  const cipher = createCipheriv('des-ede3-cbc', key24, Buffer.alloc(DES_BLOCK_BYTES));
  cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(block8), cipher.final()]);
  if (out.length !== DES_BLOCK_BYTES) throw new StationError('CRYPTO', `DES produced ${out.length} bytes`);
  return Uint8Array.from(out);
}
