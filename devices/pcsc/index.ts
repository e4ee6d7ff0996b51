/**
 * The real PC/SC path: smartcard (Node-API) → libpcsclite → pcscd → reader (or vpcd).
 * See docs/PCSC.md for the socket variable, the event model and the traps.
 */
export { PcscReaderService, cancelAllWaits, WAIT_BOUND_MS, type PcscServiceOptions, type ConnectOptions, type PcscServiceEvents, type CardInsertedEvent } from './service.ts';
export { PcscCard, type Disposition } from './card.ts';
export type { ReaderSnapshot } from './reader.ts';
export { useSocket, socketPath, loadBinding, type PcscBinding } from './binding.ts';
export { mapPcscError, isServiceError, ReaderBusyError } from './errors.ts';
