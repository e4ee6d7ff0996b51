/**
 * The PC/SC reader service (Keyple's "plugin" half): owns the pcsc-lite contexts, watches
 * readers and cards, connects cards.
 *
 * Two contexts, on purpose: a monitor context blocked in SCardGetStatusChange (one libuv
 * worker thread, woken by pcscd itself: no polling), and an I/O context for connect and
 * transmit. pcsc-lite serialises calls per context, so a single context would make every
 * transmit wait for the status wait to end.
 *
 * Life cycle: `start()` establishes the contexts and resolves once the first reader
 * snapshot is known, or rejects with PcscUnavailableError when pcscd cannot be reached —
 * and then keeps trying in the background (capped backoff) until `stop()`, emitting
 * `service-up` when pcscd appears. When pcscd dies later, the status wait fails: the service
 * emits `card-removed`/`reader-removed` for what it knew, then `service-down`, invalidates
 * open cards (their transmits throw PcscUnavailableError), and rebuilds both contexts with
 * backoff; once pcscd is back it re-lists readers and emits `service-up`, `reader-added` and
 * `card-inserted` for the cards in the field. The station keeps the same service instance.
 *
 * PCSCLITE_CSOCK_NAME is read by libpcsclite once per process, at the first context: pass
 * `socketPath` (or set the variable) before the first service starts (binding.ts).
 *
 * Stopping (docs/RELIABILITY.md "Clean shutdown"): the status wait runs on a libuv worker
 * thread, and a process cannot exit while one is blocked (libuv joins its threads at exit: the
 * old `station readers` hang, 1 run in 3). SCardCancel ends a wait that is inside pcscd, but a
 * wait still queued for its thread misses it (pcsc-lite ignores a cancel on a context that is
 * not waiting) and then blocks for good. So `stop()` cancels again until the loop has ended, and
 * every wait is bounded (`WAIT_BOUND_MS`) so a missed cancel costs at most that long.
 * `cancelAllWaits()` does the cancel for every running service at once, synchronously, for a
 * process that must exit now (cli/shutdown.ts).
 */
import { EventEmitter } from 'node:events';
import { NoCardError, NoReaderError, PcscUnavailableError, ReaderGoneError, type StationError } from '../../common/errors.ts';
import { establishContext, loadBinding, PNP_READER, useSocket, type NativeContext, type PcscBinding } from './binding.ts';
import { PcscCard } from './card.ts';
import { isServiceError, mapPcscError } from './errors.ts';
import { ReaderState, type ReaderSnapshot } from './reader.ts';

export interface PcscServiceOptions {
  /** pcscd's socket; sets PCSCLITE_CSOCK_NAME before the first context of the process. */
  socketPath?: string;
  /** Default per-APDU timeout for connected cards (ms, default 5000). */
  apduTimeoutMs?: number;
  /** Reconnect backoff while pcscd is away: first delay and cap (ms, defaults 50 and 2000). */
  backoffMs?: { initial?: number; max?: number };
  /** For tests: a replacement for the `smartcard` binding. */
  binding?: PcscBinding;
}

export interface ConnectOptions {
  /** Exclusive access (SCARD_SHARE_EXCLUSIVE; default true): no other application may talk to the card. */
  exclusive?: boolean;
  /** Per-APDU timeout for this card (ms). */
  timeoutMs?: number;
}

export interface CardInsertedEvent {
  reader: string;
  atr: Uint8Array;
}

export interface PcscServiceEvents {
  'service-up': [];
  'service-down': [error: StationError];
  'reader-added': [event: { reader: string }];
  'reader-removed': [event: { reader: string }];
  'card-inserted': [event: CardInsertedEvent];
  'card-removed': [event: { reader: string }];
}

/** Longest a status wait blocks before the loop looks again (see "Stopping" above). */
export const WAIT_BOUND_MS = 700;
/** How often stop() repeats SCardCancel while the loop has not ended. */
const CANCEL_RETRY_MS = 20;

/** Every started, not yet stopped service of this process (for cancelAllWaits). */
const running = new Set<PcscReaderService>();

