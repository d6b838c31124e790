import test from 'ava';
import fc from 'fast-check';
import { decodeCommands, encodeCommands, type AppCommand } from '../../src/lorawan/app-layer.js';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { PACKAGES, packageForPort } from '../../src/lorawan/packages.js';
import {
  TS004,
  type DataFragment,
  type FragSessionSetupReqV1,
  type FragSessionSetupReqV2,
  type FragSessionStatusAnsV2,
  type Ts004Command,
} from '../../src/lorawan/ts004-fragmentation.js';
import { knownAnswerTests, outOfRangeTests, roundTripFramesProperty, roundTripProperty, unknownCidTests, type Vector } from './codec-harness.js';

const BROCAAR = 'brocaar/lorawan applayer/fragmentation/fragmentation_test.go (MIT)';
const CS1 = 'chirpstack lrwn/src/applayer/fragmentation/v1.rs tests (MIT)';
const CS2 = 'chirpstack lrwn/src/applayer/fragmentation/v2.rs tests (MIT)';
const SPEC2_STATUS = 'TS004-2.0.0 §3.2 Tables 6-8 (constructed here)';
const SPEC2_SETUP = 'TS004-2.0.0 §3.3 Tables 9-11 (constructed here)';

const h = hexToBytes;

const vectors: Vector<Ts004Command>[] = [
  // PackageVersion (CID 0x00)
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '00', commands: [{ command: 'PackageVersionReq' }] },
  { source: CS2, versions: [2], direction: 'downlink', hex: '00', commands: [{ command: 'PackageVersionReq' }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '000101', commands: [{ command: 'PackageVersionAns', packageIdentifier: 1, packageVersion: 1 }] },
  { source: CS2, versions: [2], direction: 'uplink', hex: '000302', commands: [{ command: 'PackageVersionAns', packageIdentifier: 3, packageVersion: 2 }] },

  // FragSessionStatusReq (CID 0x01, down): same layout in both versions.
  { source: BROCAAR, versions: [1, 2], direction: 'downlink', hex: '0107', commands: [{ command: 'FragSessionStatusReq', participants: true, fragIndex: 3 }] },
  { source: `${CS1}; ${CS2}`, versions: [1, 2], direction: 'downlink', hex: '0105', commands: [{ command: 'FragSessionStatusReq', participants: true, fragIndex: 2 }] },

  // FragSessionStatusAns v1 (CID 0x01, up): Received&Index, MissingFrag, Status.
  {
    source: BROCAAR,
    versions: [1],
    direction: 'uplink',
    hex: '0101c2ff01',
    commands: [{ command: 'FragSessionStatusAns', fragIndex: 3, nbFragReceived: 513, missingFrag: 255, notEnoughMatrixMemory: true }],
  },
  {
    source: CS1,
    versions: [1],
    direction: 'uplink',
    hex: '0100c48001',
    commands: [{ command: 'FragSessionStatusAns', fragIndex: 3, nbFragReceived: 1024, missingFrag: 128, notEnoughMatrixMemory: true }],
  },

  // FragSessionStatusAns v2: Status FIRST. (ChirpStack's own v2 vector sets SessionDoesNotExist
  // together with the counters; it is tested on its own below because the spec omits them.)
  {
    source: SPEC2_STATUS,
    versions: [2],
    direction: 'uplink',
    hex: '0102014000',
    commands: [{ command: 'FragSessionStatusAns', memoryError: false, micError: true, sessionDoesNotExist: false, fragIndex: 1, nbFragReceived: 1, missingFrag: 0 }],
  },
  {
    source: SPEC2_STATUS,
    versions: [2],
    direction: 'uplink',
    hex: '0101ffbf05',
    commands: [{ command: 'FragSessionStatusAns', memoryError: true, micError: false, sessionDoesNotExist: false, fragIndex: 2, nbFragReceived: 16383, missingFrag: 5 }],
  },
  // SessionDoesNotExist: Status octet only (§3.2: "SHALL NOT include the Received&index and
  // MissingFrag fields"), here followed by a FragSessionSetupAns in the same uplink.
  {
    source: SPEC2_STATUS,
    versions: [2],
    direction: 'uplink',
    hex: '01040200',
    commands: [
      { command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true },
      { command: 'FragSessionSetupAns', fragIndex: 0, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false, sessionCntReplay: false },
    ],
  },
  {
    source: SPEC2_STATUS,
    versions: [2],
    direction: 'uplink',
    hex: '0104',
    commands: [{ command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true }],
  },

  // FragSessionSetupReq (CID 0x02, down)
  {
    source: BROCAAR,
    versions: [1],
    direction: 'downlink',
    hex: '02350102ff2c8101020304',
    commands: [
      { command: 'FragSessionSetupReq', fragIndex: 3, mcGroupBitMask: 0b0101, nbFrag: 513, fragSize: 255, blockAckDelay: 4, fragmentationMatrix: 5, padding: 129, descriptor: h('01020304') },
    ],
  },
  {
    source: CS1,
    versions: [1],
    direction: 'downlink',
    hex: '02310004800d4001020304',
    commands: [
      { command: 'FragSessionSetupReq', fragIndex: 3, mcGroupBitMask: 0b0001, nbFrag: 1024, fragSize: 128, blockAckDelay: 5, fragmentationMatrix: 1, padding: 64, descriptor: h('01020304') },
    ],
  },
  {
    source: CS2,
    versions: [2],
    direction: 'downlink',
    hex: '02310004800d4001020304800001020304',
    commands: [
      {
        command: 'FragSessionSetupReq',
        fragIndex: 3,
        mcGroupBitMask: 0b0001,
        nbFrag: 1024,
        fragSize: 128,
        blockAckDelay: 5,
        fragmentationMatrix: 1,
        ackReception: false,
        padding: 64,
        descriptor: h('01020304'),
        sessionCnt: 128,
        mic: h('01020304'),
      },
    ],
  },
  // AckReception is Control bit 6; NbFrag at its 14-bit maximum; SessionCnt little-endian.
  {
    source: SPEC2_SETUP,
    versions: [2],
    direction: 'downlink',
    hex: '021fff3f3247314a5531343412aabbccdd',
    commands: [
      {
        command: 'FragSessionSetupReq',
        fragIndex: 1,
        mcGroupBitMask: 0b1111,
        nbFrag: 16383,
        fragSize: 50,
        blockAckDelay: 7,
        fragmentationMatrix: 0,
        ackReception: true,
        padding: 49,
        descriptor: h('4a553134'),
        sessionCnt: 0x1234,
        mic: h('aabbccdd'),
      },
    ],
  },

  // FragSessionSetupAns (CID 0x02, up)
  {
    source: BROCAAR,
    versions: [1],
    direction: 'uplink',
    hex: '02cf',
    commands: [{ command: 'FragSessionSetupAns', fragIndex: 3, fragAlgoUnsupported: true, notEnoughMemory: true, fragIndexUnsupported: true, wrongDescriptor: true }],
  },
  {
    source: CS1,
    versions: [1],
    direction: 'uplink',
    hex: '028b',
    commands: [{ command: 'FragSessionSetupAns', fragIndex: 2, fragAlgoUnsupported: true, notEnoughMemory: true, fragIndexUnsupported: false, wrongDescriptor: true }],
  },
  {
    source: CS2,
    versions: [2],
    direction: 'uplink',
    hex: '028b',
    commands: [{ command: 'FragSessionSetupAns', fragIndex: 2, fragAlgoUnsupported: true, notEnoughMemory: true, fragIndexUnsupported: false, wrongDescriptor: true, sessionCntReplay: false }],
  },
  {
    source: 'TS004-2.0.0 §3.3 Table 14 (constructed here)',
    versions: [2],
    direction: 'uplink',
    hex: '0250',
    commands: [{ command: 'FragSessionSetupAns', fragIndex: 1, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false, sessionCntReplay: true }],
  },

  // FragSessionDelete (CID 0x03): same layout in both versions.
  { source: `${BROCAAR}; ${CS1}; ${CS2}`, versions: [1, 2], direction: 'downlink', hex: '0303', commands: [{ command: 'FragSessionDeleteReq', fragIndex: 3 }] },
  { source: `${BROCAAR}; ${CS1}; ${CS2}`, versions: [1, 2], direction: 'uplink', hex: '0307', commands: [{ command: 'FragSessionDeleteAns', fragIndex: 3, sessionDoesNotExist: true }] },

  // FragDataBlockReceived (CID 0x04, v2 only): Req goes UP, Ans comes DOWN.
  { source: CS2, versions: [2], direction: 'uplink', hex: '0406', commands: [{ command: 'FragDataBlockReceivedReq', fragIndex: 2, micError: true }] },
  { source: CS2, versions: [2], direction: 'downlink', hex: '0402', commands: [{ command: 'FragDataBlockReceivedAns', fragIndex: 2 }] },

  // DataFragment (CID 0x08, down): the data runs to the end of the frame, so prefixes past the
  // Index&N field are shorter fragments, not truncations (tailFrom).
  {
    source: BROCAAR,
    versions: [1, 2],
    direction: 'downlink',
    hex: '0801c2010203040506',
    tailFrom: 3,
    commands: [{ command: 'DataFragment', fragIndex: 3, n: 513, data: h('010203040506') }],
  },
  {
    source: `${CS1}; ${CS2}`,
    versions: [1, 2],
    direction: 'downlink',
    hex: '08008401020304',
    tailFrom: 3,
    commands: [{ command: 'DataFragment', fragIndex: 2, n: 1024, data: h('01020304') }],
  },

  // Several commands in one frame (TS004 §3: "A message MAY carry more than one command").
  {
    source: 'TS004 v1.0.0 §3 (several commands per frame, constructed here)',
    versions: [1, 2],
    direction: 'downlink',
    hex: '0001050303',
    commands: [{ command: 'PackageVersionReq' }, { command: 'FragSessionStatusReq', participants: true, fragIndex: 2 }, { command: 'FragSessionDeleteReq', fragIndex: 3 }],
  },
];
knownAnswerTests(TS004, vectors);

