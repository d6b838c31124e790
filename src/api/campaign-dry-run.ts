import { campaignContext } from '../campaign/context.js';
import type { CampaignSpec } from '../campaign/spec.js';
import { initialState } from '../campaign/transition.js';
import type { ValidationResult } from './campaign-service-types.js';

// What a campaign would do, computed from the same context the engine derives (context.ts) and
// the same wave split (initialState); nothing is stored or sent. Durations are estimates: class A
// answers wait for the devices' own uplinks, which only the fleet knows.

const STEPS_BY_CLASS: Record<'B' | 'C', string[]> = {
  C: [
    'unicast PackageVersionReq (TS003/TS004/TS005, unless the inventory says the versions)',
    'unicast McGroupSetupReq (TS005: the McKey encrypted with each device\'s McKEKey)',
    'unicast FragSessionSetupReq (TS004)',
    'unicast AppTimeReq answer / ForceDeviceResyncReq (TS003 clock sync)',
    'unicast McClassCSessionReq (TS005)',
    'multicast DataFragment × fragments (TS004), then unicast/multicast FragSessionStatusReq rounds with extra fragments as needed',
    'unicast DevUpgradeImageReq / DevRebootTimeReq (TS006, where the stack has it)',
    'unicast DevVersionReq after the reboot (TS006), or the version from the application uplink',
    'unicast McGroupDeleteReq / FragSessionDeleteReq (teardown)',
  ],
  B: [],
};
STEPS_BY_CLASS.B = STEPS_BY_CLASS.C.map((step) => step.replace('McClassCSessionReq', 'McClassBSessionReq'));

export function dryRun(spec: CampaignSpec, block: Uint8Array, nowMs: number): ValidationResult {
  const ctx = campaignContext(spec, block);
  const { devices, campaign } = initialState(spec, nowMs);
  const plan = ctx.worstCasePlan;
  const { nbFrag, maxN, fragmentSizeBytes, paddingBytes } = ctx.layout;
  const initial = Math.min(maxN, nbFrag + Math.ceil(spec.fragmentation.initialRedundancy * nbFrag));
  const airtimePerFragmentMs = plan.airtimePerFragmentUs / 1000;
  // The worst-case plan covers maxN fragments; the initial send takes its share of that time.
  const worstFragmentsMs = plan.durationUs / 1000;
  const likelyFragmentsMs = worstFragmentsMs * (initial / plan.totalFragments);
  const t = spec.timing;
  const perWaveLikely = t.sessionLeadMs + likelyFragmentsMs + ctx.statusWaitMs + t.rebootDelayMs;
  const perWaveWorst = t.setupDeadlineMs + t.sessionLeadMs + worstFragmentsMs + spec.fragmentation.maxStatusRounds * ctx.statusWaitMs + t.rebootDelayMs + t.confirmTimeoutMs;
  const byWave = Array.from({ length: campaign.waveCount }, (_, wave) => devices.filter((d) => d.wave === wave).length);
  const byStack: Record<string, number> = {};
  for (const device of spec.devices) byStack[device.stack] = (byStack[device.stack] ?? 0) + 1;
  return {
    id: spec.id,
    devices: { count: devices.length, devEuis: devices.map((d) => d.devEui), byWave, byStack },
    package: { bytes: block.length },
    fragments: { fragmentSizeBytes, paddingBytes, uncoded: nbFrag, initial, max: maxN, airtimePerFragmentMs },
    multicast: {
      class: spec.multicast.class,
      region: spec.multicast.region,
      dr: spec.multicast.dr,
      frequencyHz: ctx.frequencyHz,
      gateways: [...ctx.gateways],
      subBand: plan.subBand.id,
      allowedFraction: plan.allowedFraction,
    },
    airtimeMs: { initial: initial * airtimePerFragmentMs, max: maxN * airtimePerFragmentMs },
    estimatedDurationMs: { likely: Math.round(perWaveLikely * campaign.waveCount), worstCase: Math.round(perWaveWorst * campaign.waveCount) },
    steps: STEPS_BY_CLASS[spec.multicast.class],
    warnings: [...plan.warnings],
  };
}
