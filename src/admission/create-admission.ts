import type { CampaignStore } from '../campaign/ports.js';
import type { FuotaConfig } from '../config/load-config.js';
import { ChirpstackDeviceDirectory } from '../lns/chirpstack/chirpstack-device-directory.js';
import { ChirpstackRootKeySource } from '../lns/chirpstack/chirpstack-root-keys.js';
import type { ChirpstackGrpcClient } from '../lns/chirpstack/grpc-client.js';
import { StoredSequences } from './accepted-sequences.js';
import { admitCampaign, type AdmissionDeps, type AdmissionRequest, type Admitted } from './admit-campaign.js';
import { vendorKeysFromConfig } from './vendor-keys.js';

// Admission as `fuota serve` runs it on ChirpStack (wired by src/app/): the vendor keys and
// defaults of the config, the campaigns in the store for anti-rollback, ChirpStack for device
// lookups and missing root keys. The same function serves campaign files, REST and gRPC.

export type Admission = (request: AdmissionRequest) => Promise<Admitted>;

export function admissionDeps(config: FuotaConfig, grpc: Pick<ChirpstackGrpcClient, 'getDevice' | 'getDeviceKeys'>, store: Pick<CampaignStore, 'list' | 'load'>): AdmissionDeps {
  const ns = config.networkServer;
  const protectedFiles = [config.configFile, config.store.path === ':memory:' ? undefined : config.store.path].filter((f): f is string => f !== undefined);
  return {
    vendorKeys: vendorKeysFromConfig(config.campaigns.vendorKeys),
    sequences: new StoredSequences(store),
    paths: { ...(config.campaigns.directory === undefined ? {} : { directory: config.campaigns.directory }), protectedFiles },
    defaults: { ...config.campaigns.defaults, gateways: ns.gateways, classCMarginMs: ns.multicastClassCMarginMs },
    rootKeys: new ChirpstackRootKeySource(grpc),
    devices: new ChirpstackDeviceDirectory(grpc, ns.applicationId),
  };
}

/** The admission function for `fuota serve`: createAdmission(config, grpcClient, store)(request). */
export function createAdmission(config: FuotaConfig, grpc: Pick<ChirpstackGrpcClient, 'getDevice' | 'getDeviceKeys'>, store: Pick<CampaignStore, 'list' | 'load'>): Admission {
  const deps = admissionDeps(config, grpc, store);
  return (request) => admitCampaign(request, deps);
}