// ---------------------------------------------------------------------------------------------
// Registration

test('TS004 is registered on fPort 201 with package identifier 3, versions 1 and 2', (t) => {
  t.true(PACKAGES.includes(TS004));
  t.is(packageForPort(201), TS004);
  t.is(TS004.packageIdentifier, 3);
  t.deepEqual(Object.keys(TS004.versions).sort(), ['1', '2']);
});

// ---------------------------------------------------------------------------------------------
// Where the peers and the spec disagree (we follow the spec)

const csStatusAns: FragSessionStatusAnsV2 = {
  command: 'FragSessionStatusAns',
  memoryError: true,
  micError: false,
  sessionDoesNotExist: true,
  fragIndex: 3,
  nbFragReceived: 1024,
  missingFrag: 128,
};

test('v2 FragSessionStatusAns: ChirpStack always sends Received&Index and MissingFrag; the spec omits them when SessionDoesNotExist', (t) => {
  // ChirpStack's v2 vector 01 05 00c4 80 has SessionDoesNotExist = 1 AND the counters, and its
  // decoder requires exactly 4 octets. TS004-2.0.0 §3.2 says the device SHALL NOT include them.
  // We encode the spec form when the counters are absent...
  const { fragIndex: _f, nbFragReceived: _n, missingFrag: _m, ...specForm } = csStatusAns;
  t.is(bytesToHex(encodeCommands(TS004, 2, 'uplink', [specForm])), '0105');
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('0105')), [specForm]);
  // ...and, because LoRa Basics Modem devices send the 4-octet form too, accept it on decode
  // when it is the whole rest of the frame (and can reproduce it for device simulation).
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('010500c480')), [csStatusAns]);
  t.is(bytesToHex(encodeCommands(TS004, 2, 'uplink', [csStatusAns])), '010500c480');
});

