// The store of one process: a SQLite file (or ':memory:'), or 'memory' for the in-process store.
// Apart from open-store.ts (which also opens PostgreSQL for `fuota serve`) so that the demo and
// the simulated world do not load the PostgreSQL client (issue #17: commands load what they use).
import type { Logger } from 'pino';
import type { CampaignStore } from '../campaign/ports.js';
import type { DeviceLogRetention } from '../store/device-log-retention.js';
import { MemoryCampaignStore } from '../store/memory-campaign-store.js';
import { SqliteCampaignStore } from '../store/sqlite-campaign-store.js';

export function openStore(path: string, deviceLogRetention?: DeviceLogRetention, log?: Logger): CampaignStore {
  const options = deviceLogRetention ? { deviceLogRetention } : {};
  if (path === 'memory') return new MemoryCampaignStore(options);
  return SqliteCampaignStore.open(path, {
    ...options,
    // A process that keeps its store open (fuota serve, a demo or benchmark on a file): the WAL is
    // copied into the database off the thread that runs the campaigns (sqlite-wal-checkpointer.ts).
    walCheckpoints: 'worker',
    onCheckpointError: (error) => log?.warn({ err: error }, 'SQLite WAL checkpoint worker failed (the commits checkpoint instead; nothing is lost)'),
    deviceJournal: { onCompactionError: (error) => log?.warn({ err: error }, 'device journal not folded into the device rows (tried again later; nothing is lost)') },
    recentDeviceLog: { onMoveError: (error) => log?.warn({ err: error }, 'recent device-log lines not moved into the device log (tried again later; nothing is lost)') },
  });
}
