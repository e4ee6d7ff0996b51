/**
 * A MIFARE Classic 1K card as a station sees it behind a contactless reader's PC/SC part-3
 * interface (CARD-PROTOCOL.md §9.3, §9.7). The reader and the chip are modelled together:
 * pseudo-APDUs in, the reader's answers out.
 *
 * Chip rules enforced: per-sector keys A/B and access bits (access-bits.ts tables, including
 * "Key B readable ⇒ Key B unusable"), one authenticated sector at a time (as on the chip: a
 * new authentication replaces the old one, a failed authentication or a refused access drops
 * it), block 0 read-only, value-block format checked before value operations, Key A never
 * readable. Volatile state (authentication, reader key slots) is lost on reset or tear.
 *
 * Deviations from a real chip, on purpose [I]:
 * - a trailer write that would change a part the key may not write, or that carries
 *   inconsistent access bits, is refused (6300) instead of being partly applied or bricking
 *   the sector, so station bugs show up as errors;
 * - key slots live with the card, so a fresh tap starts with empty slots (the station always
 *   loads the key before authenticating anyway).
 */
import { BadInputError } from '../../common/errors.ts';
import { bytesEqual, fromHex, isHex, toHex } from '../../common/hex.ts';
import { SW } from '../apdu.ts';
import {
  BLOCKS_PER_SECTOR, TRAILER_INDEX, dataBlockAllows, trailerAllows, transportTrailer,
  tryDecodeAccessBits, type DataOp, type M1KeyType, type TrailerPart,
} from '../m1/access-bits.ts';
import { M1_BLOCK_BYTES, VALUE_MAX, VALUE_MIN, encodeValueBlock, tryDecodeValueBlock } from '../m1/value-block.ts';
import type { CardAnswer, Fault, VirtualCard } from './virtual-card.ts';

export const M1_SECTORS = 16;
export const M1_BLOCKS = M1_SECTORS * BLOCKS_PER_SECTOR;
export const M1_UID_BYTES = 4;
export const M1_KEY_BYTES = 6;
/** Volatile key slots of the modelled reader (ACR122U-like: 00h and 01h). */
export const M1_KEY_SLOTS = 2;
/** PC/SC part 3 storage-card ATR for MIFARE Classic 1K (TCK 6A). */
export const M1_ATR_HEX = '3B8F8001804F0CA000000306030001000000006A';
/** The 15 historical bytes of that ATR (GET DATA P1 = 01). */
const M1_HISTORICAL_HEX = '804F0CA00000030603000100000000';
export const TRANSPORT_KEY_HEX = 'FFFFFFFFFFFF';

/**
 * The M1-only fault: the chip loses power halfway through programming a block, leaving the
 * first `bytes` (default 8) of the new data and the rest of the old. No answer follows. On an
 * APDU that writes nothing it acts as a tear before commit.
 */
export interface PartialWriteFault {
  kind: 'partial-write';
  atApdu: number;
  bytes?: number;
}
export type M1Fault = Fault | PartialWriteFault;

export interface M1CardOptions {
  uid: Uint8Array;
  /** 64 blocks of 16 bytes; default = factory card (zero data, transport trailers). */
  blocks?: readonly Uint8Array[];
  /** ACS value-block APDUs FF D7 / FF B1; on by default (CARD-PROTOCOL.md §9.3). */
  acsValueOps?: boolean;
}

export interface M1CardJSON {
  kind: 'm1';
  uid: string;
  acsValueOps: boolean;
  blocks: string[];
}

class Refused extends Error {
  constructor(readonly sw: number) {
    super(`refused ${sw.toString(16)}`);
  }
}

export function manufacturerBlock(uid: Uint8Array): Uint8Array {
  const b = new Uint8Array(M1_BLOCK_BYTES);
  b.set(uid, 0);
  b[4] = uid.reduce((x, y) => x ^ y, 0); // BCC
  b[5] = 0x08; // SAK: Classic 1K
  b[6] = 0x04; // ATQA 0004, LSB first
  b[7] = 0x00;
  return b;
}

export { transportTrailer };

const sectorOf = (block: number): number => Math.floor(block / BLOCKS_PER_SECTOR);
const trailerOf = (sector: number): number => sector * BLOCKS_PER_SECTOR + TRAILER_INDEX;
const isTrailer = (block: number): boolean => block % BLOCKS_PER_SECTOR === TRAILER_INDEX;

