/**
 * The idempotency key of the keyed request running now (core/idempotency.ts runs a request's work
 * inside it): every ledger entry the request books marks that key in its own statement
 * (core/record.ts, migration 6), so the key and the ledger never disagree about a booking.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const running = new AsyncLocalStorage<string>();

export function currentRequestKey(): string | undefined {
  return running.getStore();
}

/** Runs `fn` as the work of the request with idempotency key `key`. */
export function underRequestKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
  return running.run(key, fn);
}
