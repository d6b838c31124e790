import gatewayPb from '@chirpstack/chirpstack-api/api/gateway_pb.js';
import type { ListGatewaysRequest } from '@chirpstack/chirpstack-api/api/gateway_pb.js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type { SimChirpstackGateways } from './sim-chirpstack-gateways.js';
import { DEFAULT_TENANCY } from './sim-chirpstack-integration.js';
import type { SimChirpstackMulticast } from './sim-chirpstack-multicast.js';
import { optionalUuid } from './sim-chirpstack-status.js';

// GatewayService.List of the simulated ChirpStack (api/gateway.rs list: tenant_id and
// multicast_group_id parsed when set; storage/gateway.rs list: filtered, ordered by name, then
// limit/offset). Every simulated gateway is in DEFAULT_TENANCY's tenant and named by its id;
// state and last_seen_at come from its online flag, region_config_id is its property.

export function gatewayHandlers(gateways: SimChirpstackGateways, multicast: SimChirpstackMulticast) {
  return {
    list(request: ListGatewaysRequest) {
      const tenantId = optionalUuid(request.getTenantId());
      const groupId = optionalUuid(request.getMulticastGroupId());
      const search = request.getSearch().toLowerCase();
      const members = groupId === undefined ? undefined : multicast.has(groupId) ? multicast.get(groupId).gatewayIds : new Set<string>();
      const matching = gateways.ids()
        .filter(() => tenantId === undefined || tenantId === DEFAULT_TENANCY.tenantId)
        .filter((id) => members === undefined || members.has(id))
        .filter((id) => id.includes(search))
        .sort();
      const response = new gatewayPb.ListGatewaysResponse();
      response.setTotalCount(matching.length);
      for (const id of matching.slice(request.getOffset(), request.getOffset() + request.getLimit())) {
        const item = new gatewayPb.GatewayListItem();
        item.setTenantId(DEFAULT_TENANCY.tenantId);
        item.setGatewayId(id);
        item.setName(id);
        item.getPropertiesMap().set('region_config_id', gateways.regionConfigId(id));
        const lastSeenAtMs = gateways.lastSeenAtMs(id);
        if (lastSeenAtMs !== undefined) item.setLastSeenAt(timestampPb.Timestamp.fromDate(new Date(lastSeenAtMs)));
        item.setState(gateways.isOnline(id) ? gatewayPb.GatewayState.ONLINE : lastSeenAtMs === undefined ? gatewayPb.GatewayState.NEVER_SEEN : gatewayPb.GatewayState.OFFLINE);
        response.addResult(item);
      }
      return response;
    },
  };
}
