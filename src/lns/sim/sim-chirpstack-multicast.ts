import { randomUUID } from 'node:crypto';
import { bytesToHex } from '../../core/hex.js';
import { gpsMsToUnixMs, unixMsToGpsMs } from '../../core/gps-time.js';
import { nextPingSlotAfterGpsMs } from './sim-chirpstack-class-b.js';
import { notFound, alreadyExists, checkQueueFPort, validationError } from './sim-chirpstack-status.js';
import type { SimClock } from './sim-clock.js';
import type { SimNetworkServer } from './sim-network-server.js';

// ChirpStack v4's multicast groups and their queue (storage/multicast.rs, downlink/multicast.rs),
// on top of a SimNetworkServer that carries the frames to the simulated devices:
//   - enqueue writes one queue row per gateway (the group's gateways; without any, ChirpStack
//     computes a minimal set from the devices' last uplinks: here every gateway of the sim) and
//     returns the group's f_cnt, then increments it (also when no row was written);
//   - class C: the rows run at max(run-after of the group's rows still queued) + margin, or now
//     when none is queued; DELAY adds one margin per gateway, GPS_TIME adds one margin and gives
//     all gateways that emit time. ChirpStack keeps a sent row until the gateway acks it (and
//     pushes its run-after 2 scheduler intervals on when it picks it), so an item enqueued just
//     after the previous one went out still waits a margin: the sim remembers the group's last
//     run time instead (never earlier than last run + margin);
//   - class B: the next ping slot of McAddr after the latest queued emit time, or after
//     now + class B margin;
//   - a row leaves the queue when it is sent (ChirpStack: when the gateway acks, success or not);
//     an expired row is dropped unsent; the group gets no integration events;
//   - delete removes the group at once; its queued rows go with it (ON DELETE CASCADE), unsent;
//   - an emission reaches the members of that moment through a one-off SimNetworkServer group;
//     with DELAY, a device in range of two gateways hears the frame twice, as on air (a device
//     drops the repeat by FCnt; SimDevice does not check FCnt).
// Not emulated: the scheduler's 1 s polling, payload-size and duty-cycle rejections by gateways,
// the device/gateway-in-same-tenant checks, Update/List/Remove*.

export interface SimMulticastGroup {
  id: string;
  name: string;
  applicationId: string;
  /** common.Region enum value, as received. */
  region: number;
  mcAddr: number;
  mcNwkSKeyHex: string;
  mcAppSKeyHex: string;
  /** f_cnt of the next item. */
  fCnt: number;
  groupType: 'C' | 'B';
  dr: number;
  frequencyHz: number;
  classCSchedulingType: 'DELAY' | 'GPS_TIME';
  classBPingSlotPeriodicity: number;
  devEuis: Set<string>;
  gatewayIds: Set<string>;
  queue: SimQueueRow[];
  /** When the group's last row went out (or was dropped as expired). */
  lastRunAtMs?: number;
}

export interface SimQueueRow {
  fCnt: number;
  fPort: number;
  data: Uint8Array;
  gatewayId: string;
  /** When it goes out (ChirpStack's scheduler_run_after; for class B and GPS_TIME, the emit time). */
  runAtMs: number;
  emitAtGpsMs?: number;
  expiresAtMs?: number;
  cancel: () => void;
}

/** One emission, kept for tests: what went out (or was dropped) when. */
export interface SimMulticastEmission {
  groupId: string;
  fCnt: number;
  gatewayIds: string[];
  atMs: number;
  outcome: 'sent' | 'expired';
}

export interface SimMulticastOptions {
  network: SimNetworkServer;
  clock: SimClock;
  /** Gateway ids (EUI-64 hex) known to the sim; also the gateway names of SimNetworkServer.addDevice. */
  gateways: readonly string[];
  /** Known application ids; when given, others are NOT_FOUND. */
  applicationIds?: readonly string[];
  /** ChirpStack's `network.scheduler.multicast_class_c_margin` (default 5 s). */
  classCMarginMs: number;
  /** ChirpStack's `multicast_class_b_margin` (default 5 s). */
  classBMarginMs: number;
}

