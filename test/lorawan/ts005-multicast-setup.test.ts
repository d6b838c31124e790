import test from 'ava';
import fc from 'fast-check';
import {
  TS005,
  type McClassBSessionAns,
  type McClassCSessionAns,
  type Ts005Command,
} from '../../src/lorawan/ts005-multicast-setup.js';
import { decodeCommands, encodeCommands, type PackageVersion } from '../../src/lorawan/app-layer.js';
import { packageForPort } from '../../src/lorawan/packages.js';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { knownAnswerTests, outOfRangeTests, roundTripProperty, unknownCidTests, type Vector } from './codec-harness.js';

const CS1 = 'chirpstack lrwn/src/applayer/multicastsetup/v1.rs tests (MIT)';
const CS2 = 'chirpstack lrwn/src/applayer/multicastsetup/v2.rs tests (MIT)';
const BROCAAR = 'brocaar/lorawan applayer/multicastsetup/multicastsetup_test.go (MIT)';

const KEY = hexToBytes('01020304050607080102030405060708');

/**
 * A session answer as each version decodes it: v2 always reports StartMissed, v1 has no such bit,
 * so `fields.startMissed` is only used for v2. Flags default to false.
 */
function sessionAns<N extends 'McClassCSessionAns' | 'McClassBSessionAns'>(
  version: PackageVersion,
  command: N,
  fields: { mcGroupId: number; drError?: boolean; freqError?: boolean; mcGroupUndefined?: boolean; startMissed?: boolean; unnamedErrorBits?: number; timeToStart?: number },
): N extends 'McClassCSessionAns' ? McClassCSessionAns : McClassBSessionAns {
  const base = {
    command,
    mcGroupId: fields.mcGroupId,
    drError: fields.drError ?? false,
    freqError: fields.freqError ?? false,
    mcGroupUndefined: fields.mcGroupUndefined ?? false,
    ...(version === 2 ? { startMissed: fields.startMissed ?? false } : {}),
    ...(fields.unnamedErrorBits ? { unnamedErrorBits: fields.unnamedErrorBits } : {}),
    ...(fields.timeToStart !== undefined ? { timeToStart: fields.timeToStart } : {}),
  };
  return base as never;
}

/** Session answer vectors, written once and expanded per version (their bytes are the same). */
function sessionAnsVectors(source1: string, source2: string | undefined, hex: string, command: 'McClassCSessionAns' | 'McClassBSessionAns', fields: Parameters<typeof sessionAns>[2]): Vector<Ts005Command>[] {
  const out: Vector<Ts005Command>[] = [{ source: source1, versions: [1], direction: 'uplink', hex, commands: [sessionAns(1, command, fields)] }];
  if (source2) out.push({ source: source2, versions: [2], direction: 'uplink', hex, commands: [sessionAns(2, command, fields)] });
  return out;
}

