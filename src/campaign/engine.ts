import { CallerError, ValueError } from '../core/errors.js';
import { hexToBytes } from '../core/hex.js';
import type { FecEncoder } from '../fec/codec.js';
import { codecSpec, createEncoder } from '../fec/create-codec.js';
import { encodeDataFragment } from '../fec/data-fragment.js';
import type { ReedSolomonEngine } from '../fec/reed-solomon.js';
import { reedSolomonReady } from '../fec/rs-engine.js';
import type { FecScheme } from '../fec/scheme.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { CampaignCommand } from './commands.js';
import { campaignContext, type CampaignContext } from './context.js';
import type { TransitionResult } from './draft.js';
import type { CampaignEvent } from './events.js';
import { isDeviceNotOnNetworkServer } from './device-not-on-network-server.js';
import { overflowGateways } from './gateway-overflow.js';
import type { Clock, CampaignStore, NetworkServer, OutboxItem, Uplink } from './ports.js';
import { parseCampaignSpec, type CampaignSpec } from './spec.js';
import type { CampaignState, DeviceState } from './state.js';
import { initialState, transition } from './transition.js';
import { DEFAULT_MAX_UPLINK_SKEW_MS, uplinkTime, UplinkTimeCounters } from './uplink-time.js';

// Drives campaigns: feeds events to the pure state machine one at a time, commits each result
// (state + commands in an outbox) before carrying the commands out, and wakes campaigns at the
// time their state asks for. A restart loads the state and carries out what the outbox still
// holds, so nothing decided is lost and nothing is decided twice.

interface Live {
  ctx: CampaignContext;
  campaign: CampaignState;
  devices: Map<string, DeviceState>;
  ledger?: LedgerSnapshot;
  encoders: Map<FecScheme, FecEncoder>;
  cancelWake?: () => void;
  outbox: OutboxItem[];
}

export interface EngineOptions {
  store: CampaignStore;
  network: NetworkServer;
  clock: Clock;
  /** Called after every committed transition (progress, status events). */
  onTransition?: (campaignId: string, result: TransitionResult, live: { campaign: CampaignState; devices: ReadonlyMap<string, DeviceState> }) => void;
  /** Called when carrying out a command failed (it stays in the outbox and is retried). */
  onCommandError?: (campaignId: string, command: CampaignCommand, error: unknown) => void;
  /** Called when a timed wake-up of a campaign failed (it is tried again shortly). */
  onError?: (campaignId: string, error: unknown) => void;
  /** An uplink time further than this behind our clock, or ahead of it, is replaced by ours (uplink-time.ts); default 5 min. */
  maxUplinkSkewMs?: number;
  /** Counts uplink times taken and replaced by reason (for metrics); the engine keeps its own when none is given. */
  uplinkTimes?: UplinkTimeCounters;
  /**
   * Several instances (docs/high-availability.md): false while this instance may not act for the
   * campaign (its lease is not known to be held). Commands then wait in the outbox: the next
   * owner carries them out. Default: always true (one instance owns every campaign).
   */
  mayAct?: (campaignId: string) => boolean;
}

const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);
const COMMAND_RETRY_MS = 30_000;

export class CampaignEngine {
  private readonly live = new Map<string, Live>();
  /** devEui → campaign id, for routing uplinks. */
  private readonly deviceIndex = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Work queued and not finished (for simulated time: it may only move on when this is 0). */
  private queued = 0;
  private rsEngine?: ReedSolomonEngine;
  private closed = false;

  /** Uplink times taken from the network server and replaced by our clock, by reason. */
  readonly uplinkTimes: UplinkTimeCounters;

  constructor(private readonly options: EngineOptions) {
    this.uplinkTimes = options.uplinkTimes ?? new UplinkTimeCounters();
  }