export class M1Card implements VirtualCard {
  readonly kind = 'm1' as const;
  readonly uid: Uint8Array;
  readonly acsValueOps: boolean;
  readonly #blocks: Uint8Array[];
  #keySlots: (Uint8Array | null)[] = [];
  #auth: { sector: number; key: M1KeyType } | null = null;
  #fault: M1Fault | null = null;
  #apduSinceArmed = 0;
  /** Set while executing an APDU under a partial-write fault. */
  #partialBytes: number | null = null;

  constructor(options: M1CardOptions) {
    if (options.uid.length !== M1_UID_BYTES) throw new BadInputError(`M1 UID must be ${M1_UID_BYTES} bytes, got ${options.uid.length}`);
    this.uid = Uint8Array.from(options.uid);
    this.acsValueOps = options.acsValueOps ?? true;
    if (options.blocks !== undefined) {
      if (options.blocks.length !== M1_BLOCKS) throw new BadInputError(`M1 image must have ${M1_BLOCKS} blocks, got ${options.blocks.length}`);
      this.#blocks = options.blocks.map((b, i) => {
        if (b.length !== M1_BLOCK_BYTES) throw new BadInputError(`M1 block ${i} must be ${M1_BLOCK_BYTES} bytes, got ${b.length}`);
        return Uint8Array.from(b);
      });
      if (!bytesEqual(this.#blocks[0]!.subarray(0, M1_UID_BYTES), this.uid)) throw new BadInputError('M1 block 0 does not start with the UID');
    } else {
      this.#blocks = Array.from({ length: M1_BLOCKS }, (_, i) =>
        i === 0 ? manufacturerBlock(this.uid) : isTrailer(i) ? transportTrailer() : new Uint8Array(M1_BLOCK_BYTES));
    }
    this.reset();
  }

  /** A copy of one block as stored (test and personalisation access, no access checks). */
  peekBlock(block: number): Uint8Array {
    const b = this.#blocks[block];
    if (b === undefined) throw new BadInputError(`no block ${block}`);
    return Uint8Array.from(b);
  }

  /** Writes a block directly (personalisation and fault set-up; no access checks). */
  pokeBlock(block: number, data: Uint8Array): void {
    if (!Number.isInteger(block) || block < 0 || block >= M1_BLOCKS) throw new BadInputError(`no block ${block}`);
    if (data.length !== M1_BLOCK_BYTES) throw new BadInputError(`block data must be ${M1_BLOCK_BYTES} bytes`);
    this.#blocks[block] = Uint8Array.from(data);
  }

  atr(): Uint8Array {
    return fromHex(M1_ATR_HEX);
  }

  reset(): void {
    this.#auth = null;
    this.#keySlots = Array.from({ length: M1_KEY_SLOTS }, () => null);
  }

  armFault(fault: M1Fault | null): void {
    if (fault !== null && (!Number.isInteger(fault.atApdu) || fault.atApdu < 0)) throw new BadInputError(`fault atApdu must be a whole number >= 0`);
    this.#fault = fault;
    this.#apduSinceArmed = 0;
  }

  process(apdu: Uint8Array): CardAnswer {
    let fault: M1Fault | null = null;
    if (this.#fault !== null) {
      if (this.#apduSinceArmed === this.#fault.atApdu) {
        fault = this.#fault;
        this.#fault = null;
      }
      this.#apduSinceArmed++;
    }
    if (fault === null) return { response: this.#execute(apdu), removed: false };
    switch (fault.kind) {
      case 'remove':
      case 'tear-before-commit':
        this.reset();
        return { response: null, removed: true };
      case 'partial-write': {
        const bytes = fault.bytes ?? M1_BLOCK_BYTES / 2;
        this.#partialBytes = Math.max(0, Math.min(M1_BLOCK_BYTES, Math.trunc(bytes)));
        try {
          this.#execute(apdu);
        } finally {
          this.#partialBytes = null;
        }
        this.reset();
        return { response: null, removed: true };
      }
      case 'tear-after-commit':
        this.#execute(apdu);
        this.reset();
        return { response: null, removed: true };
      case 'response-lost':
        this.#execute(apdu);
        return { response: null, removed: false };
      case 'garbage':
        // As in fault-gate.ts (the CPU cards): the command is not carried out, the reader
        // gets the given bytes instead of an answer.
        return { response: Uint8Array.from(fault.garbage ?? new Uint8Array(0)), removed: false };
    }
  }

  toJSON(): M1CardJSON {
    return { kind: 'm1', uid: toHex(this.uid), acsValueOps: this.acsValueOps, blocks: this.#blocks.map(toHex) };
  }

  static fromJSON(json: unknown): M1Card {
    if (typeof json !== 'object' || json === null) throw new BadInputError('M1 card state must be an object');
    const j = json as Partial<Record<keyof M1CardJSON, unknown>>;
    if (j.kind !== 'm1') throw new BadInputError(`M1 card state has kind ${String(j.kind)}`);
    if (typeof j.uid !== 'string' || !isHex(j.uid, M1_UID_BYTES)) throw new BadInputError('M1 card state: uid must be 8 hex digits');
    if (j.acsValueOps !== undefined && typeof j.acsValueOps !== 'boolean') throw new BadInputError('M1 card state: acsValueOps must be boolean');
    if (!Array.isArray(j.blocks) || j.blocks.length !== M1_BLOCKS) throw new BadInputError(`M1 card state: blocks must be ${M1_BLOCKS} hex strings`);
    const blocks = j.blocks.map((b: unknown, i) => {
      if (typeof b !== 'string' || !isHex(b, M1_BLOCK_BYTES)) throw new BadInputError(`M1 card state: block ${i} must be 32 hex digits`);
      return fromHex(b);
    });
    return new M1Card({ uid: fromHex(j.uid), blocks, acsValueOps: j.acsValueOps ?? true });
  }

  // ---- APDU execution -------------------------------------------------------------------

  #execute(apdu: Uint8Array): Uint8Array {
    try {
      return this.#dispatch(apdu);
    } catch (err) {
      if (err instanceof Refused) return Uint8Array.from([err.sw >> 8, err.sw & 0xff]);
      throw err;
    }
  }

  #dispatch(apdu: Uint8Array): Uint8Array {
    if (apdu.length < 4) return sw(SW.WRONG_LENGTH);
    const [cla, ins, p1, p2] = [apdu[0]!, apdu[1]!, apdu[2]!, apdu[3]!];
    if (cla !== 0xff) return sw(SW.CLA_NOT_SUPPORTED);
    const body = apdu.subarray(4);
    switch (ins) {
      case 0xca: return this.#getData(p1, p2, body);
      case 0x82: return this.#loadKey(p1, p2, body);
      case 0x86: return this.#generalAuthenticate(p1, p2, body);
      case 0x88: return this.#authenticateObsolete(p1, p2, body);
      case 0xb0: return this.#read(p1, p2, body);
      case 0xd6: return this.#update(p1, p2, body);
      case 0xd7: return this.acsValueOps ? this.#valueOp(p1, p2, body) : sw(SW.INS_NOT_SUPPORTED);
      case 0xb1: return this.acsValueOps ? this.#readValue(p1, p2, body) : sw(SW.INS_NOT_SUPPORTED);
      default: return sw(SW.INS_NOT_SUPPORTED);
    }
  }

  #getData(p1: number, p2: number, body: Uint8Array): Uint8Array {
    if (p2 !== 0 || body.length !== 1) return sw(SW.WRONG_LENGTH);
    const data = p1 === 0x00 ? this.uid : p1 === 0x01 ? fromHex(M1_HISTORICAL_HEX) : null;
    if (data === null) return sw(SW.WRONG_P1P2);
    const le = body[0]!;
    if (le !== 0 && le !== data.length) return sw(0x6c00 | data.length);
    return ok(data);
  }

  #loadKey(p1: number, p2: number, body: Uint8Array): Uint8Array {
    // Only volatile reader memory is modelled (P1 = 00).
    if (p1 !== 0x00 || p2 >= M1_KEY_SLOTS) return sw(SW.WRONG_P1P2);
    if (body.length !== 1 + M1_KEY_BYTES || body[0] !== M1_KEY_BYTES) return sw(SW.WRONG_LENGTH);
    this.#keySlots[p2] = Uint8Array.from(body.subarray(1));
    return ok();
  }

  #generalAuthenticate(p1: number, p2: number, body: Uint8Array): Uint8Array {
    if (p1 !== 0 || p2 !== 0) return sw(SW.WRONG_P1P2);
    if (body.length !== 6 || body[0] !== 5) return sw(SW.WRONG_LENGTH);
    if (body[1] !== 0x01 || body[2] !== 0x00) return sw(SW.WRONG_DATA); // version 01, block MSB 00
    return this.#authenticate(body[3]!, body[4]!, body[5]!);
  }

  #authenticateObsolete(p1: number, p2: number, body: Uint8Array): Uint8Array {
    // PC/SC 2.01: FF 88 00 <block> <60|61> <keyNo>, the key type sits where Lc would be.
    if (p1 !== 0) return sw(SW.WRONG_P1P2);
    if (body.length !== 2) return sw(SW.WRONG_LENGTH);
    return this.#authenticate(p2, body[0]!, body[1]!);
  }

  #authenticate(block: number, keyType: number, slot: number): Uint8Array {
    if (block >= M1_BLOCKS) return sw(SW.WRONG_P1P2);
    if (keyType !== 0x60 && keyType !== 0x61) return sw(SW.WRONG_DATA);
    if (slot >= M1_KEY_SLOTS) return sw(SW.WRONG_P1P2);
    const key = this.#keySlots[slot];
    const sector = sectorOf(block);
    const trailer = this.#blocks[trailerOf(sector)]!;
    const kind: M1KeyType = keyType === 0x60 ? 'A' : 'B';
    const stored = kind === 'A' ? trailer.subarray(0, 6) : trailer.subarray(10, 16);
    if (key === null || key === undefined || !bytesEqual(key, stored)) {
      this.#auth = null; // a failed authentication halts the chip
      return sw(SW.STORAGE_FAIL);
    }
    this.#auth = { sector, key: kind };
    return ok();
  }

  /** The authenticated key for `block`'s sector, or a refusal (which halts the chip). */
  #authFor(block: number): { key: M1KeyType; trailerCondition: number; conditions: readonly number[] } {
    const auth = this.#auth;
    if (auth === null || auth.sector !== sectorOf(block)) this.#refuse();
    const conditions = tryDecodeAccessBits(this.#blocks[trailerOf(auth.sector)]!.subarray(6, 9));
    if (conditions === null) this.#refuse(); // inconsistent access bits: the sector is dead
    return { key: auth.key, trailerCondition: conditions[TRAILER_INDEX]!, conditions };
  }

  #refuse(code: number = SW.STORAGE_FAIL): never {
    this.#auth = null;
    throw new Refused(code);
  }

  #checkData(block: number, op: DataOp): void {
    const a = this.#authFor(block);
    if (block === 0 && op !== 'read') this.#refuse();
    if (!dataBlockAllows(a.conditions[block % BLOCKS_PER_SECTOR]!, op, a.key, a.trailerCondition)) this.#refuse();
  }

  #blockArg(p1: number, p2: number): number {
    if (p1 !== 0 || p2 >= M1_BLOCKS) throw new Refused(SW.WRONG_P1P2);
    return p2;
  }

  #read(p1: number, p2: number, body: Uint8Array): Uint8Array {
    const block = this.#blockArg(p1, p2);
    if (body.length !== 1) return sw(SW.WRONG_LENGTH);
    if (body[0] !== M1_BLOCK_BYTES && body[0] !== 0) return sw(0x6c00 | M1_BLOCK_BYTES);
    if (!isTrailer(block)) {
      this.#checkData(block, 'read');
      return ok(this.#blocks[block]!);
    }
    const a = this.#authFor(block);
    const t = this.#blocks[block]!;
    const out = new Uint8Array(M1_BLOCK_BYTES); // unreadable parts read as zeros, as on the chip
    const canRead = (part: TrailerPart): boolean => trailerAllows(a.trailerCondition, 'read', part, a.key);
    if (!canRead('access')) this.#refuse(); // only the Key-B-readable case; keys are never readable then
    out.set(t.subarray(6, 10), 6);
    if (canRead('keyB')) out.set(t.subarray(10, 16), 10);
    return ok(out);
  }

  #update(p1: number, p2: number, body: Uint8Array): Uint8Array {
    const block = this.#blockArg(p1, p2);
    if (body.length !== 1 + M1_BLOCK_BYTES || body[0] !== M1_BLOCK_BYTES) return sw(SW.WRONG_LENGTH);
    const data = body.subarray(1);
    if (!isTrailer(block)) {
      this.#checkData(block, 'write');
      this.#commit(block, data);
      return ok();
    }
    const a = this.#authFor(block);
    const old = this.#blocks[block]!;
    const parts: [TrailerPart, number, number][] = [['keyA', 0, 6], ['access', 6, 10], ['keyB', 10, 16]];
    let anyWritable = false;
    for (const [part, from, to] of parts) {
      const writable = trailerAllows(a.trailerCondition, 'write', part, a.key);
      anyWritable ||= writable;
      if (!writable && !bytesEqual(old.subarray(from, to), data.subarray(from, to))) this.#refuse();
    }
    if (!anyWritable) this.#refuse();
    if (tryDecodeAccessBits(data.subarray(6, 9)) === null) this.#refuse();
    this.#commit(block, data);
    return ok();
  }

  #valueOp(p1: number, p2: number, body: Uint8Array): Uint8Array {
    const block = this.#blockArg(p1, p2);
    if (body.length < 2 || body[0] !== body.length - 1) return sw(SW.WRONG_LENGTH);
    const op = body[1]!;
    if (isTrailer(block)) this.#refuse();
    if (op === 0x03) {
      // Restore src into the register, transfer to dst (same sector).
      if (body.length !== 3) return sw(SW.WRONG_LENGTH);
      const dst = body[2]!;
      if (dst >= M1_BLOCKS || isTrailer(dst) || sectorOf(dst) !== sectorOf(block)) this.#refuse();
      this.#checkData(block, 'decrement');
      this.#checkData(dst, 'decrement');
      const src = this.#blocks[block]!;
      if (tryDecodeValueBlock(src) === null) this.#refuse();
      this.#commit(dst, src);
      return ok();
    }
    if (body.length !== 6) return sw(SW.WRONG_LENGTH);
    const operand = ((body[2]! << 24) | (body[3]! << 16) | (body[4]! << 8) | body[5]!) >> 0;
    if (op === 0x00) {
      this.#checkData(block, 'write');
      this.#commit(block, encodeValueBlock(operand, block));
      return ok();
    }
    if (op !== 0x01 && op !== 0x02) return sw(SW.WRONG_DATA);
    // Increment needs its own right plus TRANSFER (the decrement column) back into the block.
    this.#checkData(block, op === 0x01 ? 'increment' : 'decrement');
    if (op === 0x01) this.#checkData(block, 'decrement');
    const current = tryDecodeValueBlock(this.#blocks[block]!);
    if (current === null) this.#refuse();
    const next = op === 0x01 ? current.value + operand : current.value - operand;
    if (next < VALUE_MIN || next > VALUE_MAX) this.#refuse();
    this.#commit(block, encodeValueBlock(next, current.address));
    return ok();
  }

  #readValue(p1: number, p2: number, body: Uint8Array): Uint8Array {
    const block = this.#blockArg(p1, p2);
    if (body.length !== 1) return sw(SW.WRONG_LENGTH);
    if (body[0] !== 4 && body[0] !== 0) return sw(0x6c04);
    if (isTrailer(block)) this.#refuse();
    this.#checkData(block, 'read');
    const v = tryDecodeValueBlock(this.#blocks[block]!);
    if (v === null) this.#refuse();
    const u = v.value >>> 0;
    return ok(Uint8Array.from([u >>> 24, (u >>> 16) & 0xff, (u >>> 8) & 0xff, u & 0xff]));
  }

  #commit(block: number, data: Uint8Array): void {
    const next = Uint8Array.from(this.#blocks[block]!);
    const n = this.#partialBytes ?? M1_BLOCK_BYTES;
    next.set(data.subarray(0, n), 0);
    this.#blocks[block] = next;
  }
}

function ok(data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = 0x90;
  out[data.length + 1] = 0x00;
  return out;
}

function sw(code: number): Uint8Array {
  return Uint8Array.from([code >> 8, code & 0xff]);
}
