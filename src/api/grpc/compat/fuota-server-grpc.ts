import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { bytesToHex } from '../../../core/hex.js';
import { ValueError } from '../../../core/errors.js';
import type { CampaignService } from '../../campaign-service.js';
import type { DeviceLogEntry } from '../../campaign-service-types.js';
import { unary, type CallContext } from '../grpc-call.js';
import { campaignIdOf, deploymentRequest, uuidBytes, type DeploymentMessage, type DeploymentOptions } from './deployment-spec.js';
import { deploymentDeviceLogs, deploymentStatus } from './deployment-status.js';

// fuota.FuotaServerService (chirpstack-fuota-server's API) over the campaign service: a
// deployment is a campaign whose id is the deployment's UUID.

/** Entries read per device for the status and the logs (the service's most). */
const LOG_LIMIT = 10_000;

type Req = Record<string, unknown>;

export function fuotaServerHandlers(service: CampaignService, ctx: CallContext, options: DeploymentOptions = {}): UntypedServiceImplementation {
  const logs = async (id: string, devEui: string): Promise<DeviceLogEntry[]> => service.deviceLog(id, devEui, LOG_LIMIT);
  return {
    CreateDeployment: unary<Req>(ctx, 'CreateDeployment', 'admin', async (r) => {
      const { id, request } = await deploymentRequest(r['deployment'] as DeploymentMessage | null, options);
      await service.create(request);
      return { id: uuidBytes(id) };
    }),
    GetDeploymentStatus: unary<Req>(ctx, 'GetDeploymentStatus', 'read', async (r) => {
      const id = campaignIdOf(r['id'] as Uint8Array | undefined, 'id');
      const detail = await service.get(id);
      const devices = await service.devices(id);
      const byDevice = new Map<string, DeviceLogEntry[]>();
      for (const device of devices) byDevice.set(device.devEui, await logs(id, device.devEui));
      return deploymentStatus(detail.status, devices, byDevice);
    }),
    GetDeploymentDeviceLogs: unary<Req>(ctx, 'GetDeploymentDeviceLogs', 'read', async (r) => {
      const id = campaignIdOf(r['deploymentId'] as Uint8Array | undefined, 'deployment_id');
      const eui = r['devEui'] as Uint8Array | undefined;
      if (!eui || eui.length !== 8) throw new ValueError('dev_eui', '8 bytes', `${eui?.length ?? 0} bytes`, 'INVALID_REQUEST');
      return deploymentDeviceLogs(await logs(id, bytesToHex(eui)));
    }),
  };
}
