import type { Clock } from '../campaign/ports.js';

interface Scheduled {
  atMs: number;
  seq: number;
  fn: () => void;
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
    const item: Scheduled = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn, cancelled: false };
    this.push(item);
    return () => {
      item.cancelled = true;
    };
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs events until `done()` holds, no event is left, or time passes `untilMs`. */
  async run(options: { untilMs: number; done?: () => boolean; settle?: () => Promise<void>; onStep?: (nowMs: number) => void }): Promise<void> {
    while (this.heap.length > 0) {
      if (options.done?.()) return;
      const next = this.pop()!;
      if (next.cancelled) continue;
      if (next.atMs > options.untilMs) {
        this.push(next);
        this.nowMs = options.untilMs;
        return;
      }
      this.nowMs = next.atMs;
      next.fn();
      if (options.settle) await options.settle();
      options.onStep?.(this.nowMs);
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
