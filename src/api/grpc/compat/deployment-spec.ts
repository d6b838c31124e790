import { randomBytes, randomUUID } from 'node:crypto';
import { CallerError, ValueError } from '../../../core/errors.js';
import { bytesToHex } from '../../../core/hex.js';
import type { RootKeySource } from '../../../intake/root-key-source.js';
import { deriveMcRootKey, type LorawanVersion } from '../../../lorawan/keys.js';
import type { CampaignRequest } from '../../campaign-service-types.js';

// chirpstack-fuota-server's Deployment (proto/chirpstack_fuota_server.proto) as our campaign
// spec + package (docs/api.md "gRPC", "chirpstack-fuota-server"). One wave (no canary), as that
// server ran; McKey drawn at random, as it did; the payload goes to admission as our package.

/** The Deployment message as the gRPC layer decodes it (defaults filled, bytes as Uint8Array). */
export interface DeploymentMessage {
  applicationId: string;
  devices: Array<{ devEui: Uint8Array; mcRootKey: Uint8Array }>;
  multicastGroupType: 'CLASS_B' | 'CLASS_C';
  multicastDr: number;
  multicastPingSlotPeriod: number;
  multicastFrequency: number;
  multicastGroupId: number;
  multicastTimeout: number;
  unicastTimeout: { seconds: number; nanos: number } | null;
  unicastAttemptCount: number;
  fragmentationFragmentSize: number;
  payload: Uint8Array;
  fragmentationRedundancy: number;
  fragmentationSessionIndex: number;
  fragmentationMatrix: number;
  fragmentationBlockAckDelay: number;
  fragmentationDescriptor: Uint8Array;
  requestFragmentationSessionStatus: string;
}

export interface DeploymentOptions {
  /**
   * The network server's root keys: each device's GenAppKey (1.0.x) or AppKey (1.1) is read
   * there and the McRootKey derived from it must equal mc_root_key. None: rootKey is left out
   * for admission's key source to fill, and mc_root_key is not compared.
   */
  rootKeys?: RootKeySource;
  /** The ChirpStack application fuota serves; a deployment naming another is refused. */
  applicationId?: string;
  /** Default: a random UUID (the deployment id is a UUID in that API). */
  newId?: () => string;
}

const INVALID = 'INVALID_DEPLOYMENT';

function check(ok: boolean, field: string, expected: string, actual: unknown): void {
  if (!ok) throw new ValueError(`deployment.${field}`, expected, actual, INVALID);
}

/** The device's root key, checked against the McRootKey the deployment gives; the LoRaWAN version that matched. */
async function rootKeyFor(source: RootKeySource, devEui: string, mcRootKey: Uint8Array, index: number): Promise<{ rootKey: string; lorawanVersion: LorawanVersion }> {
  for (const lorawanVersion of ['1.0', '1.1'] as const) {
    let rootKey: string;
    try {
      rootKey = await source.rootKey(devEui, lorawanVersion);
    } catch (error) {
      if (lorawanVersion === '1.0') throw error;
      break;
    }
    const key = Buffer.from(rootKey, 'hex');
    const derived = deriveMcRootKey(lorawanVersion === '1.0' ? { lorawanVersion, genAppKey: key } : { lorawanVersion, appKey: key });
    if (Buffer.from(derived).equals(Buffer.from(mcRootKey))) return { rootKey, lorawanVersion };
  }
  throw new CallerError('MC_ROOT_KEY_MISMATCH', `deployment.devices.${index}.mc_root_key: expected the McRootKey of device ${devEui} derived from the key the network server holds, got another key`);
}

