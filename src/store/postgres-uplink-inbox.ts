import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Uplink } from '../campaign/ports.js';
import { InternalError } from '../core/errors.js';
import { bytesToHex, hexToBytes } from '../core/hex.js';
import { postgresFailure, quoteIdent } from './postgres-connection.js';

// The shared uplink inbox of several instances (docs/high-availability.md). Every instance
// subscribes to every uplink and puts those of devices in a running campaign here; the key is
// derived from the uplink itself, so the copies that two instances received become one row.
// Only the campaign's owner takes rows out, each in the same transaction as the commit of the
// transition it caused (PostgresCampaignStore.commit): an uplink counts exactly once, also across
// a takeover, and an uplink that arrived while no instance owned its campaign waits here.

const TERMINAL_PHASES = `('completed', 'halted', 'cancelled')`;

export interface InboxUplink {
  key: string;
  campaignId: string;
  uplink: Uplink;
}

interface StoredUplink {
  devEui: string;
  fPort: number;
  payloadHex: string;
  atMs: number;
  object?: unknown;
}

/**
 * The same uplink gives the same key on every instance: the network server's time of it (both
 * adapters require one: ChirpStack `time`, TTS `received_at`), its device, port and payload.
 */
export function inboxKey(uplink: Uplink): string {
  return createHash('sha256').update(`${uplink.devEui}|${uplink.atMs}|${uplink.fPort}|${bytesToHex(uplink.payload)}`).digest('hex').slice(0, 40);
}

export class PostgresUplinkInbox {
  private readonly table: string;
  private readonly devices: string;
  private readonly states: string;

  constructor(private readonly options: { pool: pg.Pool; url: string; schema: string }) {
    const schema = quoteIdent(options.schema);
    this.table = `${schema}.uplink_inbox`;
    this.devices = `${schema}.devices`;
    this.states = `${schema}.campaign_states`;
  }

  /** Keeps the uplink when its device is in a running campaign; resolves that campaign's id (undefined: none, or already kept). */
  async put(uplink: Uplink, receivedAtMs: number): Promise<string | undefined> {
    const stored: StoredUplink = { devEui: uplink.devEui, fPort: uplink.fPort, payloadHex: bytesToHex(uplink.payload), atMs: uplink.atMs, ...(uplink.object === undefined ? {} : { object: uplink.object }) };
    const result = await this.query<{ campaign_id: string }>(
      'keep an uplink',
      `INSERT INTO ${this.table} (key, campaign_id, uplink_json, received_at_ms)
         SELECT $1, d.campaign_id, $2, $3 FROM ${this.devices} d JOIN ${this.states} s ON s.campaign_id = d.campaign_id
         WHERE d.dev_eui = $4 AND s.phase NOT IN ${TERMINAL_PHASES} LIMIT 1
       ON CONFLICT (key) DO NOTHING RETURNING campaign_id`,
      [inboxKey(uplink), JSON.stringify(stored), receivedAtMs, uplink.devEui],
    );
    return result.rows[0]?.campaign_id;
  }

  /** The oldest uplinks waiting for these campaigns, in the order they were kept. */
  async pending(campaignIds: readonly string[], limit = 500): Promise<InboxUplink[]> {
    if (campaignIds.length === 0) return [];
    const result = await this.query<{ key: string; campaign_id: string; uplink_json: string }>(
      'read the uplink inbox',
      `SELECT key, campaign_id, uplink_json FROM ${this.table} WHERE campaign_id = ANY($1) ORDER BY seq LIMIT $2`,
      [campaignIds, limit],
    );
    return result.rows.map((row) => ({ key: row.key, campaignId: row.campaign_id, uplink: parseStoredUplink(row.key, row.uplink_json) }));
  }

  /** Drops uplinks no campaign here took (the device finished, or left the campaign). */
  async discard(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.query('discard inbox uplinks', `DELETE FROM ${this.table} WHERE key = ANY($1)`, [keys]);
  }

  /** Drops what still waits for campaigns that finished (uplinks that came after their last transition). */
  async discardCampaigns(campaignIds: readonly string[]): Promise<void> {
    if (campaignIds.length > 0) await this.query('discard inbox uplinks of finished campaigns', `DELETE FROM ${this.table} WHERE campaign_id = ANY($1)`, [campaignIds]);
  }

  /** Inside a commit's transaction: takes the uplink out, or refuses the commit when it was already taken (it would count twice). */
  async consumeIn(client: pg.PoolClient, key: string): Promise<void> {
    const result = await client.query(`DELETE FROM ${this.table} WHERE key = $1`, [key]);
    if (result.rowCount === 0) throw new InternalError('UPLINK_ALREADY_CONSUMED', `uplink inbox: expected uplink ${key} to be waiting, got none (another commit took it); the transition was not committed`);
  }

  /** How many uplinks wait, for metrics and tests. */
  async size(): Promise<number> {
    const result = await this.query<{ n: string }>('count the uplink inbox', `SELECT count(*) AS n FROM ${this.table}`, []);
    return Number(result.rows[0]!.n);
  }

  private async query<R extends pg.QueryResultRow>(operation: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.options.pool.query<R>(sql, params);
    } catch (error) {
      throw postgresFailure(this.options.url, operation, error);
    }
  }
}

function parseStoredUplink(key: string, json: string): Uplink {
  const raw = JSON.parse(json) as Partial<StoredUplink>;
  if (typeof raw.devEui !== 'string' || typeof raw.fPort !== 'number' || typeof raw.payloadHex !== 'string' || typeof raw.atMs !== 'number') {
    throw new InternalError('STORE_CORRUPT', `uplink inbox: uplink ${key}: expected devEui, fPort, payloadHex and atMs, got ${json.slice(0, 120)}`);
  }
  return { devEui: raw.devEui, fPort: raw.fPort, payload: hexToBytes(raw.payloadHex), atMs: raw.atMs, ...(raw.object === undefined ? {} : { object: raw.object }) };
}
