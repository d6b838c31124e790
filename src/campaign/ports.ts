import type { LorawanVersion } from '../lorawan/keys.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { CampaignCommand, CreateMulticastGroupCommand, UnicastCommand } from './commands.js';
import type { DeviceLogEntry, TransitionResult } from './draft.js';
import type { CampaignState, DeviceState } from './state.js';

// The ports the campaign owns. Adapters (ChirpStack, The Things Stack, the simulator, SQLite)
// implement them; the composition root (src/app/) wires them.

export interface Uplink {
  devEui: string;
  fPort: number;
  payload: Uint8Array;
  atMs: number;
  /** The network server's decoded payload (ChirpStack's `object`, from the device profile's codec), when it has one. */
  object?: unknown;
}

export interface MulticastDownlink {
  id: string;
  groupName: string;
  fPort: number;
  payload: Uint8Array;
  /** When it should go on air (the network server or adapter holds it until then). */
  atMs: number;
}

/** What the engine needs from a LoRaWAN network server. */
export interface NetworkServer {
  /** Queues a class A downlink (delivered after the device's next uplink). */
  sendUnicast(downlink: UnicastCommand): Promise<void>;
  createMulticastGroup(group: CreateMulticastGroupCommand): Promise<void>;
  sendMulticast(downlink: MulticastDownlink): Promise<void>;
  /** Deletes the group once its queue is empty (never while fragments are still queued). */
  deleteMulticastGroup(groupName: string): Promise<void>;
}

export interface OutboxItem {
  seq: number;
  command: CampaignCommand;
}

export interface StoredCampaign {
  specJson: string;
  block: Uint8Array;
  campaign: CampaignState;
  devices: DeviceState[];
  ledger?: LedgerSnapshot;
  /** Commands decided but not yet confirmed as carried out. */
  outbox: OutboxItem[];
}

export interface CampaignSummary {
  id: string;
  phase: CampaignState['phase'];
  updatedAtMs: number;
  nextWakeMs?: number;
}

export interface CommitOptions {
  /** The shared inbox's key of the uplink this transition consumed (several instances). */
  consumedUplinkKey?: string;
}

/** One transition of a group commit (CampaignStore.commitBatch). */
export interface BatchCommit {
  campaignId: string;
  result: TransitionResult;
  /** As CommitOptions.consumedUplinkKey. */
  consumedUplinkKey?: string;
}

/** Durable campaign state: every transition is committed whole, with its commands. */
export interface CampaignStore {
  create(record: { specJson: string; block: Uint8Array; campaign: CampaignState; devices: DeviceState[] }): Promise<void>;
  load(id: string): Promise<StoredCampaign | undefined>;
  list(): Promise<CampaignSummary[]>;
  /**
   * Saves the transition (state, changed devices, ledger, log) and queues its commands; returns
   * their outbox seqs in order. A store shared by several instances also removes the uplink it
   * consumed from the shared inbox, and refuses the commit once this instance's lease on the
   * campaign is gone (docs/high-availability.md); a single-instance store has no inbox.
   */
  commit(id: string, result: TransitionResult, options?: CommitOptions): Promise<number[]>;
  /**
   * Group commit (issue #17): the transitions in the order given, of one or several campaigns,
   * all in ONE transaction: all of them or none. Returns each one's outbox seqs, in the order
   * given. Several transitions of one campaign follow each other (the later one's state wins).
   * A shared store fences every campaign of the batch and consumes every uplink key in it.
   */
  commitBatch(entries: readonly BatchCommit[]): Promise<number[][]>;
  /** The commands with these seqs were carried out. */
  markDone(id: string, seqs: readonly number[]): Promise<void>;
  deviceLog(id: string, devEui: string, limit?: number): Promise<DeviceLogEntry[]>;
  close(): Promise<void>;
}

/** Time and timers: real for the service, simulated (accelerated) for the demo and tests. */
export interface Clock {
  now(): number;
  /** Calls `fn` at `atMs` (or soon after); returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

/**
 * What admission asks the network server about a campaign's devices before it starts (ChirpStack:
 * DeviceService.Get; TTS: the application's end devices). src/admission/device-directory.ts.
 */
export interface DeviceDirectory {
  /** False when the network server does not know the device; rejects when it cannot be asked. */
  deviceExists(devEui: string): Promise<boolean>;
}

/** Where the root keys of devices whose campaign entry has no `rootKey` come from (src/intake/root-key-source.ts). */
export interface RootKeySource {
  /**
   * The device's GenAppKey (LoRaWAN 1.0.x) or AppKey (1.1) as 32 lowercase hex digits; rejects
   * with a FuotaError whose one-line message names the device and what was missing.
   */
  rootKey(devEui: string, lorawanVersion: LorawanVersion): Promise<string>;
}