export async function deploymentRequest(deployment: DeploymentMessage | null | undefined, options: DeploymentOptions = {}): Promise<{ id: string; request: CampaignRequest }> {
  if (!deployment) throw new CallerError(INVALID, 'deployment: expected a Deployment, got none');
  const d = deployment;
  if (options.applicationId !== undefined) check(d.applicationId === '' || d.applicationId === options.applicationId, 'application_id', `the application this service serves (${options.applicationId}) or empty`, d.applicationId);
  check(d.devices.length > 0, 'devices', 'at least one device', 'none');
  check(d.multicastGroupId <= 3, 'multicast_group_id', '0..3', d.multicastGroupId);
  check(d.multicastPingSlotPeriod <= 7, 'multicast_ping_slot_period', 'a ping-slot periodicity 0..7 (period 2^(5+n) slots)', d.multicastPingSlotPeriod);
  check(d.multicastDr <= 15, 'multicast_dr', '0..15', d.multicastDr);
  check(d.fragmentationFragmentSize <= 255, 'fragmentation_fragment_size', '0..255 bytes', d.fragmentationFragmentSize);
  check(d.fragmentationSessionIndex <= 3, 'fragmentation_session_index', '0..3', d.fragmentationSessionIndex);
  check(d.fragmentationMatrix === 0, 'fragmentation_matrix', '0 (the TS004 parity matrix)', d.fragmentationMatrix);
  check(d.fragmentationBlockAckDelay <= 7, 'fragmentation_block_ack_delay', '0..7', d.fragmentationBlockAckDelay);
  check(d.fragmentationDescriptor.length === 0 || d.fragmentationDescriptor.length === 4, 'fragmentation_descriptor', '4 bytes or none', `${d.fragmentationDescriptor.length} bytes`);
  check(d.payload.length > 0, 'payload', 'a lorawan-fuota package (docs/package-format.md)', 'no bytes');

  const seen = new Set<string>();
  const devices = [];
  for (const [i, device] of d.devices.entries()) {
    check(device.devEui.length === 8, `devices.${i}.dev_eui`, '8 bytes', `${device.devEui.length} bytes`);
    check(device.mcRootKey.length === 16, `devices.${i}.mc_root_key`, '16 bytes', `${device.mcRootKey.length} bytes`);
    const devEui = bytesToHex(device.devEui);
    check(!seen.has(devEui), `devices.${i}.dev_eui`, 'each device once', devEui);
    seen.add(devEui);
    devices.push(options.rootKeys ? { devEui, ...(await rootKeyFor(options.rootKeys, devEui, device.mcRootKey, i)) } : { devEui });
  }

  const id = (options.newId ?? randomUUID)();
  const timeoutMs = d.unicastTimeout ? Number(d.unicastTimeout.seconds) * 1000 + Math.round(d.unicastTimeout.nanos / 1e6) : 0;
  const fragmentSize = d.fragmentationFragmentSize;
  // Redundancy is a count of extra fragments there, a share of M here (M from the payload size).
  const uncoded = fragmentSize > 0 ? Math.ceil(d.payload.length / fragmentSize) : 0;
  const redundancy = uncoded > 0 && d.fragmentationRedundancy > 0 ? Math.min(10, d.fragmentationRedundancy / uncoded) : undefined;
  const spec = {
    id,
    name: `chirpstack-fuota-server deployment ${id}`,
    firmware: d.fragmentationDescriptor.length === 4 ? { descriptor: bytesToHex(d.fragmentationDescriptor) } : {},
    devices,
    rollout: { canaryFraction: 0 },
    multicast: {
      mcKey: bytesToHex(randomBytes(16)),
      class: d.multicastGroupType === 'CLASS_B' ? 'B' : 'C',
      groupId: d.multicastGroupId,
      dr: d.multicastDr,
      periodicity: d.multicastPingSlotPeriod,
      ...(d.multicastFrequency > 0 ? { frequencyHz: d.multicastFrequency } : {}),
    },
    fragmentation: {
      fragIndex: d.fragmentationSessionIndex,
      fragmentSizeBytes: fragmentSize,
      blockAckDelay: d.fragmentationBlockAckDelay,
      ...(redundancy === undefined ? {} : { initialRedundancy: redundancy, maxRedundancy: Math.max(1, redundancy) }),
    },
    timing: {
      ...(timeoutMs > 0 ? { answerTimeoutMs: timeoutMs } : {}),
      ...(d.unicastAttemptCount > 0 ? { maxAttempts: Math.min(100, d.unicastAttemptCount) } : {}),
    },
  };
  return { id, request: { spec, packageBytes: d.payload } };
}

/** A deployment id (16 bytes) as our campaign id (the UUID's text); refused when it is not 16 bytes. */
export function campaignIdOf(bytes: Uint8Array | undefined, field: string): string {
  if (!bytes || bytes.length !== 16) throw new ValueError(field, 'a 16-byte deployment id (UUID)', `${bytes?.length ?? 0} bytes`, 'INVALID_REQUEST');
  const hex = bytesToHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A campaign id that is a UUID, as the 16 bytes of CreateDeploymentResponse.id. */
export function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}
