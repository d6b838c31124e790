import { parseCampaignSpec, type CampaignSpec } from '../campaign/spec.js';
import { CallerError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import { sameBytes } from '../manifest/digest.js';
import { formatFirmwareVersion, parseFirmwareVersion } from '../manifest/firmware-version.js';
import { uuidToString } from '../manifest/uuid5.js';
import { withRootKeys, type RootKeySource } from '../intake/root-key-source.js';
import { checkSequence, type AcceptedSequences } from './accepted-sequences.js';
import { withDefaults, type CampaignDefaults } from './campaign-defaults.js';
import { checkDevicesKnown, type DeviceDirectory } from './device-directory.js';
import { authenticatePackage, type AuthenticPackage } from './package-authentication.js';
import { readPackageFile, type PackagePathRules } from './package-path.js';
import { classIdOfName, type VendorKey } from './vendor-keys.js';
import { checkDeltaAccepted } from './delta-acceptance.js';

// Admission (issue #12 item 4; docs/package-format.md "Admission"): the one gate every campaign
// passes, from a campaign file, REST or gRPC, before anything is stored or sent. Local checks
// first (path, package, signature, sequence, spec), the network server last, so that a bad file
// costs no API call. Every refusal is a FuotaError with a one-line message naming the cause.

export interface AdmissionRequest {
  spec: unknown;
  /** The package itself (an upload) ... */
  packageBytes?: Uint8Array;
  /** ... or its path: relative to campaigns.directory, or absolute inside it. */
  packagePath?: string;
}

export interface AdmissionDeps {
  vendorKeys: readonly VendorKey[];
  sequences: AcceptedSequences;
  paths: PackagePathRules;
  /** Filled where the spec leaves them out; none = the spec must say everything. */
  defaults?: CampaignDefaults;
  /** Root keys of devices listed without one; none = every device must carry rootKey. */
  rootKeys?: RootKeySource;
  /** The network server's device list; none = not checked (reported in `unchecked`). */
  devices?: DeviceDirectory;
}

export interface Admitted {
  /** The spec input to create: version from the manifest, defaults and root keys filled in. */
  spec: Record<string, unknown>;
  block: Uint8Array;
  package: AuthenticPackage;
  /** Checks not made for want of information (no inventory digest, no device class, ...). */
  unchecked: string[];
  /** Root keys read from the network server. */
  rootKeysRead: number;
}

/** A well-formed placeholder for keys still to be read: the spec is validated before any network call. */
const PLACEHOLDER_ROOT_KEY = '00'.repeat(16);

export async function admitCampaign(request: AdmissionRequest, deps: AdmissionDeps): Promise<Admitted> {
  const block = await packageOf(request, deps.paths);
  const pkg = authenticatePackage(block, deps.vendorKeys);
  await checkSequence(pkg, deps.sequences);
  let spec = withVersion(specObject(request.spec), pkg);
  if (deps.defaults) spec = withDefaults(spec, deps.defaults);
  const parsed = parseCampaignSpec(deps.rootKeys ? withPlaceholderKeys(spec) : spec);
  const unchecked = checkTargets(parsed, pkg);
  if (deps.devices) await checkDevicesKnown(parsed.devices.map((d) => d.devEui), deps.devices);
  else unchecked.push('devices known to the network server');
  let rootKeysRead = 0;
  if (deps.rootKeys) ({ spec, read: rootKeysRead } = await withRootKeys(spec, deps.rootKeys));
  return { spec, block, package: pkg, unchecked, rootKeysRead };
}

async function packageOf(request: AdmissionRequest, paths: PackagePathRules): Promise<Uint8Array> {
  const { packageBytes, packagePath } = request;
  if ((packageBytes === undefined) === (packagePath === undefined)) {
    throw new CallerError('PACKAGE_SOURCE', `package: expected either its bytes or a path inside campaigns.directory, got ${packageBytes === undefined ? 'neither' : 'both'}`);
  }
  if (packageBytes !== undefined) {
    if (!(packageBytes instanceof Uint8Array)) throw new CallerError('PACKAGE_SOURCE', `package: expected bytes, got ${typeof packageBytes}`);
    return packageBytes;
  }
  return readPackageFile(packagePath!, paths);
}

function specObject(spec: unknown): Record<string, unknown> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new CallerError('INVALID_CAMPAIGN_SPEC', `campaign spec: expected an object, got ${spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec}`);
  }
  return spec as Record<string, unknown>;
}