test('v2 FragSessionStatusAns: known ambiguity — spec form followed by exactly a PackageVersionAns reads as the 4-octet form', (t) => {
  // Pinned so that a change of the tolerance rule is deliberate: the bytes cannot tell these apart.
  const decoded = decodeCommands(TS004, 2, 'uplink', h('0104000302'));
  t.deepEqual(decoded, [{ command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true, fragIndex: 0, nbFragReceived: 0x0300, missingFrag: 2 }]);
});

test('v2 FragSessionStatusAns: counters are all present or all absent', (t) => {
  const partial = { command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: true, fragIndex: 1 } as FragSessionStatusAnsV2;
  t.throws(() => encodeCommands(TS004, 2, 'uplink', [partial]), { instanceOf: ValueError, message: /all three or none/ });
  const missing = { command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: false } as FragSessionStatusAnsV2;
  t.throws(() => encodeCommands(TS004, 2, 'uplink', [missing]), { instanceOf: ValueError, message: /NbFragReceived/ });
});

test('v2 FragSessionStatusAns: MICError with fragments still missing is refused (TS004-2.0.0 §3.2)', (t) => {
  const bad: FragSessionStatusAnsV2 = { command: 'FragSessionStatusAns', memoryError: false, micError: true, sessionDoesNotExist: false, fragIndex: 0, nbFragReceived: 3, missingFrag: 2 };
  t.throws(() => encodeCommands(TS004, 2, 'uplink', [bad]), { instanceOf: ValueError, message: /MICError/ });
});

