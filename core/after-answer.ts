/**
 * Work a request asks for that waits until its answer is sent (bench/ui, issue 16 item 10): the
 * panel's re-read of the card, the status bar's drawer figure, the receipt's PDF. The UI server
 * runs each request in a scope (`inAnswerScope`) and flushes it once the answer is on the socket;
 * code anywhere below the request queues with `later`. Outside a request (the CLI) `later`
 * says no and the caller does the work at once, as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AfterAnswer { jobs: Array<() => void>; flushed: boolean }

const afterAnswer = new AsyncLocalStorage<AfterAnswer>();

/** A fresh scope for one request. */
export function answerScope(): AfterAnswer {
  return { jobs: [], flushed: false };
}

/** Runs `fn` (the request's handling) so that `later` inside it queues into `scope`. */
export function inAnswerScope<T>(scope: AfterAnswer, fn: () => T): T {
  return afterAnswer.run(scope, fn);
}

/** Queues `job` until the current request's answer is sent; false (run it now) outside a request or after its answer. */
export function later(job: () => void): boolean {
  const scope = afterAnswer.getStore();
  if (scope === undefined || scope.flushed) return false;
  scope.jobs.push(job);
  return true;
}

/** Whether `later` would queue here (a request whose answer is not sent yet). */
export function canWaitForAnswer(): boolean {
  const scope = afterAnswer.getStore();
  return scope !== undefined && !scope.flushed;
}

/** The answer is sent: runs the queued jobs (outside the request's scope; a job queued by a job runs at once). */
export function flushAfterAnswer(scope: AfterAnswer): void {
  scope.flushed = true;
  for (const job of scope.jobs.splice(0)) job();
}
