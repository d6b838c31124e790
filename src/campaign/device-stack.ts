// The device stacks whose answers a campaign knows how to read. Each one says some things
// differently from the specification texts (../shared/reference/device-stacks.md, measured
// against the stacks' own package code), so the engine reads a device's answers by its stack.
//   'loramac-node'  Lora-net/LoRaMac-node v4.7.0 (LmHandler packages): TS003/4/5 v1, no TS006.
//   'lbm'           LoRa Basics Modem (SWL2001) v4.8.0: TS003/4/5 v1 and v2, TS006.
//   'spec'          what the LoRa Alliance TS003/4/5/6 texts say (any other stack).

export const DEVICE_STACKS = ['loramac-node', 'lbm', 'spec'] as const;

export type DeviceStack = (typeof DEVICE_STACKS)[number];

/**
 * Whether the stack implements TS006 firmware management (DevVersion, DevUpgradeImage,
 * DevRebootTime). LoRaMac-node has no TS006 at all: its application's FragDone callback decides
 * what becomes of a complete block (../shared/reference/device-stacks.md).
 */
export function hasFirmwareManagement(stack: DeviceStack): boolean {
  return stack !== 'loramac-node';
}
