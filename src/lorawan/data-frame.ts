import { ByteReader } from '../core/byte-reader.js';
import { DecodeError } from '../core/errors.js';
import { aes128Encrypt, aesCmac } from './aes.js';

// LoRaWAN 1.0.x data frames (LoRaWAN 1.0.4 §4): the PHYPayload of an application downlink, its
// FRMPayload encryption (§4.3.3, the A_i blocks) and its MIC (§4.4, block B0). A multicast
// downlink is such a frame to the group's McAddr, encrypted under McAppSKey and signed with
// McNwkSKey, with the group's own frame counter (TS005 §2).

export type FrameDirection = 'uplink' | 'downlink';

/** MHDR MType (§4.2.1). */
const MTYPE_UNCONFIRMED_DATA_DOWN = 0b011;
const MTYPE_CONFIRMED_DATA_UP = 0b100;
const MTYPE_UNCONFIRMED_DATA_UP = 0b010;
const MTYPE_CONFIRMED_DATA_DOWN = 0b101;

export interface DataFrame {
  mType: 'unconfirmed-data-up' | 'unconfirmed-data-down' | 'confirmed-data-up' | 'confirmed-data-down';
  devAddr: number;
  /** FCtrl byte as sent (ADR, ACK, FPending, FOptsLen in bits 3:0). */
  fCtrl: number;
  /** The 16 bits of FCnt that go on air. */
  fCnt16: number;
  fOpts: Uint8Array;
  fPort?: number;
  /** FRMPayload as on air (encrypted). */
  frmPayload: Uint8Array;
  mic: Uint8Array;
}

const MTYPES: Record<DataFrame['mType'], number> = {
  'unconfirmed-data-up': MTYPE_UNCONFIRMED_DATA_UP,
  'unconfirmed-data-down': MTYPE_UNCONFIRMED_DATA_DOWN,
  'confirmed-data-up': MTYPE_CONFIRMED_DATA_UP,
  'confirmed-data-down': MTYPE_CONFIRMED_DATA_DOWN,
};

function directionByte(direction: FrameDirection): number {
  return direction === 'uplink' ? 0 : 1;
}

function counterBlock(first: number, direction: FrameDirection, devAddr: number, fCnt: number, last: number): Uint8Array {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  block[0] = first;
  block[5] = directionByte(direction);
  view.setUint32(6, devAddr >>> 0, true);
  view.setUint32(10, fCnt >>> 0, true);
  block[15] = last;
  return block;
}

/**
 * §4.3.3: FRMPayload XOR S, S the AES encryption of A_i = 01 | 00×4 | Dir | DevAddr | FCnt (32
 * bits) | 00 | i for i = 1.. The same function decrypts.
 */
export function cryptFrmPayload(key: Uint8Array, direction: FrameDirection, devAddr: number, fCnt: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length);
  for (let i = 0; i * 16 < payload.length; i++) {
    const s = aes128Encrypt(key, counterBlock(0x01, direction, devAddr, fCnt, i + 1), 'FRMPayload key');
    for (let j = 0; j < 16 && i * 16 + j < payload.length; j++) out[i * 16 + j] = payload[i * 16 + j]! ^ s[j]!;
  }
  return out;
}

/** §4.4: the first four bytes of CMAC(NwkSKey, B0 | msg), B0 = 49 | 00×4 | Dir | DevAddr | FCnt | 00 | len(msg). */
export function dataFrameMic(key: Uint8Array, direction: FrameDirection, devAddr: number, fCnt: number, msg: Uint8Array): Uint8Array {
  const b0 = counterBlock(0x49, direction, devAddr, fCnt, msg.length & 0xff);
  const input = new Uint8Array(16 + msg.length);
  input.set(b0);
  input.set(msg, 16);
  return aesCmac(key, input, 'NwkSKey').subarray(0, 4);
}

/** The bytes MHDR | FHDR | FPort | FRMPayload that the MIC covers. */
function macBytes(frame: Omit<DataFrame, 'mic'>): Uint8Array {
  const hasPort = frame.fPort !== undefined;
  const out = new Uint8Array(1 + 7 + frame.fOpts.length + (hasPort ? 1 : 0) + frame.frmPayload.length);
  const view = new DataView(out.buffer);
  out[0] = MTYPES[frame.mType] << 5; // Major 0: LoRaWAN R1
  view.setUint32(1, frame.devAddr >>> 0, true);
  out[5] = (frame.fCtrl & 0xf0) | frame.fOpts.length;
  view.setUint16(6, frame.fCnt16 & 0xffff, true);
  out.set(frame.fOpts, 8);
  let at = 8 + frame.fOpts.length;
  if (hasPort) out[at++] = frame.fPort!;
  out.set(frame.frmPayload, at);
  return out;
}