test('FragSessionSetupReq: NbFrag above 16383 is refused although brocaar/lorawan and ChirpStack accept any u16', (t) => {
  // Both peers read NbFrag as a plain u16; DataFragment's N is 14 bits (Index&N bits 13:0), so a
  // block of 16384+ fragments cannot be sent. NbFrag = 0x4000:
  for (const [version, hex] of [[1, '0200004032000001020304'], [2, '020000403200000102030400000000000000']] as const) {
    const error = t.throws(() => decodeCommands(TS004, version, 'downlink', h(hex)), { instanceOf: DecodeError });
    t.is(error?.code, 'DECODE_INVALID_VALUE');
    t.regex(error?.message ?? '', /NbFrag/);
    t.is(error?.offset, 2);
  }
});

test('DataFragment: N above 16383 is refused on encode (brocaar/lorawan masks it with 0x3fff silently)', (t) => {
  const df: DataFragment = { command: 'DataFragment', fragIndex: 0, n: 0x4001, data: h('aa') };
  t.throws(() => encodeCommands(TS004, 1, 'downlink', [df]), { instanceOf: ValueError, message: /\bN\b/ });
});

test('DataFragment must be the only command of its frame (TS004 §3), on decode and on encode', (t) => {
  // A PackageVersionReq then a DataFragment: the peers would decode both.
  const after = t.throws(() => decodeCommands(TS004, 2, 'downlink', h('00080100aa')), { instanceOf: DecodeError });
  t.is(after?.code, 'DECODE_INVALID_VALUE');
  t.is(after?.offset, 1);
  const df: DataFragment = { command: 'DataFragment', fragIndex: 0, n: 1, data: h('aa') };
  t.throws(() => encodeCommands(TS004, 2, 'downlink', [{ command: 'PackageVersionReq' }, df]), { instanceOf: ValueError, message: /only command/ });
});

// ---------------------------------------------------------------------------------------------
// Invalid decoded values (DECODE_INVALID_VALUE) and RFU bits

const invalid: Array<{ name: string; version: 1 | 2; hex: string; field: RegExp; offset: number }> = [
  { name: 'NbFrag = 0', version: 1, hex: '02000000320000' + '01020304', field: /NbFrag/, offset: 2 },
  { name: 'FragSize = 0', version: 1, hex: '02000100000000' + '01020304', field: /FragSize/, offset: 4 },
  { name: 'Padding = FragSize', version: 1, hex: '02000100320032' + '01020304', field: /Padding/, offset: 6 },
  { name: 'Padding > FragSize (v2)', version: 2, hex: '020001000a00ff' + '01020304' + '0000' + '00000000', field: /Padding/, offset: 6 },
  { name: 'DataFragment N = 0', version: 1, hex: '080000aa', field: /\bN\b/, offset: 1 },
  { name: 'DataFragment N = 0 with FragIndex 3', version: 2, hex: '0800c0aa', field: /\bN\b/, offset: 1 },
  { name: 'DataFragment with no data', version: 1, hex: '080100', field: /fragment data/, offset: 3 },
  { name: 'DataFragment with 256 octets', version: 2, hex: '080100' + 'ab'.repeat(256), field: /fragment data/, offset: 3 },
];
for (const c of invalid) {
  test(`TS004 v${c.version} downlink: ${c.name} is DECODE_INVALID_VALUE`, (t) => {
    const error = t.throws(() => decodeCommands(TS004, c.version, 'downlink', h(c.hex)), { instanceOf: DecodeError });
    t.is(error?.code, 'DECODE_INVALID_VALUE');
    t.regex(error?.message ?? '', c.field);
    t.is(error?.offset, c.offset);
  });
}

