import test from 'ava';
import { down, makeDevice, nextUplink, uplinks } from '../device-harness.js';

// LoRa Basics Modem v4.8.0 TS006 (firmware_management_protocol/lorawan_fmp_package.c 580-660)
// and ../shared/reference/device-stacks.md.

function rebootTime(gpsS: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(gpsS >>> 0);
  return `02${bytes.toString('hex')}`;
}

function syncedDevice() {
  const made = makeDevice('lbm');
  down(made.device, 202, '010700000000'); // AppTimeAns +7 s, token 0: ALC sync gives GPS time
  return made;
}

test('DevRebootTimeAns carries the seconds to go; 0 for a time not ahead; FFFFFFFF for a cancel', (t) => {
  const { device, radio } = syncedDevice();
  const now = device.deviceGpsS();
  down(device, 203, rebootTime(now + 100));
  t.true(device.rebootScheduled);
  down(device, 203, rebootTime(now - 5));
  down(device, 203, rebootTime(now));
  down(device, 203, '02ffffffff');
  t.false(device.rebootScheduled);
  t.deepEqual(uplinks(device, radio), ['203:0264000000', '203:0200000000', '203:0200000000', '203:02ffffffff']);
});

test('DevRebootTimeAns is 0 without GPS time; the device then asks the network for the time', (t) => {
  const { device, radio } = makeDevice('lbm');
  const now = device.deviceGpsS();
  down(device, 203, rebootTime(now + 100));
  t.false(device.rebootScheduled);
  t.is(nextUplink(device, radio), '203:0200000000');
  t.true(device.networkTimeValid); // DeviceTimeAns arrived with that uplink
  down(device, 203, rebootTime(now + 100));
  t.deepEqual(uplinks(device, radio), ['203:0264000000']);
});

test('RebootTime 0: reboots at once, no answer; the reboot goes ahead with no valid image', (t) => {
  const { device, radio } = syncedDevice();
  down(device, 203, '0200000000');
  t.deepEqual(uplinks(device, radio), []);
  t.is(device.reboots, 1);
  t.is(device.firmwareVersion, device.config.firmwareVersion);
});

test('DevVersion, DevUpgradeImage (no image) and DevDeleteImage in one frame get one answer frame', (t) => {
  const { device, radio } = makeDevice('lbm', { firmwareVersion: 0x01020304, hwVersion: 7 });
  down(device, 203, '01' + '04' + '0504030201');
  t.deepEqual(uplinks(device, radio), ['203:01040302010700000004000501']);
});

test('over multicast nothing is answered', (t) => {
  const { device, radio } = makeDevice('lbm');
  device.stackModel.receive(203, Uint8Array.of(0x01), 0);
  t.deepEqual(uplinks(device, radio), []);
});
