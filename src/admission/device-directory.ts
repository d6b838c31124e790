import type { DeviceDirectory } from '../campaign/ports.js';
import { CallerError } from '../core/errors.js';

// Devices are checked against the network server before a campaign starts: a device it does not
// know can never hear a downlink, and would only end `absent` hours later with the cause hidden.
// There is no opt-out in the spec: leave the device out of `devices`, or out of the selection
// (`select`), to run the campaign without it.

export type { DeviceDirectory } from '../campaign/ports.js';

/** Lookups in flight at once: large fleets, without flooding the network server's API. */
export const DEVICE_CHECK_CONCURRENCY = 8;

/** Refuses naming the first unknown device (in list order) and how many there are. */
export async function checkDevicesKnown(devEuis: readonly string[], directory: DeviceDirectory, concurrency = DEVICE_CHECK_CONCURRENCY): Promise<void> {
  const unknown: number[] = [];
  let failure: { index: number; error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < devEuis.length && failure === undefined) {
      const index = next++;
      try {
        if (!(await directory.deviceExists(devEuis[index]!))) unknown.push(index);
      } catch (error) {
        failure ??= { index, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, devEuis.length)) }, worker));
  if (failure) throw failure.error;
  if (unknown.length > 0) {
    const first = devEuis[Math.min(...unknown)]!;
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
    throw new CallerError('DEVICE_UNKNOWN_TO_NETWORK_SERVER', `campaign spec devices: expected devices the network server knows, got ${first}${more} unknown to it (remove it or leave it out with select)`);
  }
}
