import { CallerError } from '../core/errors.js';
import { DEVICE_STACKS, type DeviceStack } from '../campaign/device-stack.js';

/** The demo's default fleet: mostly the two stacks that are really deployed. */
export const DEFAULT_STACK_MIX: Readonly<Record<DeviceStack, number>> = { 'loramac-node': 0.4, lbm: 0.4, spec: 0.2 };

/** Parses `loramac-node=0.4,lbm=0.4,spec=0.2` (shares in 0..1 adding up to 1) for --stacks. */
export function parseStackMix(text: string, option = '--stacks'): Partial<Record<DeviceStack, number>> {
  const mix: Partial<Record<DeviceStack, number>> = {};
  for (const part of text.split(',')) {
    const [name, value, ...rest] = part.split('=');
    if (!(DEVICE_STACKS as readonly string[]).includes(name ?? '') || rest.length > 0) {
      throw new CallerError('INVALID_ARGUMENT', `${option}: expected STACK=SHARE with STACK one of ${DEVICE_STACKS.join(', ')}, got ${JSON.stringify(part)}`);
    }
    const share = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(share) || share < 0 || share > 1) {
      throw new CallerError('INVALID_ARGUMENT', `${option}: expected a share in 0..1 for ${name}, got ${JSON.stringify(value ?? '')}`);
    }
    if (mix[name as DeviceStack] !== undefined) throw new CallerError('INVALID_ARGUMENT', `${option}: ${name} is given twice`);
    mix[name as DeviceStack] = share;
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) throw new CallerError('INVALID_ARGUMENT', `${option}: expected shares adding up to 1, got ${Number(total.toFixed(9))}`);
  return mix;
}

export function formatStackMix(mix: Partial<Record<DeviceStack, number>>): string {
  return Object.entries(mix).map(([name, share]) => `${name}=${share}`).join(',');
}
