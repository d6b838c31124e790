import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerData, FromCheckpointer, ToCheckpointer } from './sqlite-wal-checkpointer-protocol.js';

// The worker of sqlite-wal-checkpointer.ts: its own connection to the store's file, which copies
// the WAL into the database (a PASSIVE checkpoint: it never waits for, nor blocks, the store's
// writer) every intervalMs, and says what each did.

const data = workerData as CheckpointerData;
const port = parentPort!;
let db: Sqlite.Database | undefined;
let timer: NodeJS.Timeout | undefined;

function post(message: FromCheckpointer): void {
  port.postMessage(message);
}

function checkpoint(): void {
  try {
    // [busy, frames in the WAL, frames copied]: busy when another checkpoint held the lock.
    const [row] = db!.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    post({ type: 'checkpointed', busy: row!.busy === 1, walFrames: row!.log, copiedFrames: row!.checkpointed });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(codeOf(error) === undefined ? {} : { code: codeOf(error)! }) });
  }
  timer = setTimeout(checkpoint, data.intervalMs);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

port.on('message', (message: ToCheckpointer) => {
  if (message.type !== 'stop') return;
  if (timer) clearTimeout(timer);
  db?.close();
  post({ type: 'stopped' });
  port.close();
});

try {
  db = new Sqlite(data.file, { fileMustExist: true });
  db.pragma(`busy_timeout = 0`);
  // As the store's own connection (sqlite-campaign-store.ts): the WAL is synced before the copy
  // and the database after it; a commit never waits for either.
  db.pragma('synchronous = NORMAL');
  // This connection never writes: its own automatic checkpoints are moot.
  db.pragma('wal_autocheckpoint = 0');
  post({ type: 'ready' });
  timer = setTimeout(checkpoint, data.intervalMs);
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error), fatal: true, ...(codeOf(error) === undefined ? {} : { code: codeOf(error)! }) });
  db?.close();
  port.close();
}
