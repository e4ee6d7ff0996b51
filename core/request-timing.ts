/**
 * Where a request's time goes, for bench/ui (issue 16 item 10): with STATION_TIMINGS=1,
 * `station serve` writes one `STATION_TIMING {json}` line to stderr per card-changing request —
 * when it arrived, when its answer was sent, the time its card commands took (every APDU's
 * transmit, summed) and when the card's last answer came. The bench splits confirm → done into
 * card time, core time (the rest of the station's share) and paint time (the browser's share)
 * from these and the page's own marks. Off by default: a station in use writes nothing extra.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CardChannel } from '../devices/channel.ts';

export interface RequestTiming {
  method: string;
  /** Epoch ms with sub-ms precision (performance.timeOrigin + performance.now()), comparable with the page's epoch clock. */
  receivedAt: number;
  answeredAt: number | null;
  cardMs: number;
  apdus: number;
  lastCardAt: number | null;
  /** Time spent in named steps of the request (workflow, receipt, shift), ms. */
  phases: Record<string, number>;
}

export const TIMING_PREFIX = 'STATION_TIMING ';
const current = new AsyncLocalStorage<RequestTiming>();
const now = () => performance.timeOrigin + performance.now();

export function timingsEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.STATION_TIMINGS === '1';
}

/** Runs `fn` as one timed request: card commands it sends (until `answered`) count towards it. */
export function timeRequest<T>(method: string, fn: (timing: RequestTiming) => Promise<T>): Promise<T> {
  const timing: RequestTiming = { method, receivedAt: now(), answeredAt: null, cardMs: 0, apdus: 0, lastCardAt: null, phases: {} };
  return current.run(timing, () => fn(timing));
}

/** The answer is on its way: card work after this (a panel refresh) is no longer the request's. */
export function answered(timing: RequestTiming): string {
  timing.answeredAt = now();
  return `${TIMING_PREFIX}${JSON.stringify(timing)}\n`;
}

/** Runs one named step of the current timed request (if any), adding its duration to `phases`. */
export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = current.getStore();
  if (t === undefined) return fn();
  const t0 = now();
  try {
    return await fn();
  } finally {
    t.phases[name] = (t.phases[name] ?? 0) + (now() - t0);
  }
}

/** Adds `ms` to a named step of the current timed request (a span that is not one function call). */
export function addPhase(name: string, ms: number): void {
  const t = current.getStore();
  if (t !== undefined) t.phases[name] = (t.phases[name] ?? 0) + ms;
}

/** Work that must not count towards the request it was started from (the panel's own reads). */
export function untimed<T>(fn: () => T): T {
  return current.exit(fn);
}

/** A channel whose APDUs count towards the timed request they run in (if any). */
export function timedChannel(ch: CardChannel): CardChannel {
  return {
    readerName: ch.readerName,
    atr: ch.atr,
    async transmit(command) {
      const t = current.getStore();
      if (t === undefined || t.answeredAt !== null) return ch.transmit(command);
      const t0 = now();
      try {
        return await ch.transmit(command);
      } finally {
        const t1 = now();
        t.cardMs += t1 - t0;
        t.apdus += 1;
        t.lastCardAt = t1;
      }
    },
  };
}
