import test from 'ava';
import { down, makeDevice, uplinks } from '../device-harness.js';

// LoRaMac-node v4.7.0 TS005 (LmhpRemoteMcastSetup.c, LoRaMac.c LoRaMacMcChannelSetupRxParams) and
// ../shared/reference/device-stacks.md.

function groupSetup(id: number, mcAddr: string): string {
  return `02${id.toString(16).padStart(2, '0')}${mcAddr}${'00'.repeat(16)}00000000ffffffff`;
}

function session(cid: '04' | '05', id: number, sessionTime: number, timeOut: number): string {
  const time = Buffer.alloc(4);
  time.writeUInt32LE(sessionTime);
  return `${cid}${id.toString(16).padStart(2, '0')}${time.toString('hex')}${timeOut.toString(16).padStart(2, '0')}d2ad8405`;
}

test('McGroupStatusReq gets no answer (LmhpRemoteMcastSetup.c ~315, left unimplemented)', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 200, groupSetup(0, '04030201'));
  uplinks(device, radio);
  down(device, 200, '010f');
  t.deepEqual(uplinks(device, radio), []);
});

test('class C session: a start not in the future answers McGroupUndefined; an undefined group 0x1C|id (RxParams setup fails)', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 200, groupSetup(0, '04030201'));
  const now = device.deviceGpsS();
  down(device, 200, session('04', 0, now - 10, 4));
  down(device, 200, session('04', 0, now, 4));
  down(device, 200, session('04', 1, now + 300, 4));
  down(device, 200, session('04', 0, now + 300, 4));
  t.deepEqual(uplinks(device, radio), ['200:0200', '200:0410', '200:0410', '200:041d', '200:04002c0100']);
});

test('McClassBSessionReq is answered like class C and the device listens in class C', (t) => {
  const { device, radio } = makeDevice('loramac-node');
  down(device, 200, groupSetup(0, '04030201'));
  const start = device.deviceGpsS() + 300;
  down(device, 200, session('05', 0, start, 3));
  t.deepEqual(uplinks(device, radio), ['200:0200', '200:05002c0100']);
  radio.nowMs += 301_000;
  t.is(device.stackModel.listeningGroup(0x01020304, radio.nowMs), 0);
  radio.nowMs += 8_000; // 2^3 s, not the 128·2^3 s of a class B session
  t.is(device.stackModel.listeningGroup(0x01020304, radio.nowMs), undefined);
});

test('one start timer, and the stop timer uses group 0\'s SessionTimeout whatever the group', (t) => {
  const loramac = makeDevice('loramac-node');
  const spec = makeDevice('spec');
  for (const { device } of [loramac, spec]) {
    down(device, 200, groupSetup(0, '04030201'));
    down(device, 200, groupSetup(1, '08070605'));
  }
  const now = loramac.device.deviceGpsS();
  for (const { device } of [loramac, spec]) {
    down(device, 200, session('04', 0, now + 100, 2)); // group 0: 4 s
    down(device, 200, session('04', 1, now + 200, 10)); // group 1: 1024 s; re-arms the one start timer
  }
  const at = (s: number) => loramac.radio.nowMs + (s - now) * 1000;
  t.is(loramac.device.stackModel.listeningGroup(0x01020304, at(now + 101)), undefined); // group 0's start was re-armed away
  t.is(loramac.device.stackModel.listeningGroup(0x05060708, at(now + 202)), 1);
  t.is(loramac.device.stackModel.listeningGroup(0x05060708, at(now + 210)), undefined); // 2^2 s of group 0
  t.is(spec.device.stackModel.listeningGroup(0x05060708, at(now + 210)), 1); // the text: the group's own 1024 s
});