  /** Validates and stores a new campaign, then starts it. */
  create(specInput: unknown, block: Uint8Array): Promise<string> {
    return this.serial(async () => {
      const spec = parseCampaignSpec(specInput);
      // The store refuses an id it already has (CAMPAIGN_EXISTS); this covers live ones cheaply.
      if (this.live.has(spec.id)) throw new CallerError('CAMPAIGN_EXISTS', `campaign ${spec.id}: already exists`);
      for (const device of spec.devices) {
        const other = this.deviceIndex.get(device.devEui);
        if (other) throw new CallerError('DEVICE_BUSY', `device ${device.devEui}: already in running campaign ${other}`);
      }
      const ctx = campaignContext(spec, block);
      const { campaign, devices } = initialState(spec, this.options.clock.now());
      await this.options.store.create({ specJson: JSON.stringify(spec), block, campaign, devices });
      await this.attach(ctx, campaign, devices, undefined, []);
      await this.apply(spec.id, { type: 'start', atMs: this.options.clock.now() });
      return spec.id;
    });
  }

  /** Loads a stored campaign (after a restart) and carries on where it stopped. */
  resume(id: string): Promise<void> {
    return this.serial(async () => {
      if (this.live.has(id)) return;
      const stored = await this.options.store.load(id);
      if (!stored) throw new CallerError('CAMPAIGN_NOT_FOUND', `campaign ${id}: not found`);
      const spec = parseCampaignSpec(JSON.parse(stored.specJson));
      await this.attach(campaignContext(spec, stored.block), stored.campaign, stored.devices, stored.ledger, stored.outbox);
      // A wake that fell due while no engine ran comes first, before the uplinks that waited
      // meanwhile: they are dated in the past, and the campaign must decide at the time it is
      // now, not replay every retry it missed (issue #14). apply carries out the outbox too.
      const wakeMs = stored.campaign.nextWakeMs;
      const nowMs = this.options.clock.now();
      if (!TERMINAL.has(stored.campaign.phase) && wakeMs !== undefined && wakeMs <= nowMs) return this.apply(id, { type: 'tick', atMs: nowMs });
      await this.flushOutbox(id);
      this.scheduleWake(id);
    });
  }

  /** Resumes every stored campaign that has not finished. */
  async resumeAll(): Promise<string[]> {
    const ids = (await this.options.store.list()).filter((c) => !TERMINAL.has(c.phase)).map((c) => c.id);
    for (const id of ids) await this.resume(id);
    return ids;
  }

  /**
   * Feeds an uplink to the campaign its device is in. `inboxKey`: the uplink came from the shared
   * uplink inbox (several instances); the store removes it in the same commit, so that it is
   * counted exactly once. Resolves false when no running campaign here has the device.
   */
  handleUplink(uplink: Uplink, inboxKey?: string): Promise<boolean> {
    return this.serial(async () => {
      const id = this.deviceIndex.get(uplink.devEui);
      if (!id) return false; // not a device of any running campaign: the application's business
      const time = uplinkTime(uplink.atMs, this.options.clock.now(), this.options.maxUplinkSkewMs ?? DEFAULT_MAX_UPLINK_SKEW_MS);
      if (time.rejected) this.uplinkTimes.replaced[time.rejected]++;
      else this.uplinkTimes.taken++;
      await this.apply(id, { type: 'uplink', atMs: time.atMs, devEui: uplink.devEui, fPort: uplink.fPort, payload: uplink.payload, ...(uplink.object !== undefined ? { object: uplink.object } : {}) }, inboxKey);
      return true;
    });
  }

  downlinkFailed(devEui: string, reason: string): Promise<void> {
    return this.serial(async () => {
      const id = this.deviceIndex.get(devEui);
      if (id) await this.apply(id, { type: 'downlink-failed', atMs: this.options.clock.now(), devEui, reason });
    });
  }

  /**
   * A gateway refused a downlink to `devEui` because its duty cycle was full (ChirpStack's
   * DUTY_CYCLE_OVERFLOW). `gatewayIds`: the gateways that heard the device's last uplink (one of
   * them was asked to send it), empty when unknown. Every live campaign those gateways (or that
   * device) concern counts its multicast sub-band full there at `atMs` (gateway-overflow.ts).
   * `atMs`: when the gateway refused; default now, and never later than now.
   */
  gatewayDutyCycleOverflow(overflow: { devEui: string; gatewayIds: readonly string[]; atMs?: number }): Promise<void> {
    return this.serial(async () => {
      const nowMs = this.options.clock.now();
      const atMs = overflow.atMs ?? nowMs;
      if (!Number.isFinite(atMs)) throw new ValueError('gatewayDutyCycleOverflow atMs', 'a finite number of ms', atMs);
      const owner = this.deviceIndex.get(overflow.devEui);
      for (const [id, live] of this.live) {
        if (TERMINAL.has(live.campaign.phase) || overflowGateways(live.ctx, overflow.gatewayIds, id === owner).length === 0) continue;
        await this.apply(id, { type: 'gateway-overflow', atMs: Math.min(atMs, nowMs), gatewayIds: [...overflow.gatewayIds], devEui: overflow.devEui });
      }
    });
  }

