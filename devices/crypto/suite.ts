/**
 * Crypto suites keyed by the algorithm id byte of INITIALIZE responses (§5.9): `00` = 3DES.
 * SM4 (likely id `04`) is not publicly specified for these cards, so it is recognised and
 * refused with a clear error rather than guessed.
 */
import { StationError } from '../../common/errors.ts';
import { diversifyKey } from './diversify.ts';
import * as ep from './epurse.ts';

export const ALGORITHM_3DES = 0x00;
export const ALGORITHM_SM4 = 0x04;

export interface CryptoSuite {
  readonly algorithmId: number;
  readonly name: string;
  diversify(masterKey: Uint8Array, factor: Uint8Array): Uint8Array;
  loadSessionKey: typeof ep.loadSessionKey;
  loadMac1: typeof ep.loadMac1;
  loadMac2: typeof ep.loadMac2;
  loadTac: typeof ep.loadTac;
  purchaseSessionKey: typeof ep.purchaseSessionKey;
  purchaseMac1: typeof ep.purchaseMac1;
  purchaseMac2: typeof ep.purchaseMac2;
  purchaseTac: typeof ep.purchaseTac;
  secureMessagingMac: typeof ep.secureMessagingMac;
}

export const TDES_SUITE: CryptoSuite = Object.freeze({
  algorithmId: ALGORITHM_3DES,
  name: '3des',
  diversify: diversifyKey,
  loadSessionKey: ep.loadSessionKey,
  loadMac1: ep.loadMac1,
  loadMac2: ep.loadMac2,
  loadTac: ep.loadTac,
  purchaseSessionKey: ep.purchaseSessionKey,
  purchaseMac1: ep.purchaseMac1,
  purchaseMac2: ep.purchaseMac2,
  purchaseTac: ep.purchaseTac,
  secureMessagingMac: ep.secureMessagingMac,
});

export function suiteFor(algorithmId: number): CryptoSuite {
  if (algorithmId === ALGORITHM_3DES) return TDES_SUITE;
  if (algorithmId === ALGORITHM_SM4) {
    throw new StationError('CRYPTO', 'SM4 (algorithm id 04) cards are not supported yet: the SM4 session-key and MAC construction is not specified', 'Serve this card at a station with an SM4-capable security module');
  }
  throw new StationError('CRYPTO', `unknown card algorithm id ${algorithmId.toString(16).padStart(2, '0')}`);
}

/** Key-file algorithm names → algorithm id. */
export function algorithmIdOf(name: string): number {
  if (name === '3des') return ALGORITHM_3DES;
  if (name === 'sm4') return ALGORITHM_SM4;
  throw new StationError('CRYPTO', `unknown algorithm "${name}"`);
}