test('RFU bits are ignored on decode', (t) => {
  // FragStatusReqParam bits 7:3, DeleteReq Param bits 7:2, FragSession bits 7:6, Control bit 7
  // (and bit 6 in v1), DataBlockReceivedAns bits 7:2.
  t.deepEqual(decodeCommands(TS004, 1, 'downlink', h('01f9')), [{ command: 'FragSessionStatusReq', participants: true, fragIndex: 0 }]);
  t.deepEqual(decodeCommands(TS004, 2, 'downlink', h('03fe')), [{ command: 'FragSessionDeleteReq', fragIndex: 2 }]);
  t.deepEqual(decodeCommands(TS004, 2, 'downlink', h('04fd')), [{ command: 'FragDataBlockReceivedAns', fragIndex: 1 }]);
  t.deepEqual(decodeCommands(TS004, 1, 'downlink', h('02f10100ffc0000a0b0c0d')), [
    { command: 'FragSessionSetupReq', fragIndex: 3, mcGroupBitMask: 1, nbFrag: 1, fragSize: 255, blockAckDelay: 0, fragmentationMatrix: 0, padding: 0, descriptor: h('0a0b0c0d') },
  ]);
  // v1 FragSessionSetupAns bits 5:4 RFU (bit 4 is SessionCntReplay only in v2); v2 bit 5 RFU.
  t.deepEqual(decodeCommands(TS004, 1, 'uplink', h('0230')), [
    { command: 'FragSessionSetupAns', fragIndex: 0, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false },
  ]);
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('0220')), [
    { command: 'FragSessionSetupAns', fragIndex: 0, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false, sessionCntReplay: false },
  ]);
  // Status bits 7:1 (v1), 7:3 (v2), DeleteAns bits 7:3, DataBlockReceivedReq bits 7:3.
  t.deepEqual(decodeCommands(TS004, 1, 'uplink', h('01000000fe')), [{ command: 'FragSessionStatusAns', fragIndex: 0, nbFragReceived: 0, missingFrag: 0, notEnoughMatrixMemory: false }]);
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('01f8000000')), [{ command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: false, fragIndex: 0, nbFragReceived: 0, missingFrag: 0 }]);
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('03f8')), [{ command: 'FragSessionDeleteAns', fragIndex: 0, sessionDoesNotExist: false }]);
  t.deepEqual(decodeCommands(TS004, 2, 'uplink', h('04f8')), [{ command: 'FragDataBlockReceivedReq', fragIndex: 0, micError: false }]);
});

test('v2 Control bit 6 is AckReception; in v1 it is RFU', (t) => {
  const v2 = decodeCommands<FragSessionSetupReqV2>(TS004, 2, 'downlink', h('020001000a4000010203040000' + '00000000'));
  t.true(v2[0]!.ackReception);
  const v1 = decodeCommands<FragSessionSetupReqV1>(TS004, 1, 'downlink', h('020001000a400001020304'));
  t.false('ackReception' in v1[0]!);
});

// ---------------------------------------------------------------------------------------------
// Unknown CIDs: CID 0x04 does not exist in v1, DataFragment is downlink only.

unknownCidTests(TS004, { uplink: [0x04, 0x05, 0x08, 0xff], downlink: [0x04, 0x05, 0x07, 0xff] }, [1]);
unknownCidTests(TS004, { uplink: [0x05, 0x08, 0xff], downlink: [0x05, 0x07, 0x09, 0xff] }, [2]);

// ---------------------------------------------------------------------------------------------
// Out-of-range values on encode

const setupV1: FragSessionSetupReqV1 = {
  command: 'FragSessionSetupReq',
  fragIndex: 0,
  mcGroupBitMask: 1,
  nbFrag: 10,
  fragSize: 50,
  blockAckDelay: 0,
  fragmentationMatrix: 0,
  padding: 0,
  descriptor: h('00000000'),
};
const setupV2: FragSessionSetupReqV2 = { ...setupV1, ackReception: false, sessionCnt: 1, mic: h('00000000') };

