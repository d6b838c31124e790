import test from 'ava';
import { bytesToHex } from '../../src/core/hex.js';
import { ValueError } from '../../src/core/errors.js';
import { Random } from '../../src/sim/random.js';
import { SimDevice } from '../../src/sim/sim-device.js';
import { ManualRadio, makeDevice, testConfig } from './stacks/device-harness.js';

for (const stack of ['loramac-node', 'lbm', 'spec'] as const) {
  test(`${stack}: the application's uplink is fPort 1, 01 then the firmware version u32 little-endian`, (t) => {
    const { device, radio } = makeDevice(stack, { firmwareVersion: 0x01020304 });
    const frame = device.takeUplink(radio.nowMs)!;
    t.is(frame.fPort, 1);
    t.is(bytesToHex(frame.payload), '0104030201');
  });
}

test('an unknown stack is refused when the device is made', (t) => {
  const config = testConfig('spec', { stack: 'zephyr' as never });
  const error = t.throws(() => new SimDevice(config, new ManualRadio(), new Random(1)), { instanceOf: ValueError });
  t.is(error?.code, 'UNKNOWN_DEVICE_STACK');
});

test('requestNetworkTime: the next uplink carries DeviceTimeReq and its answer sets the clock to the network time', (t) => {
  const { device, radio } = makeDevice('lbm', { clockOffsetMs: 42_500 });
  const truth = device.deviceGpsMs(radio.nowMs) - 42_500;
  device.requestNetworkTime();
  t.false(device.networkTimeValid);
  device.takeUplink(radio.nowMs);
  t.true(device.networkTimeValid);
  t.is(device.deviceGpsMs(radio.nowMs), truth);
});
