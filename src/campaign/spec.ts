import { z } from 'zod';
import { CallerError } from '../core/errors.js';
import { parseFirmwareVersion } from '../manifest/firmware-version.js';
import { selectTargets } from './target-selection.js';
import { DEVICE_STACKS, type DeviceStack } from './device-stack.js';
import { deltaProfileSchema, resolveDeltaCapability } from './delta-profile.js';
import type { DeltaCapability } from '../manifest/delta-capability.js';
import { scheduleSchema } from './schedule-spec.js';

// What an operator asks for: which devices, which image, how to send it. Validated once, with
// defaults, so that the state machine only ever sees a complete, consistent spec.

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `${bytes} bytes as hex`).transform((s) => s.toLowerCase());
const eui = z.string().regex(/^[0-9a-fA-F]{16}$/, '16 hex digits').transform((s) => s.toLowerCase());
const version = z.union([z.literal(1), z.literal(2)]);
/**
 * A firmware version as manifests carry it (u32): an integer, or "major.minor.patch" as every
 * CLI command takes it, packed as manifest/firmware-version.ts does (so both forms compare).
 */
const VERSION_FORMS = 'an integer in 0..4294967295 or "major.minor.patch"';
const firmwareVersion = z.union([z.number(), z.string()], { error: VERSION_FORMS }).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
  } else if (/^\d+\.\d+\.\d+$/.test(value)) {
    try {
      return parseFirmwareVersion(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'major.minor.patch with major, minor <= 255 and patch <= 65535' });
      return z.NEVER;
    }
  }
  ctx.addIssue({ code: 'custom', message: VERSION_FORMS });
  return z.NEVER;
});

const packageVersionsSchema = z.strictObject({ ts003: version.optional(), ts004: version.optional(), ts005: version.optional() });

/** What a device model's firmware is: named once under `deviceProfiles`, used by many devices. */
export const deviceProfileSchema = z.strictObject({
  /** The device stack: decides which packages exist and how its answers read (device-stack.ts). */
  stack: z.enum(DEVICE_STACKS).optional(),
  lorawanVersion: z.enum(['1.0', '1.1']).optional(),
  packageVersions: packageVersionsSchema.optional(),
  reedSolomon: z.boolean().optional(),
  /** TS004 v2 PRBS seed of the firmware: 'N' (v2.0.0 text) or 'N-M' (LoRa Basics Modem). Default: from the stack. */
  v2Seed: z.enum(['N', 'N-M']).optional(),
  /** The delta formats the firmware can apply (delta-profile.ts). Default: JojoDiff, every janpatch build. */
  delta: deltaProfileSchema.optional(),
});

export const deviceTargetSchema = z.strictObject({
  devEui: eui,
  /** GenAppKey (LoRaWAN 1.0.x) or AppKey (1.1): the root of McKEKey and DataBlockIntKey. */
  rootKey: hex(16),
  /** A name under the spec's `deviceProfiles`: its fields fill what the entry leaves out. */
  profile: z.string().optional(),
  /** Default 'spec' (after the profile). */
  stack: z.enum(DEVICE_STACKS).optional(),
  /** Default '1.0' (after the profile). */
  lorawanVersion: z.enum(['1.0', '1.1']).optional(),
  /** Package versions when the device profile already says them; otherwise PackageVersionReq asks. */
  packageVersions: packageVersionsSchema.optional(),
  /** The firmware carries our Reed-Solomon decoder (never guessed). */
  reedSolomon: z.boolean().optional(),
  /** TS004 v2 PRBS seed: 'N' (v2.0.0 text) or 'N-M' (LoRa Basics Modem). Default: 'N-M' for lbm, else 'N'. */
  v2Seed: z.enum(['N', 'N-M']).optional(),
  /** The delta formats the firmware can apply; its keys override the profile's one by one. */
  delta: deltaProfileSchema.optional(),
  firmwareVersion: firmwareVersion.optional(),
  /** SHA-256 of the image the device runs, when the inventory knows it: a delta's precursor must match (admission). */
  firmwareSha256: hex(32).optional(),
  /** The device model (the manifest's device class), for selection. */
  deviceClass: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
});