/** firmware.version from the manifest; a version the spec gives must be the manifest's. */
function withVersion(spec: Record<string, unknown>, pkg: AuthenticPackage): Record<string, unknown> {
  const firmware = spec['firmware'] ?? {};
  if (firmware === null || typeof firmware !== 'object' || Array.isArray(firmware)) return spec; // the spec's validation names it
  const given = (firmware as Record<string, unknown>)['version'];
  if (given !== undefined) {
    const value = typeof given === 'number' ? given : typeof given === 'string' ? safeVersion(given) : undefined;
    if (value === undefined) return spec; // malformed: the spec's validation names it
    if (value !== pkg.firmwareVersion) {
      throw new CallerError('FIRMWARE_VERSION_MISMATCH', `campaign spec firmware.version: expected the package's ${formatFirmwareVersion(pkg.firmwareVersion)}, got ${JSON.stringify(given)}`);
    }
  }
  return { ...spec, firmware: { ...firmware, version: pkg.firmwareVersion } };
}

function safeVersion(text: string): number | undefined {
  try {
    return parseFirmwareVersion(text);
  } catch {
    return undefined;
  }
}

function withPlaceholderKeys(spec: Record<string, unknown>): Record<string, unknown> {
  const devices = spec['devices'];
  if (!Array.isArray(devices)) return spec;
  return {
    ...spec,
    devices: devices.map((d: unknown) => (d !== null && typeof d === 'object' && !Array.isArray(d) && (d as Record<string, unknown>)['rootKey'] === undefined ? { ...d, rootKey: PLACEHOLDER_ROOT_KEY } : d)),
  };
}

/** The package against the devices it targets: device class, a delta's precursor, content keys. */
function checkTargets(spec: CampaignSpec, pkg: AuthenticPackage): string[] {
  const unchecked: string[] = [];
  let noClass = 0;
  let noDigest = 0;
  for (const device of spec.devices) {
    if (device.deviceClass === undefined) noClass++;
    else if (!sameBytes(classIdOfName(device.deviceClass), pkg.classId)) {
      throw new CallerError('DEVICE_CLASS_MISMATCH', `device ${device.devEui} deviceClass: expected the package's class ${uuidToString(pkg.classId)}, got ${JSON.stringify(device.deviceClass)} (${uuidToString(classIdOfName(device.deviceClass))})`);
    }
    if (pkg.precursor) {
      if (device.firmwareSha256 === undefined) noDigest++;
      else if (device.firmwareSha256 !== bytesToHex(pkg.precursor.sha256)) {
        throw new CallerError('PRECURSOR_MISMATCH', `device ${device.devEui} firmwareSha256: expected the delta's precursor ${bytesToHex(pkg.precursor.sha256)}, got ${device.firmwareSha256}`);
      }
    }
    if (pkg.encrypted && !pkg.wrappedKeysFor.has(device.devEui)) {
      throw new CallerError('PACKAGE_NO_KEY_FOR_DEVICE', `device ${device.devEui}: expected a content key wrapped for it in the encrypted package, got none`);
    }
  }
  checkDeltaAccepted(spec.devices, pkg, unchecked);
  if (noClass > 0) unchecked.push(`device class of ${noClass} device(s) without deviceClass`);
  if (noDigest > 0) unchecked.push(`delta precursor of ${noDigest} device(s) without firmwareSha256`);
  return unchecked;
}
