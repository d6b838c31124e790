// Several instances on one PostgreSQL (docs/high-availability.md): which campaigns this instance
// drives. It renews its leases, gives up the campaigns whose lease another instance holds, takes
// over running campaigns whose lease expired, and feeds its campaigns the uplinks every instance
// puts into the shared inbox. The engine asks `mayAct` before each command it carries out.
import type { Logger } from 'pino';
import type { CampaignEngine } from '../campaign/engine.js';
import { FuotaError } from '../core/errors.js';
import type { Uplink } from '../campaign/ports.js';
import type { PostgresCampaignLeases } from '../store/postgres-campaign-leases.js';
import type { InboxUplink, PostgresUplinkInbox } from '../store/postgres-uplink-inbox.js';
import { isUplinkNotCommitted } from '../campaign/uplink-not-committed.js';
import type { EngineInlet } from './network-server-wiring.js';

/** What ownership uses of the engine, the leases and the inbox (the tests give fakes). */
export type OwnedEngine = Pick<CampaignEngine, 'runningCampaignIds' | 'view' | 'release' | 'resume' | 'retryOutboxes' | 'handleUplink' | 'acceptUplink' | 'idle' | 'downlinkFailed' | 'unicastQueuedCopy' | 'gatewayDutyCycleOverflow'>;
export type OwnershipLeases = Pick<PostgresCampaignLeases, 'owner' | 'leaseMs' | 'renew' | 'owners' | 'acquire' | 'release'>;
export type OwnershipInbox = Pick<PostgresUplinkInbox, 'put' | 'pending' | 'discard' | 'discardCampaigns'>;

export interface CampaignOwnershipOptions {
  engine: () => OwnedEngine;
  leases: OwnershipLeases;
  inbox: OwnershipInbox;
  /** The shared multicast group registry: re-read before a campaign is taken over (its groups were made elsewhere). */
  registry?: { flush(): Promise<void>; reload(): Promise<void> };
  /** How often the inbox is read for this instance's campaigns; default 500 ms. */
  inboxPollMs?: number;
  /** Monotonic ms (lease arithmetic must not jump with the wall clock); default performance.now. */
  monotonicMs?: () => number;
  /** Wall-clock ms stored with each inbox uplink. */
  wallMs?: () => number;
  /** Called for each campaign taken over (after engine.resume): e.g. status events announce it. */
  onTakenOver?: (campaignId: string) => void;
  log: Logger;
}

const DEFAULT_INBOX_POLL_MS = 500;
/** Failures that leave an inbox uplink where it is, to be read again. */
const RETRIED_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'STORE_BUSY', 'STORE_FAILED', 'CAMPAIGN_LEASE_LOST', 'STORE_CLOSED']);

export class CampaignOwnership {
  /** Until then (monotonic ms) the leases renewed last are surely still ours. */
  private validUntilMs = -Infinity;
  private readonly timers: NodeJS.Timeout[] = [];
  private tickRunning: Promise<void> | undefined;
  private drainRunning: Promise<void> | undefined;
  private drainAgain = false;
  private stopped = false;
  private readonly monotonicMs: () => number;
  private readonly wallMs: () => number;

  /** What the network server adapter reports to: uplinks go through the inbox, the rest to the engine (only the owner has the device). */
  readonly inlet: EngineInlet;

