import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { decodeCommands, encodeCommands } from '../../src/lorawan/app-layer.js';
import { dataBlockMic, dataBlockMicB0, deriveDataBlockIntKey } from '../../src/lorawan/ts004-data-block-mic.js';
import { TS004, type FragSessionSetupReqV2 } from '../../src/lorawan/ts004-fragmentation.js';

// No public known-answer vector for the TS004 v2 data-block MIC was found (ChirpStack's v2.rs
// has the function but no test of it; LoRa Basics Modem only checks on the device). These
// vectors were computed here with independent implementations, from inputs chosen here:
// Python `cryptography` 48 (AES-ECB for the key, CMAC for the MIC), and the first one also with
// OpenSSL 3.0 (`openssl enc -aes-128-ecb` and `openssl mac ... CMAC`). The B0 layout is
// TS004-2.0.0 §3.3 Table 12; ChirpStack's calculate_mic and LoRa Basics Modem's
// compute_data_block_integrity_ckeck build the same 16 octets.
const INDEPENDENT = 'computed with Python cryptography 48 CMAC (vector 1 also with OpenSSL 3.0 CMAC)';

const h = hexToBytes;
const counting = (length: number, f: (i: number) => number = (i) => i) => Uint8Array.from({ length }, (_, i) => f(i) & 0xff);

interface MicVector {
  source: string;
  rootKey: string;
  dataBlockIntKey: string;
  sessionCnt: number;
  fragIndex: number;
  descriptor: string;
  dataBlock: Uint8Array;
  b0: string;
  mic: string;
}

const vectors: MicVector[] = [
  {
    // ChirpStack's fragmentation test block (100 octets 00..63): 10 fragments of 10, no padding.
    source: INDEPENDENT,
    rootKey: '000102030405060708090a0b0c0d0e0f',
    dataBlockIntKey: '017a8bd9ecd102ba4bb7946d3d8707e0',
    sessionCnt: 0x0102,
    fragIndex: 1,
    descriptor: '01020304',
    dataBlock: counting(100),
    b0: '49020101010203040000000064000000',
    mic: 'f456b6da',
  },
  {
    // A one-octet block: B0 | block is not a whole number of AES blocks (CMAC K2 path).
    source: INDEPENDENT,
    rootKey: '2b7e151628aed2a6abf7158809cf4f3c',
    dataBlockIntKey: '7ac47c65fe259bb654bd263519f89c8e',
    sessionCnt: 0,
    fragIndex: 0,
    descriptor: '00000000',
    dataBlock: h('ab'),
    b0: '49000000000000000000000001000000',
    mic: '2c730a10',
  },
  {
    // A 16-octet block: B0 | block is exactly two AES blocks (CMAC K1 path); field maxima.
    source: INDEPENDENT,
    rootKey: '2b7e151628aed2a6abf7158809cf4f3c',
    dataBlockIntKey: '7ac47c65fe259bb654bd263519f89c8e',
    sessionCnt: 0xffff,
    fragIndex: 3,
    descriptor: 'deadbeef',
    dataBlock: counting(16),
    b0: '49ffff03deadbeef0000000010000000',
    mic: '9e866142',
  },
  {
    // 995 octets = 20 fragments of 50 less 5 padding (the LoRaMac-node FUOTA interop test size):
    // the length in B0 is the block WITHOUT padding.
    source: INDEPENDENT,
    rootKey: '2b7e151628aed2a6abf7158809cf4f3c',
    dataBlockIntKey: '7ac47c65fe259bb654bd263519f89c8e',
    sessionCnt: 7,
    fragIndex: 2,
    descriptor: '504a5531',
    dataBlock: counting(995, (i) => i * 7 + 3),
    b0: '49070002504a553100000000e3030000',
    mic: 'f5d33ea9',
  },
];

for (const [i, v] of vectors.entries()) {
  test(`TS004 v2 data block MIC vector ${i + 1} (${v.dataBlock.length} octets; ${v.source})`, (t) => {
    const key = deriveDataBlockIntKey(h(v.rootKey));
    t.is(bytesToHex(key), v.dataBlockIntKey, 'DataBlockIntKey');
    t.is(bytesToHex(dataBlockMicB0(v.sessionCnt, v.fragIndex, h(v.descriptor), v.dataBlock.length)), v.b0, 'B0');
    const mic = dataBlockMic({ dataBlockIntKey: key, sessionCnt: v.sessionCnt, fragIndex: v.fragIndex, descriptor: h(v.descriptor), dataBlock: v.dataBlock });
    t.is(bytesToHex(mic), v.mic, 'MIC');
  });
}

