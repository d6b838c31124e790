import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { bytesToHex } from '../../core/hex.js';
import { gpsMsToUnixMs, unixMsToGpsMs } from '../../core/gps-time.js';
import { nextPingSlotAfterGpsMsForPingNb } from './sim-chirpstack-class-b.js';
import { minimumGatewaySet } from './sim-chirpstack-gateway-set.js';
import type { SimChirpstackGateways } from './sim-chirpstack-gateways.js';
import { DEFAULT_SCHEDULER_INTERVAL_MS, SimMulticastScheduler } from './sim-chirpstack-multicast-scheduler.js';
import type { SimMulticastEmission, SimMulticastGroup, SimQueueRow } from './sim-chirpstack-multicast-types.js';
import { checkQueueFPort, notFound, SimGrpcStatus, validationError } from './sim-chirpstack-status.js';
import { classBPingNb, DEFAULT_SIM_CHIRPSTACK_VERSION, hasMulticastExpiry, parseSimChirpstackVersion, type SimChirpstackVersion } from './sim-chirpstack-version.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';

export type { SimMulticastEmission, SimMulticastGroup, SimMulticastOutcome, SimQueueRow } from './sim-chirpstack-multicast-types.js';

// ChirpStack v4's multicast groups and their queue (storage/multicast.rs, downlink/multicast.rs),
// on top of a SimNetworkServer that carries the frames to the simulated devices. Enqueue writes
// one queue row per gateway and returns the group's f_cnt, then increments it (also when no row
// was written) (storage/multicast.rs enqueue):
//   - the gateways: the group's own; without any, the minimum set covering the members' last
//     uplinks (sim-chirpstack-gateway-set.ts); members that never sent an uplink: no row at all;
//   - class C: run-after = max(run-after of the group's rows still queued) + margin, or now when
//     none; DELAY adds one margin per further gateway, GPS_TIME adds one margin and gives all
//     gateways that time as emit time;
//   - class B: the next ping slot of McAddr after the latest queued emit time, or after now +
//     class B margin; run-after = emit time − 2 scheduler intervals;
//   - delete removes the group at once; its queued rows go with it (ON DELETE CASCADE), unsent.
// What happens to a row then is the scheduler's (sim-chirpstack-multicast-scheduler.ts). The
// group gets no integration events. Not emulated: the device/gateway-in-same-tenant checks,
// Update, Remove*, and the gateway's own refusals of an in-time frame (duty cycle, overlapping
// immediate downlinks: with a class C margin below the scheduler interval, rows due in one
// interval all go out at its tick, all heard).

export interface SimMulticastOptions {
  network: SimNetworkServer;
  clock: SimClock;
  gateways: SimChirpstackGateways;
  /** Known application ids; when given, others are NOT_FOUND. */
  applicationIds?: readonly string[];
  /** ChirpStack's `network.scheduler.multicast_class_c_margin` (default 5 s). */
  classCMarginMs: number;
  /** ChirpStack's `multicast_class_b_margin` (default 5 s). */
  classBMarginMs: number;
  /** ChirpStack's `network.scheduler.interval` (default 1 s). */
  schedulerIntervalMs?: number;
  /** Default 4.19.0. */
  version?: SimChirpstackVersion;
}

/** Create's input: the group as received (field 12 only from a v4.0–4.7 client). */
export type NewMulticastGroup = Omit<SimMulticastGroup, 'id' | 'createdAtMs' | 'classBPingNb' | 'devEuis' | 'gatewayIds' | 'queue'>;

export interface SimMulticastListFilter {
  applicationId?: string;
  /** Case-insensitive substring of the name (ilike %search%). */
  search?: string;
  /** Only groups this device is a member of (v4.19 ListMulticastGroupsRequest.dev_eui). */
  devEui?: string;
  limit: number;
  offset: number;
}

type RowBase = Omit<SimQueueRow, 'gatewayId' | 'runAfterMs' | 'state'>;

/** A repeated member: the insert hits the table's primary key (Postgres' words). */
function duplicateKey(table: string): SimGrpcStatus {
  return new SimGrpcStatus(GrpcStatus.INTERNAL, `duplicate key value violates unique constraint "${table}_pkey"`);
}

