import crypto from 'node:crypto';
import type { TransitionResult } from '../campaign/draft.js';
import type { CampaignState, DeviceOutcome, DeviceState } from '../campaign/state.js';
import { campaignStatus, deviceStatus, encodeCampaignStatus, encodeDeviceStatus, type CampaignStatus, type DeviceStatus, type OutcomeCounts, type StatusFormat } from './status-events.js';
import { statusTopic } from './status-topic.js';
import { sameJson } from '../core/same-json.js';

// Turns committed transitions into status messages (issue #14): every device of a campaign once
// when this process first sees the campaign (its creation, or its resumption after a restart),
// then a device only when its status changed, and the campaign only when its status changed.
// Meant for EngineOptions.onTransition; the MQTT side is a plain publish function (the ChirpStack
// adapter's connection, with the configured QoS and retain), so this stays pure.
//
// "Changed" compares what the message says, less what moves on every transition or uplink and
// says nothing new: updatedAtMs (the campaign's clock), and a device's uplink count and last
// uplink time. Those two still go out, current, with the device's next real change; without this
// rule every application uplink (a device waiting for its wave, or long done) rewrote its retained
// message. Memory is per campaign (a fingerprint per device) and dropped when the campaign ends.
//
// Coalescing (issue #17, option coalesceMs): a burst of uplinks of one device changes its
// status several times within milliseconds; with a window, the transitions of a campaign within
// it are gathered (the latest state of each device and of the campaign) and published once when
// it closes, so a device publishes at most once per window, saying where it stands then.
//
// An uplink that only heard its device (TransitionResult.heard, campaign/heard-uplink.ts) changes
// nothing a fingerprint covers: hearUplink writes the uplink count, the last uplink time and the
// pending request's uplink counters, which the status leaves out or does not carry. So such a
// device is not fingerprinted again where a fingerprint stands (issue #17: in a CPU profile of
// `demo --devices 10000 --seed 5`, most of whose transitions are heard-only, the two fingerprints
// took 8.3 s of the 138 s its main thread was busy). The campaign's status is compared field by
// field with the one last fingerprinted (sameJson) before it is hashed.
//
// Outcome counts are kept as a running tally (devEui → outcome) instead of a campaignReport per
// transition: a report walks every device, and at 100 000 devices every answer would cost that.

export type PublishFn = (topic: string, payload: Uint8Array) => void | Promise<void>;

export interface StatusPublisherOptions {
  publish: PublishFn;
  deviceTopic: string;
  campaignTopic: string;
  format: StatusFormat;
  /** A message that could not be built or published (the engine must not stop for a status message). */
  onError: (error: unknown, topic: string) => void;
  /** Window gathering a campaign's transitions into one publish per changed device (ms, wall clock). Default 0: each transition at once. */
  coalesceMs?: number;
}

/** A campaign's transitions gathered in the current window. */
interface Gathered {
  memory: Memory;
  campaign: CampaignState;
  /** devEui → its latest state in the window. */
  devices: Map<string, DeviceState>;
  /** The devices every transition of the window only heard. */
  heardOnly: Set<string>;
  timer: NodeJS.Timeout;
  settled: Promise<void>;
  settle: () => void;
}

export interface LiveCampaign {
  campaign: CampaignState;
  devices: ReadonlyMap<string, DeviceState>;
}

interface Published {
  outcome: DeviceOutcome | 'open';
  /** What the last message published for the device said (undefined: nothing published yet). */
  fingerprint?: string;
}

interface Memory {
  devices: Map<string, Published>;
  outcomes: OutcomeCounts;
  campaignFingerprint?: string;
  /** The campaign status campaignFingerprint was made of. */
  campaignStatus?: CampaignStatus;
}

interface Message {
  topic: () => string;
  payload: () => Uint8Array;
  /** Forgets the fingerprint when the publish failed, so the next transition touching it retries. */
  failed: () => void;
}

const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);
const NONE: ReadonlySet<string> = new Set();

export class StatusPublisher {
  private readonly memory = new Map<string, Memory>();
  private readonly gathered = new Map<string, Gathered>();

  constructor(private readonly options: StatusPublisherOptions) {}

