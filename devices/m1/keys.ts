/**
 * M1 sector keys as a per-city plug-in (CARD-PROTOCOL.md §9.4: cities derive them
 * differently; some from the UID with DES, some use the UID itself).
 *
 * Default scheme (ours, MZT-like in shape, not any city's real scheme [I]):
 *   sector master  Ms = DES(master, "M1SECT" ‖ 00 ‖ s)
 *   input          I  = UID0 5A UID1 A5 UID2 3C UID3 s
 *   Key A          = first 6 bytes of DES(Ms, I)
 *   Key B          = first 6 bytes of DES(Ms, ¬I)     (complemented input: "derived differently")
 * The master key is configuration (16 hex digits). TRAINING_ONLY_M1_MASTER_KEY_HEX exists so the
 * emulator, tests and the training lab work out of the box; it must never protect real cards.
 */
import { BadInputError, CardUnsupportedError, StationError } from '../../common/errors.ts';
import { bytesEqual, fromHex, isHex } from '../../common/hex.ts';
import { DES_KEY_BYTES, encryptBlock as desEncryptBlock } from '../crypto/des.ts';

export const M1_SECTOR_COUNT = 16;
export const M1_SECTOR_KEY_BYTES = 6;
export const M1_UID4_BYTES = 4;

/** TRAINING ONLY — public in this repository; a live station must be configured with its own. */
export const TRAINING_ONLY_M1_MASTER_KEY_HEX = '545241494E494E47'; // ASCII "TRAINING"

export interface M1SectorKeys {
  keyA: Uint8Array;
  keyB: Uint8Array;
}

export interface M1KeyScheme {
  readonly name: string;
  /** True for a scheme built on the public training key (the station refuses it in live mode). */
  readonly trainingOnly: boolean;
  /** Keys of one sector of the card with this UID (4 bytes). */
  sectorKeys(uid: Uint8Array, sector: number): M1SectorKeys;
}

const SECTOR_MASTER_PREFIX = Uint8Array.from([0x4d, 0x31, 0x53, 0x45, 0x43, 0x54, 0x00]); // "M1SECT" 00
const UID_INTERLEAVE = [0x5a, 0xa5, 0x3c] as const;

export class DefaultM1KeyScheme implements M1KeyScheme {
  readonly name = 'default-des-uid';
  readonly trainingOnly: boolean;
  readonly #master: Uint8Array;

  constructor(masterKeyHex: string = TRAINING_ONLY_M1_MASTER_KEY_HEX) {
    if (!isHex(masterKeyHex, DES_KEY_BYTES)) throw new BadInputError(`M1 master key must be ${DES_KEY_BYTES * 2} hex digits`);
    this.#master = fromHex(masterKeyHex);
    this.trainingOnly = masterKeyHex.toUpperCase() === TRAINING_ONLY_M1_MASTER_KEY_HEX;
  }

  sectorKeys(uid: Uint8Array, sector: number): M1SectorKeys {
    if (uid.length !== M1_UID4_BYTES) throw new CardUnsupportedError(`the default M1 key scheme needs a ${M1_UID4_BYTES}-byte UID, got ${uid.length}`);
    if (!Number.isInteger(sector) || sector < 0 || sector >= M1_SECTOR_COUNT) throw new BadInputError(`M1 sector must be 0..15, got ${String(sector)}`);
    const ms = desEncryptBlock(this.#master, Uint8Array.from([...SECTOR_MASTER_PREFIX, sector]));
    const input = Uint8Array.from([uid[0]!, UID_INTERLEAVE[0], uid[1]!, UID_INTERLEAVE[1], uid[2]!, UID_INTERLEAVE[2], uid[3]!, sector]);
    const keyA = desEncryptBlock(ms, input).subarray(0, M1_SECTOR_KEY_BYTES);
    const keyB = desEncryptBlock(ms, input.map((b) => ~b & 0xff)).subarray(0, M1_SECTOR_KEY_BYTES);
    // A DES permutation cannot map two different inputs to one output; 6-byte prefixes could
    // collide (p ≈ 2^-48). If that ever happens the sector would have one key for both roles.
    if (bytesEqual(keyA, keyB)) throw new StationError('KEYS', `derived M1 keys A and B coincide for sector ${sector}`);
    return { keyA: Uint8Array.from(keyA), keyB: Uint8Array.from(keyB) };
  }
}