// Strict objects throughout: a misspelt key ("rolout") is an error, not a silently ignored setting (as in the config).
export const campaignSpecSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1..64)'),
  name: z.string().default(''),
  firmware: z.strictObject({
    /** The version the devices must report after the reboot (TS006 DevVersionAns FWversion); admission fills it from the manifest. */
    version: firmwareVersion,
    /** FragSessionSetupReq Descriptor; default: the version, little-endian. Never silently zero. */
    descriptor: hex(4).optional(),
    /**
     * Where the application's own uplinks carry the running firmware version, for devices without
     * TS006 (LoRaMac-node): the uplinks on `fPort`, `length` bytes from `offset`, in `byteOrder`.
     * With it such a device is `confirmed` once that version appears after the block was
     * delivered; without it the device ends `delivered`.
     */
    versionUplink: z
      .union([
        z.strictObject({
          fPort: z.number().int().min(1).max(223),
          offset: z.number().int().min(0).max(241),
          length: z.number().int().min(1).max(4).default(4),
          byteOrder: z.enum(['little', 'big']).default('little'),
        }),
        // Or where the network server's decoded payload (ChirpStack's `object`) holds it:
        // `firmware.version`, `status.fw[0]`; a number, or "major.minor.patch".
        z.strictObject({ jsonPath: z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/, 'a path like firmware.version or status.fw[0]') }),
      ])
      .optional(),
  }),
  /** Device models by name (see deviceTargetSchema.profile). */
  deviceProfiles: z.record(z.string(), deviceProfileSchema).default({}),
  /** The inventory: every device the campaign may update, with its keys. */
  devices: z.array(deviceTargetSchema).min(1),
  /** Update only the devices that match (tags, device class, current firmware version). */
  select: z
    .strictObject({
      tags: z.record(z.string(), z.string()).optional(),
      deviceClass: z.string().optional(),
      firmwareVersion: firmwareVersion.optional(),
    })
    .optional(),
  rollout: z
    .strictObject({
      /** Share of the devices updated first; 0 = one wave. */
      canaryFraction: z.number().min(0).max(1).default(0.1),
      /** Halt after a wave whose failure rate passes this (0..1). */
      haltFailureRate: z.number().min(0).max(1).default(0.2),
      /** Share (0..1) of a wave's devices that must end confirmed or delivered for the next wave to start (Actility-style); none by default. */
      successThreshold: z.number().min(0).max(1).optional(),
    })
    .prefault({}),
  multicast: z
    .strictObject({
      mcAddr: z.number().int().min(0).max(0xffffffff).default(0x01fffff0),
      /** McKey (16 bytes hex); the composition root draws one at random when omitted. */
      mcKey: hex(16),
      groupId: z.number().int().min(0).max(3).default(0),
      class: z.enum(['C', 'B']).default('C'),
      region: z.string().default('EU868'),
      dr: z.number().int().min(0).max(15).default(5),
      /** Default: the region's RX2 frequency (filled in by the engine's planner). */
      frequencyHz: z.number().int().positive().optional(),
      /** Class B ping-slot periodicity (0..7). */
      periodicity: z.number().int().min(0).max(7).default(0),
      gateways: z.array(z.string()).default([]),
      /**
       * The network server's spacing of class C multicast items per gateway (ChirpStack's
       * `multicast_class_c_margin`, DELAY scheduling: config.rs 236). Frames are planned at least
       * this × the gateway count apart, so the server's queue never lags the plan. 0 = none.
       */
      classCMarginMs: z.number().int().min(0).max(600_000).default(0),
    }),
  fragmentation: z
    .strictObject({
      fragIndex: z.number().int().min(0).max(3).default(0),
      /** Bytes per fragment; 0 = the largest the DR allows. */
      fragmentSizeBytes: z.number().int().min(0).max(255).default(0),
      /** Coded fragments sent up front, as a share of M. */
      initialRedundancy: z.number().min(0).max(10).default(0.1),
      /** Most coded fragments over all rounds, as a share of M. */
      maxRedundancy: z.number().min(0).max(10).default(1),
      blockAckDelay: z.number().int().min(0).max(7).default(0),
      maxStatusRounds: z.number().int().min(1).max(20).default(10),
      fecPreference: z.enum(['parity', 'rs']).default('parity'),
      sessionCnt: z.number().int().min(0).max(0xffff).default(1),
    })
    .prefault({}),
  timing: z
    .strictObject({
      /** How long to wait for a class A device's answer before asking again. */
      answerTimeoutMs: z.number().int().positive().default(20 * 60_000),
      maxAttempts: z.number().int().min(1).max(100).default(6),
      /** After this, devices still in setup are absent for this wave. */
      setupDeadlineMs: z.number().int().positive().default(6 * 3_600_000),
      /** Session start = when setup ends + this (time for every device to get McClassCSessionReq). */
      sessionLeadMs: z.number().int().positive().default(90 * 60_000),
      rebootDelayMs: z.number().int().min(0).default(5 * 60_000),
      confirmTimeoutMs: z.number().int().positive().default(2 * 3_600_000),
    })
    .prefault({}),
  /** Share (0..1] of each sub-band's duty-cycle allowance FUOTA may use. */
  budgetShare: z.number().gt(0).max(1).default(0.5),
  /** Start time and daily send windows (schedule-spec.ts). */
  schedule: scheduleSchema.prefault({}),
});