  /** The engine's onTransition hook (bound). Resolves when every publish settled (with a window: once it closed and they did). */
  readonly onTransition = (campaignId: string, result: TransitionResult, live: LiveCampaign): Promise<void> => {
    const window = this.gathered.get(campaignId);
    if (window) {
      window.campaign = result.campaign;
      for (const device of result.devices) {
        if (result.heard?.devEui !== device.devEui) window.heardOnly.delete(device.devEui);
        else if (!window.devices.has(device.devEui)) window.heardOnly.add(device.devEui);
        window.devices.set(device.devEui, device);
      }
      return window.settled;
    }
    const known = this.memory.get(campaignId);
    // A campaign first seen here that has already ended (a late transition after its end) is
    // not published in full again: only what this transition changed.
    const full = !known && !TERMINAL.has(result.campaign.phase);
    const memory = known ?? remember(live.devices, result.devices);
    const devices = full ? everyDevice(live.devices, result.devices) : result.devices;
    const coalesceMs = this.options.coalesceMs ?? 0;
    // What was published for a heard device stands, unless the whole campaign goes out.
    const heard = !full && result.heard ? [result.heard.devEui] : [];
    if (coalesceMs <= 0) return this.publish(campaignId, memory, result.campaign, devices, heard.length > 0 ? new Set(heard) : NONE);
    let settle = (): void => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => void this.closeWindow(campaignId), coalesceMs);
    this.gathered.set(campaignId, { memory, campaign: result.campaign, devices: new Map([...devices].map((d) => [d.devEui, d])), heardOnly: new Set(heard), timer, settled, settle });
    return settled;
  };

  /** Publishes what every open window gathered now (at shutdown, before the connection closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.gathered.keys()].map((id) => this.closeWindow(id)));
  }

  private async closeWindow(campaignId: string): Promise<void> {
    const window = this.gathered.get(campaignId);
    if (!window) return;
    this.gathered.delete(campaignId);
    clearTimeout(window.timer);
    await this.publish(campaignId, window.memory, window.campaign, window.devices.values(), window.heardOnly);
    window.settle();
  }

  /**
   * Publishes every device and the campaign of a campaign resumed after a restart, unless a
   * transition already did since this process started. Why again after a restart: the memory of
   * what was published died with the process, the last publishes before a kill may never have
   * reached the broker (they are not awaited by the engine), and a broker without persistence
   * loses retained messages when it restarts; one message per device per restart is cheap.
   */
  announce(campaignId: string, live: LiveCampaign): Promise<void> {
    if (this.memory.has(campaignId) || this.gathered.has(campaignId) || TERMINAL.has(live.campaign.phase)) return Promise.resolve();
    return this.publish(campaignId, remember(live.devices, []), live.campaign, live.devices.values());
  }

  /** `heardOnly`: devices the transitions only heard since what was published for them. */
  private publish(campaignId: string, memory: Memory, campaign: CampaignState, devices: Iterable<DeviceState>, heardOnly: ReadonlySet<string> = NONE): Promise<void> {
    // Topics and payloads are built inside send(): nothing here may throw into the engine.
    const messages: Message[] = [];
    const { deviceTopic, campaignTopic, format } = this.options;
    const atMs = campaign.updatedAtMs;
    for (const device of devices) {
      const published = count(memory, device);
      if (published.fingerprint !== undefined && heardOnly.has(device.devEui)) continue;
      const status = deviceStatus(campaignId, device, atMs);
      const fingerprint = deviceFingerprint(status);
      if (published.fingerprint === fingerprint) continue;
      published.fingerprint = fingerprint;
      messages.push({
        topic: () => statusTopic(deviceTopic, { campaignId, devEui: device.devEui }),
        payload: () => encodeDeviceStatus(status, format),
        failed: () => {
          if (published.fingerprint === fingerprint) delete published.fingerprint;
        },
      });
    }
    const status = campaignStatus(campaign, { devices: memory.devices.size, outcomes: { ...memory.outcomes } });
    const same = memory.campaignFingerprint !== undefined && memory.campaignStatus !== undefined && sameJson(memory.campaignStatus, status, 'updatedAtMs');
    const fingerprint = same ? memory.campaignFingerprint! : campaignFingerprint(status);
    memory.campaignStatus = status;
    if (memory.campaignFingerprint !== fingerprint) {
      memory.campaignFingerprint = fingerprint;
      messages.push({
        topic: () => statusTopic(campaignTopic, { campaignId }),
        payload: () => encodeCampaignStatus(status, format),
        failed: () => {
          if (memory.campaignFingerprint === fingerprint) delete memory.campaignFingerprint;
        },
      });
    }
    // A finished campaign's memory is dropped; a later transition publishes only what it changed.
    if (TERMINAL.has(campaign.phase)) this.memory.delete(campaignId);
    else this.memory.set(campaignId, memory);
    return Promise.all(messages.map((m) => this.send(m))).then(() => undefined);
  }

  private async send(message: Message): Promise<void> {
    let name = '(topic not rendered)';
    try {
      name = message.topic();
      await this.options.publish(name, message.payload());
    } catch (error) {
      message.failed();
      this.options.onError(error, name);
    }
  }
}

