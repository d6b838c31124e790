import { bytesToHex } from '../core/hex.js';
import { decryptMcKey, deriveMcKEKey, deriveMcRootKey } from '../lorawan/keys.js';
import type { McGroupSetupReq } from '../lorawan/ts005-multicast-setup.js';

// A multicast group as a device holds it after McGroupSetupReq (TS005 §4.3), and the session a
// McClassCSessionReq / McClassBSessionReq opened on it.

export interface DeviceMcSession {
  /** Device clock, GPS seconds. */
  startGpsS: number;
  durationS: number;
  frequencyHz: number;
  dr: number;
  deviceClass: 'B' | 'C';
}

export interface DeviceMcGroup {
  mcAddr: number;
  mcKey: Uint8Array;
  minMcFCount: number;
  maxMcFCount: number;
  session?: DeviceMcSession;
  /** The frame counter of the last multicast frame it accepted (none yet: undefined). */
  lastFCnt?: number;
}

export type McGroupSetup = Pick<McGroupSetupReq, 'mcAddr' | 'mcKeyEncrypted' | 'minMcFCount' | 'maxMcFCount'>;

/** TS005 §4.3: McRootKey from GenAppKey (LoRaWAN 1.0.x, label 0x00) or AppKey (1.1, label 0x20). */
export function mcRootKeyFor(rootKey: Uint8Array, lorawanVersion: '1.0' | '1.1'): Uint8Array {
  return deriveMcRootKey(lorawanVersion === '1.1' ? { lorawanVersion: '1.1', appKey: rootKey } : { lorawanVersion: '1.0', genAppKey: rootKey });
}

/** The group a McGroupSetupReq defines, its McKey decrypted under McKEKey = aes(McRootKey, 0x00…). */
export function mcGroupFromSetup(mcRootKey: Uint8Array, setup: McGroupSetup): DeviceMcGroup {
  return {
    mcAddr: setup.mcAddr,
    mcKey: sharedMcKey(decryptMcKey(deriveMcKEKey(mcRootKey), setup.mcKeyEncrypted)),
    minMcFCount: setup.minMcFCount,
    maxMcFCount: setup.maxMcFCount,
  };
}

/**
 * Every device of a campaign decrypts the same McKey: one copy of its bytes serves them all (a
 * key per device held in its groups was ~200 bytes a device, issue #17), never written. Bounded:
 * past this many distinct keys, new ones stay the device's own.
 */
const mcKeys = new Map<string, Uint8Array>();
const MAX_SHARED_MC_KEYS = 256;

function sharedMcKey(key: Uint8Array): Uint8Array {
  const hex = bytesToHex(key);
  const found = mcKeys.get(hex);
  if (found) return found;
  if (mcKeys.size < MAX_SHARED_MC_KEYS) mcKeys.set(hex, key);
  return key;
}

/** The group with address `mcAddr` whose own session window holds the device time `deviceS`. */
export function groupInOwnSession(groups: readonly (DeviceMcGroup | undefined)[], mcAddr: number, deviceS: number): number | undefined {
  for (let id = 0; id < groups.length; id++) {
    const session = groups[id]?.mcAddr === mcAddr ? groups[id]!.session : undefined;
    if (session && deviceS >= session.startGpsS && deviceS < session.startGpsS + session.durationS) return id;
  }
  return undefined;
}
