import { checkRange } from '../core/byte-writer.js';
import { ValueError } from '../core/errors.js';
import { aes128Encrypt, aesCmac } from './aes.js';

// TS004-2.0.0 §3.3: the FragSessionSetupReq of v2 carries a 4-octet MIC over the whole
// (uncoded, unpadded) data block, so that a device can tell a block rebuilt wrongly (or a
// block from someone else) from the real one before it acts on it. v1 has nothing like it.
//
//   DataBlockIntKey = aes128_encrypt(GenAppKey (LoRaWAN 1.0.x) or AppKey (1.1), 0x30 | 15 × 0x00)
//   B0  = 0x49 | SessionCnt (2, LE) | FragIndex (1) | Descriptor (4) | 4 × 0x00 | len(block) (4, LE)
//   MIC = aes128_cmac(DataBlockIntKey, B0 | block)[0..3]
//
// The B0 layout is TS004-2.0.0 Table 12; len(block) is the block without padding, i.e.
// NbFrag × FragSize − Padding. ChirpStack (lrwn applayer/fragmentation/v2.rs calculate_mic) and
// LoRa Basics Modem (compute_data_block_integrity_ckeck) build the same B0; the Descriptor goes
// in with the octet order it has on the air.

const KEY_LENGTH = 16;

/** DataBlockIntKey from the device root key: GenAppKey for LoRaWAN 1.0.x, AppKey for 1.1. */
export function deriveDataBlockIntKey(rootKey: Uint8Array): Uint8Array {
  const block = new Uint8Array(KEY_LENGTH);
  block[0] = 0x30;
  return aes128Encrypt(rootKey, block, 'TS004 root key (GenAppKey or AppKey)');
}

export interface DataBlockMicInput {
  /** From deriveDataBlockIntKey. */
  readonly dataBlockIntKey: Uint8Array;
  /** The SessionCnt of the FragSessionSetupReq (u16). */
  readonly sessionCnt: number;
  /** The FragIndex of the session (0..3). */
  readonly fragIndex: number;
  /** The 4-octet Descriptor of the FragSessionSetupReq, as sent. */
  readonly descriptor: Uint8Array;
  /** The data block itself: the uncoded fragments concatenated, padding removed. */
  readonly dataBlock: Uint8Array;
}

/** B0 of TS004-2.0.0 Table 12, for a block of `dataBlockSize` octets. */
export function dataBlockMicB0(sessionCnt: number, fragIndex: number, descriptor: Uint8Array, dataBlockSize: number): Uint8Array {
  checkRange(sessionCnt, 0, 0xffff, 'TS004 data block MIC SessionCnt');
  checkRange(fragIndex, 0, 3, 'TS004 data block MIC FragIndex');
  checkRange(dataBlockSize, 0, 0xffffffff, 'TS004 data block MIC data block size');
  if (!(descriptor instanceof Uint8Array) || descriptor.length !== 4) {
    throw new ValueError('TS004 data block MIC Descriptor', '4 bytes', descriptor instanceof Uint8Array ? `${descriptor.length} bytes` : typeof descriptor);
  }
  const b0 = new Uint8Array(16);
  const view = new DataView(b0.buffer);
  b0[0] = 0x49;
  view.setUint16(1, sessionCnt, true);
  b0[3] = fragIndex;
  b0.set(descriptor, 4);
  // Octets 8..11 stay 0x00.
  view.setUint32(12, dataBlockSize, true);
  return b0;
}

/** The 4-octet MIC a v2 FragSessionSetupReq carries for `dataBlock`. */
export function dataBlockMic(input: DataBlockMicInput): Uint8Array {
  const { dataBlockIntKey, sessionCnt, fragIndex, descriptor, dataBlock } = input;
  if (!(dataBlock instanceof Uint8Array)) throw new ValueError('TS004 data block', 'bytes', typeof dataBlock);
  const b0 = dataBlockMicB0(sessionCnt, fragIndex, descriptor, dataBlock.length);
  const message = new Uint8Array(16 + dataBlock.length);
  message.set(b0, 0);
  message.set(dataBlock, 16);
  return aesCmac(dataBlockIntKey, message, 'TS004 DataBlockIntKey').slice(0, 4);
}