  constructor(private readonly options: CampaignOwnershipOptions) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.wallMs = options.wallMs ?? (() => Date.now());
    const engine = options.engine;
    this.inlet = {
      handleUplink: async (uplink: Uplink) => {
        const campaignId = await options.inbox.put(uplink, this.wallMs());
        if (campaignId !== undefined) this.drainSoon();
        return campaignId !== undefined;
      },
      downlinkFailed: (devEui, reason) => engine().downlinkFailed(devEui, reason),
      unicastQueuedCopy: (devEui, commandId) => engine().unicastQueuedCopy(devEui, commandId),
      gatewayDutyCycleOverflow: (overflow) => engine().gatewayDutyCycleOverflow(overflow),
    };
  }

  get instanceId(): string {
    return this.options.leases.owner;
  }

  /** The engine's mayAct: a command may go out only while this instance's leases are surely unexpired. */
  mayAct = (_campaignId: string): boolean => this.monotonicMs() < this.validUntilMs;

  /** Takes this instance's share of the running campaigns, then keeps the leases and the inbox going. */
  async start(): Promise<string[]> {
    const taken = await this.tick();
    const leaseMs = this.options.leases.leaseMs;
    // A third of the lease: two renewals may fail (a PostgreSQL hiccup) before the lease expires.
    this.every(Math.max(100, Math.floor(leaseMs / 3)), () => this.tickOnce());
    this.every(this.options.inboxPollMs ?? DEFAULT_INBOX_POLL_MS, () => this.drainSoon());
    // What waited while no instance (or this one before its restart) read the inbox.
    this.drainSoon();
    return taken;
  }

  /** Stops renewing, taking over and reading the inbox (before engine.close(); handBack() after it). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.tickRunning?.catch(() => undefined);
    await this.drainRunning?.catch(() => undefined);
  }

  /** Hands every lease back, so that another instance takes the campaigns at its next renewal instead of after leaseMs. */
  async handBack(): Promise<void> {
    this.validUntilMs = -Infinity;
    const held = this.options.engine().runningCampaignIds();
    await this.options.leases.release(held).catch((error: unknown) => this.options.log.warn({ err: error }, 'leases not released (they expire by themselves)'));
  }

  private every(periodMs: number, fn: () => void): void {
    const timer = setInterval(fn, periodMs);
    timer.unref();
    this.timers.push(timer);
  }

  private tickOnce(): void {
    if (this.stopped || this.tickRunning) return;
    this.tickRunning = this.tick()
      .then(() => undefined)
      .catch((error: unknown) => this.options.log.error({ err: error }, 'campaign leases not renewed (retried)'))
      .finally(() => (this.tickRunning = undefined));
  }

  /** Renews, gives up what is no longer ours, takes over what is free; returns the campaigns taken. */
  private async tick(): Promise<string[]> {
    const { leases, log } = this.options;
    const engine = this.options.engine();
    const startedMs = this.monotonicMs();
    const renewed = new Set(await leases.renew());
    // Each renewed lease runs until PostgreSQL's now() at the UPDATE plus leaseMs, which is later
    // than startedMs + leaseMs on any clock that measures durations right. A fifth of the lease is
    // kept back for a command that starts just before the limit and lands after it.
    const couldAct = this.mayAct('');
    this.validUntilMs = startedMs + leases.leaseMs * 0.8;
    // Commands held back while the lease was not known to be ours (a slow renewal) go out now.
    if (!couldAct && this.mayAct('')) void engine.retryOutboxes().catch((error: unknown) => log.error({ err: error }, 'held commands not carried out (retried)'));
    const running = engine.runningCampaignIds().filter((id) => !renewed.has(id));
    if (running.length > 0) {
      // Not renewed: created after the UPDATE's snapshot (still ours), or taken over by another instance.
      const owners = await leases.owners(running);
      for (const id of running) {
        if (owners.get(id) === leases.owner) continue;
        log.warn({ campaignId: id, owner: owners.get(id) ?? null, instanceId: leases.owner }, 'campaign lease lost: another instance drives it now');
        await engine.release(id);
      }
    }
    const finished = [...renewed].filter((id) => {
      const phase = engine.view(id)?.campaign.phase;
      return phase === 'completed' || phase === 'halted' || phase === 'cancelled';
    });
    await this.options.inbox.discardCampaigns(finished);
    await leases.release(finished);
    if (this.stopped) return [];
    const acquired = (await leases.acquire()).filter((id) => engine.view(id) === undefined);
    if (acquired.length > 0) {
      this.validUntilMs = Math.min(this.validUntilMs, startedMs + leases.leaseMs * 0.8);
      await this.options.registry?.flush();
      await this.options.registry?.reload();
    }
    for (const id of acquired) {
      await engine.resume(id);
      log.info({ campaignId: id, instanceId: leases.owner }, 'campaign taken over');
      this.options.onTakenOver?.(id);
    }
    if (acquired.length > 0) this.drainSoon();
    return acquired;
  }

  private drainSoon(): void {
    if (this.stopped) return;
    // An uplink kept while a drain finishes its last (empty) read would wait for the next poll: read once more.
    if (this.drainRunning) {
      this.drainAgain = true;
      return;
    }
    this.drainAgain = false;
    this.drainRunning = this.drain()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'uplink inbox not read (retried)'))
      .finally(() => {
        this.drainRunning = undefined;
        if (this.drainAgain) this.drainSoon();
      });
  }

  /** Feeds this instance's campaigns the uplinks waiting for them, oldest first. */
  private async drain(): Promise<void> {
    const engine = this.options.engine();
    for (;;) {
      const mine = engine.runningCampaignIds();
      if (!this.mayAct('') || mine.length === 0) return;
      const batch = await this.options.inbox.pending(mine);
      if (batch.length === 0) return;
      const unrouted: string[] = [];
      // The page in one group commit: the engine puts the uplinks accepted in one turn into one
      // transaction (up to its batch bound, above the page size), each inbox row taken out in it.
      // A refused transaction applied nothing: its uplinks go again one at a time, in order, so
      // that one taken meanwhile by another instance (UPLINK_ALREADY_CONSUMED) or one whose
      // transition throws does not hold back the rest.
      const accepted = await Promise.allSettled(batch.map(({ key, uplink }) => engine.acceptUplink(uplink, key)));
      const again: InboxUplink[] = [];
      accepted.forEach((outcome, i) => {
        const waiting = batch[i]!;
        if (outcome.status === 'fulfilled') {
          if (!outcome.value) unrouted.push(waiting.key);
        } else if (isUplinkNotCommitted(outcome.reason)) again.push(waiting);
        else this.refused(outcome.reason, waiting, unrouted);
      });
      for (const waiting of again) {
        if (this.stopped) return;
        try {
          if (!(await engine.handleUplink(waiting.uplink, waiting.key))) unrouted.push(waiting.key);
        } catch (error) {
          this.refused(error, waiting, unrouted);
        }
      }
      // The commands these transitions decided are tried before the next page (as one at a time did).
      await engine.idle();
      await this.options.inbox.discard(unrouted);
    }
  }

  /** An uplink the engine did not take: retried later (rethrown), already counted, or dropped. */
  private refused(error: unknown, { key, uplink }: InboxUplink, unrouted: string[]): void {
    const code = error instanceof FuotaError ? error.code : undefined;
    // The store is away or the lease went: the row waits (for us, or the next owner).
    if (code === undefined || RETRIED_CODES.has(code)) throw error;
    if (code === 'UPLINK_ALREADY_CONSUMED') return;
    // The transition itself refused this uplink: it would block every later one of the campaign.
    this.options.log.error({ err: error, devEui: uplink.devEui, inboxKey: key }, 'inbox uplink dropped: its transition failed');
    unrouted.push(key);
  }
}
