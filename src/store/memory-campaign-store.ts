import type { BatchCommit, CampaignSummary, CampaignStore, OutboxItem, StoredCampaign } from '../campaign/ports.js';
import type { DeviceLogEntry, TransitionResult } from '../campaign/draft.js';
import type { CampaignState } from '../campaign/state.js';
import { deviceLogLimit, logEntry } from './device-log.js';
import { checkRetention, DEFAULT_DEVICE_LOG_RETENTION, withSummary, type DeviceLogRetention } from './device-log-retention.js';
import { MemoryDeviceLogRetention } from './device-log-retention-memory.js';
import { campaignExists, campaignIdMismatch, campaignNotFound, storeClosed, storeFailure } from './store-errors.js';

// A CampaignStore in process memory, with the SQLite store's semantics: for engine unit tests and
// the benchmark's store-less mode. Values are kept as JSON text, as SQLite keeps them, so that a
// caller mutating what it committed or loaded cannot change the store, and `undefined` fields
// come back absent in both stores.

interface MemoryCampaign {
  specJson: string;
  block: Uint8Array;
  campaignJson: string;
  ledgerJson?: string;
  /** devEui → state JSON; Map order is creation order, as the SQLite rowid order. */
  devices: Map<string, string>;
  /** seq → command JSON, ascending. */
  outbox: Map<number, string>;
  /** devEui → entries, oldest first. */
  log: Map<string, DeviceLogEntry[]>;
}

const STORE_NAME = 'memory';

/** JSON.stringify failing (a BigInt, a cycle) fails the operation as the SQLite store does. */
function serialise(operation: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw storeFailure(STORE_NAME, operation, error);
  }
}

export class MemoryCampaignStore implements CampaignStore {
  private readonly campaigns = new Map<string, MemoryCampaign>();
  /** Global and never reused, like SQLite AUTOINCREMENT. */
  private lastSeq = 0;
  private readonly logRetention: MemoryDeviceLogRetention;
  private closed = false;

  /** `deviceLogRetention`: how much of each device's log to keep (store.deviceLog); default DEFAULT_DEVICE_LOG_RETENTION. */
  constructor(options: { deviceLogRetention?: DeviceLogRetention } = {}) {
    this.logRetention = new MemoryDeviceLogRetention(checkRetention(options.deviceLogRetention ?? DEFAULT_DEVICE_LOG_RETENTION));
  }

  async create(record: Parameters<CampaignStore['create']>[0]): Promise<void> {
    this.checkOpen(`create campaign ${record.campaign.id}`);
    const id = record.campaign.id;
    if (this.campaigns.has(id)) throw campaignExists(STORE_NAME, id);
    this.campaigns.set(id, {
      specJson: record.specJson,
      block: new Uint8Array(record.block),
      campaignJson: serialise(`create campaign ${id}`, record.campaign),
      devices: new Map(record.devices.map((device) => [device.devEui, serialise(`create campaign ${id}`, device)])),
      outbox: new Map(),
      log: new Map(),
    });
  }

  async load(id: string): Promise<StoredCampaign | undefined> {
    this.checkOpen(`load campaign ${id}`);
    const stored = this.campaigns.get(id);
    if (!stored) return undefined;
    const result: StoredCampaign = {
      specJson: stored.specJson,
      block: new Uint8Array(stored.block),
      campaign: JSON.parse(stored.campaignJson),
      devices: [...stored.devices.values()].map((json) => JSON.parse(json)),
      outbox: [...stored.outbox].map(([seq, json]): OutboxItem => ({ seq, command: JSON.parse(json) })),
    };
    if (stored.ledgerJson !== undefined) result.ledger = JSON.parse(stored.ledgerJson);
    return result;
  }

  async list(): Promise<CampaignSummary[]> {
    this.checkOpen('list campaigns');
    return [...this.campaigns.values()].map((stored) => {
      const campaign = JSON.parse(stored.campaignJson) as CampaignState;
      const summary: CampaignSummary = { id: campaign.id, phase: campaign.phase, updatedAtMs: campaign.updatedAtMs };
      if (campaign.nextWakeMs !== undefined) summary.nextWakeMs = campaign.nextWakeMs;
      return summary;
    });
  }

  async commit(id: string, result: TransitionResult): Promise<number[]> {
    return this.commitAll([{ campaignId: id, result }])[0]!;
  }

  async commitBatch(entries: readonly BatchCommit[]): Promise<number[][]> {
    return this.commitAll(entries);
  }

  private commitAll(entries: readonly BatchCommit[]): number[][] {
    const operation = entries.length === 1 ? `commit to campaign ${entries[0]!.campaignId}` : `commit ${entries.length} transitions`;
    this.checkOpen(operation);
    // Check and serialise everything before changing anything: all of the batch or none of it.
    const prepared = entries.map(({ campaignId: id, result }) => {
      if (result.campaign.id !== id) throw campaignIdMismatch(STORE_NAME, id, result.campaign.id);
      const stored = this.require(id);
      return {
        stored,
        campaignJson: serialise(operation, result.campaign),
        ledgerJson: result.ledger ? serialise(operation, result.ledger) : undefined,
        devices: result.devices.map((device) => [device.devEui, serialise(operation, device)] as const),
        commands: result.commands.map((command) => serialise(operation, command)),
        log: result.log.map((e) => logEntry(e.devEui, e.atMs, e.direction, e.fPort, e.payloadHex, e.text)),
      };
    });
    return prepared.map(({ stored, campaignJson, ledgerJson, devices, commands, log }) => {
      stored.campaignJson = campaignJson;
      if (ledgerJson !== undefined) stored.ledgerJson = ledgerJson;
      for (const [devEui, json] of devices) stored.devices.set(devEui, json);
      for (const entry of log) {
        let entries = stored.log.get(entry.devEui);
        if (!entries) stored.log.set(entry.devEui, (entries = []));
        entries.push(entry);
      }
      this.logRetention.afterInsert(stored, log);
      return commands.map((json) => {
        this.lastSeq += 1;
        stored.outbox.set(this.lastSeq, json);
        return this.lastSeq;
      });
    });
  }

  async markDone(id: string, seqs: readonly number[]): Promise<void> {
    this.checkOpen(`markDone in campaign ${id}`);
    const stored = this.require(id);
    for (const seq of seqs) stored.outbox.delete(seq);
  }

  async deviceLog(id: string, devEui: string, limit?: number): Promise<DeviceLogEntry[]> {
    const entries = deviceLogLimit(limit);
    this.checkOpen(`deviceLog of ${devEui} in campaign ${id}`);
    const stored = this.require(id);
    const log = stored.log.get(devEui) ?? [];
    return withSummary(devEui, this.logRetention.summaryOf(stored, devEui), log.slice(-entries).map((e) => ({ ...e })));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private require(id: string): MemoryCampaign {
    const stored = this.campaigns.get(id);
    if (!stored) throw campaignNotFound(STORE_NAME, id);
    return stored;
  }

  private checkOpen(operation: string): void {
    if (this.closed) throw storeClosed(STORE_NAME, operation);
  }
}
