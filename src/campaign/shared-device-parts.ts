import type { DeviceState } from './state.js';

// Parts of a device's state that take a handful of values across a whole fleet — which requests
// it has done (16 combinations), its package versions (27), its fragment fields while they hold no
// count, the text of its outcome's reason — are shared, frozen, between the devices that have the same. Each was a small object per
// device, ~50 bytes apiece of a 100 000-device campaign (issue #17). Safe because committed state
// is never written: a transition copies a device, with each of these parts, before it changes it
// (draft.ts, state-copy.ts); frozen, so a write that skipped the copy throws instead of changing
// every device at once. The shape and the JSON stay as they were (same keys, same order).

const doneParts = new Map<number, DeviceState['done']>();
/** Reasons recorded as outcomes, each kept once ("block delivered; version not confirmed: …" was a string per LoRaMac-node device). */
const errorTexts = new Map<string, string>();
/** Reasons that name a device or a time are all different: past this many, new ones are not kept (the table never grows without bound). */
const MAX_ERROR_TEXTS = 1024;
const packageVersionParts = new Map<string, DeviceState['packageVersions']>();
const fragmentParts = new Map<string, DeviceState['fragments']>();

/** The device with its done flags, package versions and (count-free) fragment fields shared. Returns the same object. */
export function shareDeviceParts(device: DeviceState): DeviceState {
  const done = device.done;
  if (!Object.isFrozen(done)) {
    // Always these four keys in this order (transition.ts initialState, follow-up-wave.ts).
    const key = (done.mcGroupSetup ? 1 : 0) | (done.fragSessionSetup ? 2 : 0) | (done.clockSync ? 4 : 0) | (done.mcSession ? 8 : 0);
    let found = doneParts.get(key);
    if (!found) doneParts.set(key, (found = Object.freeze({ mcGroupSetup: done.mcGroupSetup, fragSessionSetup: done.fragSessionSetup, clockSync: done.clockSync, mcSession: done.mcSession })));
    device.done = found;
  }
  if (device.error !== undefined) device.error = sharedText(device.error);
  device.packageVersions = shared(packageVersionParts, device.packageVersions);
  device.fragments = shared(fragmentParts, device.fragments);
  return device;
}

function sharedText(text: string): string {
  const found = errorTexts.get(text);
  if (found !== undefined) return found;
  if (errorTexts.size < MAX_ERROR_TEXTS) errorTexts.set(text, text);
  return text;
}

/** The shared copy of `part` when its values are few-valued (booleans, short strings, 1 or 2), else `part`. */
function shared<T extends object>(table: Map<string, T>, part: T): T {
  if (Object.isFrozen(part)) return part;
  let key = '';
  for (const name in part) {
    const value: unknown = part[name];
    // Counts and times take too many values to share: such a part stays the device's own.
    if (typeof value === 'number' ? value !== 1 && value !== 2 : typeof value !== 'boolean' && !(typeof value === 'string' && value.length <= 32)) return part;
    key += `${name}\u0000${typeof value}\u0000${String(value)}\u0001`;
  }
  let found = table.get(key);
  if (!found) table.set(key, (found = Object.freeze({ ...part })));
  return found;
}