const vectors: Vector<Ts005Command>[] = [
  // PackageVersion (§4.1). The peers' tests use identifier 1 / version 1 as plain bytes.
  { source: `${CS1}; ${CS2}; ${BROCAAR}`, versions: [1, 2], direction: 'downlink', hex: '00', commands: [{ command: 'PackageVersionReq' }] },
  { source: `${CS1}; ${CS2}; ${BROCAAR}`, versions: [1, 2], direction: 'uplink', hex: '000101', commands: [{ command: 'PackageVersionAns', packageIdentifier: 1, packageVersion: 1 }] },
  { source: 'TS005 v1.0.0 §4.1 (PackageIdentifier 2, PackageVersion 1)', versions: [1], direction: 'uplink', hex: '000201', commands: [{ command: 'PackageVersionAns', packageIdentifier: 2, packageVersion: 1 }] },
  { source: 'TS005 v2.0.0 §4.1 (PackageIdentifier 2, PackageVersion 2)', versions: [2], direction: 'uplink', hex: '000202', commands: [{ command: 'PackageVersionAns', packageIdentifier: 2, packageVersion: 2 }] },

  // McGroupStatus (§4.2).
  { source: `${CS1}; ${CS2}`, versions: [1, 2], direction: 'downlink', hex: '0103', commands: [{ command: 'McGroupStatusReq', reqGroupMask: 0b0011 }] },
  { source: BROCAAR, versions: [1, 2], direction: 'downlink', hex: '010a', commands: [{ command: 'McGroupStatusReq', reqGroupMask: 0b1010 }] },
  {
    source: `${CS1}; ${CS2}`,
    versions: [1, 2],
    direction: 'uplink',
    hex: '0123000403020101040302' + '02',
    commands: [{ command: 'McGroupStatusAns', ansGroupMask: 0b0011, nbTotalGroups: 2, groups: [{ mcGroupId: 0, mcAddr: 0x01020304 }, { mcGroupId: 1, mcAddr: 0x02020304 }] }],
  },
  {
    // Records in descending id order: the spec does not fix the order, only the set.
    source: BROCAAR,
    versions: [1, 2],
    direction: 'uplink',
    hex: '014c030403020102' + '01020304',
    commands: [{ command: 'McGroupStatusAns', ansGroupMask: 0b1100, nbTotalGroups: 4, groups: [{ mcGroupId: 3, mcAddr: 0x01020304 }, { mcGroupId: 2, mcAddr: 0x04030201 }] }],
  },
  { source: 'TS005 v1.0.0 §4.2 (empty list: groups defined, none listed)', versions: [1, 2], direction: 'uplink', hex: '0120', commands: [{ command: 'McGroupStatusAns', ansGroupMask: 0, nbTotalGroups: 2, groups: [] }] },

  // McGroupSetup (§4.3).
  {
    source: `${CS1}; ${CS2}`,
    versions: [1, 2],
    direction: 'downlink',
    hex: '020204030201' + '01020304050607080102030405060708' + '00040000' + '00080000',
    commands: [{ command: 'McGroupSetupReq', mcGroupId: 2, mcAddr: 0x01020304, mcKeyEncrypted: KEY, minMcFCount: 1024, maxMcFCount: 2048 }],
  },
  {
    source: BROCAAR,
    versions: [1, 2],
    direction: 'downlink',
    hex: '020204030201' + '01020304050607080102030405060708' + '64000000' + 'c8000000',
    commands: [{ command: 'McGroupSetupReq', mcGroupId: 2, mcAddr: 0x01020304, mcKeyEncrypted: KEY, minMcFCount: 100, maxMcFCount: 200 }],
  },
  { source: `${CS1}; ${CS2}`, versions: [1, 2], direction: 'uplink', hex: '0206', commands: [{ command: 'McGroupSetupAns', mcGroupId: 2, idError: true }] },
  { source: BROCAAR, versions: [1, 2], direction: 'uplink', hex: '0207', commands: [{ command: 'McGroupSetupAns', mcGroupId: 3, idError: true }] },
  { source: 'TS005 v1.0.0 §4.3 (IDerror clear)', versions: [1, 2], direction: 'uplink', hex: '0201', commands: [{ command: 'McGroupSetupAns', mcGroupId: 1, idError: false }] },

  // McGroupDelete (§4.4).
  { source: `${CS1}; ${CS2}; ${BROCAAR}`, versions: [1, 2], direction: 'downlink', hex: '0303', commands: [{ command: 'McGroupDeleteReq', mcGroupId: 3 }] },
  { source: `${CS1}; ${CS2}`, versions: [1, 2], direction: 'uplink', hex: '0307', commands: [{ command: 'McGroupDeleteAns', mcGroupId: 3, mcGroupUndefined: true }] },
  { source: BROCAAR, versions: [1, 2], direction: 'uplink', hex: '0305', commands: [{ command: 'McGroupDeleteAns', mcGroupId: 1, mcGroupUndefined: true }] },
  { source: 'TS005 v2.0.0 §4.4 (group deleted)', versions: [1, 2], direction: 'uplink', hex: '0300', commands: [{ command: 'McGroupDeleteAns', mcGroupId: 0, mcGroupUndefined: false }] },

  // McClassCSession (§4.5). 868.1 MHz = 8681000 × 100 Hz = 0x847628.
  {
    source: `${CS1}; ${CS2}`,
    versions: [1, 2],
    direction: 'downlink',
    hex: '0402000400000f28768405',
    commands: [{ command: 'McClassCSessionReq', mcGroupId: 2, sessionTime: 1024, sessionTimeOut: 15, dlFrequencyHz: 868_100_000, dr: 5 }],
  },
  {
    source: BROCAAR,
    versions: [1, 2],
    direction: 'downlink',
    hex: '0403010204080828768404',
    commands: [{ command: 'McClassCSessionReq', mcGroupId: 3, sessionTime: 134_480_385, sessionTimeOut: 8, dlFrequencyHz: 868_100_000, dr: 4 }],
  },
  ...sessionAnsVectors(CS1, CS2, '0402000400', 'McClassCSessionAns', { mcGroupId: 2, timeToStart: 1024 }),
  ...sessionAnsVectors(CS1, CS2, '041e', 'McClassCSessionAns', { mcGroupId: 2, drError: true, freqError: true, mcGroupUndefined: true }),
  ...sessionAnsVectors(BROCAAR, BROCAAR, '0403010204', 'McClassCSessionAns', { mcGroupId: 3, timeToStart: 262_657 }),
  ...sessionAnsVectors(BROCAAR, BROCAAR, '041f', 'McClassCSessionAns', { mcGroupId: 3, drError: true, freqError: true, mcGroupUndefined: true }),
  ...sessionAnsVectors('TS005 v1.0.0 §4.5 (TimeToStart 0xFFFFFF: too far / clock out of sync)', 'TS005 v2.0.0 §4.5', '0400ffffff', 'McClassCSessionAns', { mcGroupId: 0, timeToStart: 0xffffff }),
  { source: 'TS005 v2.0.0 §4.5 (StartMissed = bit 5; no TimeToStart)', versions: [2], direction: 'uplink', hex: '0421', commands: [sessionAns(2, 'McClassCSessionAns', { mcGroupId: 1, startMissed: true })] },

  // McClassBSession (§4.6). 1024 s = 8 beacon periods; TimeOutPeriodicity 0x4f = periodicity 4, timeOut 15.
  {
    source: `${CS1}; ${CS2}`,
    versions: [1, 2],
    direction: 'downlink',
    hex: '0503000400004f28768405',
    commands: [{ command: 'McClassBSessionReq', mcGroupId: 3, sessionTime: 1024, timeOut: 15, periodicity: 4, dlFrequencyHz: 868_100_000, dr: 5 }],
  },
  {
    // Odd periodicity next to timeOut 8: the byte brocaar/lorawan's 0x1f mask misreads as timeOut 24.
    source: 'TS005 v1.0.0 §4.6 (TimeOutPeriodicity bits 6:4 / 3:0)',
    versions: [1, 2],
    direction: 'downlink',
    hex: '05018090e04e1828768403',
    commands: [{ command: 'McClassBSessionReq', mcGroupId: 1, sessionTime: 1_323_339_904, timeOut: 8, periodicity: 1, dlFrequencyHz: 868_100_000, dr: 3 }],
  },
  {
    // DLFreq = 0: use the default class B hopping scheme (v2.0.0 §4.6).
    source: 'TS005 v2.0.0 §4.6 (DLFreq 0 = default hopping)',
    versions: [2],
    direction: 'downlink',
    hex: '05000000000070000000' + '08',
    commands: [{ command: 'McClassBSessionReq', mcGroupId: 0, sessionTime: 0, timeOut: 0, periodicity: 7, dlFrequencyHz: 0, dr: 8 }],
  },
  ...sessionAnsVectors(CS1, CS2, '0503000400', 'McClassBSessionAns', { mcGroupId: 3, timeToStart: 1024 }),
  ...sessionAnsVectors(CS1, CS2, '051f', 'McClassBSessionAns', { mcGroupId: 3, drError: true, freqError: true, mcGroupUndefined: true }),
  ...sessionAnsVectors(BROCAAR, BROCAAR, '0503010204', 'McClassBSessionAns', { mcGroupId: 3, timeToStart: 262_657 }),
  { source: 'TS005 v2.0.0 §4.6 (StartMissed with DRError)', versions: [2], direction: 'uplink', hex: '0526', commands: [sessionAns(2, 'McClassBSessionAns', { mcGroupId: 2, drError: true, startMissed: true })] },

  // Several commands per frame; the variable-length answers must not swallow their neighbours.
  ...([1, 2] as const).map((version): Vector<Ts005Command> => ({
    source: `${BROCAAR} TestUnmarshalCommands`,
    versions: [version],
    direction: 'uplink',
    hex: '0503010204051f',
    commands: [
      sessionAns(version, 'McClassBSessionAns', { mcGroupId: 3, timeToStart: 262_657 }),
      sessionAns(version, 'McClassBSessionAns', { mcGroupId: 3, drError: true, freqError: true, mcGroupUndefined: true }),
    ],
  })),
  ...([1, 2] as const).map((version): Vector<Ts005Command> => ({
    source: 'TS005 v1.0.0 §4 (several commands per frame: status list, then error answer, then package version)',
    versions: [version],
    direction: 'uplink',
    hex: '0114' + '02030201ff' + '0411' + '00020' + String(version),
    commands: [
      { command: 'McGroupStatusAns', ansGroupMask: 0b0100, nbTotalGroups: 1, groups: [{ mcGroupId: 2, mcAddr: 0xff010203 }] },
      sessionAns(version, 'McClassCSessionAns', { mcGroupId: 1, mcGroupUndefined: true }),
      { command: 'PackageVersionAns', packageIdentifier: 2, packageVersion: version },
    ],
  })),
  {
    source: 'TS005 v1.0.0 §4 (setup, then class C session, in one downlink)',
    versions: [1, 2],
    direction: 'downlink',
    hex: '020004030201' + '01020304050607080102030405060708' + '00000000' + 'ffffffff' + '0400' + '00000000' + '0c' + 'd2ad84' + '00',
    commands: [
      { command: 'McGroupSetupReq', mcGroupId: 0, mcAddr: 0x01020304, mcKeyEncrypted: KEY, minMcFCount: 0, maxMcFCount: 0xffffffff },
      { command: 'McClassCSessionReq', mcGroupId: 0, sessionTime: 0, sessionTimeOut: 12, dlFrequencyHz: 869_525_000, dr: 0 },
    ],
  },
];
knownAnswerTests(TS005, vectors);

