import type pg from 'pg';
import { checkTokenName, checkTokenScope, newToken, tokenExists, tokenNotFound, type StoredToken, type TokenDigest, type TokenScope } from './api-token-rules.js';
import { checkSchemaName, createPool, DEFAULT_POSTGRES_SCHEMA, msFromBigint, postgresFailure, quoteIdent, redactedUrl, type PoolOptions } from './postgres-connection.js';
import { migratePostgres } from './postgres-migrations.js';

// The API tokens of `fuota token` in a PostgreSQL store (table api_tokens, postgres-migrations.ts
// step 2): the SQLite token store's behaviour (sqlite-token-store.ts), asynchronous. `fuota token`
// opens one with a pool of its own; `fuota serve` hands in the campaign store's pool.

export interface PostgresTokenStoreOptions extends Pick<PoolOptions, 'connectTimeoutMs'> {
  url: string;
  schema?: string;
  /** Run on this pool (close() leaves it open); default a small pool of its own. */
  pool?: pg.Pool;
}

interface TokenRow {
  name: string;
  scope: TokenScope;
  token_sha256: string;
  created_at_ms: string;
}

export class PostgresTokenStore {
  /** The URL without its password, for messages (`created in …`). */
  readonly label: string;
  private readonly table: string;

  private constructor(
    private readonly url: string,
    readonly schema: string,
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
  ) {
    this.label = redactedUrl(url);
    this.table = `${quoteIdent(schema)}.api_tokens`;
  }

  /** Connects and migrates (as the campaign store does), so that the first `fuota token create` may come before the first `fuota serve`. */
  static async open(options: PostgresTokenStoreOptions): Promise<PostgresTokenStore> {
    const schema = checkSchemaName(options.schema ?? DEFAULT_POSTGRES_SCHEMA);
    const pool = options.pool ?? createPool(options.url, { maxConnections: 2, ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }) });
    try {
      await migratePostgres(pool, options.url, schema);
    } catch (error) {
      if (options.pool === undefined) await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresTokenStore(options.url, schema, pool, options.pool === undefined);
  }

  /** Creates a token and returns it: the only time it is ever seen. */
  async create(name: string, scope: TokenScope, nowMs = Date.now()): Promise<{ token: string } & StoredToken> {
    checkTokenName(name);
    checkTokenScope(scope);
    const { token, tokenSha256 } = newToken();
    const inserted = await this.run(`create token ${name}`, () =>
      this.pool.query(`INSERT INTO ${this.table} (name, scope, token_sha256, created_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`, [name, scope, tokenSha256, nowMs]),
    );
    if (inserted.rowCount === 0) throw tokenExists(name);
    return { token, name, scope, createdAtMs: nowMs };
  }

  async list(): Promise<StoredToken[]> {
    return (await this.rows()).map((row) => ({ name: row.name, scope: row.scope, createdAtMs: msFromBigint(row.created_at_ms, this.label, 'api_tokens.created_at_ms', `token ${row.name}`) }));
  }

  /** The digests, for the verifier. */
  async digests(): Promise<TokenDigest[]> {
    return (await this.rows()).map((row) => ({ name: row.name, scope: row.scope, tokenSha256: row.token_sha256 }));
  }

  async revoke(name: string): Promise<void> {
    const deleted = await this.run(`revoke token ${name}`, () => this.pool.query(`DELETE FROM ${this.table} WHERE name = $1`, [name]));
    if (deleted.rowCount === 0) throw tokenNotFound(name);
  }

  async close(): Promise<void> {
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }

  private async rows(): Promise<TokenRow[]> {
    const result = await this.run('list tokens', () => this.pool.query<TokenRow>(`SELECT name, scope, token_sha256, created_at_ms FROM ${this.table} ORDER BY created_at_ms, name`));
    return result.rows;
  }

  private async run<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw postgresFailure(this.url, operation, error);
    }
  }
}
