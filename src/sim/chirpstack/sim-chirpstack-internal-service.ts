import internalPb from '@chirpstack/chirpstack-api/api/internal_pb.js';
import type { SimChirpstackVersion } from './sim-chirpstack-version.js';

// InternalService.GetVersion of the simulated ChirpStack (api/internal.rs get_version: the
// crate version, "major.minor.patch"): the version the simulation plays.

export function internalHandlers(version: SimChirpstackVersion) {
  return {
    getVersion() {
      const response = new internalPb.GetVersionResponse();
      response.setVersion(version.text);
      return response;
    },
  };
}