test('TS005 is registered on fPort 200 with package identifier 2', (t) => {
  t.is(packageForPort(200), TS005);
  t.is(TS005.packageIdentifier, 2);
});

// brocaar/lorawan's class B request (multicastsetup_test.go) uses SessionTime 134480385, not a
// multiple of 128: the spec (§4.6) forbids it, so decode refuses it as encode does (one rule both
// ways, issue #14).
test('brocaar class B vector: its SessionTime (not a multiple of 128) is refused on decode and on encode', (t) => {
  const expected = { command: 'McClassBSessionReq', mcGroupId: 3, sessionTime: 134_480_385, timeOut: 8, periodicity: 4, dlFrequencyHz: 868_100_000, dr: 5 } as const;
  for (const version of [1, 2] as const) {
    t.throws(() => decodeCommands(TS005, version, 'downlink', hexToBytes('0503010204084828768405')), {
      instanceOf: DecodeError,
      message: /SessionTime at offset 2: expected a multiple of 128 s \(a beacon period\), got 134480385/,
    });
    t.throws(() => encodeCommands(TS005, version, 'downlink', [expected]), { instanceOf: ValueError, message: /SessionTime: expected a multiple of 128/ });
  }
});

test('class B TimeOut is bits 3:0 and Periodicity bits 6:4, not brocaar/lorawan 0x1f / 0x17', (t) => {
  // 0x18: periodicity 1, timeOut 8. brocaar reads TimeOut = 0x18 & 0x1f = 24.
  const [a] = decodeCommands(TS005, 1, 'downlink', hexToBytes('0500000000001828768405'));
  t.like(a, { timeOut: 8, periodicity: 1 });
  // 0xff: RFU bit 7 ignored; periodicity 7, timeOut 15 (brocaar: timeOut 31).
  const [b] = decodeCommands(TS005, 2, 'downlink', hexToBytes('050000000000ff28768405'));
  t.like(b, { timeOut: 15, periodicity: 7 });
  // Encoding: a TimeOut of 16 would set Periodicity's bit 0 under a 0x1f mask; we refuse it.
  t.throws(
    () => encodeCommands(TS005, 1, 'downlink', [{ command: 'McClassBSessionReq', mcGroupId: 0, sessionTime: 0, timeOut: 16, periodicity: 0, dlFrequencyHz: 868_100_000, dr: 0 } as Ts005Command]),
    { instanceOf: ValueError, message: /TimeOut/ },
  );
  // And the byte we write for periodicity 1 / timeOut 8 is exactly 0x18.
  const bytes = encodeCommands(TS005, 1, 'downlink', [{ command: 'McClassBSessionReq', mcGroupId: 0, sessionTime: 0, timeOut: 8, periodicity: 1, dlFrequencyHz: 868_100_000, dr: 0 } as Ts005Command]);
  t.is(bytes[6], 0x18);
});