outOfRangeTests(TS004, [
  { version: 1, direction: 'downlink', command: { command: 'FragSessionStatusReq', participants: false, fragIndex: 4 } as never, field: /FragIndex/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, nbFrag: 16384 } as never, field: /NbFrag/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, nbFrag: 0 } as never, field: /NbFrag/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, fragIndex: 4 } as never, field: /FragIndex/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, mcGroupBitMask: 16 } as never, field: /McGroupBitMask/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, fragSize: 0 } as never, field: /FragSize/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, fragSize: 256 } as never, field: /FragSize/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, blockAckDelay: 8 } as never, field: /BlockAckDelay/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, fragmentationMatrix: 8 } as never, field: /FragmentationMatrix/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, padding: 50 } as never, field: /Padding/ },
  { version: 1, direction: 'downlink', command: { ...setupV1, descriptor: h('010203') } as never, field: /Descriptor/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, descriptor: h('0102030405') } as never, field: /Descriptor/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, mic: h('010203') } as never, field: /MIC/ },
  { version: 2, direction: 'downlink', command: { ...setupV2, sessionCnt: 0x10000 } as never, field: /SessionCnt/ },
  { version: 2, direction: 'downlink', command: { ...setupV1 } as never, field: /AckReception/ },
  // A v2 setup given to the v1 encoder would lose its SessionCnt and MIC: refused.
  { version: 1, direction: 'downlink', command: setupV2 as never, field: /ackReception|sessionCnt|mic/ },
  { version: 1, direction: 'downlink', command: { command: 'FragSessionDeleteReq', fragIndex: 4 } as never, field: /FragIndex/ },
  { version: 2, direction: 'downlink', command: { command: 'FragDataBlockReceivedAns', fragIndex: 4 } as never, field: /FragIndex/ },
  { version: 1, direction: 'downlink', command: { command: 'FragDataBlockReceivedAns', fragIndex: 0 } as never, field: /command/ },
  { version: 1, direction: 'downlink', command: { command: 'DataFragment', fragIndex: 0, n: 0, data: h('aa') } as never, field: /\bN\b/ },
  { version: 1, direction: 'downlink', command: { command: 'DataFragment', fragIndex: 0, n: 16384, data: h('aa') } as never, field: /DataFragment N/ },
  { version: 2, direction: 'downlink', command: { command: 'DataFragment', fragIndex: 4, n: 1, data: h('aa') } as never, field: /FragIndex/ },
  { version: 2, direction: 'downlink', command: { command: 'DataFragment', fragIndex: 0, n: 1, data: new Uint8Array(0) } as never, field: /data/ },
  { version: 2, direction: 'downlink', command: { command: 'DataFragment', fragIndex: 0, n: 1, data: new Uint8Array(256) } as never, field: /DataFragment data/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionStatusAns', fragIndex: 0, nbFragReceived: 16384, missingFrag: 0, notEnoughMatrixMemory: false } as never, field: /NbFragReceived/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionStatusAns', fragIndex: 4, nbFragReceived: 0, missingFrag: 0, notEnoughMatrixMemory: false } as never, field: /FragIndex/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionStatusAns', fragIndex: 0, nbFragReceived: 0, missingFrag: 256, notEnoughMatrixMemory: false } as never, field: /MissingFrag/ },
  { version: 2, direction: 'uplink', command: { command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: false, fragIndex: 0, nbFragReceived: 16384, missingFrag: 0 } as never, field: /NbFragReceived/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionStatusAns', memoryError: false, micError: false, sessionDoesNotExist: false, fragIndex: 0, nbFragReceived: 0, missingFrag: 0 } as never, field: /memoryError|micError|sessionDoesNotExist/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionSetupAns', fragIndex: 4, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false } as never, field: /FragIndex/ },
  { version: 1, direction: 'uplink', command: { command: 'FragSessionSetupAns', fragIndex: 0, fragAlgoUnsupported: false, notEnoughMemory: false, fragIndexUnsupported: false, wrongDescriptor: false, sessionCntReplay: true } as never, field: /sessionCntReplay/ },
  { version: 2, direction: 'uplink', command: { command: 'FragSessionDeleteAns', fragIndex: 4, sessionDoesNotExist: false } as never, field: /FragIndex/ },
  { version: 2, direction: 'uplink', command: { command: 'FragDataBlockReceivedReq', fragIndex: 4, micError: false } as never, field: /FragIndex/ },
  { version: 1, direction: 'uplink', command: { command: 'FragDataBlockReceivedReq', fragIndex: 0, micError: false } as never, field: /command/ },
]);