  pause(id: string): Promise<void> {
    return this.operatorEvent(id, 'pause');
  }

  resumePaused(id: string): Promise<void> {
    return this.operatorEvent(id, 'resume');
  }

  cancel(id: string): Promise<void> {
    return this.operatorEvent(id, 'cancel');
  }

  /**
   * Stops acting for a campaign without deciding anything (another instance took it over, or
   * this one lost its lease): its timers stop and its uplinks are no longer routed here.
   */
  release(id: string): Promise<void> {
    return this.serial(async () => {
      const live = this.live.get(id);
      if (!live) return;
      live.cancelWake?.();
      this.live.delete(id);
      for (const devEui of live.devices.keys()) if (this.deviceIndex.get(devEui) === id) this.deviceIndex.delete(devEui);
    });
  }

  /**
   * Carries out what waits in the outboxes now (several instances: the lease was renewed after
   * commands were held back by mayAct; without this they would wait for the 30 s retry).
   */
  retryOutboxes(): Promise<void> {
    return this.serial(async () => {
      for (const [id, live] of this.live) if (live.outbox.length > 0) await this.flushOutbox(id);
    });
  }

  /** The campaigns loaded here that have not finished. */
  runningCampaignIds(): string[] {
    return [...this.live.values()].filter((live) => !TERMINAL.has(live.campaign.phase)).map((live) => live.campaign.id);
  }

  /** The in-memory view of a live campaign (read-only). */
  view(id: string): { spec: CampaignSpec; campaign: CampaignState; devices: ReadonlyMap<string, DeviceState> } | undefined {
    const live = this.live.get(id);
    return live && { spec: live.ctx.spec, campaign: live.campaign, devices: live.devices };
  }

  /** Waits for queued work; stops timers. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    for (const live of this.live.values()) live.cancelWake?.();
  }

  /** Resolves when the work queued so far is done. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined, () => undefined);
  }

  /** Work is queued or running. */
  get busy(): boolean {
    return this.queued > 0;
  }

