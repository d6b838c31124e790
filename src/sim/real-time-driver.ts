import type { SimClock } from './sim-clock.js';

export interface RealTimeDriverOptions {
  /** How often due events are run; the simulated clock lags wall time by at most this. */
  tickMs?: number;
  /** Wall clock (tests may pass their own). */
  wallNowMs?: () => number;
}

/**
 * Runs a SimClock in real time, for simulators that talk to real sockets (the simulated ChirpStack
 * gRPC server): every tick, the clock is moved to the wall time elapsed since `start` and the
 * events due by then run. SimClock itself is unchanged: its `run` only moves time up to the last
 * event it runs, so each tick first schedules an empty event at the target time, which lands
 * `now()` exactly on it even when nothing else is due.
 */
export class RealTimeDriver {
  private readonly tickMs: number;
  private readonly wallNowMs: () => number;
  private timer: NodeJS.Timeout | undefined;
  private simAnchorMs = 0;
  private wallAnchorMs = 0;
  private running: Promise<void> | undefined;
  /** The first error an event threw while ticking; the driver stops on it (no logging inside). */
  failure: unknown;

  constructor(
    private readonly clock: SimClock,
    options: RealTimeDriverOptions = {},
  ) {
    this.tickMs = options.tickMs ?? 10;
    this.wallNowMs = options.wallNowMs ?? Date.now;
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  /** Anchors the clock's current time to the wall clock's and starts ticking. */
  start(): void {
    if (this.timer) return;
    this.simAnchorMs = this.clock.now();
    this.wallAnchorMs = this.wallNowMs();
    this.timer = setInterval(() => this.catchUp(), this.tickMs);
    // The driver alone must not keep a process alive (servers and tests own the lifetime).
    this.timer.unref();
  }

  /** Stops ticking; pending events stay on the clock. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Simulated time that corresponds to the wall clock now. */
  targetMs(): number {
    return this.simAnchorMs + (this.wallNowMs() - this.wallAnchorMs);
  }

  /**
   * Runs every event due by now, at once: SimClock.run has no await without `settle`, so the
   * events have run when this returns. Servers call it before each request, so that "now" is
   * the wall time even when ticks came late (a busy event loop).
   */
  catchUp(): void {
    this.advance().catch((error: unknown) => {
      this.failure ??= error;
      void this.stop();
    });
  }

  /** Runs every event due by now; rejects with what an event threw. */
  advance(): Promise<void> {
    if (!this.timer || this.running) return this.running ?? Promise.resolve();
    const untilMs = this.targetMs();
    if (untilMs <= this.clock.now()) return Promise.resolve();
    this.clock.at(untilMs, () => {});
    this.running = this.clock.run({ untilMs }).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
