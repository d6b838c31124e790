import type { Clock } from '../campaign/ports.js';

interface Scheduled {
  atMs: number;
  seq: number;
  fn: (arg: never, atMs: number) => void;
  /** What `fn` is called with (callWith): one shared function instead of a closure per event. */
  arg: unknown;
  cancelled: boolean;
}

/**
 * Simulated time: events run in time order as fast as the machine allows (a day of campaign in
 * seconds). `run` awaits `settle` after every event so that asynchronous work the event started
 * (the engine's transitions) finishes before time moves on.
 */
export class SimClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private heap: Scheduled[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  at(atMs: number, fn: () => void): () => void {
    const item: Scheduled = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn, arg: undefined, cancelled: false };
    this.push(item);
    return () => {
      item.cancelled = true;
    };
  }

  /**
   * Calls `fn(arg, atMs)` at `atMs` (or now, if that is past: then with now), not cancellable.
   * For events every simulated device has pending (its next uplink): a closure and its context
   * per event were ~110 bytes a device of a 100 000-device fleet (issue #17).
   */
  callWith<T>(atMs: number, fn: (arg: T, atMs: number) => void, arg: T): void {
    this.push({ atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn, arg, cancelled: false });
  }

  get pending(): number {
    return this.heap.length;
  }

  /**
   * Runs events until `done()` holds, no event is left, or time passes `untilMs`.
   * `settleWindowMs` (default 0: settle after every event): events less than this apart run
   * back to back and `settle` comes once for all of them, before the first event at or past the
   * window's end — so the engine takes the uplinks of a window in one group commit, as it would
   * under real load. Keep it below the RX1 delay minus the uplink latency (800 ms in
   * sim-network-server.ts), so that what the engine queues for a device is there for its RX1.
   */
  async run(options: { untilMs: number; done?: () => boolean; settle?: () => Promise<void>; onStep?: (nowMs: number) => void; settleWindowMs?: number }): Promise<void> {
    const windowMs = options.settleWindowMs ?? 0;
    /** Time of the first event run since the last settle. */
    let openSinceMs: number | undefined;
    const settle = async () => {
      openSinceMs = undefined;
      if (options.settle) await options.settle();
    };
    try {
      while (this.heap.length > 0) {
        if (options.done?.()) return;
        const next = this.heap[0]!;
        if (next.cancelled) {
          this.pop();
          continue;
        }
        if (next.atMs > options.untilMs) {
          this.nowMs = options.untilMs;
          return;
        }
        // Settling may schedule events before `next`: look again afterwards.
        if (openSinceMs !== undefined && next.atMs >= openSinceMs + windowMs) {
          await settle();
          continue;
        }
        this.pop();
        this.nowMs = next.atMs;
        (next.fn as (arg: unknown, atMs: number) => void)(next.arg, next.atMs);
        openSinceMs ??= next.atMs;
        if (windowMs <= 0) await settle();
        options.onStep?.(this.nowMs);
      }
    } finally {
      if (openSinceMs !== undefined) await settle();
    }
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