  private operatorEvent(id: string, type: 'pause' | 'resume' | 'cancel'): Promise<void> {
    return this.serial(async () => {
      if (!this.live.has(id)) throw new CallerError('CAMPAIGN_NOT_FOUND', `campaign ${id}: not loaded`);
      await this.apply(id, { type, atMs: this.options.clock.now() });
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    this.queued++;
    const next = this.queue.then(work, work).finally(() => {
      this.queued--;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async attach(ctx: CampaignContext, campaign: CampaignState, devices: DeviceState[], ledger: LedgerSnapshot | undefined, outbox: OutboxItem[]): Promise<void> {
    const schemes = new Set(devices.map((d) => d.fecScheme));
    if (ctx.spec.fragmentation.fecPreference === 'rs' || schemes.has('rs')) this.rsEngine ??= await reedSolomonReady();
    const live: Live = { ctx, campaign, devices: new Map(devices.map((d) => [d.devEui, d])), encoders: new Map(), outbox: [...outbox] };
    if (ledger) live.ledger = ledger;
    this.live.set(campaign.id, live);
    if (!TERMINAL.has(campaign.phase)) for (const device of devices) this.deviceIndex.set(device.devEui, campaign.id);
  }

  private async apply(id: string, event: CampaignEvent, inboxKey?: string): Promise<void> {
    const live = this.live.get(id)!;
    const snapshot = live.ledger ? { campaign: live.campaign, devices: live.devices, ledger: live.ledger } : { campaign: live.campaign, devices: live.devices };
    const result = transition(snapshot, event, live.ctx);
    const seqs = await this.options.store.commit(id, result, inboxKey === undefined ? undefined : { consumedUplinkKey: inboxKey });
    live.campaign = result.campaign;
    for (const device of result.devices) live.devices.set(device.devEui, device);
    if (result.ledger) live.ledger = result.ledger;
    result.commands.forEach((command, i) => live.outbox.push({ seq: seqs[i]!, command }));
    if (TERMINAL.has(result.campaign.phase)) for (const devEui of live.devices.keys()) this.deviceIndex.delete(devEui);
    this.options.onTransition?.(id, result, live);
    await this.flushOutbox(id);
    this.scheduleWake(id);
  }

  /** Carries out queued commands in order; stops at the first failure (retried later). */
  private async flushOutbox(id: string): Promise<void> {
    const live = this.live.get(id);
    if (!live) return; // released (another instance owns it now) before a retry came due
    const done: number[] = [];
    try {
      while (live.outbox.length > 0) {
        // Not known to hold the lease: the commands wait in the outbox for whoever owns it next.
        if (this.options.mayAct?.(id) === false) {
          if (!this.closed) this.options.clock.at(this.options.clock.now() + COMMAND_RETRY_MS, () => void this.serial(() => this.flushOutbox(id)));
          break;
        }
        const item = live.outbox[0]!;
        try {
          await this.execute(live, item.command);
        } catch (error) {
          if (item.command.type === 'unicast' && isDeviceNotOnNetworkServer(error)) {
            // Retrying cannot help: the command is done with, and the device fails with the cause.
            live.outbox.shift();
            done.push(item.seq);
            await this.apply(id, { type: 'downlink-failed', atMs: this.options.clock.now(), devEui: item.command.devEui, reason: error.message, permanent: true });
            continue;
          }
          this.options.onCommandError?.(id, item.command, error);
          if (!this.closed) this.options.clock.at(this.options.clock.now() + COMMAND_RETRY_MS, () => void this.serial(() => this.flushOutbox(id)));
          break;
        }
        live.outbox.shift();
        done.push(item.seq);
      }
    } finally {
      if (done.length > 0) await this.options.store.markDone(id, done);
    }
  }

  private async execute(live: Live, command: CampaignCommand): Promise<void> {
    const network = this.options.network;
    switch (command.type) {
      case 'unicast':
        return network.sendUnicast(command);
      case 'create-multicast-group':
        return network.createMulticastGroup(command);
      case 'delete-multicast-group':
        return network.deleteMulticastGroup(command.groupName);
      case 'multicast':
        return network.sendMulticast({ id: command.id, groupName: command.groupName, fPort: command.fPort, payload: hexToBytes(command.payloadHex), atMs: command.atMs });
      case 'multicast-fragment': {
        const encoder = this.encoder(live, command.scheme);
        const payload = encodeDataFragment(command.fragIndex, command.n, encoder.fragment(command.n));
        return network.sendMulticast({ id: command.id, groupName: command.groupName, fPort: 201, payload, atMs: command.atMs });
      }
    }
  }

  private encoder(live: Live, scheme: FecScheme): FecEncoder {
    let encoder = live.encoders.get(scheme);
    if (!encoder) {
      encoder = createEncoder(codecSpec(scheme, this.rsEngine), live.ctx.block, live.ctx.layout.fragmentSizeBytes);
      live.encoders.set(scheme, encoder);
    }
    return encoder;
  }

  private scheduleWake(id: string): void {
    const live = this.live.get(id)!;
    live.cancelWake?.();
    live.cancelWake = undefined;
    const wake = live.campaign.nextWakeMs;
    if (this.closed || wake === undefined || TERMINAL.has(live.campaign.phase)) return;
    live.cancelWake = this.options.clock.at(wake, () => {
      live.cancelWake = undefined;
      void this.serial(() => this.apply(id, { type: 'tick', atMs: Math.max(wake, this.options.clock.now()) })).catch((error: unknown) => {
        // Nothing was committed (a store or network fault): say so and wake again shortly, or
        // the campaign would sleep until its next uplink.
        this.options.onError?.(id, error);
        if (this.closed) return;
        live.campaign = { ...live.campaign, nextWakeMs: this.options.clock.now() + COMMAND_RETRY_MS };
        this.scheduleWake(id);
      });
    });
  }
}
