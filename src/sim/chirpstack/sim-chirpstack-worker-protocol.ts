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

export type FromSimWorker =
  | { type: 'broker'; port: number }
  | { type: 'link-started'; filter: string }
  | { type: 'commands'; commands: SimWorkerCommand[] }
  | { type: 'published'; results: Array<{ id: number; error?: SimWorkerError }> }
  | { type: 'link-stopped' }
  | { type: 'watching'; filter: string }
  /** Messages the watcher received since the last report. */
  | { type: 'watched'; count: number }
  | { type: 'closed' }
  | { type: 'failed'; error: SimWorkerError };

export function workerError(error: unknown): SimWorkerError {
  const code = (error as { code?: unknown } | undefined)?.code;
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
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
