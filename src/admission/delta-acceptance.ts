import { deltaCapabilityOf } from '../campaign/delta-profile.js';
import type { DeviceTarget } from '../campaign/spec.js';
import { CallerError } from '../core/errors.js';
import { deltaRefusal, describeDeltaCapability, heatshrinkText, type DeltaCapability } from '../manifest/delta-capability.js';
import type { AuthenticPackage } from './package-authentication.js';

// A delta is sent only to devices that can apply it (issue #18): a device whose janpatch predates
// implicit MOD, or that carries no detools, would receive the whole block and then refuse it,
// after the campaign's airtime was spent. What a device applies comes from its profile's `delta`
// (docs/campaign-file.md); a device that says nothing applies JojoDiff as every janpatch build does.

/** Refuses naming the first device that cannot apply the package's delta, and how many more cannot. */
export function checkDeltaAccepted(devices: readonly DeviceTarget[], pkg: AuthenticPackage, unchecked: string[]): void {
  const format = pkg.deltaFormat;
  if (format === undefined) return;
  const verdicts = new Map<DeltaCapability, string | undefined>();
  let first: { device: DeviceTarget; capability: DeltaCapability; why: string } | undefined;
  let refused = 0;
  for (const device of devices) {
    const capability = deltaCapabilityOf(device);
    if (!verdicts.has(capability)) verdicts.set(capability, deltaRefusal(capability, format, pkg.detools));
    const why = verdicts.get(capability);
    if (why === undefined) continue;
    refused++;
    first ??= { device, capability, why };
  }
  if (first) {
    const { device, capability, why } = first;
    const profile = device.profile === undefined ? 'no profile' : `profile ${JSON.stringify(device.profile)}`;
    const more = refused > 1 ? ` (and ${refused - 1} more device(s))` : '';
    throw new CallerError(
      'DELTA_FORMAT_NOT_ACCEPTED',
      `device ${device.devEui} (${profile}) delta: expected a package it can apply (it accepts ${describeDeltaCapability(capability)}), got ${packageDelta(pkg)}: ${why}${more}`,
    );
  }
  if (format === 'detools-sequential' && pkg.detools === undefined) unchecked.push('detools compression of the encrypted delta (its header is encrypted)');
}

function packageDelta(pkg: AuthenticPackage): string {
  const d = pkg.detools;
  if (!d) return `a ${pkg.deltaFormat} delta`;
  return `a ${pkg.deltaFormat} delta (${d.compression === 'heatshrink' && d.heatshrink ? `heatshrink ${heatshrinkText(d.heatshrink)}` : d.compression})`;
}