/** The outcome tally of a campaign first seen: every device as it stands after the transition. */
function remember(all: ReadonlyMap<string, DeviceState>, changed: readonly DeviceState[]): Memory {
  const memory: Memory = { devices: new Map(), outcomes: {} };
  for (const device of everyDevice(all, changed)) count(memory, device);
  return memory;
}

/** `all`, with `changed` in place of (or beside) their entries. */
function* everyDevice(all: ReadonlyMap<string, DeviceState>, changed: readonly DeviceState[]): Iterable<DeviceState> {
  const latest = new Map(changed.map((d) => [d.devEui, d]));
  for (const device of all.values()) yield latest.get(device.devEui) ?? device;
  for (const device of changed) if (!all.has(device.devEui)) yield device;
}

/** Moves the device in the outcome tally; returns what was published for it. */
function count(memory: Memory, device: DeviceState): Published {
  let published = memory.devices.get(device.devEui);
  const after = device.outcome ?? 'open';
  if (published?.outcome === after) return published;
  if (published) memory.outcomes[published.outcome] = (memory.outcomes[published.outcome] ?? 1) - 1;
  else memory.devices.set(device.devEui, (published = { outcome: after }));
  memory.outcomes[after] = (memory.outcomes[after] ?? 0) + 1;
  published.outcome = after;
  return published;
}

/** The fields of a device status its fingerprint covers: all but its clock, uplink count and last uplink time (see the top). */
type FingerprintFields = Record<Exclude<keyof DeviceStatus, 'uplinks' | 'updatedAtMs' | 'timestamps'>, unknown> & {
  timestamps: Record<Exclude<keyof DeviceStatus['timestamps'], 'lastUplinkAtMs'>, number | undefined>;
};

/**
 * What a device status says, less its clock, uplink count and last uplink time (see the top). One
 * object of a fixed shape, its keys in a fixed order whatever order the state's were set in, for
 * JSON.stringify's fast path (issue #17: this runs for every device a window gathered). Typed over
 * DeviceStatus's keys: a field added there does not compile until it is placed here.
 */
function deviceFingerprint(status: DeviceStatus): string {
  const t = status.timestamps;
  const fields: FingerprintFields = {
    campaignId: status.campaignId, devEui: status.devEui, wave: status.wave, phase: status.phase, outcome: status.outcome, error: status.error,
    fragmentsReceived: status.fragmentsReceived, fragmentsMissing: status.fragmentsMissing, fragmentsStatusAtMs: status.fragmentsStatusAtMs,
    clockOffsetS: status.clockOffsetS, firmwareBefore: status.firmwareBefore, firmwareAfter: status.firmwareAfter,
    lastAnswer: status.lastAnswer && [status.lastAnswer.command, status.lastAnswer.atMs],
    pendingRequest: status.pendingRequest, pendingAttempts: status.pendingAttempts, downlinks: status.downlinks,
    timestamps: { startedAtMs: t.startedAtMs, setupDoneAtMs: t.setupDoneAtMs, completeAtMs: t.completeAtMs, rebootAtMs: t.rebootAtMs, finishedAtMs: t.finishedAtMs },
  };
  return digest(JSON.stringify(fields));
}

function campaignFingerprint(status: CampaignStatus): string {
  const { updatedAtMs: _at, outcomes, ...rest } = status;
  return digest(JSON.stringify([rest, Object.entries(outcomes).sort(([a], [b]) => (a < b ? -1 : 1))]));
}

/** crypto.hash (Node 20.12+): one call, no Hash object; createHash on older Node. */
const sha1Base64: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(algorithm: string, data: string, encoding: 'base64'): string }).hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text).digest('base64');

/** 28 characters kept per device instead of its ~300-character JSON (100 000 devices: 3 MB, not 30). */
function digest(text: string): string {
  return sha1Base64(text);
}
