import type pg from 'pg';
import { InternalError } from '../core/errors.js';
import { postgresFailure, quoteIdent } from './postgres-connection.js';

// Which instance owns which campaign (docs/high-availability.md): one row per running campaign,
// its owner and when the lease expires, by PostgreSQL's clock only (no two hosts' clocks are
// compared). The owner renews every lease it holds in one statement; another instance takes a
// lease over only once it has expired. Every commit of the owner takes the row FOR SHARE and
// checks it (fence): a takeover's UPDATE waits for a commit in flight, and no commit of a former
// owner can land after the takeover, so a campaign's decisions come from one instance at a time.

const TERMINAL_PHASES = `('completed', 'halted', 'cancelled')`;

export interface CampaignLeaseOptions {
  pool: pg.Pool;
  /** For messages (redacted by postgresFailure). */
  url: string;
  schema: string;
  /** This instance's id (highAvailability.instanceId). */
  owner: string;
  leaseMs: number;
}

export class PostgresCampaignLeases {
  private readonly table: string;
  private readonly states: string;

  constructor(private readonly options: CampaignLeaseOptions) {
    this.table = `${quoteIdent(options.schema)}.campaign_leases`;
    this.states = `${quoteIdent(options.schema)}.campaign_states`;
  }

  get owner(): string {
    return this.options.owner;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  /** Inside create's transaction: the instance that creates a campaign owns it. */
  async claimIn(client: pg.PoolClient, campaignId: string): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table} (campaign_id, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (campaign_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
      [campaignId, this.options.owner, this.options.leaseMs],
    );
  }

  /** Inside a commit's transaction: refuses it unless this instance holds an unexpired lease. */
  async fenceIn(client: pg.PoolClient, campaignId: string): Promise<void> {
    const result = await client.query<{ owner: string; valid: boolean }>(`SELECT owner, expires_at > now() AS valid FROM ${this.table} WHERE campaign_id = $1 FOR SHARE`, [campaignId]);
    const row = result.rows[0];
    if (row?.owner === this.options.owner && row.valid) return;
    const holder = row === undefined ? 'no lease' : row.owner === this.options.owner ? 'an expired lease of ours' : `a lease of instance ${row.owner}`;
    throw new InternalError('CAMPAIGN_LEASE_LOST', `campaign ${campaignId}: expected instance ${this.options.owner} to hold its lease, got ${holder}; the transition was not committed`);
  }

  /** Extends every lease this instance holds; returns their campaigns. */
  async renew(): Promise<string[]> {
    const result = await this.query<{ campaign_id: string }>(
      'renew leases',
      `UPDATE ${this.table} SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1 AND expires_at > now() RETURNING campaign_id`,
      [this.options.owner, this.options.leaseMs],
    );
    return result.rows.map((row) => row.campaign_id);
  }

  /**
   * Takes the leases of running campaigns that have none, or whose lease expired (its owner died
   * or lost PostgreSQL), or that were ours before a restart (same instanceId); returns their ids.
   */
  async acquire(): Promise<string[]> {
    const params = [this.options.owner, this.options.leaseMs];
    const fresh = await this.query<{ campaign_id: string }>(
      'acquire leases',
      `INSERT INTO ${this.table} (campaign_id, owner, expires_at)
         SELECT s.campaign_id, $1, now() + $2 * interval '1 millisecond' FROM ${this.states} s
         WHERE s.phase NOT IN ${TERMINAL_PHASES} AND NOT EXISTS (SELECT 1 FROM ${this.table} l WHERE l.campaign_id = s.campaign_id)
       ON CONFLICT (campaign_id) DO NOTHING RETURNING campaign_id`,
      params,
    );
    const expired = await this.query<{ campaign_id: string }>(
      'take over leases',
      `UPDATE ${this.table} l SET owner = $1, expires_at = now() + $2 * interval '1 millisecond' FROM ${this.states} s
       WHERE s.campaign_id = l.campaign_id AND s.phase NOT IN ${TERMINAL_PHASES} AND (l.expires_at <= now() OR l.owner = $1)
       RETURNING l.campaign_id`,
      params,
    );
    return [...new Set([...fresh.rows, ...expired.rows].map((row) => row.campaign_id))];
  }

  /** Each campaign's owner (campaigns without a lease are left out). */
  async owners(campaignIds: readonly string[]): Promise<Map<string, string>> {
    if (campaignIds.length === 0) return new Map();
    const result = await this.query<{ campaign_id: string; owner: string }>('read leases', `SELECT campaign_id, owner FROM ${this.table} WHERE campaign_id = ANY($1)`, [campaignIds]);
    return new Map(result.rows.map((row) => [row.campaign_id, row.owner]));
  }

  /** Gives leases up (a finished campaign, or a graceful stop: another instance takes them at once). */
  async release(campaignIds: readonly string[]): Promise<void> {
    if (campaignIds.length === 0) return;
    await this.query('release leases', `DELETE FROM ${this.table} WHERE owner = $1 AND campaign_id = ANY($2)`, [this.options.owner, campaignIds]);
  }

  private async query<R extends pg.QueryResultRow>(operation: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.options.pool.query<R>(sql, params);
    } catch (error) {
      throw postgresFailure(this.options.url, operation, error);
    }
  }
}