/**
 * Cancels the status wait of every running service now (synchronous: safe in a signal
 * handler right before process.exit). The services stop watching; their loops end.
 */
export function cancelAllWaits(): void {
  for (const service of running) service.cancelWait();
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class PcscReaderService extends EventEmitter<PcscServiceEvents> {
  readonly #given: PcscBinding | null;
  #loaded: PcscBinding | null = null;
  readonly #apduTimeoutMs: number;
  readonly #backoffInitial: number;
  readonly #backoffMax: number;
  #monitor: NativeContext | null = null;
  #io: NativeContext | null = null;
  #readers = new Map<string, ReaderState>();
  #pnpState = 0;
  #cards = new Set<PcscCard>();
  #up = false;
  #running = false;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #lastError: StationError | null = null;

  constructor(opts: PcscServiceOptions = {}) {
    super();
    useSocket(opts.socketPath);
    // Loaded at first use, not here: without the optional `smartcard` binding a station still
    // opens, and start() (so the doctor's pcsc check, a card command) says why not.
    this.#given = opts.binding ?? null;
    this.#apduTimeoutMs = opts.apduTimeoutMs ?? 5000;
    this.#backoffInitial = opts.backoffMs?.initial ?? 50;
    this.#backoffMax = opts.backoffMs?.max ?? 2000;
  }

  get #binding(): PcscBinding {
    this.#loaded ??= this.#given ?? loadBinding();
    return this.#loaded;
  }

  /** True while pcscd is reachable and the reader list is current. */
  get up(): boolean {
    return this.#up;
  }

  /** The last reason pcscd was unreachable (null while up). */
  get lastError(): StationError | null {
    return this.#up ? null : this.#lastError;
  }

  /** Current readers with card presence and ATR (empty while pcscd is away). */
  readers(): ReaderSnapshot[] {
    return [...this.#readers.values()].map((r) => r.snapshot(this.#binding));
  }

  /**
   * Starts watching. Resolves when pcscd answered and the reader list is known; rejects with
   * PcscUnavailableError (hint: start pcscd / check PCSCLITE_CSOCK_NAME) when it cannot be
   * reached, while the service goes on retrying in the background until stop().
   */
  async start(): Promise<void> {
    if (this.#running) throw new Error('PcscReaderService already started');
    this.#running = true;
    running.add(this);
    this.#abort = new AbortController();
    try {
      this.#establish();
    } catch (err) {
      const mapped = mapPcscError(err, 'context');
      this.#lastError = mapped;
      this.#loop = this.#run(false);
      throw mapped;
    }
    this.#loop = this.#run(true);
  }

  /** Stops watching: cancels the status wait, disconnects open cards, closes the contexts. */
  async stop(): Promise<void> {
    if (this.#loop === null) return;
    this.cancelWait();
    const loop = this.#loop;
    let ended = false;
    void loop.finally(() => { ended = true; });
    // A cancel that arrived before the wait reached pcscd is lost: repeat it until the loop ends.
    while (!ended) {
      await Promise.race([loop, new Promise((r) => setTimeout(r, CANCEL_RETRY_MS))]);
      if (!ended) this.#cancelMonitor();
    }
    this.#loop = null;
    await Promise.all([...this.#cards].map((c) => c.disconnect()));
    this.#closeContexts();
    this.#readers.clear();
    this.#up = false;
  }

  /** Stops watching at once and cancels the status wait in flight (synchronous; stop() finishes the job). */
  cancelWait(): void {
    this.#running = false;
    running.delete(this);
    this.#abort?.abort();
    this.#cancelMonitor();
  }

  #cancelMonitor(): void {
    try {
      this.#monitor?.cancel();
    } catch {
      /* pcscd gone: the wait has failed already */
    }
  }

  /**
   * Connects the card in `readerName` (exclusive by default). Throws NoReaderError for a
   * name pcscd never listed, ReaderGoneError for a reader that was there and vanished (the
   * status wait may not have reported it yet), NoCardError when the reader is empty,
   * PcscUnavailableError while pcscd is away.
   */
  async connect(readerName: string, opts: ConnectOptions = {}): Promise<PcscCard> {
    if (!this.#up || this.#io === null) throw this.#lastError ?? new PcscUnavailableError();
    const io = this.#io;
    let native;
    let reader;
    try {
      reader = io.listReaders().find((r) => r.name === readerName);
    } catch (err) {
      throw mapPcscError(err, 'list', readerName, !this.#up);
    }
    if (reader === undefined && this.#readers.has(readerName)) throw new ReaderGoneError(readerName);
    if (reader === undefined) throw new NoReaderError(`No reader named "${readerName}" (readers: ${[...this.#readers.keys()].join(', ') || 'none'})`);
    if (!ReaderState.present(this.#binding, reader.state)) throw new NoCardError(readerName);
    const b = this.#binding;
    try {
      native = await reader.connect(opts.exclusive === false ? b.SCARD_SHARE_SHARED : b.SCARD_SHARE_EXCLUSIVE, b.SCARD_PROTOCOL_T0 | b.SCARD_PROTOCOL_T1);
    } catch (err) {
      throw mapPcscError(err, 'connect', readerName, !this.#up);
    }
    const atr = native.atr ?? reader.atr;
    const card = new PcscCard(native, readerName, atr === null ? new Uint8Array(0) : Uint8Array.from(atr), b, {
      serviceDown: () => !this.#up,
      released: (c) => this.#cards.delete(c),
    }, opts.timeoutMs ?? this.#apduTimeoutMs);
    this.#cards.add(card);
    if (!this.#up || io !== this.#io) card.invalidate(this.#lastError ?? new PcscUnavailableError());
    return card;
  }

  /** Creates both contexts and the first snapshot, then emits service-up and the current picture. */
  #establish(): void {
    const monitor = establishContext(this.#binding);
    let io: NativeContext;
    try {
      io = establishContext(this.#binding);
    } catch (err) {
      monitor.close();
      throw err;
    }
    let listed;
    try {
      listed = monitor.listReaders();
    } catch (err) {
      monitor.close();
      io.close();
      throw err;
    }
    this.#monitor = monitor;
    this.#io = io;
    this.#readers.clear();
    for (const r of listed) this.#readers.set(r.name, new ReaderState(r.name, r.state, r.atr === null ? null : Uint8Array.from(r.atr)));
    this.#pnpState = listed.length << 16;
    this.#up = true;
    this.#lastError = null;
    this.emit('service-up');
    for (const r of this.#readers.values()) {
      this.emit('reader-added', { reader: r.name });
      const snap = r.snapshot(this.#binding);
      if (snap.cardPresent && snap.atr !== null) this.emit('card-inserted', { reader: r.name, atr: snap.atr });
    }
  }

  #closeContexts(): void {
    for (const ctx of [this.#monitor, this.#io]) {
      try {
        ctx?.close();
      } catch {
        /* already invalid */
      }
    }
    this.#monitor = null;
    this.#io = null;
  }

  /** pcscd went away: tell listeners what disappeared, kill open handles, drop contexts. */
  #down(err: unknown): void {
    const error = err instanceof PcscUnavailableError ? err : new PcscUnavailableError(`The PC/SC service (pcscd) went away: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.#up = false;
    this.#lastError = error;
    for (const c of [...this.#cards]) c.invalidate(error);
    const known = [...this.#readers.values()];
    this.#readers.clear();
    this.#closeContexts();
    this.emit('service-down', error);
    for (const r of known) {
      if (ReaderState.present(this.#binding, r.state)) this.emit('card-removed', { reader: r.name });
      this.emit('reader-removed', { reader: r.name });
    }
  }

  async #run(upAlready: boolean): Promise<void> {
    const signal = this.#abort!.signal;
    let delay = this.#backoffInitial;
    let up = upAlready;
    while (this.#running) {
      if (!up) {
        await sleep(delay, signal);
        if (!this.#running) break;
        try {
          this.#establish();
          up = true;
          delay = this.#backoffInitial;
        } catch (err) {
          this.#lastError = mapPcscError(err, 'context');
          delay = Math.min(delay * 2, this.#backoffMax);
          continue;
        }
      }
      try {
        await this.#watch();
      } catch (err) {
        if (!this.#running) break;
        this.#down(err);
        up = false;
      }
    }
  }

  /** Waits for state changes until pcscd fails (throws) or stop() cancels (returns). */
  async #watch(): Promise<void> {
    const b = this.#binding;
    while (this.#running) {
      const monitor = this.#monitor;
      if (monitor === null) throw new PcscUnavailableError();
      const query = [...this.#readers.values()].map((r) => ({ name: r.name, state: r.state }));
      query.push({ name: PNP_READER, state: this.#pnpState });
      let changes;
      try {
        changes = await monitor.waitForChange(query, WAIT_BOUND_MS);
      } catch (err) {
        // pcscd gone (its socket closed: "Unknown PC/SC error" / comm error), or a reader
        // vanished under the query. Tell them apart by asking pcscd for its readers.
        if (!this.#running) return;
        this.#relist(monitor, err);
        await sleep(10, this.#abort!.signal);
        continue;
      }
      if (changes === null) return; // cancelled by stop()
      let readerListChanged = false;
      for (const ch of changes) {
        if (ch.name === PNP_READER) {
          if (ch.changed === true) readerListChanged = true;
          continue;
        }
        const r = this.#readers.get(ch.name);
        if (r === undefined) continue;
        if (ReaderState.gone(b, ch.state)) {
          readerListChanged = true;
          continue;
        }
        this.#applyState(r, ch.state, ch.atr);
      }
      if (readerListChanged) this.#relist(monitor);
      if (changes.length === 0) await sleep(10, this.#abort!.signal); // timeout answer: never spin
    }
  }

  #applyState(r: ReaderState, state: number, atr: Buffer | null): void {
    const b = this.#binding;
    const was = ReaderState.present(b, r.state);
    const is = ReaderState.present(b, state);
    const swapped = was && is && ReaderState.eventCount(state) !== ReaderState.eventCount(r.state);
    r.state = state;
    if (atr !== null) r.atr = Uint8Array.from(atr);
    if (was && (!is || swapped)) this.#cardGone(r.name);
    if (is && (!was || swapped) && r.atr !== null) this.emit('card-inserted', { reader: r.name, atr: Uint8Array.from(r.atr) });
    if (!is) r.atr = null;
  }

  #cardGone(reader: string): void {
    for (const c of [...this.#cards]) {
      if (c.readerName === reader) c.invalidate(mapPcscError(new Error('Card was removed'), 'transmit', reader));
    }
    this.emit('card-removed', { reader });
  }

  /**
   * Hot-plug: diff the reader list against what we knew. Throws when pcscd is dead (which
   * ends #watch and brings the service down); `cause` is the error that made us look.
   */
  #relist(monitor: NativeContext, cause?: unknown): void {
    let listed;
    try {
      listed = monitor.listReaders();
    } catch (err) {
      if (isServiceError(err)) throw cause ?? err;
      return;
    }
    const names = new Set(listed.map((r) => r.name));
    for (const r of [...this.#readers.values()]) {
      if (names.has(r.name)) continue;
      this.#readers.delete(r.name);
      if (ReaderState.present(this.#binding, r.state)) this.#cardGone(r.name);
      for (const c of [...this.#cards]) if (c.readerName === r.name) c.invalidate(mapPcscError(new Error('Reader unavailable'), 'transmit', r.name));
      this.emit('reader-removed', { reader: r.name });
    }
    for (const r of listed) {
      if (this.#readers.has(r.name)) continue;
      const state = new ReaderState(r.name, r.state, r.atr === null ? null : Uint8Array.from(r.atr));
      this.#readers.set(r.name, state);
      this.emit('reader-added', { reader: r.name });
      const snap = state.snapshot(this.#binding);
      if (snap.cardPresent && snap.atr !== null) this.emit('card-inserted', { reader: r.name, atr: snap.atr });
    }
    this.#pnpState = listed.length << 16;
  }
}
