import type { Clock } from '../campaign/ports.js';

type EventFn = (arg: never, atMs: number) => void;

/** What `at` schedules: its function and whether it was cancelled (one object, as before: the closure needs it). */
interface Cancellable {
  fn: () => void;
  cancelled: boolean;
}

function runCancellable(item: Cancellable): void {
  item.fn();
}

/**
 * Simulated time: events run in time order as fast as the machine allows (a day of campaign in
 * seconds). `run` awaits `settle` after every event so that asynchronous work the event started
 * (the engine's transitions) finishes before time moves on.
 *
 * The pending events are a binary min-heap on (time, sequence) kept as four parallel arrays, not
 * an object per event: a 10 000-device campaign pushes and pops ~2.5 million events, and the
 * object per event, the pointer chase at each comparison and the swap per level were 3-4 % of a
 * demo's CPU (issue #17). Ties run in the order they were scheduled, as before.
 */
export class SimClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly fns: EventFn[] = [];
  private readonly args: unknown[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  at(atMs: number, fn: () => void): () => void {
    const item: Cancellable = { fn, cancelled: false };
    this.push(Math.max(atMs, this.nowMs), runCancellable as EventFn, item);
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
    this.push(Math.max(atMs, this.nowMs), fn as EventFn, arg);
  }

  get pending(): number {
    return this.times.length;
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
      while (this.times.length > 0) {
        if (options.done?.()) return;
        const fn = this.fns[0]!;
        const arg = this.args[0];
        if (fn === runCancellable && (arg as Cancellable).cancelled) {
          this.pop();
          continue;
        }
        const atMs = this.times[0]!;
        if (atMs > options.untilMs) {
          this.nowMs = options.untilMs;
          return;
        }
        // Settling may schedule events before this one: look again afterwards.
        if (openSinceMs !== undefined && atMs >= openSinceMs + windowMs) {
          await settle();
          continue;
        }
        this.pop();
        this.nowMs = atMs;
        (fn as (arg: unknown, atMs: number) => void)(arg, atMs);
        openSinceMs ??= atMs;
        if (windowMs <= 0) await settle();
        options.onStep?.(this.nowMs);
      }
    } finally {
      if (openSinceMs !== undefined) await settle();
    }
  }

  /** Sift-up with a hole: parents move down until the new event's place is found. */
  private push(atMs: number, fn: EventFn, arg: unknown): void {
    const { times, seqs } = this;
    const seq = this.seq++;
    let i = times.length;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentMs = times[parent]!;
      if (parentMs < atMs || (parentMs === atMs && seqs[parent]! < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.place(i, atMs, seq, fn, arg);
  }

  /** Removes the first event: the last one sifts down from the root, children moving up into the hole. */
  private pop(): void {
    const { times, seqs, fns, args } = this;
    const atMs = times.pop()!;
    const seq = seqs.pop()!;
    const fn = fns.pop()!;
    const arg = args.pop();
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (times[r]! < times[l]! || (times[r] === times[l] && seqs[r]! < seqs[l]!))) m = r;
      const childMs = times[m]!;
      if (atMs < childMs || (atMs === childMs && seq < seqs[m]!)) break;
      this.move(m, i);
      i = m;
    }
    this.place(i, atMs, seq, fn, arg);
  }

  /** The event in slot `from` into slot `to` (the hole that sifts). */
  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.fns[to] = this.fns[from]!;
    this.args[to] = this.args[from];
  }

  private place(i: number, atMs: number, seq: number, fn: EventFn, arg: unknown): void {
    this.times[i] = atMs;
    this.seqs[i] = seq;
    this.fns[i] = fn;
    this.args[i] = arg;
  }
}
