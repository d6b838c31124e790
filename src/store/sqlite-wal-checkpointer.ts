import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/module-worker.js';
import type { CheckpointerData, FromCheckpointer } from './sqlite-wal-checkpointer-protocol.js';

// Checkpoints of a long-running process's SQLite store off its main thread (issue #17).
//
// Why: with SQLite's automatic checkpoint, the commit that crosses wal_autocheckpoint pages copies
// the whole WAL into the database and syncs both files before it returns, on the thread that runs
// the campaigns. Measured in `bench/campaign.ts --one 100000:mix:adaptive:42:sqlite:500` with
// those checkpoints taken out and timed (PASSIVE, every 600 commits, about as often as 16 384
// pages): 476 851 commits, 7.4 million frames copied in 39.1 s of the run's 518.4 s (7.5 %), each
// a stall of ~80 ms for whatever waited on that commit (an uplink's ack, an outbox flush).
//
// Here a worker thread with its own connection copies the WAL every intervalMs with a PASSIVE
// checkpoint, which never waits for the writer nor makes it wait (SQLite, "wal_checkpoint":
// PASSIVE "checkpoints as many frames as possible without waiting for any database readers or
// writers to finish"). The store's own automatic checkpoint stays, at a larger size, as the bound
// on the WAL: SQLite restarts the WAL from its start only at a write that finds every frame copied,
// and that one still does. Durability is as before: commits are in the WAL when they return.

/**
 * How often the worker checkpoints by default. Each checkpoint copies every page written since
 * the one before, so a hot page (a campaign's state row, the journal's tail) is copied once per
 * checkpoint: more often costs more in all. `npm run bench -- intake --encodings protobuf,json
 * --rates 25000,30000`, where the service shares 2 cores with the broker and the publisher: at
 * 250 ms, Protobuf 27 199 and 24 802 uplinks/s without loss against 29 303 and 29 098 with the
 * commits' own checkpoints; at 2 s, Protobuf 29 976 / 26 019, JSON 29 412 / 28 447 against
 * 29 982 and 29 952 (one base run). With no spare core, the copy's work only moves.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 2000;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  /** The worker could not open the file, or a checkpoint failed (the store's own automatic checkpoint still bounds the WAL). */
  onError?: (error: Error) => void;
  /** After each checkpoint (tests, metrics). */
  onCheckpoint?: (result: { busy: boolean; walFrames: number; copiedFrames: number }) => void;
}

export class SqliteWalCheckpointer {
  private stopped: Promise<void> | undefined;
  private readonly exited: Promise<void>;
  /** Resolves once the worker has its connection (or failed to open it). */
  readonly ready: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly file: string,
    options: WalCheckpointerOptions,
  ) {
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    void this.exited.then(markReady);
    worker.on('message', (message: FromCheckpointer) => {
      if (message.type === 'ready') markReady();
      else if (message.type === 'checkpointed') options.onCheckpoint?.({ busy: message.busy, walFrames: message.walFrames, copiedFrames: message.copiedFrames });
      else if (message.type === 'error') {
        const error = new Error(`SQLite WAL checkpointer for ${file}: ${message.message}`);
        if (message.code !== undefined) Object.assign(error, { code: message.code });
        options.onError?.(error);
        if (message.fatal) markReady();
      }
    });
    worker.on('error', (error) => options.onError?.(error));
    // Never what keeps the process alive: the store's own checkpoint covers an unclean end.
    worker.unref();
  }

  /** Starts the worker on `file` (a WAL-mode database the caller keeps open). */
  static start(file: string, options: WalCheckpointerOptions = {}): SqliteWalCheckpointer {
    const workerData: CheckpointerData = { file, intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS };
    return new SqliteWalCheckpointer(startModuleWorker(import.meta.url, 'sqlite-wal-checkpointer-worker', { workerData }), file, options);
  }

  /** Stops checkpointing and closes the worker's connection; before the store closes its own (then the last one, it removes the WAL). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      // Waited for now: an unreferenced worker would let the process end (or a top-level await fail) before it answered.
      this.worker.ref();
      await this.ready;
      this.worker.postMessage({ type: 'stop' });
      await this.exited;
    })();
    return this.stopped;
  }
}
