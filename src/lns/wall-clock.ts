import type { Clock } from '../campaign/ports.js';

// The real clock, for the network-server adapters when they run as a service (tests pass a
// SimClock instead).

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const wallClock: Clock = {
  now: () => Date.now(),
  at(atMs: number, fn: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const waitMs = atMs - Date.now();
      if (waitMs > MAX_TIMER_MS) {
        timer = setTimeout(arm, MAX_TIMER_MS);
      } else {
        timer = setTimeout(() => {
          if (!cancelled) fn();
        }, Math.max(0, waitMs));
      }
      // Timers alone must not keep a process alive: the MQTT socket and the caller own its lifetime.
      timer.unref();
    };
    arm();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  },
};
