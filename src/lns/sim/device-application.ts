import type { ImageCheck } from './sim-device-config.js';
import type { SimDevice } from './sim-device.js';

// The application side of a simulated device: what it does with a block its stack handed over.

export type DeviceUpgrade =
  | { status: 'none' }
  | { status: 'valid'; version: number; image: Uint8Array }
  | { status: 'corrupt' | 'wrong-hardware'; reason: string };

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
