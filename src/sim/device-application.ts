import type { ImageCheck } from './sim-device-config.js';
import type { SimDevice } from './sim-device.js';

// The application side of a simulated device: what it does with a block its stack handed over.

export type DeviceUpgrade =
  | { status: 'none' }
  | { status: 'valid'; version: number; image: Uint8Array }
  | { status: 'corrupt' | 'wrong-hardware'; reason: string };

/** No image held: one frozen object for every device (an upgrade is replaced, never written). */
export const NO_UPGRADE: DeviceUpgrade = Object.freeze({ status: 'none' });

/**
 * The image check of a block. `rebuilt` is false when the stack handed over bytes it never
 * reconstructed (LoRaMac-node's OnDone after a MatrixError, or with size 0): in 'rank-only' mode
 * no bytes exist, so only a rebuilt block may reach the verifier (which reads null as "good").
 */
export function checkBlock(device: SimDevice, block: Uint8Array, rebuilt: boolean): ImageCheck {
  const current = { image: device.image, firmwareVersion: device.firmwareVersion };
  if (device.config.payloadMode === 'rank-only') {
    return rebuilt ? device.config.verifyImage(null, current) : { status: 'corrupt', reason: 'the stack handed over a block it did not rebuild' };
  }
  return device.config.verifyImage(block, current);
}

export function upgradeOf(check: ImageCheck): DeviceUpgrade {
  return check.status === 'valid' ? { status: 'valid', version: check.version, image: check.image } : { status: check.status, reason: check.reason };
}

/** TS006 UpImageStatus of what the device holds: 0 none, 1 corrupt, 2 wrong hardware, 3 valid. */
const UP_IMAGE_STATUS = { none: 0, corrupt: 1, 'wrong-hardware': 2, valid: 3 } as const;

/** DevUpgradeImageAns (TS006 §3.5): the status, and the next version when the image is valid. */
export function upgradeImageAns(upgrade: DeviceUpgrade): Record<string, unknown> {
  return upgrade.status === 'valid'
    ? { command: 'DevUpgradeImageAns', upImageStatus: UP_IMAGE_STATUS.valid, nextFirmwareVersion: upgrade.version }
    : { command: 'DevUpgradeImageAns', upImageStatus: UP_IMAGE_STATUS[upgrade.status] };
}

/** DevDeleteImageReq (TS006 §3.6): deletes a valid image of that version; otherwise says why not. */
export function deleteImage(device: SimDevice, firmwareVersion: number): Record<string, unknown> {
  const upgrade = device.upgrade;
  const valid = upgrade.status === 'valid';
  const rightVersion = valid && upgrade.version === firmwareVersion;
  if (rightVersion) device.upgrade = NO_UPGRADE;
  return { command: 'DevDeleteImageAns', errorNoValidImage: !valid, errorInvalidVersion: valid && !rightVersion };
}
