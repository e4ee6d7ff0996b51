/**
 * Station-side MIFARE Classic client over a CardChannel, speaking the PC/SC part-3
 * pseudo-APDUs of CARD-PROTOCOL.md §9.3 (+ the ACS value-block extension). One method = one
 * APDU, serialised by the caller (never Promise.all on a card).
 *
 * Error contract: bad arguments → BadInputError; a refused command (any SW but 9000) →
 * CardStatusError; an answer of the wrong shape → CardMalformedError; transport failures
 * arrive as the channel's StationErrors, and anything else a channel throws is wrapped, so
 * only StationError subclasses ever leave this module.
 */
import { BadInputError, CardMalformedError, toStationError } from '../../common/errors.ts';
import { encodeCommand, expectData, expectOk, parseResponse } from '../apdu.ts';
import type { CardChannel } from '../channel.ts';
import { BLOCKS_PER_SECTOR, type M1KeyType } from './access-bits.ts';
import { M1_BLOCK_BYTES, VALUE_MAX, VALUE_MIN } from './value-block.ts';

export const M1_BLOCK_COUNT = 64;
export const M1_KEY_BYTES = 6;
/** GET UID answers 4 (single size) or 7 (double size) bytes. */
export const M1_UID_LENGTHS: readonly number[] = [4, 7];
export const MAX_KEY_SLOT = 0x1f;
/** Largest operand the client sends for increment/decrement (the chip value is signed 32-bit). */
export const MAX_VALUE_OPERAND = VALUE_MAX;

export type AuthCommand = 'general' | 'obsolete';

function assertBlock(block: number): void {
  if (!Number.isInteger(block) || block < 0 || block >= M1_BLOCK_COUNT) throw new BadInputError(`M1 block must be 0..${M1_BLOCK_COUNT - 1}, got ${String(block)}`);
}
function assertSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_KEY_SLOT) throw new BadInputError(`key slot must be 0..${MAX_KEY_SLOT}, got ${String(slot)}`);
}
function assertOperand(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_VALUE_OPERAND) throw new BadInputError(`value operand must be 0..${MAX_VALUE_OPERAND}, got ${String(amount)}`);
}
function int32BE(value: number): Uint8Array {
  const u = value >>> 0;
  return Uint8Array.from([u >>> 24, (u >>> 16) & 0xff, (u >>> 8) & 0xff, u & 0xff]);
}

export class M1Client {
  readonly channel: CardChannel;
  readonly authCommand: AuthCommand;

  constructor(channel: CardChannel, options: { authCommand?: AuthCommand } = {}) {
    this.channel = channel;
    this.authCommand = options.authCommand ?? 'general';
  }

