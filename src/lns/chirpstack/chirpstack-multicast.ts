import type { CreateMulticastGroupCommand } from '../../campaign/commands.js';
import type { Clock, MulticastDownlink } from '../../campaign/ports.js';
import { isFuotaError, PeerError } from '../../core/errors.js';
import { groupGateways } from '../gateway-cover.js';
import type { GroupEntry, GroupRegistry } from '../group-registry.js';
import { groupMaxPayloadBytes, type MulticastBackend, type QueuedItem } from '../multicast-backend.js';
import { MulticastGroups } from '../multicast-groups.js';
import { CHIRPSTACK } from '../server-label.js';
import { GroupMembers, type MembersGrpc } from './chirpstack-group-members.js';
import { chirpstackRegionOf } from './chirpstack-region.js';
import type { ClassBPingSlotField } from './chirpstack-version.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';
import type { ChirpstackRegion, ClassCSchedulingType, MulticastGroupSpec } from './grpc-multicast-group.js';

// Multicast through ChirpStack's gRPC MulticastGroupService; holding, retries and
// drain-then-delete are the shared MulticastGroups' (../multicast-groups.ts). ChirpStack emits no
// integration event for multicast (network-servers.md): the queue row goes when the gateway acks
// it, so the only view of progress is ListQueue. Frames are enqueued at their atMs: ChirpStack has
// no "send at" for class C (it sends as soon as it can, spacing items by its
// multicast_class_c_margin, which the planner knows).
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
  /** expires_at of an item = its planned time + this (also the drain deadline after the last frame). */
  expiresAfterMs: number;
  onError: (error: unknown, context: string) => void;
  onGroupDeleted: (groupName: string) => void;
}

interface Prepared {
  spec: MulticastGroupSpec;
  maxPayloadBytes: number | undefined;
  gateways: readonly string[];
}

class ChirpstackMulticastBackend implements MulticastBackend<Prepared> {
  readonly server = CHIRPSTACK;
  readonly handOverName = 'Enqueue';
  private readonly members: GroupMembers;

  constructor(private readonly options: ChirpstackMulticastOptions) {
    this.members = new GroupMembers(options.grpc, options.applicationId);
  }

  /** ChirpStack's scheduler would retry a DR the region lacks forever, and with no gateway it writes no row at all. */
  async prepare(command: CreateMulticastGroupCommand): Promise<Prepared> {
    const spec = await this.spec(command);
    const maxPayloadBytes = command.region === undefined ? undefined : groupMaxPayloadBytes(command, command.region, CHIRPSTACK, 'ChirpStack would retry such a frame forever');
    const gateways = groupGateways(command, {
      configured: this.options.gatewayIds,
      heardBy: this.options.gatewaysHeard,
      server: CHIRPSTACK,
      withoutGateways: 'ChirpStack would accept every frame and send none',
    });
    return { spec, maxPayloadBytes, gateways };
  }

  /** The registry's id if the group still exists, else one found by its name, else a new one. */
  async ensure(command: CreateMulticastGroupCommand, prepared: Prepared, known: GroupEntry | undefined): Promise<GroupEntry> {
    let id = known?.id;
    if (id !== undefined && !(await this.exists(id))) id = undefined;
    id ??= await this.findByName(command.groupName);
    id ??= await this.options.grpc.createMulticastGroup(prepared.spec);
    return { id, ...(prepared.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: prepared.maxPayloadBytes }) };
  }

  /** AddDevice and AddGateway; every step may be repeated (chirpstack-group-members.ts). */
  async configure(entry: GroupEntry, command: CreateMulticastGroupCommand, prepared: Prepared): Promise<void> {
    await this.members.addDevices(entry.id, command.devEuis);
    await this.members.addGateways(entry.id, prepared.gateways);
  }

  handOverAtMs(downlink: MulticastDownlink): number {
    return downlink.atMs;
  }

  async handOver(entry: GroupEntry, downlink: MulticastDownlink): Promise<void> {
    await this.options.grpc.enqueueMulticast(entry.id, { fPort: downlink.fPort, payload: downlink.payload, expiresAtMs: downlink.atMs + this.options.expiresAfterMs });
  }

  queued(entry: GroupEntry): Promise<readonly QueuedItem[]> {
    return this.options.grpc.listMulticastQueue(entry.id);
  }

  unsentReason(items: readonly QueuedItem[]): string {
    return `after they expired (f_cnt ${items.map((q) => q.fCnt).join(', ')}): a gateway of the group was not seen by ChirpStack`;
  }

  async delete(entry: GroupEntry): Promise<void> {
    await this.options.grpc.deleteMulticastGroup(entry.id).catch((error: unknown) => {
      if (!(isFuotaError(error) && error.code === 'CHIRPSTACK_NOT_FOUND')) throw error;
    });
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
}

/** ChirpStack's multicast: the shared MulticastGroups over the gRPC MulticastGroupService. */
export class ChirpstackMulticast extends MulticastGroups<Prepared> {
  constructor(options: ChirpstackMulticastOptions) {
    super(new ChirpstackMulticastBackend(options), {
      clock: options.clock,
      registry: options.registry,
      queuePollMs: options.queuePollMs,
      enqueueRetryMs: options.enqueueRetryMs,
      enqueueMaxLateMs: options.enqueueMaxLateMs,
      drainAfterMs: options.expiresAfterMs,
      onError: options.onError,
      onGroupDeleted: options.onGroupDeleted,
    });
  }
}
