import type { CampaignSpec } from '../campaign/spec.js';
import type { RedactedSpec } from './campaign-service-types.js';

// The McKey and the devices' root keys are the secrets of a campaign: whoever holds them can
// forge multicast frames or derive every session key. No response carries them, whatever the
// caller's scope; a device entry keeps everything else.

export function redactSpec(spec: CampaignSpec): RedactedSpec {
  const { mcKey: _mcKey, ...multicast } = spec.multicast;
  return {
    ...spec,
    multicast,
    devices: spec.devices.map(({ rootKey: _rootKey, ...device }) => device),
  };
}
