import test from 'ava';
import { down, makeDevice, uplinks } from '../device-harness.js';

// LoRa Basics Modem v4.8.0 TS003 (application_layer_clock_synchronization/v1.0.0/lorawan_alcsync_v1.0.0.c).

test('ForceDeviceResyncReq: NbTransmissions AppTimeReq with AnsRequired 0, until a valid AppTimeAns', (t) => {
  const { device, radio } = makeDevice('lbm');
  down(device, 202, '0303');
  const sent = uplinks(device, radio);
  t.is(sent.length, 3);
  for (const frame of sent) t.regex(frame, /^202:01[0-9a-f]{8}00$/); // TokenReq 0, AnsRequired 0
  down(device, 202, '0302');
  t.is(uplinks(device, radio).length, 2);
  down(device, 202, '0302');
  t.is(device.takeUplink(radio.nowMs)?.fPort, 202);
  down(device, 202, '010000000000'); // AppTimeAns token 0: no more AppTimeReq, the token advances
  t.deepEqual(uplinks(device, radio), []);
  down(device, 202, '0301');
  t.regex(uplinks(device, radio)[0]!, /^202:01[0-9a-f]{8}01$/); // TokenReq 1
});

test('DeviceAppTimePeriodicityReq is supported: Status 0 and the device time; answers share one uplink', (t) => {
  const { device, radio } = makeDevice('lbm');
  const time = Buffer.alloc(4);
  down(device, 202, '000204');
  time.writeUInt32LE(device.deviceGpsS());
  t.deepEqual(uplinks(device, radio), [`202:000101${'0200'}${time.toString('hex')}`]);
});
