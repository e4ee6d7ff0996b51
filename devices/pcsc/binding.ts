/**
 * The one place that loads the `smartcard` Node-API binding (libpcsclite underneath), so the
 * rest of devices/pcsc talks to a small typed surface that tests could replace.
 *
 * PCSCLITE_CSOCK_NAME: libpcsclite reads it ONCE, when the first context of the process is
 * established (getSocketName() caches it in a static buffer), and never again. So the socket
 * must be chosen before the first `new Context()`; `useSocket()` sets it and refuses a
 * different path afterwards instead of silently talking to the old daemon.
 */
import { createRequire } from 'node:module';
import { PcscUnavailableError } from '../../common/errors.ts';

export interface NativeReaderState {
  name: string;
  state: number;
  changed?: boolean;
  atr: Buffer | null;
}

export interface NativeCard {
  readonly protocol: number;
  readonly connected: boolean;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  disconnect(disposition?: number): void;
}

export interface NativeReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<NativeCard>;
}

export interface NativeContext {
  readonly isValid: boolean;
  listReaders(): NativeReader[];
  /** Resolves the new states, [] on timeout, null when cancelled. */
  waitForChange(readers: { name: string; state: number }[], timeout?: number): Promise<NativeReaderState[] | null>;
  cancel(): void;
  close(): void;
}

export interface PcscBinding {
  Context: new () => NativeContext;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  SCARD_UNPOWER_CARD: number;
  SCARD_STATE_CHANGED: number;
  SCARD_STATE_UNKNOWN: number;
  SCARD_STATE_UNAVAILABLE: number;
  SCARD_STATE_EMPTY: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_MUTE: number;
}

/** pcsc-lite's pseudo reader: its state's high word is the reader count (hot-plug). */
export const PNP_READER = '\\\\?PnP?\\Notification';

let loaded: PcscBinding | null = null;
let contextCreated = false;
let socketInUse: string | null = null;

/** Loads `smartcard` lazily (a missing libpcsclite then surfaces as PcscUnavailableError). */
export function loadBinding(): PcscBinding {
  if (loaded !== null) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = require('smartcard') as PcscBinding;
  } catch (err) {
    throw new PcscUnavailableError(`The PC/SC binding (smartcard / libpcsclite) cannot be loaded: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
      hint: 'For a real reader install pcscd and libpcsclite-dev (Debian/Ubuntu), then npm ci again; a training station runs in-process training readers without them',
    });
  }
  return loaded;
}

/**
 * Chooses pcscd's socket for this process (sets PCSCLITE_CSOCK_NAME). Must run before the
 * first context; afterwards only the same path is accepted. `undefined` keeps whatever the
 * environment says (the system default /run/pcscd/pcscd.comm when unset).
 */
export function useSocket(socketPath: string | undefined): void {
  const current = socketInUse ?? process.env.PCSCLITE_CSOCK_NAME ?? null;
  if (socketPath === undefined) return;
  if (contextCreated && current !== socketPath) {
    throw new PcscUnavailableError(
      `PCSCLITE_CSOCK_NAME is already fixed to ${current ?? 'the default socket'} for this process; libpcsclite cannot switch to ${socketPath}`,
    );
  }
  process.env.PCSCLITE_CSOCK_NAME = socketPath; // Node's setter calls setenv(3): the C library sees it
}

/** The socket libpcsclite uses (or will use) in this process. */
export function socketPath(): string {
  return socketInUse ?? process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/** `new Context()`, remembering that the socket path is now fixed for the process. */
export function establishContext(binding: PcscBinding): NativeContext {
  if (!contextCreated) socketInUse = process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
  contextCreated = true;
  return new binding.Context();
}
