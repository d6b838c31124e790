import test from 'ava';
import { down, makeDevice, uplinks } from '../device-harness.js';

// LoRaMac-node v4.7.0 TS003 (LmhpClockSync.c, LmhpClockSyncOnMcpsIndication).

test('DeviceAppTimePeriodicityReq → NotSupported with the device time', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  const time = Buffer.alloc(4);
  time.writeUInt32LE(device.deviceGpsS());
  down(device, 202, '0203');
  t.deepEqual(uplinks(device, radio), [`202:0201${time.toString('hex')}`]);
});

test('ForceDeviceResyncReq: NbTransmissions AppTimeReq with AnsRequired 0, until an AppTimeAns', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 202, '0303');
  const sent = uplinks(device, radio);
  t.is(sent.length, 3);
  for (const frame of sent) t.regex(frame, /^202:01[0-9a-f]{8}00$/); // TokenReq 0, AnsRequired 0
  down(device, 202, '0305');
  t.is(device.takeUplink(radio.nowMs)?.fPort, 202); // one of five sent
  down(device, 202, '010000000000'); // AppTimeAns: NbTransmissions = 0, TokenReq advances
  t.deepEqual(uplinks(device, radio), []);
  down(device, 202, '0301');
  t.regex(uplinks(device, radio)[0]!, /^202:01[0-9a-f]{8}01$/);
});

test('AppTimeAns applies when TokenAns matches TokenReq, which then advances', (t) => {
  const { device } = makeDevice('loramac-node');
  const before = device.deviceGpsS();
  down(device, 202, '010700000000'); // +7 s, token 0
  t.is(device.deviceGpsS(), before + 7);
  down(device, 202, '010700000000'); // token 0 again: TokenReq is 1 now
  t.is(device.deviceGpsS(), before + 7);
  down(device, 202, '01f9ffffff01'); // −7 s, token 1
  t.is(device.deviceGpsS(), before);
});
