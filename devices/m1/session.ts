/**
 * One tap's worth of M1 access: remembers which sector is authenticated with which key so
 * operations authenticate only when they change sector or key. Any error forgets the state,
 * because a refused command halts the chip (the next access must authenticate again).
 */
import { StationError, toStationError } from '../../common/errors.ts';
import { BLOCKS_PER_SECTOR, type M1KeyType } from './access-bits.ts';
import type { M1Client } from './client.ts';
import type { M1KeyScheme } from './keys.ts';

export type M1ValueMode = 'acs' | 'update';

export class M1Session {
  readonly client: M1Client;
  readonly uid: Uint8Array;
  readonly keys: M1KeyScheme;
  #current: { sector: number; key: M1KeyType } | null = null;

  constructor(client: M1Client, uid: Uint8Array, keys: M1KeyScheme) {
    this.client = client;
    this.uid = uid;
    this.keys = keys;
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.#current = null;
      throw err instanceof StationError ? err : toStationError(err);
    }
  }

  async #use(block: number, key: M1KeyType): Promise<void> {
    const sector = Math.floor(block / BLOCKS_PER_SECTOR);
    if (this.#current !== null && this.#current.sector === sector && this.#current.key === key) return;
    this.#current = null;
    const k = this.keys.sectorKeys(this.uid, sector);
    await this.client.login(sector, key, key === 'A' ? k.keyA : k.keyB);
    this.#current = { sector, key };
  }

  read(block: number, key: M1KeyType): Promise<Uint8Array> {
    return this.#guard(async () => {
      await this.#use(block, key);
      return this.client.readBlock(block);
    });
  }

  write(block: number, data: Uint8Array, key: M1KeyType): Promise<void> {
    return this.#guard(async () => {
      await this.#use(block, key);
      await this.client.writeBlock(block, data);
    });
  }

  decrement(block: number, amount: number, key: M1KeyType): Promise<void> {
    return this.#guard(async () => {
      await this.#use(block, key);
      await this.client.decrement(block, amount);
    });
  }

  restoreTransfer(src: number, dst: number, key: M1KeyType): Promise<void> {
    return this.#guard(async () => {
      await this.#use(src, key);
      await this.client.restoreTransfer(src, dst);
    });
  }
}
