import { DEVICE_STACKS, type DeviceStack } from '../campaign/device-stack.js';
import type { DeviceOutcome } from '../campaign/state.js';
import { ValueError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import type { ReedSolomonEngine } from '../fec/reed-solomon.js';
import type { FleetScenario } from './fleet-scenario.js';
import type { LossModelSpec } from './loss-model.js';
import { Random } from './random.js';
import type { SimClock } from './sim-clock.js';
import type { FragMax, ImageVerifier, SimDeviceConfig } from './sim-device-config.js';
import { SimDevice } from './sim-device.js';
import { SimNetworkServer } from './sim-network-server.js';

// The scenario and its defaults live in fleet-scenario.ts, which imports nothing: `fuota demo`
// shows the defaults in its help without loading the simulation (issue #17).
export { DEFAULT_SCENARIO, type FleetScenario } from './fleet-scenario.js';

export interface FleetMember {
  device: SimDevice;
  /** What the scenario says should become of it (when the package itself is good). */
  expected: DeviceOutcome;
  kind: 'normal' | 'absent' | 'small' | 'rejecting';
  stack: DeviceStack;
}

export interface SimFleet {
  network: SimNetworkServer;
  members: FleetMember[];
  gateways: string[];
  /** Campaign spec device entries for these devices. */
  targets: Array<{ devEui: string; rootKey: string; lorawanVersion: '1.0'; firmwareVersion: number; stack: DeviceStack }>;
}

/** Exactly round(share · n) of each value (in `shares` order, at most n in all), the rest `fill`, shuffled by `random`. */
function spread<T>(n: number, shares: ReadonlyArray<readonly [T, number]>, fill: T, random: Random): T[] {
  const list: T[] = [];
  for (const [value, share] of shares) {
    const count = Math.round(share * n);
    for (let i = 0; i < count && list.length < n; i++) list.push(value);
  }
  while (list.length < n) list.push(fill);
  for (let i = list.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

function kinds(scenario: FleetScenario, random: Random): FleetMember['kind'][] {
  const shares = [['absent', scenario.absentShare], ['small', scenario.smallShare], ['rejecting', scenario.rejectShare]] as const;
  return spread<FleetMember['kind']>(scenario.devices, shares, 'normal', random);
}

function stacks(scenario: FleetScenario, random: Random): DeviceStack[] {
  const shares = DEVICE_STACKS.map((stack) => [stack, scenario.stacks[stack] ?? 0] as const);
  const total = shares.reduce((sum, [, share]) => sum + share, 0);
  if (shares.some(([, share]) => !(share >= 0)) || total > 1 + 1e-9) {
    throw new ValueError('fleet scenario stacks', 'shares of 0..1 that sum to at most 1', JSON.stringify(scenario.stacks), 'FLEET_STACK_SHARES');
  }
  return spread<DeviceStack>(scenario.devices, shares, 'spec', random);
}

export function buildSimFleet(options: {
  scenario: FleetScenario;
  clock: SimClock;
  image: Uint8Array;
  verifyImage: ImageVerifier;
  /** Verifier for devices that must reject the package (e.g. another vendor key). */
  rejectImage: ImageVerifier;
  /** Largest NbFrag a normal device holds ('loramac-node' and 'lbm': their FRAG_MAX_NB and FRAG_MAX_REDUNDANCY); small devices get less than the block needs. */
  maxNbFrag: number;
  smallMaxNbFrag: number;
  rsEngine?: ReedSolomonEngine;
  /** Gateway ids (default gw-1, gw-2, …); a simulated ChirpStack needs EUI-64s. */
  gatewayId?: (index: number) => string;
}): SimFleet {
  const { scenario, clock } = options;
  const random = new Random(scenario.seed);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const gateways = Array.from({ length: scenario.gateways }, (_, i) => options.gatewayId?.(i) ?? `gw-${i + 1}`);
  const members: FleetMember[] = [];
  const targets: SimFleet['targets'] = [];
  const kindList = kinds(scenario, random.fork('kinds'));
  const stackList = stacks(scenario, random.fork('stacks'));
  const versionRandom = random.fork('versions');
  // What every device's config has in common lives once, in the prototype of the per-device part
  // (100 000 devices: a few hundred bytes each less, issue #17). Shared values are never written.
  const downlinkLoss: LossModelSpec = Object.freeze(scenario.lossKind === 'bursty' ? { kind: 'bursty', lossRate: scenario.loss, meanBurstLength: 4 } : { kind: 'iid', lossRate: scenario.loss });
  // The root keys side by side in one buffer; a device's config holds only its index, and its
  // rootKey is a view made when read (a stack reads it at a group or session setup): a view per
  // device, or a 16-byte buffer each, cost ~100-200 bytes a device (issue #17).
  const rootKeys = new Uint8Array(16 * scenario.devices);
  const shared: Partial<SimDeviceConfig> = Object.freeze({
    get rootKey(): Uint8Array {
      const i = (this as unknown as { rootKeyIndex: number }).rootKeyIndex;
      return rootKeys.subarray(16 * i, 16 * i + 16);
    },
    lorawanVersion: '1.0',
    v2Seed: 'N',
    reedSolomon: false,
    ...(options.rsEngine ? { rsEngine: options.rsEngine } : {}),
    uplinkIntervalMs: scenario.uplinkIntervalMs,
    firmwareVersion: scenario.firmwareVersion,
    hwVersion: scenario.hwVersion,
    image: options.image,
    downlinkLoss,
    uplinkLossRate: scenario.loss / 2,
    payloadMode: scenario.payloadMode,
  } as const);
  const packageVersions = { v1: Object.freeze({ ts003: 1, ts004: 1, ts005: 1 } as const), v2: Object.freeze({ ts003: 2, ts004: 2, ts005: 2 } as const) };
  const fragMaxes = new Map<number, FragMax>();
  const fragMaxOf = (nb: number): FragMax => {
    let fragMax = fragMaxes.get(nb);
    if (!fragMax) fragMaxes.set(nb, (fragMax = Object.freeze({ nb, size: 255, redundancy: nb })));
    return fragMax;
  };
  for (let i = 0; i < scenario.devices; i++) {
    const devEui = (0x70b3d50000000000n + BigInt(i + 1)).toString(16).padStart(16, '0');
    const deviceRandom = random.fork(devEui);
    const kind = kindList[i]!;
    const stack = stackList[i]!;
    // Drawn for every device, so that a fleet's other devices keep their versions whatever the stack shares.
    const v2 = versionRandom.next() < scenario.v2Share && stack !== 'loramac-node';
    const maxNbFrag = kind === 'small' ? options.smallMaxNbFrag : options.maxNbFrag;
    const rootKey = rootKeys.subarray(16 * i, 16 * i + 16);
    rootKey.set(deviceRandom.bytes(16));
    const clockOffsetMs = (deviceRandom.next() * 2 - 1) * scenario.clockErrorMs;
    const clockDriftPpm = (deviceRandom.next() * 2 - 1) * 20;
    // One literal with the prototype in it: its fields sit in the object itself (Object.assign onto
    // Object.create(shared) put them in an out-of-object property array, ~50 bytes a device).
    const own = {
      __proto__: shared,
      devEui,
      stack,
      rootKeyIndex: i,
      packageVersions: v2 ? packageVersions.v2 : packageVersions.v1,
      clockOffsetMs,
      clockDriftPpm,
      maxNbFrag,
      // Stack decoders built for the block: FRAG_MAX_NB = FRAG_MAX_REDUNDANCY = maxNbFrag, 255-byte
      // fragments; a 'spec' device has none (undefined reads as absent: spec-ts004.ts limits).
      fragMax: stack === 'spec' ? undefined : fragMaxOf(maxNbFrag),
      absent: kind === 'absent',
      verifyImage: kind === 'rejecting' ? options.rejectImage : options.verifyImage,
    };
    const config = own as unknown as SimDeviceConfig;
    const device = new SimDevice(config, network, deviceRandom);
    network.addDevice(device, gateways);
    const expected: DeviceOutcome = kind === 'absent' ? 'absent' : kind === 'small' ? 'failed' : kind === 'rejecting' ? 'rejected' : 'confirmed';
    members.push({ device, expected, kind, stack });
    targets.push({ devEui, rootKey: bytesToHex(rootKey), lorawanVersion: '1.0', firmwareVersion: scenario.firmwareVersion, stack });
  }
  return { network, members, gateways, targets };
}
