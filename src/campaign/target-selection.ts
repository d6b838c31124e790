import { CallerError } from '../core/errors.js';

/**
 * Which devices of an inventory a campaign updates: all of them, or those matching every given
 * criterion (tags all equal, the device class, the firmware version they run now).
 */
export interface TargetSelector {
  tags?: Record<string, string>;
  deviceClass?: string;
  firmwareVersion?: number;
}

export interface SelectableDevice {
  devEui: string;
  tags: Record<string, string>;
  deviceClass?: string;
  firmwareVersion?: number;
}

export function matchesSelector(device: SelectableDevice, selector: TargetSelector): boolean {
  if (selector.deviceClass !== undefined && device.deviceClass !== selector.deviceClass) return false;
  if (selector.firmwareVersion !== undefined && device.firmwareVersion !== selector.firmwareVersion) return false;
  for (const [key, value] of Object.entries(selector.tags ?? {})) if (device.tags[key] !== value) return false;
  return true;
}

export function selectTargets<D extends SelectableDevice>(devices: readonly D[], selector: TargetSelector | undefined): D[] {
  if (!selector) return [...devices];
  const selected = devices.filter((d) => matchesSelector(d, selector));
  if (selected.length === 0) {
    throw new CallerError('NO_TARGETS', `campaign spec select: expected at least one of the ${devices.length} devices to match ${JSON.stringify(selector)}, got none`);
  }
  return selected;
}