export type CampaignSpecInput = z.input<typeof campaignSpecSchema>;
export type DeviceProfile = z.output<typeof deviceProfileSchema>;
/** A device entry with its profile applied and every default filled in. */
export type DeviceTarget = Omit<z.output<typeof deviceTargetSchema>, 'stack' | 'lorawanVersion' | 'packageVersions' | 'reedSolomon' | 'v2Seed' | 'delta'> & {
  stack: DeviceStack;
  lorawanVersion: '1.0' | '1.1';
  packageVersions: { ts003?: 1 | 2; ts004?: 1 | 2; ts005?: 1 | 2 };
  reedSolomon: boolean;
  v2Seed: 'N' | 'N-M';
  /** Complete when the entry or its profile says anything; absent = the default (deltaCapabilityOf). */
  delta?: DeltaCapability;
};
export type CampaignSpec = Omit<z.output<typeof campaignSpecSchema>, 'devices'> & { devices: DeviceTarget[] };

function invalid(message: string): CallerError {
  return new CallerError('INVALID_CAMPAIGN_SPEC', `campaign spec ${message}`);
}

/**
 * A device entry completed: its own fields, then its profile's, then the stack's defaults.
 * LoRaMac-node implements the v1 packages only (../shared/reference/device-stacks.md), so its
 * versions are known without asking; LoRa Basics Modem's v2 parity code is seeded with N − M.
 */
function resolveTarget(entry: z.output<typeof deviceTargetSchema>, index: number, profiles: Record<string, DeviceProfile>): DeviceTarget {
  let profile: DeviceProfile = {};
  if (entry.profile !== undefined) {
    const named = profiles[entry.profile];
    if (!named) {
      const known = Object.keys(profiles);
      throw invalid(`devices.${index}.profile: expected ${known.length ? `one of ${known.map((k) => JSON.stringify(k)).join(', ')} (deviceProfiles)` : 'a name under deviceProfiles, which is empty'}, got ${JSON.stringify(entry.profile)}`);
    }
    profile = named;
  }
  const stack = entry.stack ?? profile.stack ?? 'spec';
  const stackVersions = stack === 'loramac-node' ? { ts003: 1, ts004: 1, ts005: 1 } as const : {};
  const packageVersions = { ...stackVersions, ...profile.packageVersions, ...entry.packageVersions };
  if (stack === 'loramac-node') {
    for (const [name, v] of Object.entries(packageVersions)) {
      if (v !== 1) throw invalid(`devices.${index}.packageVersions.${name}: expected 1 (LoRaMac-node implements the v1 packages only), got ${v}`);
    }
  }
  const delta = resolveDeltaCapability(entry.delta, profile.delta);
  // One object literal, its always-present fields first, then the optional ones given: every entry
  // of a fleet shares one hidden class. Spreading the parsed entry gave each its own (a map and a
  // descriptor array, ~300 B a device of a 100 000-device campaign, issue #17). The empty tags and
  // the handful of package-version sets are shared, frozen: nothing writes a target.
  const devEui = entry.devEui;
  const rootKey = entry.rootKey;
  const lorawanVersion = entry.lorawanVersion ?? profile.lorawanVersion ?? '1.0';
  const sharedVersions = sharedPackageVersions(packageVersions);
  const reedSolomon = entry.reedSolomon ?? profile.reedSolomon ?? false;
  const v2Seed = entry.v2Seed ?? profile.v2Seed ?? (stack === 'lbm' ? 'N-M' : 'N');
  const tags = Object.keys(entry.tags).length === 0 ? NO_TAGS : entry.tags;
  const firmwareVersion = entry.firmwareVersion;
  // The firmware version an inventory usually gives is in the literal too: added afterwards it
  // would sit in an out-of-object property array of its own (~40 bytes a device).
  const target: DeviceTarget =
    firmwareVersion === undefined
      ? { devEui, rootKey, stack, lorawanVersion, packageVersions: sharedVersions, reedSolomon, v2Seed, tags }
      : { devEui, rootKey, stack, lorawanVersion, packageVersions: sharedVersions, reedSolomon, v2Seed, tags, firmwareVersion };
  if (entry.profile !== undefined) target.profile = entry.profile;
  if (entry.firmwareSha256 !== undefined) target.firmwareSha256 = entry.firmwareSha256;
  if (entry.deviceClass !== undefined) target.deviceClass = entry.deviceClass;
  if (delta) target.delta = delta;
  return target;
}

