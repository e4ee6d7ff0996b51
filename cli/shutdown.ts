/**
 * SIGINT/SIGTERM for every `station` command (docs/RELIABILITY.md "Clean shutdown"): the first
 * signal aborts `io.signal` — long-running commands (serve, watch, sim, sync) and waits for a
 * card swap end on it and close their readers, servers and database in order — and arms a
 * deadline. Whatever is still running at the deadline (a command that does not listen, a card
 * exchange in flight) is cut short: the PC/SC status waits are cancelled (their threads would
 * otherwise hold the exit) and the process exits 130 (SIGINT) / 143 (SIGTERM). A second signal
 * does the same at once. A card-changing operation cut short is an intent the next read of the
 * card settles (docs/RELIABILITY.md), as after a power cut.
 */
import { cancelCardWaitsNow } from '../core/pcsc-access.ts';

/** The clean stop's budget; with the bounded PC/SC wait (≤ 0.7 s) the process is gone within 2 s. */
export const STOP_GRACE_MS = 1200;

const exitCode = (sig: NodeJS.Signals) => (sig === 'SIGINT' ? 130 : 143);

export function exitNow(sig: NodeJS.Signals): never {
  cancelCardWaitsNow();
  process.exit(exitCode(sig));
}

/** Installs the handlers; `controller` is the command's io.signal source. */
export function stopOnSignals(controller: AbortController, graceMs = STOP_GRACE_MS): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (controller.signal.aborted) exitNow(sig);
      controller.abort();
      // Unref'd: a command that stops cleanly exits by itself long before.
      setTimeout(() => {
        process.stderr.write(`station: still running ${graceMs} ms after ${sig}; stopping now\n`);
        exitNow(sig);
      }, graceMs).unref();
    });
  }
}
