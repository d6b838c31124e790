import type { DeviceStack } from '../../../src/campaign/device-stack.js';
import { bytesToHex, hexToBytes } from '../../../src/core/hex.js';
import { Ts004Encoder } from '../../../src/fec/ts004-encoder.js';
import type { Ts004Matrix } from '../../../src/fec/scheme.js';
import { encodeCommands, type AppCommand } from '../../../src/lorawan/app-layer.js';
import { dataBlockMic, deriveDataBlockIntKey } from '../../../src/lorawan/ts004-data-block-mic.js';
import { TS004 } from '../../../src/lorawan/ts004-fragmentation.js';
import { Random } from '../../../src/sim/random.js';
import type { ImageVerifier, SimDeviceConfig } from '../../../src/sim/sim-device-config.js';
import { APPLICATION_FPORT, SimDevice, type DeviceRadio } from '../../../src/sim/sim-device.js';

// One simulated device on a hand-driven radio: tests feed it downlinks and read the uplinks it
// queued, in order, with no clock but the one they move.

export const START_MS = Date.UTC(2026, 11, 1, 8, 0, 0);
export const NEW_VERSION = 0x01010000;

export class ManualRadio implements DeviceRadio {
  nowMs = START_MS;
  readonly scheduled: number[] = [];

  now(): number {
    return this.nowMs;
  }

  scheduleUplink(_device: SimDevice, atMs: number): void {
    this.scheduled.push(atMs);
  }
}

/** Accepts exactly `expected` as the new image (version NEW_VERSION); null (rank-only) is good too. */
export function verifierFor(expected: Uint8Array): ImageVerifier {
  return (block) =>
    block === null || bytesToHex(block) === bytesToHex(expected)
      ? { status: 'valid', version: NEW_VERSION, image: block ?? expected }
      : { status: 'corrupt', reason: `not the expected block (${block.length} bytes)` };
}

export function testConfig(stack: DeviceStack, overrides: Partial<SimDeviceConfig> = {}): SimDeviceConfig {
  return {
    devEui: '70b3d57ed0000001',
    stack,
    rootKey: hexToBytes('000102030405060708090a0b0c0d0e0f'),
    lorawanVersion: '1.0',
    packageVersions: { ts003: 1, ts004: 1, ts005: 1 },
    v2Seed: 'N',
    reedSolomon: false,
    uplinkIntervalMs: 3_600_000,
    clockOffsetMs: 0,
    clockDriftPpm: 0,
    maxNbFrag: 1000,
    firmwareVersion: 0x01000000,
    hwVersion: 1,
    image: new Uint8Array(0),
    absent: false,
    downlinkLoss: { kind: 'iid', lossRate: 0 },
    uplinkLossRate: 0,
    verifyImage: () => ({ status: 'corrupt', reason: 'no image expected' }),
    payloadMode: 'full',
    ...overrides,
  };
}

export function makeDevice(stack: DeviceStack, overrides: Partial<SimDeviceConfig> = {}): { device: SimDevice; radio: ManualRadio } {
  const radio = new ManualRadio();
  return { device: new SimDevice(testConfig(stack, overrides), radio, new Random(42)), radio };
}

/** A class A downlink of these bytes. */
export function down(device: SimDevice, fPort: number, hex: string): void {
  device.receiveUnicast(fPort, hexToBytes(hex), false);
}

/** Every frame the device queued until its application's own uplink, as `fPort:hex`. */
export function uplinks(device: SimDevice, radio: ManualRadio): string[] {
  const out: string[] = [];
  for (;;) {
    const frame = device.takeUplink(radio.nowMs);
    if (!frame || frame.fPort === APPLICATION_FPORT) return out;
    out.push(`${frame.fPort}:${bytesToHex(frame.payload)}`);
  }
}

/** The next frame the device sends, as `fPort:hex`. */
export function nextUplink(device: SimDevice, radio: ManualRadio): string {
  const frame = device.takeUplink(radio.nowMs)!;
  return `${frame.fPort}:${bytesToHex(frame.payload)}`;
}

export function ts004Frame(version: 1 | 2, command: Record<string, unknown>): string {
  return bytesToHex(encodeCommands(TS004, version, 'downlink', [command as unknown as AppCommand]));
}

/** A FragSessionSetupReq for `block` cut in fragments of `fragSize` (v2: SessionCnt 1, AckReception, the block's MIC). */
export function setupFrame(version: 1 | 2, fragIndex: number, block: Uint8Array, fragSize: number, rootKey: Uint8Array, extra: Record<string, unknown> = {}): string {
  const nbFrag = Math.ceil(block.length / fragSize);
  const descriptor = hexToBytes('01020304');
  const base = { command: 'FragSessionSetupReq', fragIndex, mcGroupBitMask: 1, nbFrag, fragSize, blockAckDelay: 0, fragmentationMatrix: 0, padding: nbFrag * fragSize - block.length, descriptor };
  const v2 = version === 2 ? { ackReception: true, sessionCnt: 1, mic: dataBlockMic({ dataBlockIntKey: deriveDataBlockIntKey(rootKey), sessionCnt: 1, fragIndex, descriptor, dataBlock: block }) } : {};
  return ts004Frame(version, { ...base, ...v2, ...extra });
}

/** DataFragment frames of `block` coded with `matrix`. */
export function fragmenter(matrix: Ts004Matrix, block: Uint8Array, fragSize: number, version: 1 | 2, fragIndex: number): (n: number) => string {
  const encoder = new Ts004Encoder(matrix, block, fragSize);
  return (n) => ts004Frame(version, { command: 'DataFragment', fragIndex, n, data: encoder.fragment(n) });
}

/** Deterministic test bytes. */
export function testBlock(length: number, seed: number): Uint8Array {
  return new Random(seed).bytes(length);
}
