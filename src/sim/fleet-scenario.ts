import type { DeviceStack } from '../campaign/device-stack.js';

// No value imports: `fuota demo` builds its options (defaults shown in its help) from this module
// without loading the simulation behind it (issue #17).

/** A population of simulated devices, described by shares of each kind. */
export interface FleetScenario {
  devices: number;
  seed: number;
  /** Mean downlink loss per device (multicast and unicast). */
  loss: number;
  lossKind: 'iid' | 'bursty';
  /** Share of devices that never answer (switched off, out of coverage). */
  absentShare: number;
  /**
   * Share of devices running each device stack; exactly round(share · devices) each, spread by
   * the seed. Devices left over (shares summing below 1, rounding) run 'spec'.
   */
  stacks: Partial<Record<DeviceStack, number>>;
  /** Share of 'lbm' and 'spec' devices with TS003/4/5 v2 (the rest v1); 'loramac-node' is always v1. */
  v2Share: number;
  /** Share of devices too small for the block (FragSessionSetupAns NotEnoughMemory). */
  smallShare: number;
  /** Share of devices whose firmware rejects the package (another vendor key or hardware). */
  rejectShare: number;
  uplinkIntervalMs: number;
  /** Initial clock error: uniform in ±this. */
  clockErrorMs: number;
  gateways: number;
  payloadMode: 'full' | 'rank-only';
  firmwareVersion: number;
  hwVersion: number;
}

export const DEFAULT_SCENARIO: FleetScenario = {
  devices: 100,
  seed: 1,
  loss: 0.1,
  lossKind: 'iid',
  absentShare: 0,
  stacks: { spec: 1 },
  v2Share: 0.5,
  smallShare: 0,
  rejectShare: 0,
  uplinkIntervalMs: 10 * 60_000,
  clockErrorMs: 120_000,
  gateways: 1,
  payloadMode: 'full',
  firmwareVersion: 0x01000000,
  hwVersion: 1,
};
