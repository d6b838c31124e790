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
import type { CampaignSnapshot, TransitionResult } from './draft.js';
import type { CampaignEvent } from './events.js';
import { isDeviceNotOnNetworkServer } from './device-not-on-network-server.js';
import { overflowGateways } from './gateway-overflow.js';
import { UplinkNotCommittedError } from './uplink-not-committed.js';
import type { Clock, CampaignStore, NetworkServer, OutboxItem, Uplink } from './ports.js';
import { parseCampaignSpec, type CampaignSpec } from './spec.js';
import type { CampaignState, DeviceState } from './state.js';
import { initialState, transition } from './transition.js';
import { DeviceTable } from './wave-index.js';
import { DEFAULT_MAX_UPLINK_SKEW_MS, uplinkTime, UplinkTimeCounters } from './uplink-time.js';

// Drives campaigns: feeds events to the pure state machine one at a time, commits each result
// (state + commands in an outbox) before carrying the commands out, and wakes campaigns at the
// time their state asks for. A restart loads the state and carries out what the outbox still
// holds, so nothing decided is lost and nothing is decided twice.
//
// Intake at broker speed (issue #17):
// - Group commit: uplinks that arrive while a commit runs wait in an open batch; the batch's
//   transitions then run one after another in memory, each on the state the one before left,
//   and go to the store in ONE transaction (CampaignStore.commitBatch). Each uplink's promise
//   settles only after that transaction: resolved when it committed, rejected (and the live
//   state rolled back to before the batch) when it did not, so the MQTT layer acks an uplink
//   only once it is durable and lets the broker redeliver the others.
// - Carrying out commands (network I/O) is not on the state queue: each campaign flushes its own
//   outbox, so an uplink never waits for another campaign's downlinks, and campaigns do not wait
//   for each other's network server calls.
// - A command that fails stays at the head of its campaign's outbox and is retried on its own
//   exponential back-off; the commands decided meanwhile queue behind it (never a retry per uplink).

interface Live {
  ctx: CampaignContext;
  campaign: CampaignState;
  devices: Map<string, DeviceState>;
  ledger?: LedgerSnapshot;
  encoders: Map<FecScheme, FecEncoder>;
  cancelWake?: () => void;
  outbox: OutboxItem[];
  /** The outbox flush running now, if any. */
  flushing?: Promise<void>;
  /** The outbox waits: its head failed (back-off) or this instance may not act (lease); cancels the timer. */
  held?: { reason: 'failure' | 'lease'; cancel: () => void };
  /** Failed attempts in a row of the outbox's head command (the back-off's exponent). */
  failures: number;
}

interface PendingUplink {
  uplink: Uplink;
  inboxKey?: string;
  resolve: (routed: boolean) => void;
  reject: (error: unknown) => void;
}

/** What a batch changed in memory before its commit, to put back if the commit fails. */
interface Undo {
  live: Live;
  campaign: CampaignState;
  ledger: LedgerSnapshot | undefined;
  /** devEui → the state before the batch (undefined: the device was not there). */
  devices: Map<string, DeviceState | undefined>;
}

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

const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);
/** Wait of commands held back by the lease, and of a failed wake-up. */
const COMMAND_RETRY_MS = 30_000;
const DEFAULT_COMMAND_RETRY_INITIAL_MS = 2_000;
const DEFAULT_COMMAND_RETRY_MAX_MS = 5 * 60_000;
const DEFAULT_MAX_BATCH_UPLINKS = 2_000;

