import type { CreateMulticastGroupCommand } from '../../campaign/commands.js';
import type { Clock, MulticastDownlink } from '../../campaign/ports.js';
import { CallerError, isFuotaError } from '../../core/errors.js';
import { chirpstackRegionOf } from './chirpstack-region.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';
import type { ChirpstackRegion, ClassCSchedulingType, MulticastGroupSpec } from './grpc-multicast-group.js';
import type { GroupRegistry } from './chirpstack-group-registry.js';

// Multicast through ChirpStack's gRPC MulticastGroupService. ChirpStack emits no integration
// event for multicast (network-servers.md): the queue row goes when the gateway acks it, so the
// only view of progress is ListQueue. Frames are held here until their atMs and enqueued then:
// ChirpStack has no "send at" for class C (it sends as soon as it can, spacing items by its
// multicast_class_c_margin); our planner already paced the frames against the duty-cycle budget,
// which ChirpStack does not enforce. A group is deleted only once nothing is held and ListQueue
// is empty: ChirpStack's Delete drops queued rows unsent (ON DELETE CASCADE).

export type MulticastGrpc = Pick<
  ChirpstackGrpcClient,
  'createMulticastGroup' | 'getMulticastGroup' | 'addDeviceToMulticastGroup' | 'addGatewayToMulticastGroup' | 'enqueueMulticast' | 'listMulticastQueue' | 'deleteMulticastGroup'
>;

export interface ChirpstackMulticastOptions {
  grpc: MulticastGrpc;
  clock: Clock;
  registry: GroupRegistry;
  applicationId: string;
  region: ChirpstackRegion;
  /** Gateways added to every group; when empty, the command's own gateways (ChirpStack computes a set when there are none). */
  gatewayIds: readonly string[];
  classCSchedulingType: ClassCSchedulingType;
  queuePollMs: number;
  /** A failed Enqueue is tried again after this… */
  enqueueRetryMs: number;
  /** …until the frame is this late; then it is dropped (FEC redundancy and status rounds cover it). */
  enqueueMaxLateMs: number;
  onError: (error: unknown, context: string) => void;
  onGroupDeleted: (groupName: string) => void;
}

interface HeldFrame {
  downlink: MulticastDownlink;
  cancel: () => void;
}

export class ChirpstackMulticast {
  private readonly held = new Map<string, Set<HeldFrame>>();
  /** Groups whose drain-then-delete loop runs, with its next poll. */
  private readonly draining = new Map<string, () => void>();
  private closed = false;

  constructor(private readonly options: ChirpstackMulticastOptions) {}

  /** Create (or find again), then AddDevice and AddGateway; ALREADY_EXISTS counts as done, so a repeat is harmless. */
  async create(command: CreateMulticastGroupCommand): Promise<void> {
    const { grpc, registry } = this.options;
    const known = registry.get(command.groupName);
    if (known?.deleting) {
      // Asked for again: the caller wants the group after all (the drain loop stops on its next poll).
      registry.set(command.groupName, { id: known.id });
      this.draining.get(command.groupName)?.();
      this.draining.delete(command.groupName);
    }
    let id = known?.id;
    if (id !== undefined && !(await this.exists(id))) {
      registry.delete(command.groupName);
      id = undefined;
    }
    if (id === undefined) {
      id = await grpc.createMulticastGroup(this.spec(command));
      registry.set(command.groupName, { id });
    }
    for (const devEui of command.devEuis) await alreadyExistsIsDone(grpc.addDeviceToMulticastGroup(id, devEui));
    const gateways = this.options.gatewayIds.length > 0 ? this.options.gatewayIds : command.gateways;
    for (const gatewayId of gateways) await alreadyExistsIsDone(grpc.addGatewayToMulticastGroup(id, gatewayId));
  }

  /** Holds the frame until its atMs, then enqueues it. Resolves at once (the engine must not wait for air time). */
  async send(downlink: MulticastDownlink): Promise<void> {
    if (this.options.registry.get(downlink.groupName) === undefined) {
      throw new CallerError('CHIRPSTACK_GROUP_UNKNOWN', `multicast ${downlink.id}: group ${JSON.stringify(downlink.groupName)} was not created through this adapter (no ChirpStack id known)`);
    }
    const frame: HeldFrame = { downlink, cancel: () => {} };
    this.heldOf(downlink.groupName).add(frame);
    frame.cancel = this.options.clock.at(downlink.atMs, () => this.enqueueSafely(frame));
  }

  /** Marks the group for deletion (kept across restarts) and starts the drain-then-delete loop. */
  async delete(groupName: string): Promise<void> {
    const entry = this.options.registry.get(groupName);
    if (entry === undefined) return; // never created here, or already deleted
    if (!entry.deleting) this.options.registry.set(groupName, { ...entry, deleting: true });
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

  private spec(command: CreateMulticastGroupCommand): MulticastGroupSpec {
    return {
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
      await grpc.enqueueMulticast(entry.id, { fPort: downlink.fPort, payload: downlink.payload });
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
      if (queue.length > 0 || this.heldCount(groupName) > 0) return this.drain(groupName, queuePollMs);
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

async function alreadyExistsIsDone(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(isFuotaError(error) && error.code === 'CHIRPSTACK_ALREADY_EXISTS')) throw error;
  }
}
