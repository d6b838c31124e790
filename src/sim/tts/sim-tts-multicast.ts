import { gpsMsToUnixMs, unixMsToGpsMs } from '../../core/gps-time.js';
import { nextPingSlotAfterGpsMs } from '../chirpstack/sim-chirpstack-class-b.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';
import type { TtsDownlink } from './sim-tts-downlink.js';
import { bareError, type SimTtsError } from './sim-tts-errors.js';
import { cappedPriority, type SimTtsDownlinkEvent, type SimTtsStats } from './sim-tts-events.js';
import { SCHEDULE_TIME_SHORT_MS, type SimTtsGateways, type TtsTxRequest } from './sim-tts-gateways.js';
import { eu868LoRa } from './sim-tts-ns-device.js';
import type { NsRecord, SimTtsRegistry } from './sim-tts-registry.js';

// The Network Server's class B/C downlinks of multicast devices (pkg/networkserver/downlink.go
// attemptClassBCDataDownlink, v3.32), one downlink task per device, head of the queue first:
//   - when: class C with absolute_time at that time; class C without, as soon as possible but
//     class_b_c_downlink_interval after the previous transmission's start; class B at the next
//     ping slot of the device's DevAddr (LoRaWAN 1.0.4 §14.1.1, the spec's formula in
//     sim-chirpstack-class-b.ts) after the same spacing, or at absolute_time when the item has one
//     (the NS takes an application time as the slot). The NS hands the request to the Gateway
//     Server NS_LEAD_MS before a fixed time;
//   - an item whose absolute_time has passed is dropped with down/failed downlink_expired;
//   - paths: the item's class_b_c.gateways grouped by group_index; per group the first gateway
//     (in order) that accepts (sim-tts-gateways.ts) transmits — one per group, all groups at once;
//   - every group failing: with an absolute_time and only Aborted / ResourceExhausted /
//     FailedPrecondition / AlreadyExists path errors → down/failed `absolute_time`; else with
//     only NotFound / DataLoss / FailedPrecondition errors → down/failed `fixed_paths` (both the
//     bare NS definition: no cause, ErrorDetailsToProto(errInvalidAbsoluteTime)); otherwise the
//     item stays at the head and the task retries RETRY_MS later;
//   - on air: an unconfirmed data down to the device's DevAddr with the AS's AppSKey and the NS's
//     FNwkSIntKey, FCnt = the item's (the AS's AFCntDown), through the SimNetworkServer's
//     multicast path; then down/sent.

export const NS_LEAD_MS = 1_000;
export const RETRY_MS = 1_000;

const NON_RETRYABLE_ABSOLUTE_TIME = new Set([10, 8, 9, 6]);
const NON_RETRYABLE_FIXED_PATH = new Set([5, 15, 9]);

export interface SimTtsMulticastOptions {
  network: SimNetworkServer;
  clock: SimClock;
  registry: SimTtsRegistry;
  gateways: SimTtsGateways;
  stats: SimTtsStats;
  emit: (event: SimTtsDownlinkEvent) => void;
}

export class SimTtsMulticast {
  private readonly tasks = new Map<string, { atMs: number; cancel: () => void }>();
  private seq = 0;
  private stopped = false;