test('B0 follows TS004-2.0.0 Table 12 field by field', (t) => {
  const b0 = dataBlockMicB0(0xa1b2, 2, h('c1c2c3c4'), 0x01020304);
  t.is(b0.length, 16);
  t.is(b0[0], 0x49, 'octet 0: 0x49');
  t.is(bytesToHex(b0.subarray(1, 3)), 'b2a1', 'octets 1-2: SessionCnt little-endian');
  t.is(b0[3], 2, 'octet 3: FragIndex');
  t.is(bytesToHex(b0.subarray(4, 8)), 'c1c2c3c4', 'octets 4-7: Descriptor as sent');
  t.is(bytesToHex(b0.subarray(8, 12)), '00000000', 'octets 8-11: 0x00');
  t.is(bytesToHex(b0.subarray(12, 16)), '04030201', 'octets 12-15: block length little-endian');
});

test('the padding is not part of the MICed block (TS004-2.0.0 §3.3: length without padding)', (t) => {
  const key = deriveDataBlockIntKey(h('2b7e151628aed2a6abf7158809cf4f3c'));
  const block = counting(995, (i) => i * 7 + 3);
  const padded = new Uint8Array(1000);
  padded.set(block);
  const common = { dataBlockIntKey: key, sessionCnt: 7, fragIndex: 2, descriptor: h('504a5531') };
  t.is(bytesToHex(dataBlockMic({ ...common, dataBlock: block })), 'f5d33ea9');
  t.not(bytesToHex(dataBlockMic({ ...common, dataBlock: padded })), 'f5d33ea9');
});

test('every B0 field and every block octet changes the MIC (property)', (t) => {
  const key = deriveDataBlockIntKey(h('000102030405060708090a0b0c0d0e0f'));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 3 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.nat(),
      (sessionCnt, fragIndex, descriptor, dataBlock, pick) => {
        const base = { dataBlockIntKey: key, sessionCnt, fragIndex, descriptor, dataBlock };
        const mic = bytesToHex(dataBlockMic(base));
        const flipped = dataBlock.slice();
        flipped[pick % flipped.length]! ^= 1 << (pick % 8);
        t.not(bytesToHex(dataBlockMic({ ...base, dataBlock: flipped })), mic);
        t.not(bytesToHex(dataBlockMic({ ...base, sessionCnt: sessionCnt ^ 1 })), mic);
        t.not(bytesToHex(dataBlockMic({ ...base, fragIndex: fragIndex ^ 1 })), mic);
        const otherDescriptor = descriptor.slice();
        otherDescriptor[pick % 4]! ^= 0x80;
        t.not(bytesToHex(dataBlockMic({ ...base, descriptor: otherDescriptor })), mic);
      },
    ),
    { numRuns: 100 },
  );
});

test('the MIC travels in a v2 FragSessionSetupReq unchanged', (t) => {
  const dataBlock = counting(995, (i) => i * 7 + 3);
  const descriptor = h('504a5531');
  const mic = dataBlockMic({ dataBlockIntKey: deriveDataBlockIntKey(h('2b7e151628aed2a6abf7158809cf4f3c')), sessionCnt: 7, fragIndex: 2, descriptor, dataBlock });
  const setup: FragSessionSetupReqV2 = {
    command: 'FragSessionSetupReq',
    fragIndex: 2,
    mcGroupBitMask: 1,
    nbFrag: 20,
    fragSize: 50,
    blockAckDelay: 1,
    fragmentationMatrix: 0,
    ackReception: true,
    padding: 5,
    descriptor,
    sessionCnt: 7,
    mic,
  };
  const bytes = encodeCommands(TS004, 2, 'downlink', [setup]);
  t.is(bytesToHex(bytes.subarray(13, 17)), 'f5d33ea9', 'MIC is the last 4 octets, in CMAC order');
  t.deepEqual(decodeCommands(TS004, 2, 'downlink', bytes), [setup]);
});

test('bad inputs are ValueErrors naming the field', (t) => {
  const key = new Uint8Array(16);
  const ok = { dataBlockIntKey: key, sessionCnt: 0, fragIndex: 0, descriptor: new Uint8Array(4), dataBlock: new Uint8Array(1) };
  t.throws(() => deriveDataBlockIntKey(new Uint8Array(15)), { instanceOf: ValueError, message: /root key/ });
  t.throws(() => dataBlockMic({ ...ok, dataBlockIntKey: new Uint8Array(17) }), { instanceOf: ValueError, message: /DataBlockIntKey/ });
  t.throws(() => dataBlockMic({ ...ok, sessionCnt: 0x10000 }), { instanceOf: ValueError, message: /SessionCnt/ });
  t.throws(() => dataBlockMic({ ...ok, sessionCnt: -1 }), { instanceOf: ValueError, message: /SessionCnt/ });
  t.throws(() => dataBlockMic({ ...ok, fragIndex: 4 }), { instanceOf: ValueError, message: /FragIndex/ });
  t.throws(() => dataBlockMic({ ...ok, descriptor: new Uint8Array(3) }), { instanceOf: ValueError, message: /Descriptor/ });
  t.throws(() => dataBlockMic({ ...ok, dataBlock: 'abc' as never }), { instanceOf: ValueError, message: /data block/ });
});