export class CampaignEngine {
  private readonly live = new Map<string, Live>();
  /** devEui → campaign id, for routing uplinks. */
  private readonly deviceIndex = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Work queued and not finished (for simulated time: it may only move on when this is 0). */
  private queued = 0;
  private rsEngine?: ReedSolomonEngine;
  private closed = false;
  /** Uplinks waiting for the batch job already queued (undefined: the next uplink opens one). */
  private openBatch: PendingUplink[] | undefined;
  /** Outbox flushes running now (idle() and close() wait for them too). */
  private readonly flushes = new Set<Promise<void>>();

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
    }).then(async (id) => {
      await this.flushed(id);
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
      this.kickFlush(id);
      this.scheduleWake(id);
    }).then(() => this.flushed(id));
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
    if (id !== undefined) await this.flushed(id);
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
    return this.serial(async () => {
      const id = this.deviceIndex.get(devEui);
      if (id) await this.apply(id, { type: 'downlink-failed', atMs: this.options.clock.now(), devEui, reason });
      return id;
    }).then((id) => this.flushed(id));
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
      for (const id of touched) await this.flushed(id);
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
        this.kickFlush(id);
        waiting.push(id);
      }
      return waiting;
    }).then(async (waiting) => {
      for (const id of waiting) await this.flushed(id);
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
      if (this.flushes.size === 0) return;
      await Promise.all([...this.flushes]);
    }
  }

  /** Work is queued or running. */
  get busy(): boolean {
    return this.queued > 0 || this.flushes.size > 0;
  }

  private operatorEvent(id: string, type: 'pause' | 'resume' | 'cancel'): Promise<void> {
    return this.serial(async () => {
      if (!this.live.has(id)) throw new CallerError('CAMPAIGN_NOT_FOUND', `campaign ${id}: not loaded`);
      await this.apply(id, { type, atMs: this.options.clock.now() });
    }).then(() => this.flushed(id));
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
    const live: Live = { ctx, campaign, devices: new DeviceTable(devices), encoders: new Map(), outbox: [...outbox], failures: 0 };
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
  private async apply(id: string, event: CampaignEvent, inboxKey?: string): Promise<void> {
    const live = this.live.get(id)!;
    const result = transition(snapshotOf(live), event, live.ctx);
    const seqs = await this.options.store.commit(id, result, inboxKey === undefined ? undefined : { consumedUplinkKey: inboxKey });
    live.campaign = result.campaign;
    for (const device of result.devices) live.devices.set(device.devEui, device);
    if (result.ledger) live.ledger = result.ledger;
    this.committed(id, live, result, seqs);
    this.kickFlush(id);
    this.scheduleWake(id);
  }

  /** After the commit: the outbox in memory, the device index, and the listeners. */
  private committed(id: string, live: Live, result: TransitionResult, seqs: readonly number[]): void {
    result.commands.forEach((command, i) => live.outbox.push({ seq: seqs[i]!, command }));
    if (TERMINAL.has(result.campaign.phase)) for (const devEui of live.devices.keys()) if (this.deviceIndex.get(devEui) === id) this.deviceIndex.delete(devEui);
    try {
      this.options.onTransition?.(id, result, live);
    } catch (error) {
      // A listener's fault: the transition is committed all the same (and, in a batch, the others after it).
      this.options.onError?.(id, error);
    }
  }

  /**
   * A group commit: every uplink of the batch through its campaign's transition, in order, each on
   * the state the previous one left (applied to the live state, remembered in `undo`), then one
   * store transaction for them all. Committed: listeners, outboxes, wakes, then the uplinks'
   * promises. Not committed: the live state goes back to before the batch and every uplink of
   * the batch is rejected (nothing of it happened; the broker redelivers them).
   */
  private async runBatch(batch: PendingUplink[]): Promise<void> {
    if (this.openBatch === batch) this.openBatch = undefined;
    const undo = new Map<string, Undo>();
    const entries: Array<{ id: string; live: Live; result: TransitionResult; pending: PendingUplink }> = [];
    const unrouted: PendingUplink[] = [];
    const maxSkewMs = this.options.maxUplinkSkewMs ?? DEFAULT_MAX_UPLINK_SKEW_MS;
    for (const pending of batch) {
      const { uplink } = pending;
      const id = this.deviceIndex.get(uplink.devEui);
      const live = id === undefined ? undefined : this.live.get(id);
      // Not a device of any running campaign (or its campaign ended earlier in this batch): the application's business.
      if (id === undefined || !live || TERMINAL.has(live.campaign.phase)) {
        unrouted.push(pending);
        continue;
      }
      const time = uplinkTime(uplink.atMs, this.options.clock.now(), maxSkewMs);
      if (time.rejected) this.uplinkTimes.replaced[time.rejected]++;
      else this.uplinkTimes.taken++;
      const event: CampaignEvent = { type: 'uplink', atMs: time.atMs, devEui: uplink.devEui, fPort: uplink.fPort, payload: uplink.payload, ...(uplink.object !== undefined ? { object: uplink.object } : {}) };
      let result: TransitionResult;
      try {
        result = transition(snapshotOf(live), event, live.ctx);
      } catch (error) {
        pending.reject(error); // pure: nothing changed
        continue;
      }
      let before = undo.get(id);
      if (!before) undo.set(id, (before = { live, campaign: live.campaign, ledger: live.ledger, devices: new Map() }));
      for (const device of result.devices) {
        if (!before.devices.has(device.devEui)) before.devices.set(device.devEui, live.devices.get(device.devEui));
        live.devices.set(device.devEui, device);
      }
      live.campaign = result.campaign;
      if (result.ledger) live.ledger = result.ledger;
      entries.push({ id, live, result, pending });
    }
    let seqs: number[][];
    try {
      if (entries.length === 0) seqs = [];
      else if (entries.length === 1) {
        const only = entries[0]!;
        seqs = [await this.options.store.commit(only.id, only.result, only.pending.inboxKey === undefined ? undefined : { consumedUplinkKey: only.pending.inboxKey })];
      } else {
        seqs = await this.options.store.commitBatch(
          entries.map((e) => ({ campaignId: e.id, result: e.result, ...(e.pending.inboxKey === undefined ? {} : { consumedUplinkKey: e.pending.inboxKey }) })),
        );
      }
    } catch (error) {
      for (const before of undo.values()) {
        before.live.campaign = before.campaign;
        if (before.ledger === undefined) delete before.live.ledger;
        else before.live.ledger = before.ledger;
        for (const [devEui, device] of before.devices) {
          if (device === undefined) before.live.devices.delete(devEui);
          else before.live.devices.set(devEui, device);
        }
      }
      for (const entry of entries) entry.pending.reject(new UplinkNotCommittedError(entry.pending.uplink.devEui, entries.length, error));
      for (const pending of unrouted) pending.resolve(false);
      return;
    }
    entries.forEach((entry, i) => this.committed(entry.id, entry.live, entry.result, seqs[i]!));
    for (const id of undo.keys()) {
      if (!this.live.has(id)) continue;
      this.kickFlush(id);
      this.scheduleWake(id);
    }
    for (const entry of entries) entry.pending.resolve(true);
    for (const pending of unrouted) pending.resolve(false);
  }

  /** Resolves when the campaign's outbox flush (if one runs) settled; waits for no back-off. */
  private async flushed(id: string | undefined): Promise<void> {
    if (id === undefined) return;
    const flushing = this.live.get(id)?.flushing;
    if (flushing) await flushing;
  }

  /** Starts the campaign's outbox flush unless one runs or the outbox waits (back-off, lease). */
  private kickFlush(id: string): void {
    const live = this.live.get(id);
    if (!live || live.flushing || live.held || live.outbox.length === 0) return;
    const flushing = this.flushOutbox(id, live).finally(() => {
      this.flushes.delete(flushing);
      if (live.flushing === flushing) delete live.flushing;
    });
    live.flushing = flushing;
    this.flushes.add(flushing);
  }

  /** Holds the outbox until `atMs`, then flushes it again. */
  private hold(id: string, live: Live, reason: 'failure' | 'lease', delayMs: number): void {
    if (this.closed) return;
    const cancel = this.options.clock.at(this.options.clock.now() + delayMs, () => {
      if (live.held?.cancel !== cancel) return;
      delete live.held;
      this.kickFlush(id);
    });
    live.held = { reason, cancel };
  }

  /**
   * Carries out queued commands in order; stops at the first failure, which is retried on its own
   * back-off (exponential, capped). Never throws: a failure is reported through onCommandError.
   */
  private async flushOutbox(id: string, live: Live): Promise<void> {
    const done: number[] = [];
    try {
      while (live.outbox.length > 0 && this.live.get(id) === live) {
        // Not known to hold the lease: the commands wait in the outbox for whoever owns it next.
        if (this.options.mayAct?.(id) === false) {
          this.hold(id, live, 'lease', COMMAND_RETRY_MS);
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
            this.recovered(id, live, item.command);
            const devEui = item.command.devEui;
            try {
              await this.serial(() => this.apply(id, { type: 'downlink-failed', atMs: this.options.clock.now(), devEui, reason: error.message, permanent: true }));
            } catch (applyError) {
              this.options.onError?.(id, applyError);
            }
            continue;
          }
          live.failures += 1;
          const retry = this.options.commandRetry ?? {};
          const initialMs = retry.initialMs ?? DEFAULT_COMMAND_RETRY_INITIAL_MS;
          const retryInMs = Math.min(retry.maxMs ?? DEFAULT_COMMAND_RETRY_MAX_MS, initialMs * 2 ** Math.min(live.failures - 1, 30));
          this.options.onCommandError?.(id, item.command, error, { attempts: live.failures, retryInMs });
          this.hold(id, live, 'failure', retryInMs);
          break;
        }
        live.outbox.shift();
        done.push(item.seq);
        this.recovered(id, live, item.command);
      }
    } finally {
      if (done.length > 0) {
        try {
          await this.options.store.markDone(id, done);
        } catch (error) {
          // Carried out but still stored: a restart carries them out again (at least once, as ever).
          this.options.onError?.(id, error);
        }
      }
    }
  }

  private recovered(id: string, live: Live, command: CampaignCommand): void {
    if (live.failures === 0) return;
    this.options.onCommandRecovered?.(id, command, live.failures);
    live.failures = 0;
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
      void this.serial(() => this.apply(id, { type: 'tick', atMs: Math.max(wake, this.options.clock.now()) })).then(() => this.flushed(id)).catch((error: unknown) => {
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

function snapshotOf(live: Live): CampaignSnapshot {
  return live.ledger ? { campaign: live.campaign, devices: live.devices, ledger: live.ledger } : { campaign: live.campaign, devices: live.devices };
}
