import { createHash, randomBytes } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { CallerError, ValueError } from '../core/errors.js';
import { checkSchemaVersion, migrate } from './migrations.js';
import { sqliteFailure } from './sqlite-failure.js';

// The API tokens of `fuota token`, in the service's SQLite file (table api_tokens, migration 3).
// A token is 32 random bytes (base64url), shown once to whoever creates it; only its SHA-256 is
// stored. Its own connection, so that `fuota token` can run beside a running `fuota serve` and
// the service's verifier sees a new or revoked token at its next request.

/** As src/api/token-verifier.ts's TokenScope (the store does not import the API layer). */
export type TokenScope = 'read' | 'admin';

export interface StoredToken {
  name: string;
  scope: TokenScope;
  createdAtMs: number;
}

interface TokenRow {
  name: string;
  scope: TokenScope;
  token_sha256: string;
  created_at_ms: number;
}

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const BUSY_TIMEOUT_MS = 5_000;

export function checkTokenName(name: string): string {
  if (!TOKEN_NAME.test(name)) throw new ValueError('token name', 'letters, digits, . _ - (1..64)', name, 'INVALID_TOKEN_NAME');
  return name;
}

export function checkTokenScope(scope: string): TokenScope {
  if (scope !== 'read' && scope !== 'admin') throw new ValueError('token scope', 'read or admin', scope, 'INVALID_TOKEN_SCOPE');
  return scope;
}

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
    const token = randomBytes(32).toString('base64url');
    this.run(`create token ${name}`, () => {
      const taken = this.db.prepare(`SELECT 1 FROM api_tokens WHERE name = ?`).pluck().get(name);
      if (taken) throw new CallerError('TOKEN_EXISTS', `token name: expected a name not in use, got ${JSON.stringify(name)} (revoke it first)`);
      this.db.prepare(`INSERT INTO api_tokens (name, scope, token_sha256, created_at_ms) VALUES (?, ?, ?, ?)`).run(name, scope, createHash('sha256').update(token, 'utf8').digest('hex'), nowMs);
    });
    return { token, name, scope, createdAtMs: nowMs };
  }

  list(): StoredToken[] {
    return this.rows().map((row) => ({ name: row.name, scope: row.scope, createdAtMs: row.created_at_ms }));
  }

  /** The digests, for the verifier. */
  digests(): Array<{ name: string; scope: TokenScope; tokenSha256: string }> {
    return this.rows().map((row) => ({ name: row.name, scope: row.scope, tokenSha256: row.token_sha256 }));
  }

  revoke(name: string): void {
    const { changes } = this.run(`revoke token ${name}`, () => this.db.prepare(`DELETE FROM api_tokens WHERE name = ?`).run(name));
    if (changes === 0) throw new CallerError('TOKEN_NOT_FOUND', `token name: expected the name of a stored token, got ${JSON.stringify(name)}`);
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
