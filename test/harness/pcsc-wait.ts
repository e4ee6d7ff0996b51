/**
 * Waiting for reader-service events in tests, with a bound (a missing event fails the test
 * with a message instead of hanging it). Not a timing assertion: the bound is generous.
 */
import type { PcscReaderService, PcscServiceEvents } from '../../devices/pcsc/index.ts';

export function nextEvent<K extends keyof PcscServiceEvents>(
  svc: PcscReaderService,
  name: K,
  predicate: (...args: PcscServiceEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<PcscServiceEvents[K]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: PcscServiceEvents[K]) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      svc.off(name, listener as never);
      resolve(args);
    };
    const timer = setTimeout(() => {
      svc.off(name, listener as never);
      reject(new Error(`no '${String(name)}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    svc.on(name, listener as never);
  });
}

/** Records every event in order, for assertions on sequences. */
export function recordEvents(svc: PcscReaderService): string[] {
  const log: string[] = [];
  const names: (keyof PcscServiceEvents)[] = ['service-up', 'service-down', 'reader-added', 'reader-removed', 'card-inserted', 'card-removed'];
  for (const n of names) {
    svc.on(n, ((e?: { reader?: string }) => log.push(e !== undefined && typeof e === 'object' && 'reader' in e ? `${n}:${e.reader}` : n)) as never);
  }
  return log;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