  async #send(command: Uint8Array, name: string): Promise<{ data: Uint8Array; sw: number }> {
    let raw: Uint8Array;
    try {
      raw = await this.channel.transmit(command);
    } catch (err) {
      throw toStationError(err);
    }
    if (!(raw instanceof Uint8Array)) throw toStationError(new Error(`${name}: channel returned a non-byte answer`));
    return parseResponse(raw, name);
  }

  /** GET UID (FF CA 00 00 00). */
  async uid(): Promise<Uint8Array> {
    const res = await this.#send(encodeCommand({ cla: 0xff, ins: 0xca, p1: 0, p2: 0, le: 0 }), 'M1 GET UID');
    const data = expectOk(res, 'M1 GET UID');
    if (!M1_UID_LENGTHS.includes(data.length)) throw new CardMalformedError(`M1 GET UID: a UID has 4 or 7 bytes, got ${data.length}`);
    return Uint8Array.from(data);
  }

  /** LOAD KEY into a volatile reader slot (FF 82 00 <slot> 06 <key>). */
  async loadKey(key: Uint8Array, slot = 0): Promise<void> {
    if (key.length !== M1_KEY_BYTES) throw new BadInputError(`M1 key must be ${M1_KEY_BYTES} bytes, got ${key.length}`);
    assertSlot(slot);
    const res = await this.#send(encodeCommand({ cla: 0xff, ins: 0x82, p1: 0x00, p2: slot, data: key }), 'M1 LOAD KEY');
    expectData(res, 'M1 LOAD KEY', 0);
  }

  /** Authenticates the sector holding `block` with the key in `slot`. */
  async authenticate(block: number, keyType: M1KeyType, slot = 0): Promise<void> {
    assertBlock(block);
    assertSlot(slot);
    const kt = keyType === 'A' ? 0x60 : 0x61;
    const cmd = this.authCommand === 'general'
      ? encodeCommand({ cla: 0xff, ins: 0x86, p1: 0, p2: 0, data: Uint8Array.from([0x01, 0x00, block, kt, slot]) })
      : Uint8Array.from([0xff, 0x88, 0x00, block, kt, slot]);
    expectData(await this.#send(cmd, `M1 AUTHENTICATE ${keyType} block ${block}`), `M1 AUTHENTICATE ${keyType} block ${block}`, 0);
  }

  /** Convenience: load `key` and authenticate `sector` with it. */
  async login(sector: number, keyType: M1KeyType, key: Uint8Array, slot = 0): Promise<void> {
    if (!Number.isInteger(sector) || sector < 0 || sector >= M1_BLOCK_COUNT / BLOCKS_PER_SECTOR) throw new BadInputError(`M1 sector out of range: ${String(sector)}`);
    await this.loadKey(key, slot);
    await this.authenticate(sector * BLOCKS_PER_SECTOR, keyType, slot);
  }

  async readBlock(block: number): Promise<Uint8Array> {
    assertBlock(block);
    const name = `M1 READ block ${block}`;
    const res = await this.#send(encodeCommand({ cla: 0xff, ins: 0xb0, p1: 0, p2: block, le: M1_BLOCK_BYTES }), name);
    return Uint8Array.from(expectData(res, name, M1_BLOCK_BYTES));
  }

  async writeBlock(block: number, data: Uint8Array): Promise<void> {
    assertBlock(block);
    if (data.length !== M1_BLOCK_BYTES) throw new BadInputError(`M1 block data must be ${M1_BLOCK_BYTES} bytes, got ${data.length}`);
    const name = `M1 UPDATE block ${block}`;
    expectData(await this.#send(encodeCommand({ cla: 0xff, ins: 0xd6, p1: 0, p2: block, data }), name), name, 0);
  }

  async #valueOp(block: number, op: number, value: number, name: string): Promise<void> {
    assertBlock(block);
    const data = new Uint8Array(5);
    data[0] = op;
    data.set(int32BE(value), 1);
    expectData(await this.#send(encodeCommand({ cla: 0xff, ins: 0xd7, p1: 0, p2: block, data }), name), name, 0);
  }

  /** ACS: formats `block` as a value block holding `value` (address byte = block). */
  async storeValue(block: number, value: number): Promise<void> {
    if (!Number.isSafeInteger(value) || value < VALUE_MIN || value > VALUE_MAX) throw new BadInputError(`value must be signed 32-bit, got ${String(value)}`);
    await this.#valueOp(block, 0x00, value, `M1 STORE VALUE block ${block}`);
  }

  /** ACS: increment + transfer into the same block. */
  async increment(block: number, amount: number): Promise<void> {
    assertOperand(amount);
    await this.#valueOp(block, 0x01, amount, `M1 INCREMENT block ${block}`);
  }

  /** ACS: decrement + transfer into the same block. */
  async decrement(block: number, amount: number): Promise<void> {
    assertOperand(amount);
    await this.#valueOp(block, 0x02, amount, `M1 DECREMENT block ${block}`);
  }

  /** ACS: restore `src` and transfer it into `dst` (same sector). */
  async restoreTransfer(src: number, dst: number): Promise<void> {
    assertBlock(src);
    assertBlock(dst);
    if (Math.floor(src / BLOCKS_PER_SECTOR) !== Math.floor(dst / BLOCKS_PER_SECTOR)) throw new BadInputError(`restore/transfer needs blocks of one sector, got ${src} and ${dst}`);
    const name = `M1 RESTORE ${src} → ${dst}`;
    const cmd = encodeCommand({ cla: 0xff, ins: 0xd7, p1: 0, p2: src, data: Uint8Array.from([0x03, dst]) });
    expectData(await this.#send(cmd, name), name, 0);
  }

  /** ACS READ VALUE (FF B1): the value, signed 32-bit (sent MSB first). */
  async readValue(block: number): Promise<number> {
    assertBlock(block);
    const name = `M1 READ VALUE block ${block}`;
    const d = expectData(await this.#send(encodeCommand({ cla: 0xff, ins: 0xb1, p1: 0, p2: block, le: 4 }), name), name, 4);
    return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >> 0;
  }
}
