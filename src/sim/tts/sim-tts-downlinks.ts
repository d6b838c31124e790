import type { UnicastCommand } from '../../campaign/commands.js';
import { bytesToHex } from '../../core/hex.js';
import type { TtsDownlink } from './sim-tts-downlink.js';
import { SimTtsError } from './sim-tts-errors.js';
import { cappedPriority } from './sim-tts-events.js';
import type { TtsTxRequest } from './sim-tts-gateways.js';
import { ulid } from './sim-tts-messages.js';
import { eu868LoRa } from './sim-tts-ns-device.js';
import type { NsRecord } from './sim-tts-registry.js';
import type { SimTtsMulticastOptions } from './sim-tts-multicast.js';
import { uplinkChannel } from './sim-tts-uplink-channel.js';

// Pushing downlinks through the simulated Application Server to the Network Server's queue
// (pkg/applicationserver/applicationserver.go downlinkQueueOp, pkg/networkserver/grpc_asns.go
// DownlinkQueuePush/Replace and matchApplicationDownlinks, v3.32), and the class A path:
//   - unknown device at the AS → the error only (downlinkQueueOp returns device_not_found before
//     anything is published); an AS device without a session → no_device_session;
//   - the AS gives each item the session's next AFCntDown and an `as:downlink:` correlation id;
//   - the NS checks each item in order: FRMPayload ≤ 242 bytes (largest EU868 MACPayload − 8)
//     else application_downlink_too_long; multicast + confirmed → confirmed_multicast_downlink;
//     multicast without class_b_c.gateways → no_downlink_path; absolute_time before now + RX1
//     delay / 2 → downlink_expired; then more than 10 000 queued (downlink-queue-capacity; a
//     request of more than twice that at once) → downlink_queue_capacity;
//   - refused: the AS publishes down/failed for every item with the error's details
//     (registerDropDownlinks: ErrorDetailsToProto(err), attributes included) and returns the
//     error; accepted: down/queued for every item (registerForwardDownlinks);
//   - class A: the items wait for the device's next uplink (the SimNetworkServer's class A path);
//     at RX1 the Gateway Server is asked for RX1 on the uplink's channel, then RX2, on the
//     gateways that heard the uplink in order; all refusing (duty cycle …) keeps the item queued
//     for the next uplink ("retry attempt", no event); on air → down/sent.

export const DOWNLINK_QUEUE_CAPACITY = 10_000;
/** EU868 DR7 MACPayload 250 − 8 (grpc_asns.go maxDownLen). */
export const MAX_FRM_PAYLOAD_BYTES = 242;
const LORAWAN_OVERHEAD_BYTES = 13;

/** The parts the class B/C scheduler shares, and: */
export interface SimTtsDownlinksOptions extends SimTtsMulticastOptions {
  /** A multicast device's queue changed (the class B/C scheduler looks again). */
  wakeMulticast: (deviceId: string) => void;
}

export class SimTtsDownlinks {
  /** Uplink frame counters per DevEUI (the uplink publisher keeps them; RX1 uses the last uplink's channel). */
  readonly fCntUp = new Map<string, number>();
  private readonly unicasts = new Map<string, { deviceId: string; downlink: TtsDownlink }>();
  /** The gateway that took each class A item at RX1. */
  private readonly sentVia = new Map<string, string[]>();
  private seq = 0;

  constructor(private readonly options: SimTtsDownlinksOptions) {}

  attach(): void {
    const { network } = this.options;
    network.unicastTxAckStatus = (command) => this.classATx(command);
    network.onUnicastSent = (command) => this.classASent(command);
    network.onUnicastRefused = () => {};
    network.dropQueuedUnicast = (command) => {
      if (this.isQueued(command)) return false;
      this.unicasts.delete(command.id);
      return true;
    };
  }

  detach(): void {
    const { network } = this.options;
    network.unicastTxAckStatus = () => 'OK';
    network.onUnicastSent = () => {};
    network.dropQueuedUnicast = () => false;
  }

  /** The NS queue of a device (GET …/down). */
  queue(deviceId: string): TtsDownlink[] {
    const ns = this.options.registry.ns.get(deviceId);
    if (!ns) throw new SimTtsError('nsDeviceNotFound');
    return [...ns.queue];
  }

