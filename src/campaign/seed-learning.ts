import type { CampaignContext } from './context.js';
import type { Draft } from './draft.js';
import type { DeviceState } from './state.js';

// Two TS004 v2 parity codes are in the field: the v2.0.0 text seeds its PRBS with the absolute
// fragment number N, LoRa Basics Modem with N − M (SWL2001 issue #106; ../shared/reference/
// lorawan-app-layer.md). A stream in the wrong one rebuilds a wrong block without error; only the
// v2 data-block MIC shows it. So for a v2 device whose stack is not known, a MICError means "the
// other seed": it is served again with it in a follow-up session, and the seed is learnt.

/** The seed to try next after a MICError, or undefined when there is none left to try. */
export function otherV2Seed(device: DeviceState, ctx: CampaignContext): 'N' | 'N-M' | undefined {
  const target = ctx.targets.get(device.devEui)!;
  if (target.stack !== 'spec' || device.packageVersions.ts004 !== 2) return undefined;
  if (device.fecScheme !== 'v2' && device.fecScheme !== 'v2-lbm') return undefined;
  if (device.v2Seed !== undefined) return undefined; // already served with its second seed
  return device.fecScheme === 'v2' ? 'N-M' : 'N';
}

/** Takes the device out of this session; the wave's teardown moves it to a follow-up wave. */
export function switchToOtherSeed(draft: Draft, device: DeviceState, seed: 'N' | 'N-M', command: string): void {
  device.v2Seed = seed;
  device.followUp = true;
  device.phase = 'waiting';
  device.pending = undefined;
  const name = (s: 'N' | 'N-M') => (s === 'N-M' ? "N − M seed (LoRa Basics Modem's)" : 'absolute-N seed (the v2.0.0 text)');
  draft.note(device.devEui, `${command}: MICError with the ${name(seed === 'N' ? 'N-M' : 'N')}: serving it again in a follow-up session with the ${name(seed)}`);
}
