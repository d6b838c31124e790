import { PostgresTokenStore } from '../../store/postgres-token-store.js';
import { SqliteTokenStore } from '../../store/sqlite-token-store.js';
import { tokenStoreLocation } from './token-store-path.js';

// The store behind `fuota token`: imported by its actions only (SQLite and PostgreSQL drivers).

export interface StoreFlags {
  config?: string;
  store?: string;
  json?: boolean;
}

export type TokenStore = SqliteTokenStore | PostgresTokenStore;

/** Runs `action` on the token store the flags name; `flags.store` then names it for messages (a URL without its password). */
export async function withTokenStore<T>(flags: StoreFlags, action: (store: TokenStore) => T | Promise<T>): Promise<T> {
  const location = await tokenStoreLocation(flags);
  const store = location.kind === 'sqlite' ? SqliteTokenStore.open(location.path) : await PostgresTokenStore.open(location);
  flags.store = store instanceof SqliteTokenStore ? store.file : store.label;
  try {
    return await action(store);
  } finally {
    await store.close();
  }
}
