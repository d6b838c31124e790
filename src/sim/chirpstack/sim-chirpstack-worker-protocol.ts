import type { SimChirpstackEvent } from './sim-chirpstack-events.js';
import type { SimChirpstackTenancy } from './sim-chirpstack-integration.js';
import type { SimLinkCommand } from './sim-chirpstack-link.js';
import type { SimTopicTemplates } from './sim-chirpstack-topics.js';

// The messages between the main thread and the worker thread that holds the demo's broker and
// the simulated ChirpStack's MQTT link (sim-chirpstack-worker.ts, sim-chirpstack-worker-main.ts).
// Events and commands travel in batches (one postMessage per turn of either event loop, not per
// message: at 10 000 devices there are over a million of them). Errors cross as their message and
// code: a structured clone keeps neither the class nor the code of a FuotaError.

export interface SimWorkerData {
  applicationId: string;
  encoding: 'json' | 'protobuf';
  tenancy: SimChirpstackTenancy;
  topics: SimTopicTemplates;
}

export interface SimWorkerError {
  message: string;
  code?: string;
}

export interface SimWorkerEvent {
  id: number;
  topic: string;
  event: SimChirpstackEvent;
  nowMs: number;
}

/** A command as read in the worker; a refusal's error as its message and code. */
export type SimWorkerCommand = Exclude<SimLinkCommand, { kind: 'refused' }> | { kind: 'refused'; topic: string; counted: boolean; error: SimWorkerError };

export type ToSimWorker =
  | { type: 'start-link' }
  | { type: 'events'; events: SimWorkerEvent[] }
  /** Subscribe a counting client (the demo's status watcher) to `filter`. */
  | { type: 'watch'; filter: string }
  | { type: 'stop-link' }
  | { type: 'close' };

/** What the worker's wire did in one turn of its event loop: one message, so one wake-up of the main thread. */
export interface SimWorkerTurn {
  type: 'turn';
  /** Commands read, in arrival order. */
  commands: SimWorkerCommand[];
  /** Events published (PUBACK) or failed, by id. */
  results: Array<{ id: number; error?: SimWorkerError }>;
  /** Messages the watcher received. */
  watched: number;
}

export type FromSimWorker =
  | { type: 'broker'; port: number }
  | { type: 'link-started'; filter: string }
  | SimWorkerTurn
  | { type: 'link-stopped' }
  | { type: 'watching'; filter: string }
  | { type: 'closed' }
  | { type: 'failed'; error: SimWorkerError };

export function workerError(error: unknown): SimWorkerError {
  const code = (error as { code?: unknown } | undefined)?.code;
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}

/** How long a turn that only acknowledges publishes may wait for one with commands or watcher counts (real time). */
export const RESULTS_ONLY_DELAY_MS = 20;

/**
 * Collects the worker's commands, publish results and watcher counts, and posts them as one
 * SimWorkerTurn once per turn (a microtask after the first item): each postMessage wakes the main
 * thread, and a settle window of the demo's simulated clock waits on every one of them (issue #17).
 * A turn that only acknowledges publishes (the broker's PUBACKs) waits up to `laterMs`, riding on
 * the next turn that has commands or counts: nothing waits on those acknowledgements but the
 * promise of each publish, while the main thread woken for them was woken before the uplinks it
 * waits for. A failed publish goes at once (it fails the run).
 */
export class TurnReport {
  private turn: SimWorkerTurn | undefined;
  private flushSoon = false;
  private cancelLater: (() => void) | undefined;

  constructor(
    private readonly post: (turn: SimWorkerTurn) => void,
    private readonly later: (flush: () => void) => () => void = (flush) => {
      const timer = setTimeout(flush, RESULTS_ONLY_DELAY_MS);
      return () => clearTimeout(timer);
    },
  ) {}

  command(command: SimWorkerCommand): void {
    this.open(true).commands.push(command);
  }

  result(id: number, error?: SimWorkerError): void {
    this.open(error !== undefined).results.push(error === undefined ? { id } : { id, error });
  }

  watched(): void {
    this.open(true).watched++;
  }

  private open(now: boolean): SimWorkerTurn {
    this.turn ??= { type: 'turn', commands: [], results: [], watched: 0 };
    if (now && !this.flushSoon) {
      this.flushSoon = true;
      this.cancelLater?.();
      this.cancelLater = undefined;
      queueMicrotask(() => this.flush());
    } else if (!now && !this.flushSoon && this.cancelLater === undefined) {
      this.cancelLater = this.later(() => this.flush());
    }
    return this.turn;
  }

  private flush(): void {
    const turn = this.turn;
    this.turn = undefined;
    this.flushSoon = false;
    this.cancelLater?.();
    this.cancelLater = undefined;
    if (turn !== undefined) this.post(turn);
  }
}

/** Collects items and hands them over once per turn (a microtask after the first). */
export class Batch<T> {
  private items: T[] = [];

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    if (this.items.length === 0) queueMicrotask(() => this.flushNow());
    this.items.push(item);
  }

  private flushNow(): void {
    const items = this.items;
    this.items = [];
    if (items.length > 0) this.flush(items);
  }
}