test('RFU bits of McGroupIDHeader and the other header bytes are ignored on read, written 0', (t) => {
  // McGroupDeleteReq 0xff → group 3; SessionTimeOut 0xf4 → 4; CmdMask 0xf5 → 5; SetupAns 0xf9 → id 1 no error.
  t.deepEqual(decodeCommands(TS005, 1, 'downlink', hexToBytes('03ff')), [{ command: 'McGroupDeleteReq', mcGroupId: 3 }]);
  t.deepEqual(decodeCommands(TS005, 1, 'downlink', hexToBytes('01f5')), [{ command: 'McGroupStatusReq', reqGroupMask: 5 }]);
  t.deepEqual(decodeCommands(TS005, 2, 'uplink', hexToBytes('02f9')), [{ command: 'McGroupSetupAns', mcGroupId: 1, idError: false }]);
  const [c] = decodeCommands(TS005, 1, 'downlink', hexToBytes('04fe00000000f428768405'));
  t.like(c, { mcGroupId: 2, sessionTimeOut: 4 });
  // McGroupStatusAns Status bit 7 is RFU.
  t.deepEqual(decodeCommands(TS005, 1, 'uplink', hexToBytes('01a0')), [{ command: 'McGroupStatusAns', ansGroupMask: 0, nbTotalGroups: 2, groups: [] }]);
});

