import { CallerError, ValueError } from '../core/errors.js';
import type { ReedSolomonEngine } from '../fec/reed-solomon.js';
import { reedSolomonReady } from '../fec/rs-engine.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import type { CampaignCommand } from './commands.js';
import { campaignContext, type CampaignContext } from './context.js';
import { changesNothing, type TransitionResult } from './draft.js';
import type { CampaignEvent } from './events.js';
import { overflowGateways } from './gateway-overflow.js';
import { OutboxQueue } from './outbox-queue.js';
import { runGroupCommit, type GroupCommitHost, type PendingUplink } from './group-commit.js';
import { snapshotOf, TERMINAL, type LiveCampaign } from './live-campaign.js';
import { COMMAND_RETRY_MS, OutboxRunner } from './outbox-runner.js';
import type { Clock, CampaignStore, NetworkServer, OutboxItem, Uplink } from './ports.js';
import { parseCampaignSpec, type CampaignSpec } from './spec.js';
import type { CampaignState, DeviceState } from './state.js';
import { initialState, transition } from './transition.js';
import { DeviceTable } from './wave-index.js';
import { DEFAULT_MAX_UPLINK_SKEW_MS, UplinkTimeCounters } from './uplink-time.js';

// Drives campaigns: feeds events to the pure state machine one at a time, commits each result
// (state + commands in an outbox) before carrying the commands out, and wakes campaigns at the
// time their state asks for. A restart loads the state and carries out what the outbox still
// holds, so nothing decided is lost and nothing is decided twice.
//
// Intake at broker speed (issue #17):
// - Group commit (group-commit.ts): uplinks that arrive while a commit runs go to the store
//   together, in ONE transaction; each is acknowledged only once that transaction committed.
// - Carrying out commands (network I/O) is not on the state queue (outbox-runner.ts): each
//   campaign flushes its own outbox, and a failing command is retried on its own back-off.

export interface EngineOptions {
  store: CampaignStore;
  network: NetworkServer;
  clock: Clock;
  /** Called after every committed transition (progress, status events). */
  onTransition?: (campaignId: string, result: TransitionResult, live: { campaign: CampaignState; devices: ReadonlyMap<string, DeviceState> }) => void;
  /**
   * Called when carrying out a command failed (it stays in the outbox and is retried on a
   * back-off). `streak`: the failed attempts in a row of this command (1: the first), and when
   * the next attempt comes; a log should speak at 1 and stay quiet for the rest of the streak.
   */
  onCommandError?: (campaignId: string, command: CampaignCommand, error: unknown, streak: { attempts: number; retryInMs: number }) => void;
  /** A command that had failed `attempts` times was carried out: its failure streak is over. */
  onCommandRecovered?: (campaignId: string, command: CampaignCommand, attempts: number) => void;
  /** Back-off of a failing command: first retry after `initialMs` (default 2 s), doubling up to `maxMs` (default 5 min). */
  commandRetry?: { initialMs?: number; maxMs?: number };
  /** Most uplinks committed in one transaction (default 2 000). */
  maxBatchUplinks?: number;
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

const DEFAULT_MAX_BATCH_UPLINKS = 2_000;

export class CampaignEngine {
  private readonly live = new Map<string, LiveCampaign>();
  /** devEui → campaign id, for routing uplinks. */
  private readonly deviceIndex = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Work queued and not finished (for simulated time: it may only move on when this is 0). */
  private queued = 0;
  private rsEngine?: ReedSolomonEngine;
  private closed = false;
  /** Uplinks waiting for the batch job already queued (undefined: the next uplink opens one). */
  private openBatch: PendingUplink[] | undefined;
  private readonly outboxes: OutboxRunner;
  private readonly groupCommitHost: GroupCommitHost;

  /** Uplink times taken from the network server and replaced by our clock, by reason. */
  readonly uplinkTimes: UplinkTimeCounters;

