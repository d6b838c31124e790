import test from 'ava';
import fc from 'fast-check';
import { TS003, type Ts003Command } from '../../src/lorawan/ts003-clock-sync.js';
import { decodeCommands } from '../../src/lorawan/app-layer.js';
import { knownAnswerTests, outOfRangeTests, roundTripProperty, unknownCidTests, type Vector } from './codec-harness.js';

// Each vector names the test it comes from. ChirpStack's v1.rs (TS003 v1.0.0) and v2.rs (TS003
// v2.0.0) tests use the same bytes for the commands both versions share; the 0307 resync vector is
// theirs (v1.rs ForceDeviceResyncReq, v2.rs ForceDeviceResyncCmd). brocaar/lorawan implements
// v1.0.0 with its own values (0305, DeviceTime 134480385, ...).
const CS1 = 'chirpstack lrwn/src/applayer/clocksync/v1.rs tests (MIT)';
const CS2 = 'chirpstack lrwn/src/applayer/clocksync/v2.rs tests (MIT)';
const CS = `${CS1}; ${CS2}`;
const BROCAAR = 'brocaar/lorawan applayer/clocksync/clocksync_test.go (MIT)';

const vectors: Vector<Ts003Command>[] = [
  { source: CS, versions: [1, 2], direction: 'downlink', hex: '00', commands: [{ command: 'PackageVersionReq' }] },
  { source: CS, versions: [1, 2], direction: 'uplink', hex: '000101', commands: [{ command: 'PackageVersionAns', packageIdentifier: 1, packageVersion: 1 }] },
  { source: CS, versions: [1, 2], direction: 'uplink', hex: '01000400001f', commands: [{ command: 'AppTimeReq', deviceTime: 1024, tokenReq: 15, ansRequired: true }] },
  { source: CS, versions: [1, 2], direction: 'downlink', hex: '01000400000f', commands: [{ command: 'AppTimeAns', timeCorrection: 1024, tokenAns: 15 }] },
  { source: CS, versions: [1, 2], direction: 'downlink', hex: '020f', commands: [{ command: 'DeviceAppTimePeriodicityReq', period: 15 }] },
  { source: CS, versions: [1, 2], direction: 'uplink', hex: '020100040000', commands: [{ command: 'DeviceAppTimePeriodicityAns', notSupported: true, time: 1024 }] },
  { source: CS1, versions: [1], direction: 'downlink', hex: '0307', commands: [{ command: 'ForceDeviceResyncReq', nbTransmissions: 7 }] },
  { source: CS2, versions: [2], direction: 'downlink', hex: '0307', commands: [{ command: 'ForceDeviceResyncCmd', nbTransmissions: 7 }] },
  // brocaar/lorawan's own v1 values: a DeviceTime of 134480385 (0x08040201), a negative correction.
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '010102040815', commands: [{ command: 'AppTimeReq', deviceTime: 134_480_385, tokenReq: 5, ansRequired: true }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '01fffdfbf705', commands: [{ command: 'AppTimeAns', timeCorrection: -134_480_385, tokenAns: 5 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '0205', commands: [{ command: 'DeviceAppTimePeriodicityReq', period: 5 }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '020101020408', commands: [{ command: 'DeviceAppTimePeriodicityAns', notSupported: true, time: 134_480_385 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '0305', commands: [{ command: 'ForceDeviceResyncReq', nbTransmissions: 5 }] },
  // Negative correction, two's complement (spec: TimeCorrection is a signed 32-bit integer).
  { source: 'TS003 v1.0.0 §4.2 (signed TimeCorrection)', versions: [1, 2], direction: 'downlink', hex: '01feffffff03', commands: [{ command: 'AppTimeAns', timeCorrection: -2, tokenAns: 3 }] },
  // Two commands in one frame.
  { source: 'TS003 v1.0.0 §4 (several commands per frame)', versions: [1], direction: 'downlink', hex: '00010000000000', commands: [{ command: 'PackageVersionReq' }, { command: 'AppTimeAns', timeCorrection: 0, tokenAns: 0 }] },
];
knownAnswerTests(TS003, vectors);

test('ForceDeviceResync reads 3 bits, not 0x17 (brocaar/lorawan mask bug)', (t) => {
  // 0x17 masks would keep bit 4 and report 23; the spec field is bits 2:0 and bit 4 is RFU.
  t.deepEqual(decodeCommands(TS003, 1, 'downlink', Uint8Array.of(0x03, 0x17)), [{ command: 'ForceDeviceResyncReq', nbTransmissions: 7 }]);
});

test('RFU bits of Param are ignored on decode (AppTimeAns Param 0xF3 → TokenAns 3)', (t) => {
  t.deepEqual(decodeCommands(TS003, 1, 'downlink', Uint8Array.of(0x01, 0, 0, 0, 0, 0xf3)), [{ command: 'AppTimeAns', timeCorrection: 0, tokenAns: 3 }]);
});

unknownCidTests(TS003, { uplink: [0x03, 0x04, 0x08, 0xff], downlink: [0x04, 0x08, 0xff] }, [1, 2]);

outOfRangeTests(TS003, [
  { version: 1, direction: 'uplink', command: { command: 'AppTimeReq', deviceTime: 0, tokenReq: 16, ansRequired: false } as never, field: /TokenReq/ },
  { version: 1, direction: 'uplink', command: { command: 'AppTimeReq', deviceTime: 2 ** 32, tokenReq: 0, ansRequired: false } as never, field: /DeviceTime/ },
  { version: 1, direction: 'downlink', command: { command: 'AppTimeAns', timeCorrection: 2 ** 31, tokenAns: 0 } as never, field: /TimeCorrection/ },
  { version: 1, direction: 'downlink', command: { command: 'DeviceAppTimePeriodicityReq', period: 16 } as never, field: /Period/ },
  { version: 2, direction: 'downlink', command: { command: 'ForceDeviceResyncCmd', nbTransmissions: 8 } as never, field: /NbTransmissions/ },
  { version: 2, direction: 'downlink', command: { command: 'ForceDeviceResyncReq', nbTransmissions: 1 } as never, field: /command/ },
]);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const uplink = fc.oneof(
  fc.record({ command: fc.constant('PackageVersionAns' as const), packageIdentifier: fc.integer({ min: 0, max: 255 }), packageVersion: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ command: fc.constant('AppTimeReq' as const), deviceTime: u32, tokenReq: fc.integer({ min: 0, max: 15 }), ansRequired: fc.boolean() }),
  fc.record({ command: fc.constant('DeviceAppTimePeriodicityAns' as const), notSupported: fc.boolean(), time: u32 }),
);
const downlink = (resync: 'ForceDeviceResyncReq' | 'ForceDeviceResyncCmd') => fc.oneof(
  fc.constant({ command: 'PackageVersionReq' as const }),
  fc.record({ command: fc.constant('AppTimeAns' as const), timeCorrection: fc.integer({ min: -0x80000000, max: 0x7fffffff }), tokenAns: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ command: fc.constant('DeviceAppTimePeriodicityReq' as const), period: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ command: fc.constant(resync), nbTransmissions: fc.integer({ min: 0, max: 7 }) }),
);
roundTripProperty(TS003, 1, 'uplink', uplink);
roundTripProperty(TS003, 2, 'uplink', uplink);
roundTripProperty(TS003, 1, 'downlink', downlink('ForceDeviceResyncReq'));
roundTripProperty(TS003, 2, 'downlink', downlink('ForceDeviceResyncCmd'));
