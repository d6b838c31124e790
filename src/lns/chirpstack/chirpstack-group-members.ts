import { isFuotaError } from '../../core/errors.js';
import type { ChirpstackGrpcClient } from './grpc-client.js';

// Adds devices and gateways to a ChirpStack multicast group so that doing it again is harmless
// (the outbox replays create-multicast-group after a crash or restart). ChirpStack answers a
// repeated AddDevice/AddGateway with INTERNAL, not ALREADY_EXISTS: the insert into
// multicast_group_device / multicast_group_gateway hits the primary key (storage/multicast.rs
// 317-325 and 387-395) and that error maps to Code::Internal (api/error.rs 46). INTERNAL also
// means a real fault, so it counts as "already there" only once List shows the member; otherwise
// the original error stands.

export type MembersGrpc = Pick<
  ChirpstackGrpcClient,
  'addDeviceToMulticastGroup' | 'addGatewayToMulticastGroup' | 'listMulticastGroupDevEuis' | 'listMulticastGroupGatewayIds' | 'getApplicationTenantId'
>;

/** What a repeated Add may answer: INTERNAL (ChirpStack v4), ALREADY_EXISTS (what the API would mean). */
function maybeDuplicate(error: unknown): boolean {
  return isFuotaError(error) && (error.code === 'CHIRPSTACK_INTERNAL' || error.code === 'CHIRPSTACK_ALREADY_EXISTS');
}

export class GroupMembers {
  private tenantId: string | undefined;

  constructor(
    private readonly grpc: MembersGrpc,
    private readonly applicationId: string,
  ) {}

  async addDevices(groupId: string, devEuis: readonly string[]): Promise<void> {
    let members: Set<string> | undefined;
    for (const devEui of devEuis) {
      if (members?.has(devEui.toLowerCase())) continue;
      try {
        await this.grpc.addDeviceToMulticastGroup(groupId, devEui);
      } catch (error) {
        if (!maybeDuplicate(error)) throw error;
        // One List for the whole group, read at the first refusal: a replay refuses them all.
        members ??= new Set(await this.grpc.listMulticastGroupDevEuis(this.applicationId, groupId));
        if (!members.has(devEui.toLowerCase())) throw error;
      }
    }
  }

  async addGateways(groupId: string, gatewayIds: readonly string[]): Promise<void> {
    let members: Set<string> | undefined;
    for (const gatewayId of gatewayIds) {
      if (members?.has(gatewayId.toLowerCase())) continue;
      try {
        await this.grpc.addGatewayToMulticastGroup(groupId, gatewayId);
      } catch (error) {
        if (!maybeDuplicate(error)) throw error;
        // GatewayService.List needs the tenant for a tenant API key: the application's.
        this.tenantId ??= await this.grpc.getApplicationTenantId(this.applicationId);
        members ??= new Set(await this.grpc.listMulticastGroupGatewayIds(this.tenantId, groupId));
        if (!members.has(gatewayId.toLowerCase())) throw error;
      }
    }
  }
}