export class SimChirpstackMulticast {
  readonly emissions: SimMulticastEmission[] = [];
  /** ChirpStack's server-side log lines about rows it drops or cannot schedule. */
  readonly serverLog: string[] = [];
  readonly version: SimChirpstackVersion;
  private readonly groups = new Map<string, SimMulticastGroup>();
  private readonly scheduler: SimMulticastScheduler;
  private readonly intervalMs: number;

  constructor(private readonly options: SimMulticastOptions) {
    this.version = options.version ?? parseSimChirpstackVersion(DEFAULT_SIM_CHIRPSTACK_VERSION);
    this.intervalMs = options.schedulerIntervalMs ?? DEFAULT_SCHEDULER_INTERVAL_MS;
    this.scheduler = new SimMulticastScheduler({
      ...options, version: this.version, schedulerIntervalMs: this.intervalMs, groups: () => this.groups.values(), emissions: this.emissions, serverLog: this.serverLog,
    });
  }

  get gateways(): SimChirpstackGateways {
    return this.options.gateways;
  }

  /** A test's hand on a gateway (sim-chirpstack-gateways.ts); back online, its due rows are picked at once. */
  setGatewayOnline(gatewayId: string, online: boolean): void {
    this.options.gateways.setOnline(gatewayId, online);
  }