  constructor(private readonly options: EngineOptions) {
    this.uplinkTimes = options.uplinkTimes ?? new UplinkTimeCounters();
    // Built once, not per batch: a batch is often one uplink.
    this.groupCommitHost = {
      store: options.store,
      nowMs: () => this.options.clock.now(),
      maxUplinkSkewMs: options.maxUplinkSkewMs ?? DEFAULT_MAX_UPLINK_SKEW_MS,
      uplinkTimes: this.uplinkTimes,
      campaignOf: (devEui) => this.deviceIndex.get(devEui),
      live: (id) => this.live.get(id),
      committed: (id, live, result, seqs) => this.committed(id, live, result, seqs),
      touched: (id) => {
        this.outboxes.kick(id);
        this.scheduleWake(id);
      },
    };
    this.outboxes = new OutboxRunner(options, {
      live: (id) => this.live.get(id),
      closed: () => this.closed,
      rsEngine: () => this.rsEngine,
      deviceGone: (id, devEui, reason) => this.serial(() => this.apply(id, { type: 'downlink-failed', atMs: this.options.clock.now(), devEui, reason, permanent: true })),
    });
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
    }).then(async (id) => {
      await this.outboxes.flushed(id);
      return id;
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
      this.outboxes.kick(id);
      this.scheduleWake(id);
    }).then(() => this.outboxes.flushed(id));
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
   * counted exactly once. Resolves false when no running campaign here has the device. Resolves
   * once the transition committed and the commands it decided were tried (acceptUplink: once committed).
   */
  async handleUplink(uplink: Uplink, inboxKey?: string): Promise<boolean> {
    const routed = await this.acceptUplink(uplink, inboxKey);
    const id = routed ? this.deviceIndexOrLast(uplink.devEui) : undefined;
    if (id !== undefined) await this.outboxes.flushed(id);
    return routed;
  }

