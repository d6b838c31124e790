import type { CreateMulticastGroupCommand } from '../../campaign/commands.js';
import type { Clock, MulticastDownlink } from '../../campaign/ports.js';
import { CallerError, isFuotaError, PeerError } from '../../core/errors.js';
import { maxPayload, region as regionSpec } from '../../radio/regions.js';
import { GroupMembers, type MembersGrpc } from './chirpstack-group-members.js';
import { chirpstackRegionOf } from './chirpstack-region.js';
import type { ClassBPingSlotField } from './chirpstack-version.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';
import type { ChirpstackRegion, ClassCSchedulingType, MulticastGroupSpec } from './grpc-multicast-group.js';
import type { GroupEntry, GroupRegistry } from './chirpstack-group-registry.js';
import { coveringGateways } from './multicast-gateway-cover.js';

// Multicast through ChirpStack's gRPC MulticastGroupService. ChirpStack emits no integration
// event for multicast (network-servers.md): the queue row goes when the gateway acks it, so the
// only view of progress is ListQueue. Frames are held here until their atMs and enqueued then:
// ChirpStack has no "send at" for class C (it sends as soon as it can, spacing items by its
// multicast_class_c_margin, which the planner knows); our planner already paced the frames
// against the duty-cycle budget, which ChirpStack does not enforce.
// Every item carries expires_at (atMs + multicastExpiresAfterMs): a row for a gateway that is
// offline is never sent (storage/multicast.rs 694-703) and would keep the queue non-empty
// forever, so the drain-then-delete loop ends when the queue is empty or when every item has
// expired (downlink/multicast.rs 105-119 drops expired rows; before v4.10 nothing does, and
// Delete's ON DELETE CASCADE takes the stale rows with the group).

export type MulticastGrpc = MembersGrpc &
  Pick<ChirpstackGrpcClient, 'createMulticastGroup' | 'getMulticastGroup' | 'listMulticastGroups' | 'enqueueMulticast' | 'listMulticastQueue' | 'deleteMulticastGroup'>;

export interface ChirpstackMulticastOptions {
  grpc: MulticastGrpc;
  clock: Clock;
  registry: GroupRegistry;
  applicationId: string;
  region: ChirpstackRegion;
  /** Gateways added to every group; when empty, the command's own gateways, else those that heard the members. */
  gatewayIds: readonly string[];
  /** The gateways of a device's last uplink (for groups with no configured gateway). */
  gatewaysHeard: (devEui: string) => readonly string[];
  /** How the server's version carries class B; rejects when class B cannot be set up right. */
  classBPingSlotField: () => Promise<ClassBPingSlotField>;
  classCSchedulingType: ClassCSchedulingType;
  queuePollMs: number;
  /** A failed Enqueue is tried again after this… */
  enqueueRetryMs: number;
  /** …until the frame is this late; then it is dropped (FEC redundancy and status rounds cover it). */
  enqueueMaxLateMs: number;
  /** expires_at of an item = its planned time + this. */
  expiresAfterMs: number;
  onError: (error: unknown, context: string) => void;
  onGroupDeleted: (groupName: string) => void;
}

interface HeldFrame {
  downlink: MulticastDownlink;
  cancel: () => void;
}

export class ChirpstackMulticast {
  private readonly held = new Map<string, Set<HeldFrame>>();
  private readonly members: GroupMembers;
  /** Groups whose drain-then-delete loop runs, with its next poll. */
  private readonly draining = new Map<string, () => void>();
  private closed = false;

  constructor(private readonly options: ChirpstackMulticastOptions) {
    this.members = new GroupMembers(options.grpc, options.applicationId);
  }

