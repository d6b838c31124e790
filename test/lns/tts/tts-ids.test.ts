import test from 'ava';
import { CallerError, ValueError } from '../../../src/core/errors.js';
import { checkTtsId, defaultDeviceIdOf, isTtsId, multicastDeviceIdOf, ttsApplicationTopicId } from '../../../src/lns/tts/tts-ids.js';

// Id rule: lorawan-stack api/identifiers.proto (`^[a-z0-9](?:[-]?[a-z0-9]){2,}$`, max_len 36).

test('application topic id: app@tenant on Cloud/Enterprise, app alone on open source', (t) => {
  t.is(ttsApplicationTopicId('fuota-app', 'ttn'), 'fuota-app@ttn');
  t.is(ttsApplicationTopicId('fuota-app'), 'fuota-app');
  t.is(ttsApplicationTopicId('fuota-app', ''), 'fuota-app');
});

const badIds: Array<[string, string, RegExp]> = [
  ['Fuota-App', 'upper case', /applicationId/],
  ['ab', 'too short', /applicationId/],
  ['a--b', 'double hyphen', /applicationId/],
  ['-abc', 'leading hyphen', /applicationId/],
  ['abc-', 'trailing hyphen', /applicationId/],
  ['app_1', 'underscore', /applicationId/],
  ['a'.repeat(37), '37 characters', /applicationId/],
];
for (const [id, why, message] of badIds) {
  test(`application id refused: ${why}`, (t) => {
    const error = t.throws(() => ttsApplicationTopicId(id), { instanceOf: CallerError, message });
    t.is(error?.code, 'TTS_ID_INVALID');
  });
}

test('tenant id is checked and named', (t) => {
  t.throws(() => ttsApplicationTopicId('fuota-app', 'TTN'), { instanceOf: CallerError, message: /tenantId/ });
});

test('isTtsId / checkTtsId boundaries', (t) => {
  t.true(isTtsId('abc'));
  t.true(isTtsId('a'.repeat(36)));
  t.false(isTtsId('a'.repeat(37)));
  t.is(checkTtsId('gtw-1', 'gatewayId'), 'gtw-1');
  t.throws(() => checkTtsId('gtw 1', 'gatewayId'), { message: /^gatewayId: / });
});

test('default device id is the Console\'s eui-<lower hex>', (t) => {
  t.is(defaultDeviceIdOf('70B3D57ED0000001'), 'eui-70b3d57ed0000001');
  t.is(defaultDeviceIdOf('70-b3-d5-7e-d0-00-00-01'), 'eui-70b3d57ed0000001');
  t.throws(() => defaultDeviceIdOf('70b3'), { instanceOf: ValueError });
});

test('multicast device id: a clean group name is kept readable', (t) => {
  t.is(multicastDeviceIdOf('campaign-1-w0-f3'), 'fuota-mc-campaign-1-w0-f3');
});

test('multicast device id: lossy names get a hash, so they stay distinct', (t) => {
  const a = multicastDeviceIdOf('Camp_1-w0-f3');
  const b = multicastDeviceIdOf('camp.1-w0-f3');
  const c = multicastDeviceIdOf('camp-1-w0-f3');
  t.regex(a, /^fuota-mc-camp-1-w0-f3-[0-9a-f]{8}$/);
  t.not(a, b);
  t.is(c, 'fuota-mc-camp-1-w0-f3');
  t.not(a, c);
  for (const id of [a, b, c]) t.true(isTtsId(id), id);
});

test('multicast device id: long names stay ≤ 36, keep the wave/fragment tail, differ', (t) => {
  const long1 = 'firmware-rollout-2026-12-06-building-north-w12-f340';
  const long2 = 'firmware-rollout-2026-12-06-building-south-w12-f340';
  const [a, b] = [multicastDeviceIdOf(long1), multicastDeviceIdOf(long2)];
  t.true(a.length <= 36 && b.length <= 36);
  t.true(isTtsId(a) && isTtsId(b), `${a} ${b}`);
  t.not(a, b);
  t.regex(a, /-w12-f340-[0-9a-f]{8}$/);
  t.is(multicastDeviceIdOf(long1), a, 'deterministic');
});

test('multicast device id: names of only invalid characters, and empty names', (t) => {
  t.regex(multicastDeviceIdOf('___'), /^fuota-mc-[0-9a-f]{8}$/);
  t.throws(() => multicastDeviceIdOf(''), { instanceOf: CallerError });
});

test('multicast device id: many random names are all valid ids', (t) => {
  const alphabet = 'abcXYZ019_.-:/ ';
  for (let i = 0; i < 500; i++) {
    let name = '';
    const length = 1 + ((i * 7919) % 70);
    for (let j = 0; j < length; j++) name += alphabet[(i * 31 + j * 17 + j * j) % alphabet.length];
    const id = multicastDeviceIdOf(name);
    t.true(isTtsId(id), `${JSON.stringify(name)} → ${id}`);
  }
});
