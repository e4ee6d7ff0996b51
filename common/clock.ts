/**
 * The station's one clock. Production code asks an injected `Clock` (Station.now, the relay's
 * and the UI server's `now`) for the time; only this module reads the system clock, so a test
 * (or a training lab) can hand every part the same moved clock and nothing disagrees about
 * "today". Elapsed-time measurements (timeouts, backoff, benches) use performance.now() or
 * timers instead: they are not calendar time.
 */
export type Clock = () => Date;

/** The machine's wall clock: the default wherever a station is opened for real. */
export const systemClock: Clock = () => new Date();

/** A clock that reads `at` (a test's fixed instant), or an object whose `now` a test moves. */
export function fixedClock(at: Date | { now: Date }): Clock {
  return at instanceof Date ? () => new Date(at.getTime()) : () => new Date(at.now.getTime());
}
