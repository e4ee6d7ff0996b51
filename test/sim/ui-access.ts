/**
 * The simulation drives `station serve`'s server (core/api/server.ts) over the in-process
 * readers of the training lab (core/lab/in-process-lab.ts): the emulated cards with the same
 * CardChannel code, card events as from the PC/SC reader service. The real PC/SC path is
 * covered by the integration tests; here it would cost a pcscd round trip per APDU.
 */
export { WatchedInProcessAccess } from '../../core/lab/in-process-lab.ts';
