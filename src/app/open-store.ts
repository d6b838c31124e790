// Which store the config names (the composition root's choice): a SQLite file (store.path, with
// the group registry in a JSON file beside it) or PostgreSQL (store.url: campaigns, tokens and
// the group registry in one schema, on one pool).
import type pg from 'pg';
import type { Logger } from 'pino';
import { storeTokenVerifiers } from '../api/sqlite-token-verifier.js';
import { postgresTokenVerifiers } from '../api/postgres-token-verifier.js';
import type { TokenVerifier } from '../api/token-verifier.js';
import type { CampaignStore } from '../campaign/ports.js';
import type { StoreConfig } from '../config/load-config.js';
import type { GroupRegistry } from '../lns/group-registry.js';
import { PostgresCampaignStore, type StoreOwnership } from '../store/postgres-campaign-store.js';
import { PostgresGroupRegistry } from '../store/postgres-group-registry.js';
import { PostgresTokenStore } from '../store/postgres-token-store.js';
import { openStore } from './open-local-store.js';
import { groupRegistryPath } from './network-server-wiring.js';

/** What `fuota serve` runs on, whichever store the config names. */
export interface ServiceStore {
  store: CampaignStore;
  /** The adapters' multicast group registry: a JSON file path (SQLite), the PostgreSQL table, or undefined (in memory). */
  groupRegistry: GroupRegistry | string | undefined;
  /** The PostgreSQL pool shared by the store, its tokens and its registry; undefined on SQLite. */
  pool: pg.Pool | undefined;
  /** Before the network server starts: migrates PostgreSQL and loads the group registry (nothing to do on SQLite). */
  ready(): Promise<void>;
  /** The verifiers of `fuota token` tokens for the operator API (none while the store holds none). */
  tokenVerifiers(): Promise<{ verifiers: TokenVerifier[]; close(): void }>;
  /** Writes what the group registry still has queued, then closes the store (and the pool). */
  close(): Promise<void>;
}

/** Several instances: the store's create/commit hooks (src/app/high-availability-wiring.ts). */
export function openServiceStore(config: StoreConfig, log?: Logger, ownership?: StoreOwnership): ServiceStore {
  if (config.url === undefined) {
    const store = openStore(config.path, config.deviceLog, log);
    const path = config.path;
    return {
      store,
      groupRegistry: groupRegistryPath(path),
      pool: undefined,
      ready: async () => {},
      tokenVerifiers: async () => storeTokenVerifiers(path),
      close: () => store.close(),
    };
  }
  const { url, schema } = config;
  const store = PostgresCampaignStore.connect({
    url,
    schema,
    ...(ownership ? { ownership } : {}),
    ...(config.deviceLog ? { deviceLogRetention: config.deviceLog } : {}),
    onIdleError: (error) => log?.warn({ err: error }, 'PostgreSQL connection lost (reconnects on demand)'),
  });
  const registry = new PostgresGroupRegistry(store.pool, {
    url,
    schema,
    onError: (error, groupName) => log?.error({ err: error, groupName }, 'multicast group registry write failed (retried)'),
  });
  return {
    store,
    groupRegistry: registry,
    pool: store.pool,
    ready: async () => {
      await store.ready();
      await registry.reload();
    },
    tokenVerifiers: async () => postgresTokenVerifiers(await PostgresTokenStore.open({ url, schema, pool: store.pool }), (error) => log?.warn({ err: error }, 'API tokens not re-read')),
    close: async () => {
      await registry.close();
      await store.close();
    },
  };
}