/**
 * An application data frame: FRMPayload encrypted under `appSKey`, MIC under `nwkSKey`, with the
 * full 32-bit frame counter (only its low 16 bits go on air).
 */
export function encodeDataFrame(options: {
  mType: DataFrame['mType'];
  devAddr: number;
  fCnt: number;
  fPort: number;
  payload: Uint8Array;
  appSKey: Uint8Array;
  nwkSKey: Uint8Array;
  fCtrl?: number;
  fOpts?: Uint8Array;
}): Uint8Array {
  const direction: FrameDirection = options.mType.endsWith('up') ? 'uplink' : 'downlink';
  const frame = {
    mType: options.mType,
    devAddr: options.devAddr,
    fCtrl: options.fCtrl ?? 0,
    fCnt16: options.fCnt & 0xffff,
    fOpts: options.fOpts ?? new Uint8Array(0),
    fPort: options.fPort,
    frmPayload: cryptFrmPayload(options.appSKey, direction, options.devAddr, options.fCnt, options.payload),
  };
  const msg = macBytes(frame);
  const out = new Uint8Array(msg.length + 4);
  out.set(msg);
  out.set(dataFrameMic(options.nwkSKey, direction, options.devAddr, options.fCnt, msg), msg.length);
  return out;
}

/** Parses a data frame's fields (nothing decrypted or checked: see verifyDataFrame). */
export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  const context = 'LoRaWAN data frame';
  if (bytes.length < 12) throw new DecodeError('DECODE_TRUNCATED', { context, offset: 0 }, 'at least 12 bytes (MHDR, FHDR, MIC)', `${bytes.length}`);
  const reader = new ByteReader(bytes, context);
  const mhdr = reader.u8();
  const mType = (Object.keys(MTYPES) as DataFrame['mType'][]).find((k) => MTYPES[k] === mhdr >> 5);
  if (!mType || (mhdr & 0x03) !== 0) throw new DecodeError('DECODE_INVALID_VALUE', { context, offset: 0 }, 'MHDR of a data frame with Major 0', `0x${mhdr.toString(16).padStart(2, '0')}`);
  const devAddr = reader.u32() >>> 0;
  const fCtrl = reader.u8();
  const fCnt16 = reader.u16();
  const fOptsLen = fCtrl & 0x0f;
  if (bytes.length < 12 + fOptsLen) throw new DecodeError('DECODE_TRUNCATED', { context, offset: 5 }, `${12 + fOptsLen} bytes (FOptsLen ${fOptsLen})`, `${bytes.length}`);
  const fOpts = bytes.slice(8, 8 + fOptsLen);
  const rest = bytes.subarray(8 + fOptsLen, bytes.length - 4);
  return {
    mType,
    devAddr,
    fCtrl,
    fCnt16,
    fOpts,
    ...(rest.length > 0 ? { fPort: rest[0]! } : {}),
    frmPayload: rest.slice(1),
    mic: bytes.slice(bytes.length - 4),
  };
}

/** The full frame counter a receiver takes for 16 bits on air, given the last one it accepted (§4.3.1.5). */
export function fullFrameCounter(fCnt16: number, lastFCnt: number | undefined): number {
  if (lastFCnt === undefined) return fCnt16;
  const high = lastFCnt - (lastFCnt & 0xffff);
  const candidate = high + fCnt16;
  return candidate >= lastFCnt ? candidate : candidate + 0x10000;
}

/** True when the frame's MIC matches under `nwkSKey` with the full counter `fCnt`. */
export function verifyDataFrame(bytes: Uint8Array, nwkSKey: Uint8Array, fCnt: number): boolean {
  const frame = decodeDataFrame(bytes);
  const direction: FrameDirection = frame.mType.endsWith('up') ? 'uplink' : 'downlink';
  const expected = dataFrameMic(nwkSKey, direction, frame.devAddr, fCnt, bytes.subarray(0, bytes.length - 4));
  return expected.every((b, i) => b === frame.mic[i]);
}