// ---------------------------------------------------------------------------------------------
// Round trips, per version and direction

const bool = fc.boolean();
const u8 = fc.integer({ min: 0, max: 255 });
const fragIndex = fc.integer({ min: 0, max: 3 });
const count14 = fc.integer({ min: 0, max: 16383 });
const bytes4 = fc.uint8Array({ minLength: 4, maxLength: 4 });

const packageVersionAns = fc.record({ command: fc.constant('PackageVersionAns' as const), packageIdentifier: u8, packageVersion: u8 });
const deleteAns = fc.record({ command: fc.constant('FragSessionDeleteAns' as const), fragIndex, sessionDoesNotExist: bool });
const setupAnsV1 = fc.record({
  command: fc.constant('FragSessionSetupAns' as const),
  fragIndex,
  fragAlgoUnsupported: bool,
  notEnoughMemory: bool,
  fragIndexUnsupported: bool,
  wrongDescriptor: bool,
});
const setupAnsV2 = fc.record({
  command: fc.constant('FragSessionSetupAns' as const),
  fragIndex,
  fragAlgoUnsupported: bool,
  notEnoughMemory: bool,
  fragIndexUnsupported: bool,
  wrongDescriptor: bool,
  sessionCntReplay: bool,
});
const statusAnsV1 = fc.record({ command: fc.constant('FragSessionStatusAns' as const), fragIndex, nbFragReceived: count14, missingFrag: u8, notEnoughMatrixMemory: bool });
const statusAnsV2: fc.Arbitrary<FragSessionStatusAnsV2> = fc.oneof(
  // Session exists: counters present; MICError only with MissingFrag = 0.
  fc
    .record({ memoryError: bool, micError: bool, fragIndex, nbFragReceived: count14, missingFrag: u8 })
    .map((s) => ({ command: 'FragSessionStatusAns' as const, sessionDoesNotExist: false, ...s, micError: s.missingFrag === 0 && s.micError })),
  // Session does not exist: the spec form (Status only)...
  fc.record({ memoryError: bool, micError: bool }).map((s) => ({ command: 'FragSessionStatusAns' as const, ...s, sessionDoesNotExist: true })),
  // ...or the 4-octet form LoRa Basics Modem and ChirpStack use.
  fc
    .record({ memoryError: bool, micError: bool, fragIndex, nbFragReceived: count14, missingFrag: u8 })
    .map((s) => ({ command: 'FragSessionStatusAns' as const, sessionDoesNotExist: true, ...s, micError: s.missingFrag === 0 && s.micError })),
);
const blockReceivedReq = fc.record({ command: fc.constant('FragDataBlockReceivedReq' as const), fragIndex, micError: bool });

roundTripProperty(TS004, 1, 'uplink', fc.oneof(packageVersionAns, statusAnsV1, setupAnsV1, deleteAns));

/**
 * v2 uplink frames the bytes can carry: the 1-octet FragSessionStatusAns must not be followed by
 * exactly 3 octets, and the 4-octet no-session form must end the frame (see the decoder).
 */
function unambiguousV2Uplink(frame: AppCommand[]): boolean {
  return frame.every((command, i) => {
    const status = command as FragSessionStatusAnsV2;
    if (command.command !== 'FragSessionStatusAns' || !status.sessionDoesNotExist) return true;
    const rest = encodeCommands(TS004, 2, 'uplink', frame.slice(i + 1)).length;
    return status.fragIndex === undefined ? rest !== 3 : rest === 0;
  });
}
roundTripFramesProperty(
  TS004,
  2,
  'uplink',
  fc.array(fc.oneof(packageVersionAns, statusAnsV2, setupAnsV2, deleteAns, blockReceivedReq), { minLength: 1, maxLength: 4 }).filter(unambiguousV2Uplink),
  'frames without the SessionDoesNotExist ambiguity',
);

