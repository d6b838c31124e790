import { createHash, randomBytes } from 'node:crypto';
import { CallerError, ValueError } from '../core/errors.js';

// What both token stores (SQLite: sqlite-token-store.ts, PostgreSQL: postgres-token-store.ts)
// share: names, scopes, how a token is made and which errors they answer. A token is 32 random
// bytes (base64url), shown once to whoever creates it; only its SHA-256 is stored.

/** As src/api/token-verifier.ts's TokenScope (the store does not import the API layer). */
export type TokenScope = 'read' | 'admin';

export interface StoredToken {
  name: string;
  scope: TokenScope;
  createdAtMs: number;
}

export interface TokenDigest {
  name: string;
  scope: TokenScope;
  tokenSha256: string;
}

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function checkTokenName(name: string): string {
  if (!TOKEN_NAME.test(name)) throw new ValueError('token name', 'letters, digits, . _ - (1..64)', name, 'INVALID_TOKEN_NAME');
  return name;
}

export function checkTokenScope(scope: string): TokenScope {
  if (scope !== 'read' && scope !== 'admin') throw new ValueError('token scope', 'read or admin', scope, 'INVALID_TOKEN_SCOPE');
  return scope;
}

/** A new token and the digest that is stored for it. */
export function newToken(): { token: string; tokenSha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenSha256: createHash('sha256').update(token, 'utf8').digest('hex') };
}

export function tokenExists(name: string): CallerError {
  return new CallerError('TOKEN_EXISTS', `token name: expected a name not in use, got ${JSON.stringify(name)} (revoke it first)`);
}

export function tokenNotFound(name: string): CallerError {
  return new CallerError('TOKEN_NOT_FOUND', `token name: expected the name of a stored token, got ${JSON.stringify(name)}`);
}
