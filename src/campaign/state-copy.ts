import type { CampaignState, DeviceState, WaveState } from './state.js';

// Copies of the campaign's state for copy-on-write (draft.ts): the campaign once per event, a
// device the first time an event touches it. structuredClone serialises and rebuilds through a
// generic path (10-15 µs a copy): 12 % of a 3 000-device demo (issue #17). These spread each
// level the state has (state.ts: plain JSON, nested at most two deep), 10-50× faster. A field
// that holds an object must be copied here too: test/campaign/state-copy.test.ts fills every
// field (Required<…>) and checks that a copy shares no object with its original.

export function copyDevice(device: DeviceState): DeviceState {
  const copy: DeviceState = { ...device };
  copy.packageVersions = { ...device.packageVersions };
  copy.done = { ...device.done };
  copy.fragments = { ...device.fragments };
  copy.timestamps = { ...device.timestamps };
  copy.counters = { ...device.counters };
  if (device.pending) copy.pending = { ...device.pending };
  if (device.lastAnswer) copy.lastAnswer = { ...device.lastAnswer };
  return copy;
}

/**
 * A copy of `device` to hear an uplink on (heard-uplink.ts hearUplink): only the parts hearUplink
 * writes are copied; the others stay the committed original's, which is never written (a draft
 * copies a device, with every part, before it changes it), as shared-device-parts.ts shares them.
 */
export function copyDeviceToHear(device: DeviceState): DeviceState {
  const copy: DeviceState = { ...device };
  copy.timestamps = { ...device.timestamps };
  copy.counters = { ...device.counters };
  if (device.pending) copy.pending = { ...device.pending };
  return copy;
}

function copyWave(wave: WaveState): WaveState {
  const copy: WaveState = { ...wave };
  copy.subSessions = wave.subSessions.map((session) => {
    const s = { ...session };
    if (session.lossStats) s.lossStats = { ...session.lossStats };
    return s;
  });
  return copy;
}

export function copyCampaign(campaign: CampaignState): CampaignState {
  const copy: CampaignState = { ...campaign };
  copy.ignoredUplinks = { ...campaign.ignoredUplinks };
  copy.airtime = { ...campaign.airtime };
  copy.waveResults = campaign.waveResults.map((r) => ({ ...r }));
  if (campaign.wave) copy.wave = copyWave(campaign.wave);
  if (campaign.followUpWaves) copy.followUpWaves = [...campaign.followUpWaves];
  if (campaign.scheduleWait) copy.scheduleWait = { ...campaign.scheduleWait };
  return copy;
}
