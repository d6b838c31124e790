import { createHash, timingSafeEqual } from 'node:crypto';
import { CallerError } from '../core/errors.js';

// Bearer API tokens. A verifier answers who a token belongs to and what it may do; the config
// verifier here holds SHA-256 digests only (a token in the config is `env:NAME`, never literal),
// and compares digests in constant time so the answer's timing says nothing about near misses.
// The SQLite-backed verifier (`fuota token`) implements the same interface.

export type TokenScope = 'read' | 'admin';

export interface TokenIdentity {
  name: string;
  scope: TokenScope;
}

export interface TokenVerifier {
  verify(token: string): TokenIdentity | undefined;
}

/** A token entry of the config: its digest, or the environment variable holding it. */
export type TokenEntry = { name: string; scope: TokenScope } & ({ tokenSha256: string } | { token: string });

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class DigestTokenVerifier implements TokenVerifier {
  private readonly entries: Array<TokenIdentity & { digest: Buffer }>;

  constructor(entries: ReadonlyArray<TokenIdentity & { tokenSha256: string }>) {
    this.entries = entries.map((e) => ({ name: e.name, scope: e.scope, digest: Buffer.from(e.tokenSha256.toLowerCase(), 'hex') }));
  }

  verify(token: string): TokenIdentity | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: TokenIdentity | undefined;
    // Every entry is compared, found or not: the time taken does not depend on which matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = { name: entry.name, scope: entry.scope };
    }
    return found;
  }
}

/** Token entries as digests (`token: env:NAME` resolved); a variable that is unset or empty is an error naming the entry. */
export function digestEntries(entries: readonly TokenEntry[], env: NodeJS.ProcessEnv = process.env): Array<TokenIdentity & { tokenSha256: string }> {
  return entries.map((entry, i) => {
    if ('tokenSha256' in entry) return { name: entry.name, scope: entry.scope, tokenSha256: entry.tokenSha256 };
    // load-config.ts has already replaced `env:NAME` by the variable's value; a caller that did
    // not (tests, other front ends) gets the same resolution here.
    const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(entry.token);
    if (!match) return { name: entry.name, scope: entry.scope, tokenSha256: sha256Hex(entry.token) };
    const value = env[match[1]!];
    if (!value) throw new CallerError('INVALID_CONFIG', `api.tokens.${i}.token: expected environment variable ${match[1]} to hold the token of ${JSON.stringify(entry.name)}, got it unset or empty`);
    return { name: entry.name, scope: entry.scope, tokenSha256: sha256Hex(value) };
  });
}

/** The first verifier that knows the token answers. */
export function anyOf(verifiers: readonly TokenVerifier[]): TokenVerifier {
  return { verify: (token) => verifiers.reduce<TokenIdentity | undefined>((found, v) => found ?? v.verify(token), undefined) };
}
