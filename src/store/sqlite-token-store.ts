import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { checkTokenName, checkTokenScope, newToken, tokenExists, tokenNotFound, type StoredToken, type TokenDigest, type TokenScope } from './api-token-rules.js';
import { checkSchemaVersion, migrate } from './migrations.js';
import { sqliteFailure } from './sqlite-failure.js';

// The API tokens of `fuota token`, in the service's SQLite file (table api_tokens, migration 3).
// Token rules: api-token-rules.ts. Its own connection, so that `fuota token` can run beside a running `fuota serve` and
// the service's verifier sees a new or revoked token at its next request.

interface TokenRow {
  name: string;
  scope: TokenScope;
  token_sha256: string;
  created_at_ms: number;
}

const BUSY_TIMEOUT_MS = 5_000;

export { checkTokenName, checkTokenScope, type StoredToken, type TokenScope } from './api-token-rules.js';

export class SqliteTokenStore {
  private constructor(
    private readonly db: Database,
    readonly file: string,
  ) {}

  /** Opens (creating and migrating if needed) the store at `file`, as the campaign store does. */
  static open(file: string): SqliteTokenStore {
    let db: Database | undefined;
    try {
      db = new Sqlite(file);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      checkSchemaVersion(db, file);
      db.pragma('journal_mode = WAL');
      migrate(db, file);
      return new SqliteTokenStore(db, file);
    } catch (error) {
      db?.close();
      throw sqliteFailure(file, 'open', error);
    }
  }

  /** Creates a token and returns it: the only time it is ever seen. */
  create(name: string, scope: TokenScope, nowMs = Date.now()): { token: string } & StoredToken {
    checkTokenName(name);
    checkTokenScope(scope);
    const { token, tokenSha256 } = newToken();
    this.run(`create token ${name}`, () => {
      const taken = this.db.prepare(`SELECT 1 FROM api_tokens WHERE name = ?`).pluck().get(name);
      if (taken) throw tokenExists(name);
      this.db.prepare(`INSERT INTO api_tokens (name, scope, token_sha256, created_at_ms) VALUES (?, ?, ?, ?)`).run(name, scope, tokenSha256, nowMs);
    });
    return { token, name, scope, createdAtMs: nowMs };
  }

  list(): StoredToken[] {
    return this.rows().map((row) => ({ name: row.name, scope: row.scope, createdAtMs: row.created_at_ms }));
  }

  /** The digests, for the verifier. */
  digests(): TokenDigest[] {
    return this.rows().map((row) => ({ name: row.name, scope: row.scope, tokenSha256: row.token_sha256 }));
  }

  revoke(name: string): void {
    const { changes } = this.run(`revoke token ${name}`, () => this.db.prepare(`DELETE FROM api_tokens WHERE name = ?`).run(name));
    if (changes === 0) throw tokenNotFound(name);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private rows(): TokenRow[] {
    return this.run('list tokens', () => this.db.prepare(`SELECT name, scope, token_sha256, created_at_ms FROM api_tokens ORDER BY created_at_ms, name`).all() as TokenRow[]);
  }

  private run<T>(operation: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw sqliteFailure(this.file, operation, error);
    }
  }
}
