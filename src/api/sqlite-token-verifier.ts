import { SqliteTokenStore } from '../store/sqlite-token-store.js';
import { DigestTokenVerifier, type TokenIdentity, type TokenVerifier } from './token-verifier.js';

// The tokens of `fuota token create`, checked against the store at every request: a token
// created or revoked while the service runs counts at once. The digests are compared as the
// config's are (DigestTokenVerifier: every entry, constant time), never looked up by value.

export class SqliteTokenVerifier implements TokenVerifier {
  constructor(private readonly store: SqliteTokenStore) {}

  verify(token: string): TokenIdentity | undefined {
    return new DigestTokenVerifier(this.store.digests()).verify(token);
  }
}

/**
 * For `fuota serve` (startOperatorApi's `verifiers`): the token store beside the campaigns in
 * `store.path`. None for an in-memory store, and none while the store holds no token, so that a
 * service without any token stays anonymous on loopback as docs/api.md says (a first token
 * created then counts after a restart; once tokens exist, new ones and revokes count at once).
 * `close` closes the store's connection.
 */
export function storeTokenVerifiers(storePath: string): { verifiers: TokenVerifier[]; close(): void } {
  if (storePath === ':memory:' || storePath === 'memory') return { verifiers: [], close: () => {} };
  const store = SqliteTokenStore.open(storePath);
  if (store.list().length === 0) {
    store.close();
    return { verifiers: [], close: () => {} };
  }
  return { verifiers: [new SqliteTokenVerifier(store)], close: () => store.close() };
}