  /**
   * Create (or find again: registry, then List by name), then AddDevice and AddGateway; every
   * step may be repeated (chirpstack-group-members.ts), so a replay after a crash is harmless.
   */
  async create(command: CreateMulticastGroupCommand): Promise<void> {
    const { grpc, registry } = this.options;
    // Checked before anything exists in ChirpStack: its scheduler would retry a DR the region
    // lacks forever, and with no gateway it writes no row at all.
    const spec = await this.spec(command);
    const maxPayloadBytes = command.region === undefined ? undefined : this.maxPayloadOf(command, command.region);
    const gateways = this.gatewaysFor(command);
    const known = registry.get(command.groupName);
    if (known?.deleting) {
      // Asked for again: the caller wants the group after all (the drain loop stops on its next poll).
      this.draining.get(command.groupName)?.();
      this.draining.delete(command.groupName);
    }
    let id = known?.id;
    if (id !== undefined && !(await this.exists(id))) {
      registry.delete(command.groupName);
      id = undefined;
    }
    id ??= await this.findByName(command.groupName);
    id ??= await grpc.createMulticastGroup(spec);
    registry.set(command.groupName, { id, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) });
    await this.members.addDevices(id, command.devEuis);
    await this.members.addGateways(id, gateways);
  }

  /** Holds the frame until its atMs, then enqueues it. Resolves at once (the engine must not wait for air time). */
  async send(downlink: MulticastDownlink): Promise<void> {
    const entry = this.options.registry.get(downlink.groupName);
    if (entry === undefined) {
      throw new CallerError('CHIRPSTACK_GROUP_UNKNOWN', `multicast ${downlink.id}: group ${JSON.stringify(downlink.groupName)} was not created through this adapter (no ChirpStack id known)`);
    }
    if (entry.maxPayloadBytes !== undefined && downlink.payload.length > entry.maxPayloadBytes) {
      // ChirpStack would delete the row at scheduling with only a log line of its own
      // (downlink/multicast.rs validate_payload_size): never hand it over.
      this.options.onError(
        new CallerError('CHIRPSTACK_PAYLOAD_TOO_LARGE', `multicast ${downlink.id} to ${downlink.groupName}: payload: expected at most ${entry.maxPayloadBytes} bytes (the group's DR), got ${downlink.payload.length}`),
        `multicast ${downlink.id}: dropped`,
      );
      return;
    }
    const frame: HeldFrame = { downlink, cancel: () => {} };
    this.heldOf(downlink.groupName).add(frame);
    frame.cancel = this.options.clock.at(downlink.atMs, () => this.enqueueSafely(frame));
  }

  /** Marks the group for deletion (kept across restarts) and starts the drain-then-delete loop. */
  async delete(groupName: string): Promise<void> {
    const entry = this.options.registry.get(groupName);
    if (entry === undefined) return; // never created here, or already deleted
    if (!entry.deleting) {
      // Frames still held are enqueued at their atMs at the latest; each expires expiresAfterMs later.
      let lastAtMs = this.options.clock.now();
      for (const frame of this.held.get(groupName) ?? []) lastAtMs = Math.max(lastAtMs, frame.downlink.atMs);
      this.options.registry.set(groupName, { ...entry, deleting: true, drainDeadlineMs: lastAtMs + this.options.expiresAfterMs });
    }
    this.drain(groupName, 0);
  }

  /** After a restart: resume deletions that were accepted but not finished. */
  resume(): void {
    for (const [groupName, entry] of this.options.registry.entries()) if (entry.deleting) this.drain(groupName, 0);
  }

  /** Frames held (not yet enqueued) for a group, or for all. */
  heldCount(groupName?: string): number {
    if (groupName !== undefined) return this.held.get(groupName)?.size ?? 0;
    let n = 0;
    for (const set of this.held.values()) n += set.size;
    return n;
  }

  /** Stops timers: held frames are dropped (the engine's FEC and status rounds cover a restart). */
  close(): void {
    this.closed = true;
    for (const set of this.held.values()) for (const frame of set) frame.cancel();
    this.held.clear();
    for (const cancel of this.draining.values()) cancel();
    this.draining.clear();
  }

  private async spec(command: CreateMulticastGroupCommand): Promise<MulticastGroupSpec> {
    const classBPingSlotField = command.deviceClass === 'B' ? await this.options.classBPingSlotField() : undefined;
    return {
      ...(classBPingSlotField === undefined ? {} : { classBPingSlotField }),
      name: command.groupName,
      applicationId: this.options.applicationId,
      // Each campaign's own region; the adapter's only for commands stored before commands carried one.
      region: command.region === undefined ? this.options.region : chirpstackRegionOf(command.region),
      mcAddrHex: (command.mcAddr >>> 0).toString(16).padStart(8, '0'),
      mcNwkSKeyHex: command.mcNwkSKeyHex,
      mcAppSKeyHex: command.mcAppSKeyHex,
      // TS005 McGroupSetupReq sends minMcFCnt 0: the group's counter starts there.
      fCnt: 0,
      groupType: command.deviceClass === 'B' ? 'CLASS_B' : 'CLASS_C',
      dr: command.dr,
      frequencyHz: command.frequencyHz,
      classCSchedulingType: this.options.classCSchedulingType,
      classBPingSlotPeriodicity: command.periodicity,
    };
  }

  private maxPayloadOf(command: CreateMulticastGroupCommand, region: string): number {
    const spec = regionSpec(region);
    try {
      return maxPayload(spec, command.dr).frmPayloadBytes;
    } catch (error) {
      throw new CallerError('CHIRPSTACK_DR_INVALID', `multicast group ${command.groupName}: dr: expected a data rate ${region} defines for downlinks (ChirpStack would retry such a frame forever), got DR${command.dr}`, { cause: error });
    }
  }

  private gatewaysFor(command: CreateMulticastGroupCommand): readonly string[] {
    if (this.options.gatewayIds.length > 0) return this.options.gatewayIds;
    if (command.gateways.length > 0) return command.gateways;
    const covering = coveringGateways(command.devEuis, this.options.gatewaysHeard);
    if (covering.length === 0 && command.devEuis.length > 0) {
      throw new CallerError(
        'CHIRPSTACK_NO_GATEWAY',
        `multicast group ${command.groupName}: gateways: expected networkServer.gateways, the campaign's multicast.gateways, or an uplink from one of its ${command.devEuis.length} devices since the service started, got none (ChirpStack would accept every frame and send none)`,
      );
    }
    return covering;
  }

  /** A group created before a crash that came before the registry was written: found by its (unique) name. */
  private async findByName(groupName: string): Promise<string | undefined> {
    const rows = (await this.options.grpc.listMulticastGroups(this.options.applicationId, groupName)).filter((row) => row.name === groupName);
    if (rows.length === 0) return undefined;
    const newest = rows.reduce((a, b) => (b.createdAtMs > a.createdAtMs ? b : a));
    if (rows.length > 1) {
      this.options.onError(
        new PeerError('CHIRPSTACK_GROUP_DUPLICATE', `multicast group ${groupName}: ${rows.length} ChirpStack groups carry this name; using the newest (${newest.id}), leaving ${rows.filter((r) => r !== newest).map((r) => r.id).join(', ')}`),
        `multicast group ${groupName}: found again by name`,
      );
    }
    return newest.id;
  }

  private async exists(id: string): Promise<boolean> {
    try {
      await this.options.grpc.getMulticastGroup(id);
      return true;
    } catch (error) {
      if (isFuotaError(error) && error.code === 'CHIRPSTACK_NOT_FOUND') return false; // deleted behind our back
      throw error;
    }
  }

  private heldOf(groupName: string): Set<HeldFrame> {
    let set = this.held.get(groupName);
    if (!set) this.held.set(groupName, (set = new Set()));
    return set;
  }

  private release(frame: HeldFrame): void {
    const set = this.held.get(frame.downlink.groupName);
    set?.delete(frame);
    if (set?.size === 0) this.held.delete(frame.downlink.groupName);
  }

  private enqueueSafely(frame: HeldFrame): void {
    this.enqueue(frame).catch((error: unknown) => this.options.onError(error, `multicast ${frame.downlink.id}: dropped`));
  }

  private async enqueue(frame: HeldFrame): Promise<void> {
    const { downlink } = frame;
    const { clock, registry, grpc } = this.options;
    const entry = registry.get(downlink.groupName);
    try {
      if (entry === undefined) throw new CallerError('CHIRPSTACK_GROUP_UNKNOWN', `multicast ${downlink.id}: group ${JSON.stringify(downlink.groupName)} is gone`);
      await grpc.enqueueMulticast(entry.id, { fPort: downlink.fPort, payload: downlink.payload, expiresAtMs: downlink.atMs + this.options.expiresAfterMs });
      this.release(frame);
    } catch (error) {
      if (this.closed) return;
      const retryAtMs = clock.now() + this.options.enqueueRetryMs;
      if (entry !== undefined && retryAtMs <= downlink.atMs + this.options.enqueueMaxLateMs) {
        this.options.onError(error, `multicast ${downlink.id} to ${downlink.groupName}: Enqueue failed, retrying`);
        frame.cancel = clock.at(retryAtMs, () => this.enqueueSafely(frame));
      } else {
        this.release(frame);
        this.options.onError(error, `multicast ${downlink.id} to ${downlink.groupName}: Enqueue failed, frame dropped`);
      }
    }
  }

  private drain(groupName: string, inMs: number): void {
    if (this.closed) return;
    this.draining.get(groupName)?.();
    const cancel = this.options.clock.at(this.options.clock.now() + inMs, () => {
      // Only the registry (a file) can throw here: report it rather than crash a timer.
      this.poll(groupName).catch((error: unknown) => this.options.onError(error, `multicast group ${groupName}: drain-then-delete stopped`));
    });
    this.draining.set(groupName, cancel);
  }

  private expired(entry: GroupEntry): boolean {
    return entry.drainDeadlineMs !== undefined && this.options.clock.now() >= entry.drainDeadlineMs;
  }

  private async poll(groupName: string): Promise<void> {
    const { registry, grpc, queuePollMs } = this.options;
    const entry = registry.get(groupName);
    if (entry === undefined || !entry.deleting || this.closed) {
      this.draining.delete(groupName);
      return;
    }
    if (this.heldCount(groupName) > 0) return this.drain(groupName, queuePollMs);
    try {
      const queue = await grpc.listMulticastQueue(entry.id);
      // A frame may have been handed over while ListQueue was in flight.
      if (this.heldCount(groupName) > 0) return this.drain(groupName, queuePollMs);
      if (queue.length > 0) {
        if (!this.expired(entry)) return this.drain(groupName, queuePollMs);
        // Rows still queued past their expiry will never go out (a gateway not seen lately):
        // Delete takes them with the group.
        this.options.onError(
          new PeerError('CHIRPSTACK_MULTICAST_UNSENT', `multicast group ${groupName} (${entry.id}): ${queue.length} item(s) still queued after they expired (f_cnt ${queue.map((q) => q.fCnt).join(', ')}): a gateway of the group was not seen by ChirpStack; deleting the group`),
          `multicast group ${groupName}: drain ended by expiry`,
        );
      }
      if (!registry.get(groupName)?.deleting) return void this.draining.delete(groupName); // created again meanwhile
      await grpc.deleteMulticastGroup(entry.id).catch((error: unknown) => {
        if (!(isFuotaError(error) && error.code === 'CHIRPSTACK_NOT_FOUND')) throw error;
      });
    } catch (error) {
      if (this.closed) return;
      this.options.onError(error, `multicast group ${groupName} (${entry.id}): drain-then-delete failed, retrying`);
      return this.drain(groupName, queuePollMs);
    }
    registry.delete(groupName);
    this.draining.delete(groupName);
    this.options.onGroupDeleted(groupName);
  }
}
