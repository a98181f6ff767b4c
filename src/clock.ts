/**
 * Time as the tool reads it, injected so that tests can state the time instead of waiting for it.
 * `now` is the wall clock (timestamps, ages); `elapsed` is monotonic (latencies).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going back. */
  elapsed(): number;
}

export const systemClock: Clock = { now: () => Date.now(), elapsed: () => performance.now() };

export function unixSecondsOf(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