  /**
   * As handleUplink, but resolves as soon as the uplink's transition is committed (the point
   * from which it must not be redelivered), with the uplinks that came meanwhile in the same
   * transaction. Rejects when it was not committed: the caller must not ack it.
   */
  acceptUplink(uplink: Uplink, inboxKey?: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const pending: PendingUplink = { uplink, resolve, reject, ...(inboxKey === undefined ? {} : { inboxKey }) };
      if (this.openBatch === undefined) {
        const batch: PendingUplink[] = [];
        this.openBatch = batch;
        void this.enqueue(() => this.runBatch(batch));
      }
      this.openBatch.push(pending);
      if (this.openBatch.length >= (this.options.maxBatchUplinks ?? DEFAULT_MAX_BATCH_UPLINKS)) this.openBatch = undefined;
    });
  }

  downlinkFailed(devEui: string, reason: string): Promise<void> {
    return this.deviceEvent(devEui, (atMs) => ({ type: 'downlink-failed', atMs, devEui, reason }));
  }

  /**
   * The network server adapter did not hand the unicast `commandId` on: the server still held our
   * copy of the same request (src/lns/queued-unicasts.ts). The device's pending request may count
   * one attempt less (device-progress.ts answeredByQueuedCopy).
   */
  unicastQueuedCopy(devEui: string, commandId: string): Promise<void> {
    // A report may change nothing (the device was not heard since the ask before: the attempt
    // stands): such a report is not committed. `demo --network tts --devices 1000 --seed 7` made
    // 4 617 reports, 514 of them so, each a store transaction that rewrote the campaign's state
    // row for its clock alone (the other 4 103 took an attempt back).
    return this.deviceEvent(devEui, (atMs) => ({ type: 'unicast-queued-copy', atMs, devEui, commandId }), { skipUnchanged: true });
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
      const touched: string[] = [];
      for (const [id, live] of this.live) {
        if (TERMINAL.has(live.campaign.phase) || overflowGateways(live.ctx, overflow.gatewayIds, id === owner).length === 0) continue;
        await this.apply(id, { type: 'gateway-overflow', atMs: Math.min(atMs, nowMs), gatewayIds: [...overflow.gatewayIds], devEui: overflow.devEui });
        touched.push(id);
      }
      return touched;
    }).then(async (touched) => {
      for (const id of touched) await this.outboxes.flushed(id);
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
      live.held?.cancel();
      delete live.held;
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
      const waiting: string[] = [];
      for (const [id, live] of this.live) {
        if (live.outbox.length === 0) continue;
        // Commands held for the lease go now; a failing command keeps its back-off.
        if (live.held?.reason === 'lease') {
          live.held.cancel();
          delete live.held;
        }
        this.outboxes.kick(id);
        waiting.push(id);
      }
      return waiting;
    }).then(async (waiting) => {
      for (const id of waiting) await this.outboxes.flushed(id);
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

  /** Waits for queued work and running outbox flushes; stops timers. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    for (const live of this.live.values()) {
      live.cancelWake?.();
      live.held?.cancel();
      delete live.held;
    }
  }

  /** Resolves when the work queued so far is done, and the outbox flushes it started (not the back-off waits). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue.then(() => undefined, () => undefined);
      if (!this.outboxes.running) return;
      await this.outboxes.settled();
    }
  }

  /** Work is queued or running. */
  get busy(): boolean {
    return this.queued > 0 || this.outboxes.running;
  }

  /** An event about one device, made at the time it is applied, for the campaign the device runs in (none: nothing happens). */
  private deviceEvent(devEui: string, event: (atMs: number) => CampaignEvent, options: { skipUnchanged?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      const id = this.deviceIndex.get(devEui);
      if (id) await this.apply(id, event(this.options.clock.now()), undefined, options.skipUnchanged);
      return id;
    }).then((id) => this.outboxes.flushed(id));
  }

  private operatorEvent(id: string, type: 'pause' | 'resume' | 'cancel'): Promise<void> {
    return this.serial(async () => {
      if (!this.live.has(id)) throw new CallerError('CAMPAIGN_NOT_FOUND', `campaign ${id}: not loaded`);
      await this.apply(id, { type, atMs: this.options.clock.now() });
    }).then(() => this.outboxes.flushed(id));
  }

  /** Queues work on the state queue after everything queued before it, uplinks included. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    // Uplinks that come after this call must come after this work too: close the open batch.
    this.openBatch = undefined;
    return this.enqueue(work);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
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
    const live: LiveCampaign = { ctx, campaign, devices: new DeviceTable(devices), encoders: new Map(), outbox: new OutboxQueue(outbox), failures: 0 };
    if (ledger) live.ledger = ledger;
    this.live.set(campaign.id, live);
    if (!TERMINAL.has(campaign.phase)) for (const device of devices) this.deviceIndex.set(device.devEui, campaign.id);
  }

  /** The campaign's devEui index entry, or the campaign the device was in when it just ended. */
  private deviceIndexOrLast(devEui: string): string | undefined {
    const id = this.deviceIndex.get(devEui);
    if (id !== undefined) return id;
    for (const [campaignId, live] of this.live) if (live.devices.has(devEui)) return campaignId;
    return undefined;
  }

  /** One event of one campaign, committed alone; its commands are carried out by the campaign's flush. */
  private async apply(id: string, event: CampaignEvent, inboxKey?: string, skipUnchanged = false): Promise<void> {
    const live = this.live.get(id)!;
    const result = transition(snapshotOf(live), event, live.ctx);
    // The state is as it was: nothing to commit, and the wake it set still stands.
    if (skipUnchanged && changesNothing(live.campaign, result)) return;
    const seqs = await this.options.store.commit(id, result, inboxKey === undefined ? undefined : { consumedUplinkKey: inboxKey });
    live.campaign = result.campaign;
    for (const device of result.devices) live.devices.set(device.devEui, device);
    if (result.ledger) live.ledger = result.ledger;
    this.committed(id, live, result, seqs);
    this.outboxes.kick(id);
    this.scheduleWake(id);
  }

  /** After the commit: the outbox in memory, the device index, and the listeners. */
  private committed(id: string, live: LiveCampaign, result: TransitionResult, seqs: readonly number[]): void {
    result.commands.forEach((command, i) => live.outbox.push({ seq: seqs[i]!, command }));
    if (TERMINAL.has(result.campaign.phase)) for (const devEui of live.devices.keys()) if (this.deviceIndex.get(devEui) === id) this.deviceIndex.delete(devEui);
    try {
      this.options.onTransition?.(id, result, live);
    } catch (error) {
      // A listener's fault: the transition is committed all the same (and, in a batch, the others after it).
      this.options.onError?.(id, error);
    }
  }

  /** The open batch's group commit (group-commit.ts), on the state queue. */
  private runBatch(batch: PendingUplink[]): Promise<void> {
    if (this.openBatch === batch) this.openBatch = undefined;
    return runGroupCommit(batch, this.groupCommitHost);
  }

  private scheduleWake(id: string): void {
    const live = this.live.get(id)!;
    live.cancelWake?.();
    live.cancelWake = undefined;
    const wake = live.campaign.nextWakeMs;
    if (this.closed || wake === undefined || TERMINAL.has(live.campaign.phase)) return;
    live.cancelWake = this.options.clock.at(wake, () => {
      live.cancelWake = undefined;
      void this.serial(() => this.apply(id, { type: 'tick', atMs: Math.max(wake, this.options.clock.now()) })).then(() => this.outboxes.flushed(id)).catch((error: unknown) => {
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
