import type { CampaignSpec } from '../campaign/spec.js';
import type { DeviceOutcome } from '../campaign/state.js';
import type { FleetMember } from '../sim/sim-fleet.js';
import { hasFirmwareManagement } from '../campaign/device-stack.js';

/**
 * What a scenario should end in, per device: its kind decides (absent, too small, rejecting),
 * and the canary rule may halt the rest. A package with a bad signature is rejected by every
 * canary that can say so, so the campaign must halt before it reaches the others. A LoRaMac-node
 * device has no TS006: it ends `delivered` whatever its application then makes of the block.
 */
export function expectedOutcomes(members: readonly FleetMember[], spec: CampaignSpec, badSignature: boolean): Map<string, DeviceOutcome> {
  const byEui = new Map(members.map((m) => [m.device.devEui, m]));
  const total = spec.devices.length;
  const canaryCount = spec.rollout.canaryFraction > 0 ? Math.max(1, Math.round(total * spec.rollout.canaryFraction)) : 0;
  const twoWaves = canaryCount > 0 && canaryCount < total;
  const canaries = twoWaves ? spec.devices.slice(0, canaryCount) : spec.devices;
  const outcomeOf = (devEui: string): DeviceOutcome => {
    const member = byEui.get(devEui)!;
    if (member.kind === 'absent') return 'absent';
    if (member.kind === 'small') return 'failed';
    if (!hasFirmwareManagement(member.stack)) return 'delivered';
    if (member.kind === 'rejecting' || badSignature) return 'rejected';
    return 'confirmed';
  };
  const expected = new Map<string, DeviceOutcome>();
  let canaryFailures = 0;
  for (const device of canaries) {
    const outcome = outcomeOf(device.devEui);
    expected.set(device.devEui, outcome);
    if (outcome === 'failed' || outcome === 'rejected') canaryFailures++;
  }
  const canarySucceeded = canaries.some((d) => ['confirmed', 'delivered'].includes(expected.get(d.devEui)!));
  const halted = twoWaves && (canaryFailures / canaryCount > spec.rollout.haltFailureRate || !canarySucceeded);
  for (const device of spec.devices.slice(canaries.length)) expected.set(device.devEui, halted ? 'halted' : outcomeOf(device.devEui));
  return expected;
}
