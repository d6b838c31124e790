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

  addDevices(groupId: string, devEuis: readonly string[]): Promise<void> {
    return this.addAll(devEuis, (devEui) => this.grpc.addDeviceToMulticastGroup(groupId, devEui), () => this.grpc.listMulticastGroupDevEuis(this.applicationId, groupId));
  }

  addGateways(groupId: string, gatewayIds: readonly string[]): Promise<void> {
    return this.addAll(gatewayIds, (gatewayId) => this.grpc.addGatewayToMulticastGroup(groupId, gatewayId), async () => {
      // GatewayService.List needs the tenant for a tenant API key: the application's.
      this.tenantId ??= await this.grpc.getApplicationTenantId(this.applicationId);
      return this.grpc.listMulticastGroupGatewayIds(this.tenantId, groupId);
    });
  }

  private async addAll(euis: readonly string[], add: (eui: string) => Promise<void>, listMembers: () => Promise<string[]>): Promise<void> {
    let members: Set<string> | undefined;
    for (const eui of euis) {
      if (members?.has(eui.toLowerCase())) continue;
      try {
        await add(eui);
      } catch (error) {
        if (!maybeDuplicate(error)) throw error;
        // One List for the whole group, read at the first refusal: a replay refuses them all.
        members ??= new Set(await listMembers());
        if (!members.has(eui.toLowerCase())) throw error;
      }
    }
  }
}
