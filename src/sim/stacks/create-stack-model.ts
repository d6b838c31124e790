import { DEVICE_STACKS } from '../../campaign/device-stack.js';
import { ValueError } from '../../core/errors.js';
import type { SimDevice } from '../sim-device.js';
import { LbmStack } from './lbm/lbm-stack.js';
import { LoramacNodeStack } from './loramac-node/loramac-node-stack.js';
import { SpecStack } from './spec/spec-stack.js';
import type { StackModel } from './stack-model.js';

/** The package code of `device.config.stack`, with fresh per-device state. */
export function createStackModel(device: SimDevice): StackModel {
  switch (device.config.stack) {
    case 'loramac-node':
      return new LoramacNodeStack(device);
    case 'lbm':
      return new LbmStack(device);
    case 'spec':
      return new SpecStack(device);
    default:
      throw new ValueError(`simulated device ${device.devEui} stack`, `one of ${DEVICE_STACKS.join(', ')}`, device.config.stack, 'UNKNOWN_DEVICE_STACK');
  }
}
