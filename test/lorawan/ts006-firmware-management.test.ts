import test from 'ava';
import fc from 'fast-check';
import { TS006, type Ts006Command } from '../../src/lorawan/ts006-firmware-management.js';
import { decodeCommands } from '../../src/lorawan/app-layer.js';
import { DecodeError } from '../../src/core/errors.js';
import { knownAnswerTests, outOfRangeTests, roundTripProperty, unknownCidTests, type Vector } from './codec-harness.js';

const BROCAAR = 'brocaar/lorawan applayer/firmwaremanagement/firmwaremangement_test.go (MIT)';

const vectors: Vector<Ts006Command>[] = [
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '00', commands: [{ command: 'PackageVersionReq' }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '000101', commands: [{ command: 'PackageVersionAns', packageIdentifier: 1, packageVersion: 1 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '01', commands: [{ command: 'DevVersionReq' }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '0101020000f0040000', commands: [{ command: 'DevVersionAns', fwVersion: 513, hwVersion: 1264 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '0201020408', commands: [{ command: 'DevRebootTimeReq', rebootTime: 134480385 }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '0201020408', commands: [{ command: 'DevRebootTimeAns', rebootTime: 134480385 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '03010204', commands: [{ command: 'DevRebootCountdownReq', countdown: 262657 }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '03010204', commands: [{ command: 'DevRebootCountdownAns', countdown: 262657 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '04', commands: [{ command: 'DevUpgradeImageReq' }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '040301020400', commands: [{ command: 'DevUpgradeImageAns', upImageStatus: 3, nextFirmwareVersion: 262657 }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '0401', commands: [{ command: 'DevUpgradeImageAns', upImageStatus: 1 }] },
  { source: BROCAAR, versions: [1], direction: 'downlink', hex: '0501020300', commands: [{ command: 'DevDeleteImageReq', firmwareToDeleteVersion: 197121 }] },
  { source: BROCAAR, versions: [1], direction: 'uplink', hex: '0503', commands: [{ command: 'DevDeleteImageAns', errorNoValidImage: true, errorInvalidVersion: true }] },
  // TS006 v1.0.0 §3.6: bit 0 ErrorNoValidImage, bit 1 ErrorInvalidVersion. brocaar/lorawan's
  // marshaller writes ErrorNoValidImage into both bits; its test sets both flags and cannot see it.
  { source: 'TS006 v1.0.0 §3.6 (DevDeleteImageAns Status bits)', versions: [1], direction: 'uplink', hex: '0502', commands: [{ command: 'DevDeleteImageAns', errorNoValidImage: false, errorInvalidVersion: true }] },
  { source: 'TS006 v1.0.0 §3.6 (DevDeleteImageAns Status bits)', versions: [1], direction: 'uplink', hex: '0501', commands: [{ command: 'DevDeleteImageAns', errorNoValidImage: true, errorInvalidVersion: false }] },
  // Cancel values (§3.3, §3.4) and a frame with several answers, as a device sends after a reboot.
  { source: 'TS006 v1.0.0 §3.3/§3.4 (cancel values)', versions: [1], direction: 'downlink', hex: '02ffffffff03ffffff', commands: [{ command: 'DevRebootTimeReq', rebootTime: 0xffffffff }, { command: 'DevRebootCountdownReq', countdown: 0xffffff }] },
  { source: 'TS006 v1.0.0 §3 (several commands per frame)', versions: [1], direction: 'uplink', hex: '010300000001000000040304000000', commands: [{ command: 'DevVersionAns', fwVersion: 3, hwVersion: 1 }, { command: 'DevUpgradeImageAns', upImageStatus: 3, nextFirmwareVersion: 4 }] },
];
knownAnswerTests(TS006, vectors);

test('DevUpgradeImageAns with status 3 but no version is truncated, with the reason', (t) => {
  const error = t.throws(() => decodeCommands(TS006, 1, 'uplink', Uint8Array.of(0x04, 0x03, 0x01)), { instanceOf: DecodeError });
  t.is(error?.code, 'DECODE_TRUNCATED');
  t.regex(error?.message ?? '', /TS006 DevUpgradeImageAns at offset 2: expected 4 more bytes \(nextFirmwareVersion/);
});

unknownCidTests(TS006, { uplink: [0x06, 0x08, 0xff], downlink: [0x06, 0x80] }, [1]);

test('TS006 has no version 2', (t) => {
  t.throws(() => decodeCommands(TS006, 2, 'uplink', Uint8Array.of(0)), { code: 'UNKNOWN_PACKAGE_VERSION' });
});

outOfRangeTests(TS006, [
  { version: 1, direction: 'downlink', command: { command: 'DevRebootCountdownReq', countdown: 0x1000000 } as never, field: /Countdown/ },
  { version: 1, direction: 'uplink', command: { command: 'DevUpgradeImageAns', upImageStatus: 4 } as never, field: /UpImageStatus/ },
  { version: 1, direction: 'uplink', command: { command: 'DevUpgradeImageAns', upImageStatus: 3 } as never, field: /nextFirmwareVersion \(required/ },
  { version: 1, direction: 'uplink', command: { command: 'DevUpgradeImageAns', upImageStatus: 1, nextFirmwareVersion: 2 } as never, field: /nextFirmwareVersion \(only sent/ },
  { version: 1, direction: 'uplink', command: { command: 'DevVersionAns', fwVersion: -1, hwVersion: 0 } as never, field: /FWversion/ },
  { version: 1, direction: 'downlink', command: { command: 'DevDeleteImageReq', firmwareToDeleteVersion: 2 ** 32 } as never, field: /FirmwareToDeleteVersion/ },
]);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
roundTripProperty(TS006, 1, 'uplink', fc.oneof(
  fc.record({ command: fc.constant('PackageVersionAns' as const), packageIdentifier: fc.integer({ min: 0, max: 255 }), packageVersion: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ command: fc.constant('DevVersionAns' as const), fwVersion: u32, hwVersion: u32 }),
  fc.record({ command: fc.constant('DevRebootTimeAns' as const), rebootTime: u32 }),
  fc.record({ command: fc.constant('DevRebootCountdownAns' as const), countdown: u24 }),
  fc.record({ command: fc.constant('DevUpgradeImageAns' as const), upImageStatus: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  fc.record({ command: fc.constant('DevUpgradeImageAns' as const), upImageStatus: fc.constant(3 as const), nextFirmwareVersion: u32 }),
  fc.record({ command: fc.constant('DevDeleteImageAns' as const), errorNoValidImage: fc.boolean(), errorInvalidVersion: fc.boolean() }),
));
roundTripProperty(TS006, 1, 'downlink', fc.oneof(
  fc.constant({ command: 'PackageVersionReq' as const }),
  fc.constant({ command: 'DevVersionReq' as const }),
  fc.record({ command: fc.constant('DevRebootTimeReq' as const), rebootTime: u32 }),
  fc.record({ command: fc.constant('DevRebootCountdownReq' as const), countdown: u24 }),
  fc.constant({ command: 'DevUpgradeImageReq' as const }),
  fc.record({ command: fc.constant('DevDeleteImageReq' as const), firmwareToDeleteVersion: u32 }),
));
