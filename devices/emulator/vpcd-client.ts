/**
 * The card side of Debian's vsmartcard-vpcd driver: pcscd loads vpcd, vpcd listens on a TCP
 * port per slot, and a "virtual ICC" connects to it. One VpcdCardClient serves one
 * VirtualCard on one slot (host, port).
 *
 * Wire format (both directions): u16be length + payload. A 1-byte payload from vpcd is a
 * control message: 0 power off, 1 power on, 2 reset, 4 "send your ATR" (answered with the
 * ATR); any longer payload is a command APDU, answered with data + SW1 SW2.
 *
 * Presence is the TCP connection itself: insert = connect and serve; remove = close the
 * socket, which is how vpcd sees the card leave the field. A card answer with
 * `response: null` (tear, response lost) or `removed: true` also closes the socket: to the
 * reader the card is gone. When vpcd goes away while the card should stay inserted (pcscd
 * restarted), the client reconnects with a capped backoff until it is removed.
 *
 * Latency: each frame goes out in ONE write with TCP_NODELAY; two small writes (length, then
 * payload) meet the peer's delayed ACK and cost ~40 ms per APDU (docs/PCSC.md).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { VirtualCard } from './virtual-card.ts';

export const VPCD_POWER_OFF = 0;
export const VPCD_POWER_ON = 1;
export const VPCD_RESET = 2;
export const VPCD_GET_ATR = 4;

export interface VpcdClientOptions {
  port: number;
  host?: string;
  /** Reconnect while inserted when the connection drops or is refused (default true). */
  reconnect?: boolean;
  /** First retry delay; doubles up to maxRetryMs (defaults 20 / 500 ms). */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface VpcdClientEvents {
  /** TCP connected to vpcd: the reader now sees a card. */
  connected: [];
  /** The connection closed; `reason` says who closed it. */
  disconnected: [reason: 'removed' | 'card-gone' | 'peer-closed' | 'error'];
  /** vpcd powered the card (pcscd's poll saw it and powered it up): the reader lists it now. */
  powered: [];
  /** A command APDU was answered (or not: response null). */
  apdu: [command: Uint8Array, response: Uint8Array | null];
}

/** Splits a byte stream into u16be-length frames; tolerant of frames split across chunks. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: Buffer[] = [];
    while (this.#buf.length >= 2) {
      const len = this.#buf.readUInt16BE(0);
      if (this.#buf.length < 2 + len) break;
      frames.push(this.#buf.subarray(2, 2 + len));
      this.#buf = this.#buf.subarray(2 + len);
    }
    return frames;
  }

  clear(): void {
    this.#buf = Buffer.alloc(0);
  }
}

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > 0xffff) throw new RangeError(`vpcd frame too long: ${payload.length}`);
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

export class VpcdCardClient extends EventEmitter<VpcdClientEvents> {
  readonly host: string;
  readonly port: number;
  readonly #reconnect: boolean;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  #card: VirtualCard | null = null;
  /** True while the card should be in the field (between insert and remove/card-gone). */
  #inserted = false;
  #socket: net.Socket | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryDelay: number;
  #frames = new FrameReader();
  #closed = false;
  #pending: { resolve: () => void; reject: (err: Error) => void } | null = null;
  /** Number of command APDUs served (control messages excluded). */
  apduCount = 0;

  constructor(opts: VpcdClientOptions) {
    super();
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    this.#reconnect = opts.reconnect ?? true;
    this.#retryMs = opts.retryMs ?? 20;
    this.#maxRetryMs = opts.maxRetryMs ?? 500;
    this.#retryDelay = this.#retryMs;
  }

  /** The card last inserted (kept after removal so its state can still be read). */
  get card(): VirtualCard | null {
    return this.#card;
  }

  /** True while the card wants to be in the field. */
  get inserted(): boolean {
    return this.#inserted;
  }

  /** True while the TCP connection to vpcd is up (the reader sees the card). */
  get connected(): boolean {
    return this.#socket !== null && !this.#socket.connecting;
  }

  /**
   * Puts `card` in the field (replacing any card there). Resolves once vpcd accepted the
   * connection; with reconnect on, keeps retrying until then (or until remove/close).
   */
  insert(card: VirtualCard): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('vpcd client is closed'));
    this.#settle(new Error(`vpcd slot ${this.host}:${this.port}: superseded by another insert`));
    this.#drop('removed');
    this.#card = card;
    this.#inserted = true;
    this.#retryDelay = this.#retryMs;
    return new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#connect();
    });
  }

  /** Takes the card out of the field: closes the connection, no reconnect. */
  remove(): void {
    this.#inserted = false;
    this.#settle(new Error(`vpcd slot ${this.host}:${this.port}: card removed before vpcd accepted it`));
    this.#drop('removed');
  }

  /** Settles a pending insert(): resolves without `err`, rejects with it. */
  #settle(err?: Error): void {
    const p = this.#pending;
    if (p === null) return;
    this.#pending = null;
    if (err === undefined) p.resolve();
    else p.reject(err);
  }

  /** Stops for good. */
  close(): void {
    this.#closed = true;
    this.remove();
  }

  #connect(): void {
    if (!this.#inserted || this.#closed || this.#socket !== null) return;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.#socket = socket;
    this.#frames.clear();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.#retryDelay = this.#retryMs;
      this.#settle();
      this.emit('connected');
    });
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', () => {
      /* 'close' follows and decides */
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return; // already dropped on purpose
      this.#socket = null;
      this.emit('disconnected', 'peer-closed');
      if (!this.#reconnect) this.#settle(new Error(`vpcd slot ${this.host}:${this.port}: connection closed or refused`));
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (!this.#inserted || this.#closed || !this.#reconnect || this.#retryTimer !== null) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, this.#maxRetryMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
    this.#retryTimer.unref?.();
  }

  /** Closes the current connection on purpose (no reconnect from its 'close'). */
  #drop(reason: 'removed' | 'card-gone', flush = false): void {
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    if (flush) socket.end(); // let an answer already written reach vpcd, then close
    else socket.destroy();
    this.emit('disconnected', reason);
  }

  #send(socket: net.Socket, payload: Uint8Array): void {
    socket.write(encodeFrame(payload)); // one write: length and payload in the same segment
  }

  #onData(socket: net.Socket, chunk: Buffer): void {
    for (const frame of this.#frames.push(chunk)) {
      if (this.#socket !== socket) return; // dropped while handling an earlier frame
      const card = this.#card;
      if (card === null) {
        this.#drop('card-gone');
        return;
      }
      if (frame.length === 1) {
        switch (frame[0]) {
          case VPCD_POWER_OFF:
            card.reset();
            break;
          case VPCD_POWER_ON:
          case VPCD_RESET:
            card.reset();
            this.emit('powered');
            break;
          case VPCD_GET_ATR:
            this.#send(socket, card.atr());
            break;
          default:
            break; // unknown control byte: vpcd expects no answer
        }
        continue;
      }
      if (frame.length === 0) continue;
      this.apduCount++;
      const command = Uint8Array.from(frame);
      const answer = card.process(command);
      this.emit('apdu', command, answer.response);
      if (answer.response !== null) this.#send(socket, answer.response);
      if (answer.response === null || answer.removed) {
        // The card left the field (or its answer never arrives): to vpcd the card is gone.
        this.#inserted = false;
        this.#drop('card-gone', answer.response !== null);
        return;
      }
    }
  }
}
