import { hexToBytes } from '../core/hex.js';
import type { FecEncoder } from '../fec/codec.js';
import { codecSpec, createEncoder } from '../fec/create-codec.js';
import { encodeDataFragment } from '../fec/data-fragment.js';
import type { ReedSolomonEngine } from '../fec/reed-solomon.js';
import type { FecScheme } from '../fec/scheme.js';
import type { CampaignCommand } from './commands.js';
import { isDeviceNotOnNetworkServer } from './device-not-on-network-server.js';
import type { LiveCampaign } from './live-campaign.js';
import type { CampaignStore, Clock, NetworkServer } from './ports.js';

// Carries out the commands of each campaign's outbox (engine.ts), off the state queue: each
// campaign flushes its own outbox, so an uplink never waits for another campaign's downlinks,
// and campaigns do not wait for each other's network server calls. A command that fails stays at
// the head of its campaign's outbox and is retried on its own exponential back-off; the commands
// decided meanwhile queue behind it (never a retry per uplink).

/** Wait of commands held back by the lease. */
export const COMMAND_RETRY_MS = 30_000;
const DEFAULT_COMMAND_RETRY_INITIAL_MS = 2_000;
const DEFAULT_COMMAND_RETRY_MAX_MS = 5 * 60_000;

export interface OutboxRunnerOptions {
  store: CampaignStore;
  network: NetworkServer;
  clock: Clock;
  /** As EngineOptions (engine.ts). */
  onCommandError?: (campaignId: string, command: CampaignCommand, error: unknown, streak: { attempts: number; retryInMs: number }) => void;
  onCommandRecovered?: (campaignId: string, command: CampaignCommand, attempts: number) => void;
  commandRetry?: { initialMs?: number; maxMs?: number };
  onError?: (campaignId: string, error: unknown) => void;
  mayAct?: (campaignId: string) => boolean;
}

/** What the runner asks of the engine. */
export interface OutboxRunnerHost {
  /** The campaign loaded now under `id` (a flush stops once its campaign is released). */
  live(id: string): LiveCampaign | undefined;
  /** The engine is closing: no more timers. */
  closed(): boolean;
  rsEngine(): ReedSolomonEngine | undefined;
  /** The network server does not know the device: the engine commits its permanent downlink failure. */
  deviceGone(id: string, devEui: string, reason: string): Promise<void>;
}

export class OutboxRunner {
  /** Outbox flushes running now (the engine's idle() and close() wait for them too). */
  private readonly flushes = new Set<Promise<void>>();

  constructor(
    private readonly options: OutboxRunnerOptions,
    private readonly host: OutboxRunnerHost,
  ) {}

  /** Flushes are running. */
  get running(): boolean {
    return this.flushes.size > 0;
  }

  /** Resolves when the flushes running now settled (not the back-off waits). */
  async settled(): Promise<void> {
    await Promise.all([...this.flushes]);
  }

  /** Resolves when the campaign's outbox flush (if one runs) settled; waits for no back-off. */
  async flushed(id: string | undefined): Promise<void> {
    if (id === undefined) return;
    const flushing = this.host.live(id)?.flushing;
    if (flushing) await flushing;
  }

  /** Starts the campaign's outbox flush unless one runs or the outbox waits (back-off, lease). */
  kick(id: string): void {
    const live = this.host.live(id);
    if (!live || live.flushing || live.held || live.outbox.length === 0) return;
    const flushing = this.flush(id, live).finally(() => {
      this.flushes.delete(flushing);
      if (live.flushing === flushing) delete live.flushing;
    });
    live.flushing = flushing;
    this.flushes.add(flushing);
  }

  /** Holds the outbox until `atMs`, then flushes it again. */
  private hold(id: string, live: LiveCampaign, reason: 'failure' | 'lease', delayMs: number): void {
    if (this.host.closed()) return;
    const cancel = this.options.clock.at(this.options.clock.now() + delayMs, () => {
      if (live.held?.cancel !== cancel) return;
      delete live.held;
      this.kick(id);
    });
    live.held = { reason, cancel };
  }

  /**
   * Carries out queued commands in order; stops at the first failure, which is retried on its own
   * back-off (exponential, capped). Never throws: a failure is reported through onCommandError.
   */
  private async flush(id: string, live: LiveCampaign): Promise<void> {
    const done: number[] = [];
    try {
      while (live.outbox.length > 0 && this.host.live(id) === live) {
        // Not known to hold the lease: the commands wait in the outbox for whoever owns it next.
        if (this.options.mayAct?.(id) === false) {
          this.hold(id, live, 'lease', COMMAND_RETRY_MS);
          break;
        }
        const item = live.outbox.peek()!;
        try {
          await this.execute(live, item.command);
        } catch (error) {
          if (item.command.type === 'unicast' && isDeviceNotOnNetworkServer(error)) {
            // Retrying cannot help: the command is done with, and the device fails with the cause.
            live.outbox.shift();
            done.push(item.seq);
            this.recovered(id, live, item.command);
            try {
              await this.host.deviceGone(id, item.command.devEui, error.message);
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

  private recovered(id: string, live: LiveCampaign, command: CampaignCommand): void {
    if (live.failures === 0) return;
    this.options.onCommandRecovered?.(id, command, live.failures);
    live.failures = 0;
  }

  private async execute(live: LiveCampaign, command: CampaignCommand): Promise<void> {
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

  private encoder(live: LiveCampaign, scheme: FecScheme): FecEncoder {
    let encoder = live.encoders.get(scheme);
    if (!encoder) {
      encoder = createEncoder(codecSpec(scheme, this.host.rsEngine()), live.ctx.block, live.ctx.layout.fragmentSizeBytes);
      live.encoders.set(scheme, encoder);
    }
    return encoder;
  }
}
