import test from 'ava';
import { bytesToHex, hexToBytes } from '../../../../src/core/hex.js';
import { deriveMcKEKey, deriveMcRootKey, encryptMcKey } from '../../../../src/lorawan/keys.js';
import { down, makeDevice, uplinks } from '../device-harness.js';

// LoRa Basics Modem v4.8.0 TS005 (remote_multicast_setup/v{1,2}.0.0/
// lorawan_remote_multicast_setup_package_v*.c) and ../shared/reference/device-stacks.md.

const MC_KEY = hexToBytes('f0e1d2c3b4a5968778695a4b3c2d1e0f');

function groupSetup(mcKeyEncrypted: Uint8Array, id = 0): string {
  return `02${id.toString(16).padStart(2, '0')}04030201${bytesToHex(mcKeyEncrypted)}00000000ffffffff`;
}

test('McRootKey is derived the LoRaWAN 1.0.x way (label 0x00) also on a LoRaWAN 1.1 device', (t) => {
  const lbm = makeDevice('lbm', { lorawanVersion: '1.1' });
  const spec = makeDevice('spec', { lorawanVersion: '1.1' });
  const rootKey = lbm.device.config.rootKey;
  const asFor10 = encryptMcKey(deriveMcKEKey(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: rootKey })), MC_KEY);
  down(lbm.device, 200, groupSetup(asFor10));
  down(spec.device, 200, groupSetup(asFor10));
  t.is(bytesToHex(lbm.device.groups[0]!.mcKey), bytesToHex(MC_KEY));
  t.not(bytesToHex(spec.device.groups[0]!.mcKey), bytesToHex(MC_KEY)); // the text's 1.1 label 0x20
  t.is(lbm.device.groups[0]!.mcAddr, 0x01020304);
  t.deepEqual(uplinks(lbm.device, lbm.radio), ['200:0200']);
});

/** The device gets GPS time from an AppTimeAns (ALC sync, token 0, +7 s). */
function synced(version: 1 | 2) {
  const made = makeDevice('lbm', { packageVersions: { ts003: version, ts004: version, ts005: version } });
  down(made.device, 202, '010700000000');
  down(made.device, 200, groupSetup(new Uint8Array(16)));
  uplinks(made.device, made.radio);
  return made;
}

function classC(id: number, sessionTime: number, timeOut = 4): string {
  const time = new Uint8Array(4);
  new DataView(time.buffer).setUint32(0, sessionTime, true);
  return `04${id.toString(16).padStart(2, '0')}${bytesToHex(time)}${timeOut.toString(16).padStart(2, '0')}d2ad8405`; // 869.525 MHz, DR5
}

for (const version of [1, 2] as const) {
  test(`v${version}: a start in the past sets StartMissed (bit 5, also in v1); with an undefined group McGroupUndefined too`, (t) => {
    const { device, radio } = synced(version);
    const now = device.deviceGpsS();
    down(device, 200, classC(0, now - 10));
    down(device, 200, classC(1, now - 10));
    down(device, 200, classC(0, now + 300));
    t.deepEqual(uplinks(device, radio), ['200:0420', '200:0431', '200:04002c0100']);
    t.deepEqual(device.groups[0]!.session, { startGpsS: now + 300, durationS: 16, frequencyHz: 869_525_000, dr: 5, deviceClass: 'C' });
  });
}

test('without GPS time the session time reads as far ahead (TimeToStart 0xFFFFFF) and the device asks the network for the time', (t) => {
  const { device, radio } = makeDevice('lbm');
  down(device, 200, groupSetup(new Uint8Array(16)));
  down(device, 200, classC(0, device.deviceGpsS() + 300));
  t.deepEqual(uplinks(device, radio), ['200:0200', '200:0400ffffff']);
  t.true(device.networkTimeValid); // DeviceTimeReq rode on an uplink, DeviceTimeAns set the clock
});

test('McGroupStatusReq: the active groups asked for, and how many are active', (t) => {
  const { device, radio } = makeDevice('lbm');
  down(device, 200, groupSetup(new Uint8Array(16), 0));
  down(device, 200, groupSetup(new Uint8Array(16), 2));
  uplinks(device, radio);
  down(device, 200, '0105'); // groups 0 and 2 asked: mask 0b0101, 2 active
  t.deepEqual(uplinks(device, radio), ['200:012500040302010204030201']);
});

test('frames over multicast are dropped whole; an unknown CID drops the frame', (t) => {
  const { device, radio } = makeDevice('lbm');
  device.stackModel.receive(200, hexToBytes('00'), 0);
  down(device, 200, '0009');
  t.deepEqual(uplinks(device, radio), []);
  down(device, 200, '00');
  t.deepEqual(uplinks(device, radio), ['200:000201']);
});