export type NewMulticastGroup = Omit<SimMulticastGroup, 'id' | 'devEuis' | 'gatewayIds' | 'queue' | 'lastRunAtMs'>;

export class SimChirpstackMulticast {
  readonly emissions: SimMulticastEmission[] = [];
  private readonly groups = new Map<string, SimMulticastGroup>();
  private transientSeq = 0;

  constructor(private readonly options: SimMulticastOptions) {}

  create(spec: NewMulticastGroup): string {
    if (spec.name === '') throw validationError('name is not set');
    if (this.options.applicationIds && !this.options.applicationIds.includes(spec.applicationId)) throw notFound(spec.applicationId);
    const id = randomUUID();
    this.groups.set(id, { ...spec, id, devEuis: new Set(), gatewayIds: new Set(), queue: [] });
    return id;
  }

  get(id: string): SimMulticastGroup {
    const group = this.groups.get(id);
    if (!group) throw notFound(id);
    return group;
  }

  has(id: string): boolean {
    return this.groups.has(id);
  }

  addDevice(id: string, devEui: string): void {
    if (!this.options.network.device(devEui)) throw notFound(devEui);
    const group = this.get(id);
    if (group.devEuis.has(devEui)) throw alreadyExists('');
    group.devEuis.add(devEui);
  }

  addGateway(id: string, gatewayId: string): void {
    if (!this.options.gateways.includes(gatewayId)) throw notFound(gatewayId);
    const group = this.get(id);
    if (group.gatewayIds.has(gatewayId)) throw alreadyExists('');
    group.gatewayIds.add(gatewayId);
  }

  /** Returns the item's f_cnt. */
  enqueue(id: string, item: { fPort: number; data: Uint8Array; expiresAtMs?: number }): number {
    checkQueueFPort(item.fPort);
    const group = this.get(id);
    const fCnt = group.fCnt;
    group.fCnt = (group.fCnt + 1) % 2 ** 32;
    const gatewayIds = group.gatewayIds.size > 0 ? [...group.gatewayIds] : [...this.options.gateways];
    const base = { fCnt, fPort: item.fPort, data: item.data, ...(item.expiresAtMs !== undefined ? { expiresAtMs: item.expiresAtMs } : {}) };
    const rows: SimQueueRow[] = group.groupType === 'B' ? this.classBRows(group, gatewayIds, base) : this.classCRows(group, gatewayIds, base);
    group.queue.push(...rows);
    // Rows that go out at the same instant are one emission (GPS_TIME, class B).
    const byTime = new Map<number, SimQueueRow[]>();
    for (const row of rows) byTime.set(row.runAtMs, [...(byTime.get(row.runAtMs) ?? []), row]);
    for (const [atMs, batch] of byTime) {
      const cancel = this.options.clock.at(atMs, () => this.emit(group, batch));
      for (const row of batch) row.cancel = cancel;
    }
    return fCnt;
  }

  /** Rows still queued, one per f_cnt (ChirpStack's ListQueue deduplicates the per-gateway rows). */
  listQueue(id: string): SimQueueRow[] {
    const seen = new Set<number>();
    return this.get(id).queue.filter((row) => !seen.has(row.fCnt) && seen.add(row.fCnt));
  }

  flushQueue(id: string): void {
    const group = this.get(id);
    for (const row of group.queue) row.cancel();
    group.queue = [];
  }

  /** Deletes at once, like ChirpStack: queued rows are dropped unsent. */
  delete(id: string): void {
    this.flushQueue(id);
    this.groups.delete(id);
  }