  constructor(private readonly options: SimTtsMulticastOptions) {
    options.gateways.onOnline(() => {
      for (const { deviceId } of options.registry.multicastDevices()) this.wake(deviceId);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const task of this.tasks.values()) task.cancel();
    this.tasks.clear();
  }

  /** Looks at the device's queue head and (re)schedules its task. */
  wake(deviceId: string): void {
    if (this.stopped) return;
    const ns = this.options.registry.ns.get(deviceId);
    const head = ns?.queue[0];
    const existing = this.tasks.get(deviceId);
    if (!ns || !head) {
      existing?.cancel();
      this.tasks.delete(deviceId);
      return;
    }
    const atMs = Math.max(this.options.clock.now(), this.attemptAtMs(ns, head));
    if (existing && existing.atMs <= atMs) return;
    existing?.cancel();
    const cancel = this.options.clock.at(atMs, () => {
      this.tasks.delete(deviceId);
      this.attempt(deviceId);
    });
    this.tasks.set(deviceId, { atMs, cancel });
  }

  private spacedFromMs(ns: NsRecord): number {
    return ns.lastTxStartMs === undefined ? this.options.clock.now() : ns.lastTxStartMs + ns.profile.classBCDownlinkIntervalMs;
  }

  /** When the NS hands the head item to the Gateway Server. */
  private attemptAtMs(ns: NsRecord, head: TtsDownlink): number {
    const absolute = head.classBC?.absoluteTimeMs;
    if (absolute !== undefined) return absolute - NS_LEAD_MS;
    if (ns.profile.deviceClass === 'B') return this.pingSlotMs(ns, Math.max(this.options.clock.now() + NS_LEAD_MS, this.spacedFromMs(ns))) - NS_LEAD_MS;
    // The Gateway Server puts an "as soon as possible" downlink ScheduleTimeShort after the
    // request: asked that much before, the TX starts class_b_c_downlink_interval after the last.
    return ns.lastTxStartMs === undefined ? this.options.clock.now() : this.spacedFromMs(ns) - SCHEDULE_TIME_SHORT_MS;
  }

  private pingSlotMs(ns: NsRecord, afterMs: number): number {
    const devAddr = parseInt(ns.profile.devAddrHex ?? '0', 16);
    return gpsMsToUnixMs(nextPingSlotAfterGpsMs(unixMsToGpsMs(afterMs), devAddr, ns.profile.pingSlotPeriodicity ?? 7));
  }

  private attempt(deviceId: string): void {
    const { registry, clock, gateways, stats } = this.options;
    const ns = registry.ns.get(deviceId);
    const head = ns?.queue[0];
    if (!ns || !head) return;
    const now = clock.now();
    const absolute = head.classBC?.absoluteTimeMs;
    if (absolute !== undefined && absolute < now) return this.fail(deviceId, ns, head, bareError('downlinkExpired'));
    // A task set for an earlier head (the queue was replaced since): not this item's time yet.
    const notBeforeMs = absolute !== undefined ? absolute - NS_LEAD_MS : ns.profile.deviceClass === 'C' && ns.lastTxStartMs !== undefined ? this.spacedFromMs(ns) - SCHEDULE_TIME_SHORT_MS : now;
    if (notBeforeMs > now) return this.wake(deviceId);
    const { profile } = ns;
    const classB = profile.deviceClass === 'B';
    const window = classB ? { frequencyHz: profile.pingSlotFrequencyHz, ...eu868LoRa(profile.pingSlotDataRateIndex) } : { frequencyHz: profile.rx2FrequencyHz, ...eu868LoRa(profile.rx2DataRateIndex) };
    const fixedMs = absolute ?? (classB ? this.pingSlotMs(ns, Math.max(now + SCHEDULE_TIME_SHORT_MS, this.spacedFromMs(ns))) : undefined);
    const request: TtsTxRequest = {
      ...window, phyPayloadBytes: head.frmPayload.length + 13, priority: cappedPriority(head.priority), ...(fixedMs === undefined ? {} : { absoluteTimeMs: fixedMs }),
    };
    const groups = new Map<number, string[]>();
    for (const path of head.classBC?.gateways ?? []) groups.set(path.groupIndex, [...(groups.get(path.groupIndex) ?? []), path.gatewayId]);
    const booked: Array<{ gatewayId: string; startMs: number }> = [];
    const errors: SimTtsError[] = [];
    for (const ids of groups.values()) {
      for (const gatewayId of ids) {
        const result = gateways.schedule(gatewayId, request);
        if (result.ok) {
          booked.push({ gatewayId, startMs: result.startMs });
          break;
        }
        if (result.error.definition.name === 'duty_cycle') stats.dutyCycleRefusals++;
        errors.push(result.error);
      }
    }
    if (booked.length === 0) {
      const codes = errors.map((e) => e.grpcCode);
      if (absolute !== undefined && codes.every((c) => NON_RETRYABLE_ABSOLUTE_TIME.has(c))) return this.fail(deviceId, ns, head, bareError('invalidAbsoluteTime'));
      if (codes.every((c) => NON_RETRYABLE_FIXED_PATH.has(c))) return this.fail(deviceId, ns, head, bareError('invalidFixedPaths'));
      const cancel = clock.at(now + RETRY_MS, () => {
        this.tasks.delete(deviceId);
        this.attempt(deviceId);
      });
      this.tasks.set(deviceId, { atMs: now + RETRY_MS, cancel });
      return;
    }
    ns.queue = ns.queue.slice(1);
    const startMs = Math.min(...booked.map((b) => b.startMs));
    ns.lastTxStartMs = startMs;
    this.transmit(deviceId, ns, head, booked, window.frequencyHz, window.spreadingFactor);
    this.wake(deviceId);
  }

  private fail(deviceId: string, ns: NsRecord, head: TtsDownlink, error: SimTtsError): void {
    ns.queue = ns.queue.filter((d) => d !== head);
    this.options.stats.failed++;
    this.options.emit({ kind: 'failed', deviceId, downlink: head, error });
    this.wake(deviceId);
  }

  /** Each booked gateway transmits at its start: one broadcast per start time through the fleet's network. */
  private transmit(deviceId: string, ns: NsRecord, item: TtsDownlink, booked: Array<{ gatewayId: string; startMs: number }>, frequencyHz: number, spreadingFactor: number): void {
    const { network, registry, clock, gateways, stats, emit } = this.options;
    const appSKeyHex = registry.as.get(deviceId)?.appSKeyHex ?? '00'.repeat(16);
    const byStart = new Map<number, string[]>();
    for (const b of booked) byStart.set(b.startMs, [...(byStart.get(b.startMs) ?? []), gateways.fleetIdOf(b.gatewayId) ?? b.gatewayId]);
    for (const [startMs, fleetIds] of byStart) {
      const groupName = `tts:${deviceId}:${item.fCnt ?? 0}:${this.seq++}`;
      void network.createMulticastGroup({
        type: 'create-multicast-group', groupName, mcAddr: parseInt(ns.profile.devAddrHex ?? '0', 16),
        mcAppSKeyHex: appSKeyHex, mcNwkSKeyHex: ns.profile.fNwkSIntKeyHex ?? '00'.repeat(16), deviceClass: ns.profile.deviceClass === 'B' ? 'B' : 'C',
        dr: 12 - spreadingFactor, frequencyHz, periodicity: ns.profile.pingSlotPeriodicity ?? 0, devEuis: [], gateways: fleetIds,
      });
      void network.sendMulticast({ id: groupName, groupName, fPort: item.fPort, payload: item.frmPayload, atMs: startMs, fCnt: item.fCnt ?? 0 });
      void network.deleteMulticastGroup(groupName);
    }
    const firstStartMs = Math.min(...byStart.keys());
    clock.at(firstStartMs, () => {
      ns.downlinksSent++;
      stats.sent++;
      emit({ kind: 'sent', deviceId, downlink: item, gatewayIds: booked.map((b) => b.gatewayId) });
    });
  }
}
