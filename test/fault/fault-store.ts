import Sqlite from 'better-sqlite3';
import { queueItemIdOf } from '../../src/lns/chirpstack/chirpstack-network-server.js';

// What a fault run reads from `fuota serve`'s SQLite store, beside the service (WAL: a reader
// never blocks the writer): the outbox (commands decided but not yet marked done: what the
// service may carry out a second time after a fault), each device's outcome, and the uplinks the
// service counted (device_log and device_log_recent rows with direction 'up').

export interface OutboxEntry {
  type: string;
  /** multicast-fragment: `${fragIndex}:${n}`; unicast: the ChirpStack queue item id the adapter derives from the command id (what the network server sees); others: the command id. */
  key: string;
  payloadHex?: string;
}

export interface StoreReading {
  phase: string | undefined;
  outcomes: Record<string, string>;
  /** devEui → "at_ms f_port payload" of every counted uplink, in the order they were counted. */
  uplinks: Record<string, string[]>;
}

function open(file: string): Sqlite.Database {
  const db = new Sqlite(file, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return db;
}

export function readOutbox(file: string, campaignId: string): OutboxEntry[] {
  const db = open(file);
  try {
    const rows = db.prepare('SELECT command_json FROM outbox WHERE campaign_id = ? ORDER BY seq').pluck().all(campaignId) as string[];
    return rows.map((json) => {
      const command = JSON.parse(json) as { type: string; id?: string; fragIndex?: number; n?: number; payloadHex?: string; groupName?: string };
      if (command.type === 'multicast-fragment') return { type: command.type, key: `${command.fragIndex}:${command.n}` };
      if (command.type === 'unicast') return { type: command.type, key: queueItemIdOf(command.id!), ...(command.payloadHex === undefined ? {} : { payloadHex: command.payloadHex }) };
      return { type: command.type, key: command.id ?? command.groupName ?? '', ...(command.payloadHex === undefined ? {} : { payloadHex: command.payloadHex }) };
    });
  } finally {
    db.close();
  }
}

export function readStore(file: string, campaignId: string): StoreReading {
  const db = open(file);
  try {
    const phase = db.prepare('SELECT phase FROM campaign_states WHERE campaign_id = ?').pluck().get(campaignId) as string | undefined;
    const outcomes: Record<string, string> = {};
    for (const json of db.prepare('SELECT state_json FROM devices WHERE campaign_id = ? ORDER BY rowid').pluck().all(campaignId) as string[]) {
      const device = JSON.parse(json) as { devEui: string; outcome?: string; phase?: string };
      outcomes[device.devEui] = device.outcome ?? `(none; phase ${device.phase ?? '?'})`;
    }
    const uplinks: Record<string, string[]> = {};
    // Both tables of the log: the newest entries wait in device_log_recent (sqlite-recent-device-log.ts);
    // UNION, not UNION ALL: a move under way has copied some rows (same id) and not yet deleted them.
    const rows = db
      .prepare(
        `SELECT dev_eui, at_ms, f_port, payload_hex FROM (SELECT id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex FROM device_log
           UNION SELECT id, campaign_id, dev_eui, at_ms, direction, f_port, payload_hex FROM device_log_recent)
         WHERE campaign_id = ? AND direction = 'up' ORDER BY id`,
      )
      .raw()
      .all(campaignId) as Array<[string, number, number | null, string | null]>;
    for (const [devEui, atMs, fPort, payloadHex] of rows) (uplinks[devEui] ??= []).push(`${atMs} ${fPort ?? '-'} ${payloadHex ?? '-'}`);
    return { phase, outcomes, uplinks };
  } finally {
    db.close();
  }
}
