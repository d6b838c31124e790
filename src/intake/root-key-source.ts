import type { RootKeySource } from '../campaign/ports.js';
import type { LorawanVersion } from '../lorawan/keys.js';

// A campaign file may leave a device's rootKey out when the network server can tell it: the
// intake asks a RootKeySource (ChirpStack: src/lns/chirpstack/chirpstack-root-keys.ts) before
// the spec is validated, so that the engine only ever sees complete specs.

export type { RootKeySource } from '../campaign/ports.js';

/** Calls in flight at once: large fleets, without flooding the network server's API. */
export const ROOT_KEY_CONCURRENCY = 8;

const EUI64 = /^[0-9a-fA-F]{16}$/;

/**
 * The raw spec with `rootKey` filled in for each device entry that has none, `concurrency` reads
 * at a time, and how many were read. Entries that are malformed (no valid devEui, an unknown
 * lorawanVersion) are left as they are for the spec's validation to name. The first device (in
 * file order) whose read failed rejects the whole spec: a campaign never starts with part of
 * its devices.
 */
export async function withRootKeys(
  spec: Record<string, unknown>,
  source: RootKeySource,
  concurrency = ROOT_KEY_CONCURRENCY,
): Promise<{ spec: Record<string, unknown>; read: number }> {
  const given = spec['devices'];
  if (!Array.isArray(given)) return { spec, read: 0 };
  const devices: unknown[] = [...given];
  const wanted = devices.flatMap((entry, index) => {
    const device = entry as Record<string, unknown> | null;
    if (device === null || typeof device !== 'object' || Array.isArray(device) || device['rootKey'] !== undefined) return [];
    const { devEui, lorawanVersion = '1.0' } = device;
    if (typeof devEui !== 'string' || !EUI64.test(devEui) || (lorawanVersion !== '1.0' && lorawanVersion !== '1.1')) return [];
    return [{ index, device, devEui: devEui.toLowerCase(), lorawanVersion: lorawanVersion as LorawanVersion }];
  });
  if (wanted.length === 0) return { spec, read: 0 };

  const failures: Array<{ index: number; error: unknown }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    // Stop taking new devices after a failure: the file is rejected anyway.
    while (next < wanted.length && failures.length === 0) {
      const item = wanted[next++]!;
      try {
        devices[item.index] = { ...item.device, rootKey: await source.rootKey(item.devEui, item.lorawanVersion) };
      } catch (error) {
        failures.push({ index: item.index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, wanted.length)) }, worker));
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]!.error;
  return { spec: { ...spec, devices }, read: wanted.length };
}