test('StartMissed (bit 5) is decoded in v2 only; v1 has no such field', (t) => {
  t.deepEqual(decodeCommands(TS005, 2, 'uplink', hexToBytes('0422')), [
    { command: 'McClassCSessionAns', mcGroupId: 2, drError: false, freqError: false, mcGroupUndefined: false, startMissed: true },
  ]);
  const [v1] = decodeCommands<McClassCSessionAns>(TS005, 1, 'uplink', hexToBytes('0402000400'));
  t.false('startMissed' in v1!);
  t.throws(
    () => encodeCommands(TS005, 1, 'uplink', [sessionAns(2, 'McClassCSessionAns', { mcGroupId: 2, startMissed: true })]),
    { instanceOf: ValueError, message: /StartMissed/ },
  );
  // startMissed: false is the same byte in v1 (nothing to send).
  t.is(bytesToHex(encodeCommands(TS005, 1, 'uplink', [sessionAns(2, 'McClassCSessionAns', { mcGroupId: 2, timeToStart: 5 })])), '0402050000');
});

test('TimeToStart is read only when status bits 7:2 are all 0, in both versions', (t) => {
  // v2 §4.5: bits 7:6 are "reserved for future errors", to be treated as errors: no TimeToStart follows.
  t.deepEqual(decodeCommands(TS005, 2, 'uplink', hexToBytes('0441' + '0503000400')), [
    sessionAns(2, 'McClassCSessionAns', { mcGroupId: 1, unnamedErrorBits: 1 }),
    sessionAns(2, 'McClassBSessionAns', { mcGroupId: 3, timeToStart: 1024 }),
  ]);
  // v1 from LoRa Basics Modem sets bit 5 (RFU in v1) for a past start and sends no TimeToStart; the
  // next command must still parse.
  t.deepEqual(decodeCommands(TS005, 1, 'uplink', hexToBytes('0422' + '0307')), [
    sessionAns(1, 'McClassCSessionAns', { mcGroupId: 2, unnamedErrorBits: 1 }),
    { command: 'McGroupDeleteAns', mcGroupId: 3, mcGroupUndefined: true },
  ]);
  // chirpstack v2 tests only bits 4:2 (0x1c) for TimeToStart presence: with StartMissed alone it
  // would want three more bytes. We do not.
  t.deepEqual(decodeCommands(TS005, 2, 'uplink', hexToBytes('0520')), [sessionAns(2, 'McClassBSessionAns', { mcGroupId: 0, startMissed: true })]);
});

test('McGroupStatusAns: record count comes from AnsGroupMask; a frame cut mid-list is DECODE_TRUNCATED', (t) => {
  // Mask 0b0111 promises 3 records; only 2 and a half are there.
  const frame = hexToBytes('0137' + '0001000000' + '0102000000' + '0203');
  const error = t.throws(() => decodeCommands(TS005, 1, 'uplink', frame), { instanceOf: DecodeError });
  t.is(error?.code, 'DECODE_TRUNCATED');
  t.is(error?.offset, 2);
  t.regex(error?.message ?? '', /3 McGroupID\+McAddr records.*0b0111/);
});

test('McGroupStatusAns: extra bytes after the listed records are read as the next command', (t) => {
  // Mask 0b0001 → one record; the trailing 0x00 0x02 0x01 is a PackageVersionAns.
  t.deepEqual(decodeCommands(TS005, 1, 'uplink', hexToBytes('0111' + '0004030201' + '000201')), [
    { command: 'McGroupStatusAns', ansGroupMask: 1, nbTotalGroups: 1, groups: [{ mcGroupId: 0, mcAddr: 0x01020304 }] },
    { command: 'PackageVersionAns', packageIdentifier: 2, packageVersion: 1 },
  ]);
  // Mask 0b0001 with two records: the second record's id byte (0x01) is read as a CID (McGroupStatusAns)
  // and its status then promises records that are not there.
  t.throws(() => decodeCommands(TS005, 1, 'uplink', hexToBytes('0112' + '0004030201' + '0104030201')), { instanceOf: DecodeError });
});