const statusReq = fc.record({ command: fc.constant('FragSessionStatusReq' as const), participants: bool, fragIndex });
const deleteReq = fc.record({ command: fc.constant('FragSessionDeleteReq' as const), fragIndex });
const setupCommon = fc
  .record({
    fragIndex,
    mcGroupBitMask: fc.integer({ min: 0, max: 15 }),
    nbFrag: fc.integer({ min: 1, max: 16383 }),
    fragSize: fc.integer({ min: 1, max: 255 }),
    blockAckDelay: fc.integer({ min: 0, max: 7 }),
    fragmentationMatrix: fc.integer({ min: 0, max: 7 }),
    padding: u8,
    descriptor: bytes4,
  })
  .map((s) => ({ command: 'FragSessionSetupReq' as const, ...s, padding: s.padding % s.fragSize }));
const setupReqV1: fc.Arbitrary<FragSessionSetupReqV1> = setupCommon;
const setupReqV2: fc.Arbitrary<FragSessionSetupReqV2> = fc
  .tuple(setupCommon, bool, fc.integer({ min: 0, max: 0xffff }), bytes4)
  .map(([s, ackReception, sessionCnt, mic]) => ({ ...s, ackReception, sessionCnt, mic }));
const blockReceivedAns = fc.record({ command: fc.constant('FragDataBlockReceivedAns' as const), fragIndex });
const dataFragment: fc.Arbitrary<DataFragment> = fc.record({
  command: fc.constant('DataFragment' as const),
  fragIndex,
  n: fc.integer({ min: 1, max: 16383 }),
  data: fc.uint8Array({ minLength: 1, maxLength: 255 }),
});

/** Control commands in any number and order, or one DataFragment alone (TS004 §3). */
function downlinkFrames(control: fc.Arbitrary<AppCommand>): fc.Arbitrary<AppCommand[]> {
  return fc.oneof(fc.array(control, { minLength: 1, maxLength: 4 }), dataFragment.map((d) => [d]));
}
const packageVersionReq = fc.constant({ command: 'PackageVersionReq' as const });
roundTripFramesProperty(TS004, 1, 'downlink', downlinkFrames(fc.oneof(packageVersionReq, statusReq, setupReqV1, deleteReq)), 'control frames and lone DataFragments');
roundTripFramesProperty(TS004, 2, 'downlink', downlinkFrames(fc.oneof(packageVersionReq, statusReq, setupReqV2, deleteReq, blockReceivedAns)), 'control frames and lone DataFragments');

test('every single byte string either decodes or throws a DecodeError (property)', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(1 as const, 2 as const), fc.constantFrom('uplink' as const, 'downlink' as const), fc.uint8Array({ minLength: 0, maxLength: 24 }), (version, direction, bytes) => {
      let commands: AppCommand[];
      try {
        commands = decodeCommands(TS004, version, direction, bytes);
      } catch (error) {
        t.true(error instanceof DecodeError, String(error));
        return;
      }
      // Whatever decodes re-encodes to as many octets (RFU bits come back as 0). The one thing
      // decode accepts and encode refuses: a v2 MICError reported while fragments are missing.
      const micWhileMissing = commands.some((c) => (c as FragSessionStatusAnsV2).micError && ((c as FragSessionStatusAnsV2).missingFrag ?? 0) !== 0);
      if (micWhileMissing) return;
      t.is(encodeCommands(TS004, version, direction, commands).length, bytes.length);
    }),
    { numRuns: 500 },
  );
});

test('a DataFragment followed by another command is refused by the frame encoder (TS004 §3)', (t) => {
  const fragment = { command: 'DataFragment', fragIndex: 0, n: 1, data: Uint8Array.of(1, 2) } as const;
  t.throws(() => encodeCommands(TS004, 1, 'downlink', [fragment, { command: 'PackageVersionReq' }]), { code: 'COMMAND_NOT_ALONE' });
  t.throws(() => encodeCommands(TS004, 2, 'downlink', [fragment, fragment]), { code: 'COMMAND_NOT_ALONE' });
});
