// Where an application's own uplinks say the firmware version (spec firmware.versionUplink).

import test from 'ava';
import { readVersionUplink } from '../../src/campaign/version-uplink.js';

const bytes = Uint8Array.of(0x01, 0x00, 0x00, 0x01, 0x01);

test('bytes: little- and big-endian, 1..4 bytes at an offset, only on its fPort; too short → none', (t) => {
  t.is(readVersionUplink({ fPort: 1, offset: 1, length: 4, byteOrder: 'little' }, { fPort: 1, payload: bytes }), 0x01010000);
  t.is(readVersionUplink({ fPort: 1, offset: 1, length: 4, byteOrder: 'big' }, { fPort: 1, payload: bytes }), 0x00000101);
  t.is(readVersionUplink({ fPort: 1, offset: 4, length: 1, byteOrder: 'big' }, { fPort: 1, payload: bytes }), 1);
  t.is(readVersionUplink({ fPort: 2, offset: 1, length: 4, byteOrder: 'little' }, { fPort: 1, payload: bytes }), undefined);
  t.is(readVersionUplink({ fPort: 1, offset: 2, length: 4, byteOrder: 'little' }, { fPort: 1, payload: bytes }), undefined);
});

test('jsonPath into the decoded object: a u32, or major.minor.patch packed as the manifests pack it; anything else → none', (t) => {
  const object = { firmware: { version: '1.1.0', raw: 16842752 }, list: [{ v: 7 }], bad: -1, big: 2 ** 32, text: 'v1' };
  const read = (jsonPath: string, o: unknown = object) => readVersionUplink({ jsonPath }, { fPort: 5, payload: new Uint8Array(0), object: o });
  t.is(read('firmware.version'), 0x01010000);
  t.is(read('firmware.raw'), 0x01010000);
  t.is(read('list[0].v'), 7);
  for (const path of ['bad', 'big', 'text', 'missing.deeper', 'firmware']) t.is(read(path), undefined, path);
  t.is(read('firmware.version', null), undefined, 'no decoded object');
  t.is(read('firmware.version', 'a string'), undefined);
});