const statusAnsBad: Array<[string, string, RegExp]> = [
  ['id not in the mask', '0111' + '0204030201', /McGroupID/],
  ['id listed twice', '0123' + '0004030201' + '0004030201', /McGroupID/],
  ['id above 3', '0111' + '0404030201', /McGroupID/],
];
for (const [title, hex, message] of statusAnsBad) {
  test(`McGroupStatusAns decode refuses a record whose ${title}`, (t) => {
    const error = t.throws(() => decodeCommands(TS005, 2, 'uplink', hexToBytes(hex)), { instanceOf: DecodeError, message });
    t.is(error?.code, 'DECODE_INVALID_VALUE');
  });
}

unknownCidTests(TS005, { uplink: [0x06, 0x08, 0x80, 0xff], downlink: [0x06, 0x08, 0x80, 0xff] }, [1, 2]);

test('a request CID read in the uplink direction is an answer, not a request (direction matters)', (t) => {
  // 0x02 uplink is McGroupSetupAns (1 byte), so a 29-byte McGroupSetupReq payload does not parse as one command.
  const decoded = decodeCommands(TS005, 1, 'uplink', hexToBytes('0206'));
  t.is(decoded[0]?.command, 'McGroupSetupAns');
  t.throws(() => encodeCommands(TS005, 1, 'uplink', [{ command: 'McGroupSetupReq', mcGroupId: 0, mcAddr: 0, mcKeyEncrypted: KEY, minMcFCount: 0, maxMcFCount: 1 } as Ts005Command]), { instanceOf: ValueError, message: /command/ });
});

const setup = { command: 'McGroupSetupReq', mcGroupId: 0, mcAddr: 1, mcKeyEncrypted: KEY, minMcFCount: 0, maxMcFCount: 10 } as const;
const classC = { command: 'McClassCSessionReq', mcGroupId: 0, sessionTime: 0, sessionTimeOut: 0, dlFrequencyHz: 868_100_000, dr: 0 } as const;
const classB = { command: 'McClassBSessionReq', mcGroupId: 0, sessionTime: 128, timeOut: 0, periodicity: 0, dlFrequencyHz: 868_100_000, dr: 0 } as const;
const statusAns = { command: 'McGroupStatusAns', ansGroupMask: 1, nbTotalGroups: 1, groups: [{ mcGroupId: 0, mcAddr: 1 }] } as const;
const cAns = { command: 'McClassCSessionAns', mcGroupId: 0, drError: false, freqError: false, mcGroupUndefined: false, timeToStart: 0 } as const;
const bAns = { ...cAns, command: 'McClassBSessionAns' } as const;

