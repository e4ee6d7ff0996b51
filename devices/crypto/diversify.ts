/**
 * Key diversification (CARD-PROTOCOL.md §5.3): K_card = 3DES(MK, F) ‖ 3DES(MK, ¬F), where F
 * is the 8-byte factor (the card's ASN for City Union) and ¬ is bitwise NOT.
 */
import { StationError } from '../../common/errors.ts';
import { TDES_KEY_BYTES, encryptEcb } from './des.ts';

export const DIVERSIFICATION_FACTOR_BYTES = 8;

export function diversifyKey(masterKey: Uint8Array, factor: Uint8Array): Uint8Array {
  if (masterKey.length !== TDES_KEY_BYTES) throw new StationError('CRYPTO', `master key must be 16 bytes, got ${masterKey.length}`);
  if (factor.length !== DIVERSIFICATION_FACTOR_BYTES) {
    throw new StationError('CRYPTO', `diversification factor must be 8 bytes, got ${factor.length}`);
  }
  const both = new Uint8Array(TDES_KEY_BYTES);
  both.set(factor, 0);
  both.set(factor.map((b) => b ^ 0xff), 8);
  // Both halves in one cipher context (ECB of F ‖ ¬F).
  const out = encryptEcb(masterKey, both);
  both.fill(0);
  return out;
}