  /** Push (append) or replace; throws the TTS error the caller sees. */
  enqueue(deviceId: string, downlinks: TtsDownlink[], mode: 'push' | 'replace'): void {
    const { registry, clock, stats, emit } = this.options;
    stats.pushes++;
    const as = registry.as.get(deviceId);
    if (!as) throw new SimTtsError('asDeviceNotFound', { device_uid: deviceId });
    let fCnt = as.lastAFCntDown === undefined ? 0 : as.lastAFCntDown + 1;
    const sessionKeyId = sessionKeyIdOf(as.device);
    const items = downlinks.map((d) => ({
      ...d, fCnt: fCnt++, correlationIds: [...d.correlationIds, `as:downlink:${ulid(clock.now())}`], ...(sessionKeyId ? { sessionKeyId } : {}),
    }));
    try {
      if (!isObject(as.device['session'])) throw new SimTtsError('noDeviceSession');
      const ns = registry.ns.get(deviceId);
      if (!ns) throw new SimTtsError('nsDeviceNotFound');
      if (items.length > 2 * DOWNLINK_QUEUE_CAPACITY) throw new SimTtsError('queueCapacity');
      for (const item of items) this.check(ns, item);
      const next = mode === 'replace' ? items : [...ns.queue, ...items];
      if (next.length > DOWNLINK_QUEUE_CAPACITY) throw new SimTtsError('queueCapacity');
      ns.queue = next;
      if (items.length > 0) as.lastAFCntDown = fCnt - 1;
      for (const item of items) {
        stats.queued++;
        emit({ kind: 'queued', deviceId, downlink: item });
      }
      if (ns.profile.multicast) this.options.wakeMulticast(deviceId);
      else if (ns.fleetDevEui) for (const item of items) void this.options.network.sendUnicast(this.unicastOf(deviceId, ns.fleetDevEui, item));
    } catch (error) {
      if (error instanceof SimTtsError) {
        for (const item of items) {
          stats.failed++;
          emit({ kind: 'failed', deviceId, downlink: item, error });
        }
      }
      throw error;
    }
  }

  private check(ns: NsRecord, item: TtsDownlink): void {
    const now = this.options.clock.now();
    if (item.frmPayload.length > MAX_FRM_PAYLOAD_BYTES) throw new SimTtsError('downlinkTooLong', { length: item.frmPayload.length, max: MAX_FRM_PAYLOAD_BYTES });
    if (ns.profile.multicast && item.confirmed) throw new SimTtsError('confirmedMulticast');
    if (ns.profile.multicast && (item.classBC?.gateways.length ?? 0) === 0) throw new SimTtsError('noPath');
    const absolute = item.classBC?.absoluteTimeMs;
    if (absolute !== undefined && absolute < now + ns.profile.rx1DelayMs / 2) throw new SimTtsError('downlinkExpired');
  }

  private unicastOf(deviceId: string, devEui: string, downlink: TtsDownlink): UnicastCommand {
    const id = `tts:${deviceId}:${this.seq++}`;
    this.unicasts.set(id, { deviceId, downlink });
    return { type: 'unicast', id, devEui, fPort: downlink.fPort, payloadHex: bytesToHex(downlink.frmPayload) };
  }

  private isQueued(command: UnicastCommand): boolean {
    const entry = this.unicasts.get(command.id);
    if (!entry) return true; // not ours
    // Replaced (or the device deleted) since: the network drops it at the device's next uplink.
    return this.options.registry.ns.get(entry.deviceId)?.queue.includes(entry.downlink) ?? false;
  }

  /** At RX1: the Gateway Server's answer for RX1, then RX2, on the gateways that heard the uplink. */
  private classATx(command: UnicastCommand): string {
    const entry = this.unicasts.get(command.id);
    if (!entry) return 'OK';
    if (!this.isQueued(command)) return 'REPLACED';
    const { network, gateways, clock, registry, stats } = this.options;
    const ns = registry.ns.get(entry.deviceId)!;
    const heardBy = (network.lastUplinkGateways(command.devEui) ?? []).flatMap((g) => gateways.ttsIdOf(g) ?? []);
    const rx1 = uplinkChannel(Math.max(0, (this.fCntUp.get(command.devEui) ?? 1) - 1));
    const rx2 = { frequencyHz: ns.profile.rx2FrequencyHz, ...eu868LoRa(ns.profile.rx2DataRateIndex) };
    const phyPayloadBytes = entry.downlink.frmPayload.length + LORAWAN_OVERHEAD_BYTES;
    const priority = cappedPriority(entry.downlink.priority);
    let refusal = 'NO_PATH';
    for (const [window, offsetMs] of [[rx1, 0], [rx2, 1000]] as const) {
      for (const gatewayId of heardBy) {
        const request: TtsTxRequest = { ...window, phyPayloadBytes, priority, relativeTimeMs: clock.now() + offsetMs };
        const result = gateways.schedule(gatewayId, request);
        if (result.ok) {
          this.sentVia.set(command.id, [gatewayId]);
          return 'OK';
        }
        if (result.error.definition.name === 'duty_cycle') stats.dutyCycleRefusals++;
        refusal = result.error.definition.name.toUpperCase();
      }
    }
    return refusal;
  }

  private classASent(command: UnicastCommand): void {
    const entry = this.unicasts.get(command.id);
    if (!entry) return;
    this.unicasts.delete(command.id);
    const ns = this.options.registry.ns.get(entry.deviceId);
    if (ns) {
      ns.queue = ns.queue.filter((d) => d !== entry.downlink);
      ns.downlinksSent++;
    }
    this.options.stats.sent++;
    const gatewayIds = this.sentVia.get(command.id) ?? [];
    this.sentVia.delete(command.id);
    this.options.emit({ kind: 'sent', deviceId: entry.deviceId, downlink: entry.downlink, gatewayIds });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sessionKeyIdOf(device: Record<string, unknown>): string | undefined {
  const session = device['session'];
  const keys = typeof session === 'object' && session !== null ? (session as Record<string, unknown>)['keys'] : undefined;
  const id = typeof keys === 'object' && keys !== null ? (keys as Record<string, unknown>)['session_key_id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}
