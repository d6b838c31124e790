import test from 'ava';
import { CallerError } from '../../../src/core/errors.js';
import { encodeDownlinkPush, TTS_PRIORITIES, TTS_PRIORITY_DUTY_CYCLE_SHARE, type TtsDownlink } from '../../../src/lns/tts/tts-downlink-push.js';

// Layout: ../shared/reference/network-servers.md (TTS "Downlink push"), lorawan-stack
// api/messages.proto ApplicationDownlink and ClassBCGatewayIdentifiers (api/lorawan.proto).

const base: TtsDownlink = { fPort: 201, payload: Uint8Array.from([1, 2, 3]), priority: 'NORMAL', correlationIds: ['fuota:c1:frag-0'] };

test('known answer: multicast downlink with gateways, group index and absolute time', (t) => {
  const body = encodeDownlinkPush([
    { ...base, classBC: { gateways: [{ gatewayId: 'gtw-north' }, { gatewayId: 'gtw-south', groupIndex: 1 }, { gatewayId: 'gtw-east', groupIndex: 0 }], absoluteTimeMs: Date.UTC(2026, 11, 6, 17, 4, 5, 250) } },
  ]);
  t.is(
    body,
    '{"downlinks":[{"f_port":201,"frm_payload":"AQID","priority":"NORMAL","correlation_ids":["fuota:c1:frag-0"],' +
      '"class_b_c":{"gateways":[{"gateway_ids":{"gateway_id":"gtw-north"}},{"gateway_ids":{"gateway_id":"gtw-south"},"group_index":1},{"gateway_ids":{"gateway_id":"gtw-east"}}],' +
      '"absolute_time":"2026-12-06T17:04:05.250Z"}}]}',
  );
});

test('unicast downlink: no class_b_c, confirmed false left out, several downlinks in order', (t) => {
  const parsed = JSON.parse(encodeDownlinkPush([{ ...base, confirmed: false }, { ...base, fPort: 200, priority: 'HIGHEST', correlationIds: [] }]));
  t.deepEqual(parsed, {
    downlinks: [
      { f_port: 201, frm_payload: 'AQID', priority: 'NORMAL', correlation_ids: ['fuota:c1:frag-0'] },
      { f_port: 200, frm_payload: 'AQID', priority: 'HIGHEST' },
    ],
  });
});

test('empty list (replace clears the queue) and empty payload', (t) => {
  t.is(encodeDownlinkPush([]), '{"downlinks":[]}');
  t.deepEqual(JSON.parse(encodeDownlinkPush([{ ...base, payload: new Uint8Array(0) }])).downlinks[0], { f_port: 201, priority: 'NORMAL', correlation_ids: ['fuota:c1:frag-0'] });
});

test('round trip of payload bytes through base64', (t) => {
  const payload = Uint8Array.from({ length: 242 }, (_, i) => (i * 37) & 0xff);
  const parsed = JSON.parse(encodeDownlinkPush([{ ...base, payload }]));
  t.deepEqual(Uint8Array.from(Buffer.from(parsed.downlinks[0].frm_payload, 'base64')), payload);
});

test('duty-cycle share per priority (sub_band.go defaults), rising with priority', (t) => {
  t.deepEqual(TTS_PRIORITY_DUTY_CYCLE_SHARE, { LOWEST: 0.4, LOW: 0.5, BELOW_NORMAL: 0.6, NORMAL: 0.7, ABOVE_NORMAL: 0.8, HIGH: 0.9, HIGHEST: 1 });
  const shares = TTS_PRIORITIES.map((p) => TTS_PRIORITY_DUTY_CYCLE_SHARE[p]);
  t.deepEqual([...shares].sort((a, b) => a - b), shares);
});

const bad: Array<[string, Partial<TtsDownlink> & Record<string, unknown>, RegExp]> = [
  ['fPort 0', { fPort: 0 }, /downlinks\[0\].fPort: expected an integer 1..223, got 0/],
  ['fPort 224', { fPort: 224 }, /fPort: expected an integer 1..223, got 224/],
  ['fPort fraction', { fPort: 1.5 }, /fPort/],
  ['payload 243 bytes', { payload: new Uint8Array(243) }, /payload: expected at most 242 bytes, got "243 bytes"/],
  ['payload not bytes', { payload: [1, 2] as unknown as Uint8Array }, /payload: expected bytes/],
  ['unknown priority', { priority: 'URGENT' as TtsDownlink['priority'] }, /priority: expected one of LOWEST/],
  ['confirmed true', { confirmed: true as unknown as false }, /confirmed: expected false or absent/],
  ['correlation id too long', { correlationIds: ['x'.repeat(101)] }, /correlationIds\[0\]: expected a string of 1..100 characters/],
  ['correlation id empty', { correlationIds: [''] }, /correlationIds\[0\]/],
  ['gateway id invalid', { classBC: { gateways: [{ gatewayId: 'GTW_1' }] } }, /classBC.gateways\[0\].gatewayId: expected a TTS gateway id/],
  ['group index negative', { classBC: { gateways: [{ gatewayId: 'gtw-1', groupIndex: -1 }] } }, /gateways\[0\].groupIndex: expected an integer ≥ 0/],
  ['absolute time fraction', { classBC: { gateways: [{ gatewayId: 'gtw-1' }], absoluteTimeMs: 1.5 } }, /classBC.absoluteTimeMs: expected whole milliseconds/],
  ['absolute time NaN', { classBC: { gateways: [{ gatewayId: 'gtw-1' }], absoluteTimeMs: Number.NaN } }, /absoluteTimeMs/],
];
for (const [why, change, message] of bad) {
  test(`refused: ${why}`, (t) => {
    const error = t.throws(() => encodeDownlinkPush([{ ...base, ...change } as TtsDownlink]), { instanceOf: CallerError, message });
    t.is(error?.code, 'TTS_DOWNLINK_INVALID');
  });
}

test('refused: the second downlink is named by index', (t) => {
  t.throws(() => encodeDownlinkPush([base, { ...base, fPort: 0 }]), { message: /^downlinks\[1\]\.fPort/ });
});
