import type pg from 'pg';
import { entryOf, type GroupEntry, type GroupRegistry } from '../lns/group-registry.js';
import { checkSchemaName, postgresFailure, quoteIdent, redactedUrl } from './postgres-connection.js';
import { parseStoredJson } from './stored-json.js';

// The multicast group registry (src/lns/group-registry.ts) in a PostgreSQL store, table
// multicast_groups (postgres-migrations.ts step 3). The adapters call GroupRegistry
// synchronously, so this is a write-through cache: reads answer from memory, every set/delete
// updates memory at once and queues its write; the queue is written in order, one write at a
// time, and a failed write is reported (onError) and retried until it succeeds, so the table
// ends as memory is. flush() waits for the queue (the service calls it at stop); reload()
// re-reads the table (an instance taking over another's campaign).

export interface PostgresGroupRegistryOptions {
  /** The store's URL, for messages (password hidden). */
  url: string;
  schema: string;
  /** A write failed (it will be retried after retryMs). */
  onError?: (error: unknown, groupName: string) => void;
  /** Wait before retrying a failed write; default 1 s. */
  retryMs?: number;
}

type Write = { kind: 'set'; groupName: string; json: string } | { kind: 'delete'; groupName: string };

const DEFAULT_RETRY_MS = 1_000;

export class PostgresGroupRegistry implements GroupRegistry {
  private map = new Map<string, GroupEntry>();
  private readonly queue: Write[] = [];
  private draining: Promise<void> | undefined;
  private readonly table: string;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresGroupRegistryOptions,
  ) {
    this.table = `${quoteIdent(checkSchemaName(options.schema))}.multicast_groups`;
  }

  /** A registry holding every entry of the table (the schema must be migrated). */
  static async open(pool: pg.Pool, options: PostgresGroupRegistryOptions): Promise<PostgresGroupRegistry> {
    const registry = new PostgresGroupRegistry(pool, options);
    await registry.reload();
    return registry;
  }

  get(groupName: string): GroupEntry | undefined {
    const entry = this.map.get(groupName);
    return entry === undefined ? undefined : entryOf(entry);
  }

  set(groupName: string, entry: GroupEntry): void {
    const kept = entryOf(entry);
    this.map.set(groupName, kept);
    this.enqueue({ kind: 'set', groupName, json: JSON.stringify(kept) });
  }

  delete(groupName: string): void {
    if (this.map.delete(groupName)) this.enqueue({ kind: 'delete', groupName });
  }

  entries(): Array<[string, GroupEntry]> {
    return [...this.map].map(([name, entry]) => [name, entryOf(entry)]);
  }

  /** Resolves once every write queued so far is in the table. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Writes what is queued, then replaces memory by the table's rows. */
  async reload(): Promise<void> {
    await this.flush();
    let rows: Array<{ group_name: string; entry_json: string }>;
    try {
      rows = (await this.pool.query<{ group_name: string; entry_json: string }>(`SELECT group_name, entry_json FROM ${this.table} ORDER BY group_name`)).rows;
    } catch (error) {
      throw postgresFailure(this.options.url, 'read the multicast group registry', error);
    }
    const map = new Map<string, GroupEntry>();
    for (const row of rows) {
      const raw = parseStoredJson<Partial<GroupEntry>>(row.entry_json, redactedUrl(this.options.url), 'multicast_groups.entry_json', `group ${row.group_name}`);
      if (typeof raw?.id === 'string') map.set(row.group_name, entryOf({ ...raw, id: raw.id }));
    }
    // Writes queued while reading (an adapter callback) stay: memory is the newer.
    for (const write of this.queue) {
      if (write.kind === 'set') map.set(write.groupName, JSON.parse(write.json) as GroupEntry);
      else map.delete(write.groupName);
    }
    this.map = map;
  }

  /** Stops retrying: writes still queued after one more try are dropped (reported by onError). Then flush() resolves. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private enqueue(write: Write): void {
    this.queue.push(write);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const write = this.queue[0]!;
      try {
        if (write.kind === 'set') {
          await this.pool.query(`INSERT INTO ${this.table} (group_name, entry_json) VALUES ($1, $2) ON CONFLICT (group_name) DO UPDATE SET entry_json = excluded.entry_json`, [
            write.groupName,
            write.json,
          ]);
        } else {
          await this.pool.query(`DELETE FROM ${this.table} WHERE group_name = $1`, [write.groupName]);
        }
        this.queue.shift();
      } catch (error) {
        this.options.onError?.(postgresFailure(this.options.url, `write multicast group ${write.groupName}`, error), write.groupName);
        if (this.closed) {
          this.queue.shift();
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? DEFAULT_RETRY_MS));
      }
    }
  }
}
