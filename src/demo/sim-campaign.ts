import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignSpecInput } from '../campaign/spec.js';
import { CallerError } from '../core/errors.js';
import type { SimFleet } from '../sim/sim-fleet.js';

// The campaign file `fuota sim chirpstack --write-campaign DIR` writes for its simulated fleet:
// `<id>.json` ({ spec, package }, docs/campaign-file.md) beside `<id>.bin`, the signed package.
// Root keys are left out for ChirpStack (the simulated ChirpStack answers DeviceService.GetKeys,
// as a real one does) and given for TTS (which keeps no GenAppKey of a 1.0.x device), and so are the McKey, region, DR and budget share (`fuota serve` fills them from its
// config). The devices' class and running image's digest are given, so that admission checks
// them against the package. Timings follow the fleet's uplink interval: a run takes minutes.

/** A spec as a campaign file may give it: root keys and the multicast section left to `fuota serve`. */
export type CampaignFileSpec = Omit<CampaignSpecInput, 'devices' | 'multicast'> & { devices: Array<Omit<CampaignSpecInput['devices'][number], 'rootKey'> & { rootKey?: string }> };

export interface SimCampaign {
  id: string;
  spec: CampaignFileSpec;
  /** The signed package the spec's devices verify. */
  package: Uint8Array;
}

/** A packed version (major << 24 | minor << 16 | patch) as "major.minor.patch". */
function dotted(version: number): string {
  return `${version >>> 24}.${(version >>> 16) & 0xff}.${version & 0xffff}`;
}

export function simCampaign(options: {
  id: string;
  fleet: SimFleet;
  targetVersion: number;
  deviceClass: string;
  /** SHA-256 (hex) of the image the devices run: the delta's precursor, checked by admission. */
  runningImageSha256: string;
  packageBytes: Uint8Array;
  uplinkIntervalMs: number;
  /** Give each device's root key in the file (a network server that cannot hand it out: TTS). */
  withRootKeys?: boolean;
}): SimCampaign {
  const u = options.uplinkIntervalMs;
  const spec: CampaignFileSpec = {
    id: options.id,
    name: `simulated fleet of ${options.fleet.targets.length} devices`,
    firmware: { version: dotted(options.targetVersion) },
    devices: options.fleet.targets.map(({ devEui, lorawanVersion, firmwareVersion, stack, rootKey }) => ({
      devEui, lorawanVersion, stack, firmwareVersion: dotted(firmwareVersion), firmwareSha256: options.runningImageSha256, deviceClass: options.deviceClass,
      ...(options.withRootKeys ? { rootKey } : {}),
    })),
    // One wave: a trial run should end in minutes (a real rollout keeps the canary).
    rollout: { canaryFraction: 0 },
    // A class A downlink waits for the device's next uplink: every wait counts uplinks.
    timing: {
      answerTimeoutMs: Math.max(10_000, 5 * u),
      setupDeadlineMs: Math.max(60_000, 40 * u),
      sessionLeadMs: Math.max(15_000, 10 * u),
      rebootDelayMs: u,
      confirmTimeoutMs: Math.max(60_000, 40 * u),
    },
  };
  return { id: options.id, spec, package: options.packageBytes };
}

/**
 * Writes `<id>.bin`, then `<id>.json` under a temporary name renamed into place, so that a
 * campaigns directory's intake never reads half a file. Returns both paths.
 */
export async function writeSimCampaign(directory: string, campaign: SimCampaign): Promise<{ campaignFile: string; packageFile: string }> {
  const packageName = `${campaign.id}.bin`;
  const packageFile = join(directory, packageName);
  const campaignFile = join(directory, `${campaign.id}.json`);
  try {
    await mkdir(directory, { recursive: true });
    await writeFile(packageFile, campaign.package);
    await writeFile(`${campaignFile}.part`, `${JSON.stringify({ spec: campaign.spec, package: packageName }, null, 2)}\n`);
    await rename(`${campaignFile}.part`, campaignFile);
  } catch (error) {
    throw new CallerError('SIM_CAMPAIGN_NOT_WRITTEN', `--write-campaign: expected a writable directory ${JSON.stringify(directory)}, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return { campaignFile, packageFile };
}