const NO_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const packageVersionSets = new Map<string, DeviceTarget['packageVersions']>();

/** One frozen object per combination of package versions (at most 27), shared by the targets. */
function sharedPackageVersions(versions: DeviceTarget['packageVersions']): DeviceTarget['packageVersions'] {
  const key = `${versions.ts003 ?? 0}${versions.ts004 ?? 0}${versions.ts005 ?? 0}`;
  let shared = packageVersionSets.get(key);
  if (!shared) {
    // Fixed key order, whatever order the entry and its profile gave them in.
    const ordered: DeviceTarget['packageVersions'] = {};
    if (versions.ts003 !== undefined) ordered.ts003 = versions.ts003;
    if (versions.ts004 !== undefined) ordered.ts004 = versions.ts004;
    if (versions.ts005 !== undefined) ordered.ts005 = versions.ts005;
    packageVersionSets.set(key, (shared = Object.freeze(ordered)));
  }
  return shared;
}

/** Validates a spec; errors name the key path, what was expected and what came. */
export function parseCampaignSpec(input: unknown): CampaignSpec {
  const result = campaignSpecSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const path = [...issue.path, issue.keys[0]!].join('.');
      throw new CallerError('UNKNOWN_CAMPAIGN_SPEC_KEY', `campaign spec ${path}: expected no such key (unknown keys are errors; see docs/campaign.md), got ${JSON.stringify(issue.keys[0])}`);
    }
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    throw new CallerError('INVALID_CAMPAIGN_SPEC', `campaign spec ${path}: ${issue.message}`);
  }
  const parsed = result.data;
  const resolved = parsed.devices.map((entry, i) => resolveTarget(entry, i, parsed.deviceProfiles));
  // Selection happens once, here: the state machine only ever sees the devices to update.
  const spec: CampaignSpec = { ...parsed, devices: selectTargets(resolved, parsed.select) };
  const seen = new Set<string>();
  for (const device of spec.devices) {
    if (seen.has(device.devEui)) throw new CallerError('INVALID_CAMPAIGN_SPEC', `campaign spec devices: ${device.devEui} is listed twice`);
    seen.add(device.devEui);
  }
  if (spec.firmware.descriptor === '00000000') {
    throw new CallerError('INVALID_CAMPAIGN_SPEC', 'campaign spec firmware.descriptor: expected a non-zero descriptor (devices use it to tell images apart), got 00000000');
  }
  return spec;
}

/** The FragSessionSetupReq descriptor: explicit, or the firmware version little-endian. */
export function descriptorOf(spec: CampaignSpec): string {
  if (spec.firmware.descriptor) return spec.firmware.descriptor;
  const v = spec.firmware.version;
  const bytes = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const descriptor = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  if (descriptor === '00000000') {
    throw new CallerError('INVALID_CAMPAIGN_SPEC', 'campaign spec firmware: version 0 gives a zero descriptor; set firmware.descriptor');
  }
  return descriptor;
}