  create(spec: NewMulticastGroup): string {
    if (spec.name === '') throw validationError('name is not set');
    if (this.options.applicationIds && !this.options.applicationIds.includes(spec.applicationId)) throw notFound(spec.applicationId);
    const id = randomUUID();
    const classBPingNbOfGroup = classBPingNb(this.version, spec.classBPingSlotPeriodicity, spec.classBPingSlotPeriod);
    this.groups.set(id, { ...spec, id, createdAtMs: this.options.clock.now(), classBPingNb: classBPingNbOfGroup, devEuis: new Set(), gatewayIds: new Set(), queue: [] });
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

  /** storage/multicast.rs get_count + list: filtered, ordered by name, then limit/offset. */
  list(filter: SimMulticastListFilter): { totalCount: number; groups: SimMulticastGroup[] } {
    const search = filter.search?.toLowerCase();
    const matching = [...this.groups.values()]
      .filter((g) => filter.applicationId === undefined || g.applicationId === filter.applicationId)
      .filter((g) => search === undefined || g.name.toLowerCase().includes(search))
      .filter((g) => filter.devEui === undefined || g.devEuis.has(filter.devEui))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { totalCount: matching.length, groups: matching.slice(filter.offset, filter.offset + filter.limit) };
  }

  /** A repeat is INTERNAL: storage/multicast.rs 317-325 inserts, api/error.rs 46 maps the diesel error. */
  addDevice(id: string, devEui: string): void {
    if (!this.options.network.device(devEui)) throw notFound(devEui);
    const group = this.get(id);
    if (group.devEuis.has(devEui)) throw duplicateKey('multicast_group_device');
    group.devEuis.add(devEui);
  }

  /** A repeat is INTERNAL: storage/multicast.rs 387-395, api/error.rs 46. */
  addGateway(id: string, gatewayId: string): void {
    if (!this.options.gateways.has(gatewayId)) throw notFound(gatewayId);
    const group = this.get(id);
    if (group.gatewayIds.has(gatewayId)) throw duplicateKey('multicast_group_gateway');
    group.gatewayIds.add(gatewayId);
  }

  /** Returns the item's f_cnt. Errors are ChirpStack's storage errors; the API layer makes them INTERNAL. */
  enqueue(id: string, item: { fPort: number; data: Uint8Array; expiresAtMs?: number }): number {
    checkQueueFPort(item.fPort);
    const group = this.get(id);
    const gatewayIds = group.gatewayIds.size > 0 ? [...group.gatewayIds] : minimumGatewaySet(this.heardBy(group));
    const expires = item.expiresAtMs !== undefined && hasMulticastExpiry(this.version) ? { expiresAtMs: item.expiresAtMs } : {};
    const base: RowBase = { fCnt: group.fCnt, fPort: item.fPort, data: item.data, ...expires };
    const rows = group.groupType === 'B' ? this.classBRows(group, gatewayIds, base) : this.classCRows(group, gatewayIds, base);
    group.fCnt = (group.fCnt + 1) % 2 ** 32;
    group.queue.push(...rows);
    this.scheduler.watch(group, rows);
    return base.fCnt;
  }

  /** Rows still queued, one per f_cnt (ChirpStack's ListQueue deduplicates the per-gateway rows). */
  listQueue(id: string): SimQueueRow[] {
    const seen = new Set<number>();
    return this.get(id).queue.filter((row) => !seen.has(row.fCnt) && seen.add(row.fCnt));
  }

  flushQueue(id: string): void {
    const group = this.get(id);
    this.scheduler.forget(group);
    group.queue = [];
  }

  /** Deletes at once, like ChirpStack: queued rows are dropped unsent. */
  delete(id: string): void {
    this.flushQueue(id);
    this.groups.delete(id);
  }

  /** device_gateway rx info of the members that sent an uplink through a gateway ChirpStack knows. */
  private heardBy(group: SimMulticastGroup): Map<string, string[]> {
    const heardBy = new Map<string, string[]>();
    for (const devEui of group.devEuis) {
      const gateways = this.options.network.lastUplinkGateways(devEui)?.filter((g) => this.options.gateways.has(g));
      if (gateways && gateways.length > 0) heardBy.set(devEui, gateways);
    }
    return heardBy;
  }

  private classCRows(group: SimMulticastGroup, gatewayIds: string[], base: RowBase): SimQueueRow[] {
    const margin = this.options.classCMarginMs;
    const queued = group.queue.map((r) => this.scheduler.runAfterMs(r));
    let runAfterMs = queued.length > 0 ? Math.max(...queued) + margin : this.options.clock.now();
    if (group.classCSchedulingType === 'GPS_TIME') {
      // ChirpStack adds a margin, "as requesting the gateway to send the downlink 'now' will
      // result in a too late error", yet keeps run-after = emit time: the rows end TOO_LATE.
      runAfterMs += margin;
      const emitAtGpsMs = unixMsToGpsMs(runAfterMs);
      return gatewayIds.map((gatewayId) => ({ ...base, gatewayId, runAfterMs, emitAtGpsMs, state: 'queued' }));
    }
    return gatewayIds.map((gatewayId, i) => ({ ...base, gatewayId, runAfterMs: runAfterMs + i * margin, state: 'queued' }));
  }

  private classBRows(group: SimMulticastGroup, gatewayIds: string[], base: RowBase): SimQueueRow[] {
    // Raised before any row is written, so the f_cnt is not consumed (the transaction rolls back).
    if (group.classBPingNb === 0) throw new SimGrpcStatus(GrpcStatus.INTERNAL, 'ping_nb must be > 0');
    const queued = group.queue.flatMap((r) => (r.emitAtGpsMs === undefined ? [] : [r.emitAtGpsMs]));
    const afterGpsMs = queued.length > 0 ? Math.max(...queued) : unixMsToGpsMs(this.options.clock.now() + this.options.classBMarginMs);
    const emitAtGpsMs = nextPingSlotAfterGpsMsForPingNb(afterGpsMs, group.mcAddr, group.classBPingNb);
    const runAfterMs = gpsMsToUnixMs(emitAtGpsMs) - 2 * this.intervalMs;
    return gatewayIds.map((gatewayId) => ({ ...base, gatewayId, runAfterMs, emitAtGpsMs, state: 'queued' }));
  }
}

/** McAddr as ChirpStack shows it (DevAddr Display: hex, MSB first). */
export function mcAddrHex(group: SimMulticastGroup): string {
  return bytesToHex(Uint8Array.of(group.mcAddr >>> 24, (group.mcAddr >>> 16) & 0xff, (group.mcAddr >>> 8) & 0xff, group.mcAddr & 0xff));
}