  private classCRows(group: SimMulticastGroup, gatewayIds: string[], base: Omit<SimQueueRow, 'gatewayId' | 'runAtMs' | 'cancel'>): SimQueueRow[] {
    const margin = this.options.classCMarginMs;
    const now = this.options.clock.now();
    let runAtMs = group.queue.length > 0 ? Math.max(...group.queue.map((r) => r.runAtMs)) + margin : Math.max(now, (group.lastRunAtMs ?? -Infinity) + margin);
    if (group.classCSchedulingType === 'GPS_TIME') {
      // ChirpStack adds a margin: asking the gateway to send "now" would be too late.
      runAtMs += margin;
      const emitAtGpsMs = unixMsToGpsMs(runAtMs);
      return gatewayIds.map((gatewayId) => ({ ...base, gatewayId, runAtMs, emitAtGpsMs, cancel: noop }));
    }
    return gatewayIds.map((gatewayId, i) => ({ ...base, gatewayId, runAtMs: runAtMs + i * margin, cancel: noop }));
  }

  private classBRows(group: SimMulticastGroup, gatewayIds: string[], base: Omit<SimQueueRow, 'gatewayId' | 'runAtMs' | 'cancel'>): SimQueueRow[] {
    const queued = group.queue.map((r) => r.emitAtGpsMs ?? unixMsToGpsMs(r.runAtMs));
    const afterGpsMs = queued.length > 0 ? Math.max(...queued) : unixMsToGpsMs(this.options.clock.now() + this.options.classBMarginMs);
    const emitAtGpsMs = nextPingSlotAfterGpsMs(afterGpsMs, group.mcAddr, group.classBPingSlotPeriodicity);
    const runAtMs = gpsMsToUnixMs(emitAtGpsMs);
    return gatewayIds.map((gatewayId) => ({ ...base, gatewayId, runAtMs, emitAtGpsMs, cancel: noop }));
  }

  /** The gateways transmit: the rows leave the queue and the simulated network carries the frame. */
  private emit(group: SimMulticastGroup, rows: SimQueueRow[]): void {
    group.queue = group.queue.filter((row) => !rows.includes(row));
    const { clock, network } = this.options;
    const first = rows[0]!;
    const gatewayIds = rows.map((r) => r.gatewayId);
    const atMs = clock.now();
    group.lastRunAtMs = atMs;
    if (first.expiresAtMs !== undefined && first.expiresAtMs < atMs) {
      this.emissions.push({ groupId: group.id, fCnt: first.fCnt, gatewayIds, atMs, outcome: 'expired' });
      return;
    }
    // A one-off SimNetworkServer group per emission: the members and gateways of this moment.
    const name = `chirpstack:${group.id}:${first.fCnt}:${this.transientSeq++}`;
    void network.createMulticastGroup({
      type: 'create-multicast-group',
      groupName: name,
      mcAddr: group.mcAddr,
      mcAppSKeyHex: group.mcAppSKeyHex,
      mcNwkSKeyHex: group.mcNwkSKeyHex,
      deviceClass: group.groupType,
      dr: group.dr,
      frequencyHz: group.frequencyHz,
      periodicity: group.classBPingSlotPeriodicity,
      devEuis: [...group.devEuis],
      gateways: gatewayIds,
    });
    // On air with the group's own counter (MulticastGroupQueueItem.f_cnt).
    void network.sendMulticast({ id: `${group.id}:${first.fCnt}`, groupName: name, fPort: first.fPort, payload: first.data, atMs, fCnt: first.fCnt });
    void network.deleteMulticastGroup(name);
    this.emissions.push({ groupId: group.id, fCnt: first.fCnt, gatewayIds, atMs, outcome: 'sent' });
  }
}

function noop(): void {}

/** McAddr as ChirpStack shows it (DevAddr Display: hex, MSB first). */
export function mcAddrHex(group: SimMulticastGroup): string {
  return bytesToHex(Uint8Array.of(group.mcAddr >>> 24, (group.mcAddr >>> 16) & 0xff, (group.mcAddr >>> 8) & 0xff, group.mcAddr & 0xff));
}
