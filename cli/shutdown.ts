/**
 * SIGINT/SIGTERM for every `station` command (docs/RELIABILITY.md "Clean shutdown"): the first
 * signal aborts `io.signal` — long-running commands (serve, watch, sim, sync) and waits for a
 * card swap end on it and close their readers, servers and database in order — and arms a
 * deadline. Whatever is still running at the deadline (a command that does not listen, a card
 * exchange in flight) is cut short: the PC/SC status waits are cancelled and the process ends
 * by the signal itself (status 130 / 143 to a shell). A second signal does the same at once
 * (unless it came with the first: SAME_STOP_MS).
 * A card-changing operation cut short is an intent the next read of the card settles
 * (docs/RELIABILITY.md), as after a power cut.
 *
 * Why not process.exit: exit() joins libuv's worker threads, and a thread blocked in
 * SCardTransmit (a card that does not answer) or SCardGetStatusChange holds it until pcscd
 * answers — measured 2.3 s for a card thinking 2.55 s, unbounded for a mute card on a real
 * reader (docs/PCSC.md trap 19). Ended by the signal's default action, the process is gone at
 * once; pcscd releases its contexts and the exclusive card lock when the socket closes.
 */
import { cancelCardWaitsNow } from '../core/pcsc-access.ts';

/** The clean stop's budget; then the process ends at once, within the 2 s. */
export const STOP_GRACE_MS = 1200;

/** Ends the process by `sig` now, whatever its threads are blocked in (synchronous). */
export function exitNow(sig: NodeJS.Signals): void {
  cancelCardWaitsNow();
  // With no listener left, the signal's default action applies: the kernel ends the process.
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
  // Not reached where signals exist; elsewhere the ordinary exit.
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

/**
 * A second signal this soon after the first is the same stop, not an operator insisting: Ctrl-C
 * in a terminal reaches the whole process group, and `npm start` forwards it to `station serve`
 * as SIGTERM, so serve gets both at once and would otherwise skip its clean stop.
 */
export const SAME_STOP_MS = 500;

/** Installs the handlers; `controller` is the command's io.signal source. */
export function stopOnSignals(controller: AbortController, graceMs = STOP_GRACE_MS): void {
  let firstAt = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (controller.signal.aborted) {
        if (performance.now() - firstAt >= SAME_STOP_MS) exitNow(sig);
        return;
      }
      firstAt = performance.now();
      controller.abort();
      // Unref'd: a command that stops cleanly exits by itself long before.
      setTimeout(() => {
        process.stderr.write(`station: still running ${graceMs} ms after ${sig}; stopping now\n`);
        exitNow(sig);
      }, graceMs).unref();
    });
  }
}
