import type { PostgresTokenStore } from '../store/postgres-token-store.js';
import { DigestTokenVerifier, type TokenIdentity, type TokenVerifier } from './token-verifier.js';

// The tokens of `fuota token create` in a PostgreSQL store. TokenVerifier is synchronous (it runs
// in the request hook) and PostgreSQL is not: the verifier answers from the digests it last read,
// and reads them again every `refreshMs` (default 2 s). So a token created or revoked with
// `fuota token` counts within that time (SQLite: at the next request). A failed read keeps the
// last digests and reports through onError: a database hiccup does not lock every client out.

export const DEFAULT_TOKEN_REFRESH_MS = 2_000;

export class PostgresTokenVerifier implements TokenVerifier {
  private current: DigestTokenVerifier;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: PostgresTokenStore,
    digests: ConstructorParameters<typeof DigestTokenVerifier>[0],
  ) {
    this.current = new DigestTokenVerifier(digests);
  }

  /** Reads the digests once, then every refreshMs until close(). */
  static async start(store: PostgresTokenStore, options: { refreshMs?: number; onError?: (error: unknown) => void } = {}): Promise<PostgresTokenVerifier> {
    const verifier = new PostgresTokenVerifier(store, await store.digests());
    verifier.timer = setInterval(() => {
      verifier.refresh().catch((error: unknown) => options.onError?.(error));
    }, options.refreshMs ?? DEFAULT_TOKEN_REFRESH_MS);
    verifier.timer.unref();
    return verifier;
  }

  verify(token: string): TokenIdentity | undefined {
    return this.current.verify(token);
  }

  /** Reads the digests now (tests; a caller that just changed a token). */
  async refresh(): Promise<void> {
    this.current = new DigestTokenVerifier(await this.store.digests());
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * For `fuota serve` on a PostgreSQL store (as storeTokenVerifiers for SQLite): none while the
 * store holds no token, so that a service without any token stays anonymous on loopback.
 */
export async function postgresTokenVerifiers(store: PostgresTokenStore, onError?: (error: unknown) => void): Promise<{ verifiers: TokenVerifier[]; close(): void }> {
  if ((await store.list()).length === 0) return { verifiers: [], close: () => {} };
  const verifier = await PostgresTokenVerifier.start(store, onError === undefined ? {} : { onError });
  return { verifiers: [verifier], close: () => verifier.close() };
}
