/**
 * CardAccess over the real PC/SC stack (devices/pcsc). The reader service keeps running for
 * the life of the station (card events, pcscd restarts); each workflow step takes the card
 * exclusively and releases it when done.
 */
import { NoCardError, NoReaderError, StationError } from '../common/errors.ts';
import { toHex } from '../common/hex.ts';
import type { CardChannel } from '../devices/channel.ts';
import { cancelAllWaits, PcscReaderService, type PcscServiceOptions } from '../devices/pcsc/index.ts';
import type { CardAccess, ReaderInfo } from './card-access.ts';

export class PcscCardAccess implements CardAccess {
  readonly service: PcscReaderService;
  #started: Promise<void> | null = null;
  readonly #defaultReader: string | null;

  constructor(opts: PcscServiceOptions & { defaultReader?: string | null } = {}) {
    this.service = new PcscReaderService(opts);
    this.#defaultReader = opts.defaultReader ?? null;
  }

  /** Starts the reader service once; a failure (pcscd absent) is reported to every caller. */
  start(): Promise<void> {
    if (this.#started === null) {
      this.#started = this.service.start();
      this.#started.catch(() => undefined);
    }
    return this.#started.then(() => undefined, (err: unknown) => {
      if (this.service.up) return; // came up since
      throw err;
    });
  }

  async readers(): Promise<ReaderInfo[]> {
    await this.start();
    return this.service.readers().map((r) => ({ name: r.name, cardPresent: r.cardPresent, atr: r.atr === null ? null : toHex(r.atr) }));
  }

  async withCard<T>(reader: string | undefined, fn: (channel: CardChannel) => Promise<T>): Promise<T> {
    await this.start();
    const readers = this.service.readers();
    if (readers.length === 0) throw new NoReaderError();
    const wanted = reader ?? this.#defaultReader ?? undefined;
    const holding = readers.filter((r) => r.cardPresent);
    // Cards on several readers and none named: guessing could load the wrong customer's card
    // (the training lab's reader 0 holds a blacklisted M1 card, reader 1 the CPU card).
    if (wanted === undefined && holding.length > 1) {
      throw new StationError('BAD_INPUT', `Cards are on ${holding.length} readers (${holding.map((r) => `"${r.name}"`).join(', ')}) and none was named`,
        `Name the reader: --reader "${holding[0]!.name}" (station readers lists them)`);
    }
    const name = wanted ?? holding[0]?.name;
    if (name === undefined) throw new NoCardError(readers.map((r) => r.name).join(', '));
    const card = await this.service.connect(name, { exclusive: true });
    try {
      return await fn(card);
    } finally {
      await card.disconnect('leave');
    }
  }

  async close(): Promise<void> {
    await this.service.stop();
  }
}

/**
 * For a process that must exit now (cli/shutdown.ts): every reader service stops watching and
 * its blocked status wait is cancelled, so no PC/SC thread holds the exit.
 */
export function cancelCardWaitsNow(): void {
  cancelAllWaits();
}