outOfRangeTests(TS005, [
  { version: 1, direction: 'downlink', command: { command: 'McGroupStatusReq', reqGroupMask: 16 } as never, field: /ReqGroupMask/ },
  { version: 1, direction: 'downlink', command: { ...setup, mcGroupId: 4 } as never, field: /McGroupSetupReq McGroupID/ },
  { version: 1, direction: 'downlink', command: { ...setup, mcGroupId: -1 } as never, field: /McGroupID/ },
  { version: 1, direction: 'downlink', command: { ...setup, mcAddr: 2 ** 32 } as never, field: /McAddr/ },
  { version: 2, direction: 'downlink', command: { ...setup, mcKeyEncrypted: new Uint8Array(15) } as never, field: /McKey_encrypted: expected 16 bytes/ },
  { version: 2, direction: 'downlink', command: { ...setup, mcKeyEncrypted: '0102' } as never, field: /McKey_encrypted/ },
  { version: 1, direction: 'downlink', command: { ...setup, minMcFCount: -1 } as never, field: /minMcFCnt/ },
  { version: 1, direction: 'downlink', command: { ...setup, maxMcFCount: 2 ** 32 } as never, field: /maxMcFCnt/ },
  { version: 1, direction: 'downlink', command: { ...setup, minMcFCount: 10, maxMcFCount: 10 } as never, field: /maxMcFCnt: expected greater than minMcFCnt/ },
  { version: 2, direction: 'downlink', command: { ...setup, minMcFCount: 11, maxMcFCount: 10 } as never, field: /maxMcFCnt/ },
  { version: 1, direction: 'downlink', command: { command: 'McGroupDeleteReq', mcGroupId: 4 } as never, field: /McGroupDeleteReq McGroupID/ },
  { version: 1, direction: 'downlink', command: { ...classC, sessionTime: 2 ** 32 } as never, field: /SessionTime/ },
  { version: 1, direction: 'downlink', command: { ...classC, sessionTimeOut: 16 } as never, field: /SessionTimeOut/ },
  { version: 1, direction: 'downlink', command: { ...classC, dlFrequencyHz: 868_100_050 } as never, field: /DLFrequency: expected a multiple of 100/ },
  { version: 2, direction: 'downlink', command: { ...classC, dlFrequencyHz: 0xffffff * 100 + 100 } as never, field: /DLFrequency: expected an integer in 0\.\.1677721500/ },
  { version: 2, direction: 'downlink', command: { ...classC, dlFrequencyHz: -100 } as never, field: /McClassCSessionReq DLFrequency: expected an integer/ },
  { version: 2, direction: 'downlink', command: { ...classC, dlFrequencyHz: 868.1e6 + 0.5 } as never, field: /DLFrequency: expected an integer in 0\.\.\d+, got 868100000\.5/ },
  { version: 1, direction: 'downlink', command: { ...classC, dr: 256 } as never, field: /DR/ },
  { version: 1, direction: 'downlink', command: { ...classB, sessionTime: 129 } as never, field: /McClassBSessionReq SessionTime: expected a multiple of 128/ },
  { version: 2, direction: 'downlink', command: { ...classB, sessionTime: 2 ** 32 } as never, field: /SessionTime/ },
  { version: 1, direction: 'downlink', command: { ...classB, timeOut: 16 } as never, field: /McClassBSessionReq TimeOut/ },
  { version: 1, direction: 'downlink', command: { ...classB, periodicity: 8 } as never, field: /Periodicity/ },
  { version: 2, direction: 'downlink', command: { ...classB, dlFrequencyHz: 1 } as never, field: /DLFrequency/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, ansGroupMask: 16, groups: [] } as never, field: /AnsGroupMask/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, nbTotalGroups: 8 } as never, field: /NbTotalGroups/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, groups: [] } as never, field: /McGroupStatusAns groups: expected 1 records/ },
  { version: 2, direction: 'uplink', command: { ...statusAns, groups: [{ mcGroupId: 0, mcAddr: 1 }, { mcGroupId: 1, mcAddr: 2 }] } as never, field: /groups/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, groups: [{ mcGroupId: 1, mcAddr: 1 }] } as never, field: /McGroupStatusAns McGroupID: expected a group listed once/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, ansGroupMask: 3, groups: [{ mcGroupId: 0, mcAddr: 1 }, { mcGroupId: 0, mcAddr: 1 }] } as never, field: /McGroupID/ },
  { version: 1, direction: 'uplink', command: { ...statusAns, groups: [{ mcGroupId: 0, mcAddr: -1 }] } as never, field: /McAddr/ },
  { version: 1, direction: 'uplink', command: { command: 'McGroupSetupAns', mcGroupId: 5, idError: false } as never, field: /McGroupSetupAns McGroupID/ },
  { version: 1, direction: 'uplink', command: { command: 'McGroupDeleteAns', mcGroupId: 4, mcGroupUndefined: true } as never, field: /McGroupDeleteAns McGroupID/ },
  { version: 1, direction: 'uplink', command: { ...cAns, mcGroupId: 4 } as never, field: /McClassCSessionAns McGroupID/ },
  { version: 1, direction: 'uplink', command: { ...cAns, timeToStart: 0x1000000 } as never, field: /TimeToStart/ },
  { version: 1, direction: 'uplink', command: { ...cAns, timeToStart: undefined } as never, field: /TimeToStart: expected an integer in 0\.\.16777215 when no error/ },
  { version: 2, direction: 'uplink', command: { ...cAns, startMissed: false, drError: true } as never, field: /TimeToStart: expected absent when an error bit is set/ },
  { version: 2, direction: 'uplink', command: { ...bAns, startMissed: true } as never, field: /McClassBSessionAns TimeToStart: expected absent/ },
  { version: 1, direction: 'uplink', command: { ...bAns, timeToStart: undefined, startMissed: true } as never, field: /McClassBSessionAns StartMissed/ },
  { version: 1, direction: 'uplink', command: { command: 'PackageVersionAns', packageIdentifier: 256, packageVersion: 1 } as never, field: /PackageIdentifier/ },
]);

// Round trips per version and direction.
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const groupId = fc.integer({ min: 0, max: 3 });
const frequency = fc.integer({ min: 0, max: 0xffffff }).map((steps) => steps * 100);
const bool = fc.boolean();

const statusAnsArb = fc
  .record({ ansGroupMask: fc.integer({ min: 0, max: 15 }), nbTotalGroups: fc.integer({ min: 0, max: 7 }), addrs: fc.array(u32, { minLength: 4, maxLength: 4 }), reverse: bool })
  .map(({ ansGroupMask, nbTotalGroups, addrs, reverse }) => {
    const ids = [0, 1, 2, 3].filter((id) => ansGroupMask & (1 << id));
    const groups = (reverse ? ids.reverse() : ids).map((id) => ({ mcGroupId: id, mcAddr: addrs[id]! }));
    return { command: 'McGroupStatusAns' as const, ansGroupMask, nbTotalGroups, groups };
  });

