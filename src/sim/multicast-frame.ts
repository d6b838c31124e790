import { bytesToHex, hexToBytes } from '../core/hex.js';
import { isFuotaError } from '../core/errors.js';
import { cryptFrmPayload, decodeDataFrame, encodeDataFrame, fullFrameCounter, verifyDataFrame, type DataFrame } from '../lorawan/data-frame.js';
import { deriveMcSessionKeys } from '../lorawan/keys.js';
import type { DeviceMcGroup } from './sim-mc-group.js';

// Multicast on air as LoRaWAN sends it (TS005 §2, LoRaWAN 1.0.4 §4): an unconfirmed data down
// frame to the group's McAddr, FRMPayload encrypted under McAppSKey, MIC under McNwkSKey, the
// group's own frame counter. The network side builds it from the keys it was given; a device
// opens it with the keys it derived from McKey_encrypted and drops what fails, as a stack does.

/** The frame the network server puts on air for one multicast downlink. */
export function multicastFrame(group: { mcAddr: number; mcAppSKeyHex: string; mcNwkSKeyHex: string }, fCnt: number, fPort: number, payload: Uint8Array): Uint8Array {
  return encodeDataFrame({
    mType: 'unconfirmed-data-down',
    devAddr: group.mcAddr,
    fCnt,
    fPort,
    payload,
    appSKey: hexToBytes(group.mcAppSKeyHex, 'mcAppSKeyHex'),
    nwkSKey: hexToBytes(group.mcNwkSKeyHex, 'mcNwkSKeyHex'),
  });
}

export type MulticastOpening = { ok: true; fCnt: number; fPort: number; payload: Uint8Array } | { ok: false; reason: 'not-for-group' | 'fcnt' | 'mic' };

/** One frame reaches many devices: it is parsed once (undefined: not a LoRaWAN data frame). */
const parsed = new WeakMap<Uint8Array, DataFrame | null>();

export function readMulticastFrame(bytes: Uint8Array): DataFrame | undefined {
  let frame = parsed.get(bytes);
  if (frame === undefined) {
    try {
      frame = decodeDataFrame(bytes);
    } catch (error) {
      if (!isFuotaError(error)) throw error;
      frame = null;
    }
    parsed.set(bytes, frame);
  }
  return frame ?? undefined;
}

/**
 * Session keys per McKey object (shared by the devices of a campaign: sim-mc-group.ts) and
 * McAddr: two AES blocks per group, not two per frame per device, nor a pair kept per device.
 */
const keysOf = new WeakMap<Uint8Array, Map<number, SessionKeys>>();

interface SessionKeys {
  mcAppSKey: Uint8Array;
  mcNwkSKey: Uint8Array;
  /** The key pair as text: pairs derived from distinct McKey objects with equal bytes open a frame once. */
  keysHex: string;
}

/**
 * One frame reaches many devices with the same keys: its MIC is checked and its FRMPayload
 * decrypted once per key pair and counter (AES per device per frame was a tenth of a demo's
 * time). null: the MIC failed. The last pair and counter asked are kept beside the map: the
 * devices of a group ask with the same ones one after another, without building the map's key.
 */
interface Openings {
  lastKeys: SessionKeys | undefined;
  lastFCnt: number;
  lastPayload: Uint8Array | null;
  byKey: Map<string, Uint8Array | null>;
}
const openings = new WeakMap<Uint8Array, Openings>();

/**
 * What a device does with a multicast frame for one of its groups: the address must be the
 * group's, the counter within [minMcFCount, maxMcFCount] and above the last one accepted (TS005
 * §4.3: frames outside are dropped), the MIC right under McNwkSKey. Then FRMPayload decrypts.
 */
export function openMulticastFrame(group: DeviceMcGroup, bytes: Uint8Array, frame: DataFrame): MulticastOpening {
  if (frame.mType !== 'unconfirmed-data-down' || frame.devAddr !== group.mcAddr || frame.fPort === undefined) return { ok: false, reason: 'not-for-group' };
  const fCnt = fullFrameCounter(frame.fCnt16, group.lastFCnt);
  if (fCnt < group.minMcFCount || fCnt > group.maxMcFCount || (group.lastFCnt !== undefined && fCnt <= group.lastFCnt)) return { ok: false, reason: 'fcnt' };
  let byAddr = keysOf.get(group.mcKey);
  if (!byAddr) keysOf.set(group.mcKey, (byAddr = new Map()));
  let keys = byAddr.get(group.mcAddr);
  if (!keys) {
    const derived = deriveMcSessionKeys(group.mcKey, group.mcAddr);
    keys = { ...derived, keysHex: `${bytesToHex(derived.mcNwkSKey)}/${bytesToHex(derived.mcAppSKey)}` };
    byAddr.set(group.mcAddr, keys);
  }
  let opened = openings.get(bytes);
  if (!opened) openings.set(bytes, (opened = { lastKeys: undefined, lastFCnt: -1, lastPayload: null, byKey: new Map() }));
  let payload: Uint8Array | null | undefined;
  if (opened.lastKeys === keys && opened.lastFCnt === fCnt) payload = opened.lastPayload;
  else {
    const cacheKey = `${keys.keysHex}/${fCnt}`;
    payload = opened.byKey.get(cacheKey);
    if (payload === undefined) {
      payload = verifyDataFrame(bytes, keys.mcNwkSKey, fCnt) ? cryptFrmPayload(keys.mcAppSKey, 'downlink', frame.devAddr, fCnt, frame.frmPayload) : null;
      opened.byKey.set(cacheKey, payload);
    }
    opened.lastKeys = keys;
    opened.lastFCnt = fCnt;
    opened.lastPayload = payload;
  }
  if (!payload) return { ok: false, reason: 'mic' };
  group.lastFCnt = fCnt;
  // Each device gets its own copy: a stack may keep or change what it was handed.
  return { ok: true, fCnt, fPort: frame.fPort, payload: payload.slice() };
}
