/**
 * Work a request asks for that waits until its answer is sent: the panel's re-read after a
 * workflow and the status bar's drawer figure (bench/ui: the re-read's APDUs and database reads
 * would otherwise share the station with the answer the clerk waits for).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AfterAnswer {
  jobs: Array<() => void>;
  flushed: boolean;
}

const scopes = new AsyncLocalStorage<AfterAnswer>();

/** Runs `fn` as one request: jobs queued by `later` inside it wait for `flush`. */
export function inRequest<T>(scope: AfterAnswer, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Queues `job` until the current request's answer is sent; false (run it now) outside a request or after its answer. */
export function later(job: () => void): boolean {
  const scope = scopes.getStore();
  if (scope === undefined || scope.flushed) return false;
  scope.jobs.push(job);
  return true;
}

/** The answer is sent: run what waited for it. */
export function flush(scope: AfterAnswer): void {
  scope.flushed = true;
  for (const job of scope.jobs.splice(0)) job();
}
