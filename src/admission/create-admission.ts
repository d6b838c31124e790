import type { CampaignStore } from '../campaign/ports.js';
import type { FuotaConfig } from '../config/load-config.js';
import type { RootKeySource } from '../intake/root-key-source.js';
import type { DeviceDirectory } from './device-directory.js';
import { StoredSequences } from './accepted-sequences.js';
import { admitCampaign, type AdmissionDeps, type AdmissionRequest, type Admitted } from './admit-campaign.js';
import { vendorKeysFromConfig } from './vendor-keys.js';

// Admission as `fuota serve` runs it (wired by src/app/): the vendor keys and defaults of the
// config, the campaigns in the store for anti-rollback, the network server (ChirpStack or TTS,
// whichever adapter the composition root hands in) for device lookups and missing root keys.
// The same function serves campaign files, REST and gRPC.

export type Admission = (request: AdmissionRequest) => Promise<Admitted>;

/** What admission asks of the network server. */
export interface NetworkServerLookups {
  devices: DeviceDirectory;
  rootKeys: RootKeySource;
}

export function admissionDeps(config: FuotaConfig, lookups: NetworkServerLookups, store: Pick<CampaignStore, 'list' | 'load'>): AdmissionDeps {
  const ns = config.networkServer;
  const protectedFiles = [config.configFile, config.store.path === ':memory:' ? undefined : config.store.path].filter((f): f is string => f !== undefined);
  return {
    vendorKeys: vendorKeysFromConfig(config.campaigns.vendorKeys),
    sequences: new StoredSequences(store),
    paths: { ...(config.campaigns.directory === undefined ? {} : { directory: config.campaigns.directory }), protectedFiles },
    defaults: { ...config.campaigns.defaults, gateways: ns.gateways, classCMarginMs: ns.multicastClassCMarginMs },
    rootKeys: lookups.rootKeys,
    devices: lookups.devices,
  };
}

/** The admission function for `fuota serve`: createAdmission(config, lookups, store)(request). */
export function createAdmission(config: FuotaConfig, lookups: NetworkServerLookups, store: Pick<CampaignStore, 'list' | 'load'>): Admission {
  const deps = admissionDeps(config, lookups, store);
  return (request) => admitCampaign(request, deps);
}
