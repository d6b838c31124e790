import commonPb from '@chirpstack/chirpstack-api/common/common_pb.js';
import { ValueError } from '../../core/errors.js';
import type { ChirpstackRegion } from './grpc-multicast-group.js';

// Our region names are RP002's (EU868, AS923-1 …); ChirpStack's common.Region enum spells the
// AS923 channel plans AS923, AS923_2, AS923_3, AS923_4.

/** ChirpStack's Region enum name for a region of ours (RP002 name); throws when ChirpStack has none. */
export function chirpstackRegionOf(region: string): ChirpstackRegion {
  const name = region === 'AS923-1' ? 'AS923' : region.replace(/-/g, '_');
  if (!Object.hasOwn(commonPb.Region, name)) {
    throw new ValueError('region', `a region ChirpStack v4 knows (${Object.keys(commonPb.Region).join(', ')}, or AS923-1..4)`, region, 'CHIRPSTACK_REGION_UNKNOWN');
  }
  return name as ChirpstackRegion;
}