function sessionAnsArb(version: PackageVersion, command: 'McClassCSessionAns' | 'McClassBSessionAns') {
  return fc
    .record({
      mcGroupId: groupId,
      drError: bool,
      freqError: bool,
      mcGroupUndefined: bool,
      startMissed: bool,
      // The bits this version does not name: v1 bits 7:5, v2 bits 7:6.
      unnamedErrorBits: fc.integer({ min: 0, max: version === 2 ? 3 : 7 }),
      timeToStart: fc.integer({ min: 0, max: 0xffffff }),
    })
    .map((f) => {
      const error = f.drError || f.freqError || f.mcGroupUndefined || (version === 2 && f.startMissed) || f.unnamedErrorBits !== 0;
      return sessionAns(version, command, { ...f, ...(error ? { timeToStart: undefined } : {}) });
    });
}

const uplink = (version: PackageVersion) =>
  fc.oneof(
    fc.record({ command: fc.constant('PackageVersionAns' as const), packageIdentifier: fc.integer({ min: 0, max: 255 }), packageVersion: fc.integer({ min: 0, max: 255 }) }),
    statusAnsArb,
    fc.record({ command: fc.constant('McGroupSetupAns' as const), mcGroupId: groupId, idError: bool }),
    fc.record({ command: fc.constant('McGroupDeleteAns' as const), mcGroupId: groupId, mcGroupUndefined: bool }),
    sessionAnsArb(version, 'McClassCSessionAns'),
    sessionAnsArb(version, 'McClassBSessionAns'),
  );

const downlink = fc.oneof(
  fc.constant({ command: 'PackageVersionReq' as const }),
  fc.record({ command: fc.constant('McGroupStatusReq' as const), reqGroupMask: fc.integer({ min: 0, max: 15 }) }),
  fc
    .record({ mcGroupId: groupId, mcAddr: u32, mcKeyEncrypted: fc.uint8Array({ minLength: 16, maxLength: 16 }), a: u32, b: u32 })
    .filter(({ a, b }) => a !== b)
    .map(({ a, b, ...rest }) => ({ command: 'McGroupSetupReq' as const, ...rest, minMcFCount: Math.min(a, b), maxMcFCount: Math.max(a, b) })),
  fc.record({ command: fc.constant('McGroupDeleteReq' as const), mcGroupId: groupId }),
  fc.record({ command: fc.constant('McClassCSessionReq' as const), mcGroupId: groupId, sessionTime: u32, sessionTimeOut: fc.integer({ min: 0, max: 15 }), dlFrequencyHz: frequency, dr: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    command: fc.constant('McClassBSessionReq' as const),
    mcGroupId: groupId,
    sessionTime: fc.integer({ min: 0, max: Math.floor(0xffffffff / 128) }).map((n) => n * 128),
    timeOut: fc.integer({ min: 0, max: 15 }),
    periodicity: fc.integer({ min: 0, max: 7 }),
    dlFrequencyHz: frequency,
    dr: fc.integer({ min: 0, max: 255 }),
  }),
);

roundTripProperty(TS005, 1, 'uplink', uplink(1));
roundTripProperty(TS005, 2, 'uplink', uplink(2));
roundTripProperty(TS005, 1, 'downlink', downlink);
roundTripProperty(TS005, 2, 'downlink', downlink);

test('decoding never throws anything but DecodeError, and never returns partial results (property)', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(1 as const, 2 as const), fc.constantFrom('uplink' as const, 'downlink' as const), fc.uint8Array({ minLength: 0, maxLength: 40 }), (version, direction, bytes) => {
      try {
        const commands = decodeCommands(TS005, version, direction, bytes);
        // Whatever decodes re-encodes to the same length (RFU bits may differ, sizes may not),
        // except what the encoder refuses on purpose: a class B SessionTime off the 128 s grid,
        // maxMcFCnt ≤ minMcFCnt, and a session answer whose only "error" was an RFU status bit
        // (decoded without TimeToStart and without any error flag).
        try {
          return encodeCommands(TS005, version, direction, commands).length === bytes.length;
        } catch (error) {
          return error instanceof ValueError && /SessionTime|maxMcFCnt|TimeToStart/.test(error.message);
        }
      } catch (error) {
        return error instanceof DecodeError;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
