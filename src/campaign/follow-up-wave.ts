import type { CampaignContext } from './context.js';
import type { Draft } from './draft.js';
import type { DeviceState } from './state.js';

/**
 * Whether the device was served in a follow-up wave already (its SessionCnt moved on there):
 * a device is served again once only, so that a campaign always ends.
 */
export function servedInFollowUp(device: DeviceState): boolean {
  return device.sessionCnt !== undefined;
}

/**
 * Marks a live device that this wave could not serve (its frames lost on air) for a follow-up
 * wave: it leaves the wave's counts now and is moved when the wave tears down (insertFollowUpWave).
 */
export function markForFollowUp(draft: Draft, device: DeviceState, note: string): void {
  device.followUp = true;
  device.phase = 'waiting';
  device.pending = undefined;
  draft.note(device.devEui, note);
}

/**
 * Puts the devices that need another TS004 v2 seed (seed-learning.ts) into a wave of their own,
 * right after wave `after`: a new fragmentation session (SessionCnt one higher, as TS004 v2
 * §3.3 requires a new session to have), in a new multicast group, with the other seed. Later
 * waves move up by one; they have not started. The canary rule then judges the wave together
 * with its follow-up (transition.ts finishWaves).
 */
export function insertFollowUpWave(draft: Draft, after: number, devEuis: readonly string[], ctx: CampaignContext): void {
  const campaign = draft.campaign;
  const index = after + 1;
  for (const view of draft.all()) if (view.wave >= index) draft.device(view.devEui).wave += 1;
  for (const devEui of devEuis) {
    const device = draft.device(devEui);
    device.wave = index;
    device.phase = 'waiting';
    device.followUp = false;
    device.pending = undefined;
    device.fecScheme = undefined;
    device.fragIndex = undefined;
    device.fragments = {};
    device.released = false;
    // Its clock stays synchronised; the group and the session are set up anew.
    device.done = { mcGroupSetup: false, fragSessionSetup: false, clockSync: device.done.clockSync, mcSession: false };
    device.sessionCnt = Math.min(0xffff, (device.sessionCnt ?? ctx.spec.fragmentation.sessionCnt) + 1);
    draft.note(devEui, `moved to follow-up wave ${index} (SessionCnt ${device.sessionCnt})`);
  }
  campaign.waveCount += 1;
  campaign.followUpWaves = [...(campaign.followUpWaves ?? []).map((w) => (w >= index ? w + 1 : w)), index];
  draft.regroup();
}
