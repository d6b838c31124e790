import type { SqliteTokenStore } from '../store/sqlite-token-store.js';
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
