// Messages between sqlite-wal-checkpointer.ts and its worker (sqlite-wal-checkpointer-worker.ts).

export interface CheckpointerData {
  file: string;
  intervalMs: number;
}

export type ToCheckpointer = { type: 'stop' };

export type FromCheckpointer =
  | { type: 'ready' }
  | { type: 'checkpointed'; busy: boolean; walFrames: number; copiedFrames: number }
  | { type: 'error'; message: string; code?: string; fatal?: boolean }
  | { type: 'stopped' };
