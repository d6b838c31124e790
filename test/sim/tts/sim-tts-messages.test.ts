import test from 'ava';
import { readDownlinks } from '../../../src/sim/tts/sim-tts-downlink.js';
import { SimTtsError } from '../../../src/sim/tts/sim-tts-errors.js';
import { applicationTopic, downlinkMessage, ulid, upMessage } from '../../../src/sim/tts/sim-tts-messages.js';

// Known answers: the layouts of ../shared/reference/network-servers.md ("Uplink JSON", "Downlink
// push") and ttnpb.ApplicationUp / ApplicationDownlinkFailed / ErrorDetails (api/messages.proto,
// api/error.proto): snake_case, zero values omitted, EUIs and DevAddr upper-case hex, bytes
// base64, uint64 (frequency) as a string.

const AT = Date.UTC(2026, 11, 6, 12, 0, 0, 250);

test('up: the reference uplink layout (known answer, correlation ids aside)', (t) => {
  const message = upMessage({
    ids: { applicationId: 'app1', deviceId: 'eui-70b3d57ed0000001', devEui: '70b3d57ed0000001', devAddr: '260b0001' },
    fPort: 202, fCnt: 7, frmPayload: Uint8Array.of(1, 2, 3),
    rxMetadata: [{ gatewayId: 'gw-one', rssi: -60, snr: 9.5, gpsTimeMs: AT }, { gatewayId: 'gw-two', rssi: -65, snr: 0 }],
    spreadingFactor: 7, bandwidthHz: 125_000, frequencyHz: 868_500_000, receivedAtMs: AT, asReceivedAtMs: AT + 20, sessionKeyId: 'AQI=', consumedAirtimeMs: 46.336,
  });
  const { correlation_ids: correlationIds, ...rest } = message as { correlation_ids: string[] };
  t.deepEqual(rest, {
    end_device_ids: { device_id: 'eui-70b3d57ed0000001', application_ids: { application_id: 'app1' }, dev_eui: '70B3D57ED0000001', dev_addr: '260B0001' },
    received_at: '2026-12-06T12:00:00.270Z',
    uplink_message: {
      session_key_id: 'AQI=',
      f_port: 202,
      f_cnt: 7,
      frm_payload: 'AQID',
      rx_metadata: [
        { gateway_ids: { gateway_id: 'gw-one' }, time: '2026-12-06T12:00:00.250Z', gps_time: '2026-12-06T12:00:00.250Z', rssi: -60, channel_rssi: -60, snr: 9.5, received_at: '2026-12-06T12:00:00.250Z' },
        // snr 0 is a zero value: omitted.
        { gateway_ids: { gateway_id: 'gw-two' }, time: '2026-12-06T12:00:00.250Z', rssi: -65, channel_rssi: -65, received_at: '2026-12-06T12:00:00.250Z' },
      ],
      settings: { data_rate: { lora: { bandwidth: 125000, spreading_factor: 7, coding_rate: '4/5' } }, frequency: '868500000', time: '2026-12-06T12:00:00.250Z' },
      received_at: '2026-12-06T12:00:00.250Z',
      consumed_airtime: '0.046336s',
    },
  });
  t.true(correlationIds.some((c) => /^as:up:[0-9A-HJKMNP-TV-Z]{26}$/.test(c)));
  t.true(correlationIds.some((c) => c.startsWith('ns:uplink:')));
});

test('up: f_cnt 0, f_port 0 and an empty payload are omitted (proto3 zero values)', (t) => {
  const message = upMessage({
    ids: { applicationId: 'app1', deviceId: 'd1' }, fPort: 0, fCnt: 0, frmPayload: new Uint8Array(0), rxMetadata: [],
    spreadingFactor: 7, bandwidthHz: 125_000, frequencyHz: 868_100_000, receivedAtMs: AT, asReceivedAtMs: AT, sessionKeyId: 'AQI=', consumedAirtimeMs: 40,
  }) as { uplink_message: Record<string, unknown> };
  t.false('f_cnt' in message.uplink_message);
  t.false('f_port' in message.uplink_message);
  t.false('frm_payload' in message.uplink_message);
});

test('down/failed: downlink_failed {downlink, error ErrorDetails} with the push correlation ids (known answer)', (t) => {
  const [downlink] = readDownlinks({ downlinks: [{ f_port: 201, frm_payload: 'AAE=', priority: 'HIGHEST', confirmed: true, correlation_ids: ['fuota:c1'], class_b_c: { gateways: [{ gateway_ids: { gateway_id: 'gw-one' } }], absolute_time: '2026-12-06T12:00:10Z' } }] });
  const error = new SimTtsError('confirmedMulticast');
  const message = downlinkMessage({ applicationId: 'app1', deviceId: 'mc-1', devAddr: '01abcdef' }, 'failed', { ...downlink!, fCnt: 3 }, AT, error);
  t.deepEqual(message, {
    end_device_ids: { device_id: 'mc-1', application_ids: { application_id: 'app1' }, dev_addr: '01ABCDEF' },
    correlation_ids: ['fuota:c1'],
    received_at: '2026-12-06T12:00:00.250Z',
    downlink_failed: {
      downlink: {
        f_port: 201, f_cnt: 3, frm_payload: 'AAE=', confirmed: true, priority: 'HIGHEST', correlation_ids: ['fuota:c1'],
        class_b_c: { gateways: [{ gateway_ids: { gateway_id: 'gw-one' } }], absolute_time: '2026-12-06T12:00:10.000Z' },
      },
      // pkg/networkserver/errors.go: DefineInvalidArgument("confirmed_multicast_downlink", …).
      error: { namespace: 'pkg/networkserver', name: 'confirmed_multicast_downlink', message_format: 'confirmed downlink queued for multicast device', correlation_id: error.correlationId, code: 3 },
    },
  });
});

test('HTTP error body: code, message "error:{namespace}:{name} (…)", details[0] ErrorDetails with @type', (t) => {
  const error = new SimTtsError('noPath');
  t.is(error.httpStatus(), 404);
  t.deepEqual(error.httpBody(), {
    code: 5,
    message: 'error:pkg/networkserver:no_downlink_path (no downlink path available)',
    details: [{ '@type': 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails', namespace: 'pkg/networkserver', name: 'no_downlink_path', message_format: 'no downlink path available', correlation_id: error.correlationId, code: 5 }],
  });
  t.is(new SimTtsError('unauthenticated').httpStatus(), 401);
  t.is(new SimTtsError('queueCapacity').httpStatus(), 429);
  t.is(new SimTtsError('idTaken').httpStatus(), 409);
});

test('topics: v3/{app}@{tenant} or v3/{app} without a tenant', (t) => {
  t.is(applicationTopic('app1', 'ttn'), 'v3/app1@ttn');
  t.is(applicationTopic('app1', undefined), 'v3/app1');
});

test('ulid: 26 Crockford characters, time first (sortable)', (t) => {
  const a = ulid(1_000);
  const b = ulid(2_000);
  t.regex(a, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  t.true(a.slice(0, 10) < b.slice(0, 10));
});

const BAD_PUSHES: Array<[string, unknown, string]> = [
  ['not an object', [], 'downlinks'],
  ['downlinks not an array', { downlinks: {} }, 'downlinks'],
  ['f_port 0', { downlinks: [{ f_port: 0 }] }, 'downlinks[0].f_port'],
  ['f_port 224', { downlinks: [{ f_port: 224 }] }, 'downlinks[0].f_port'],
  ['f_port text', { downlinks: [{ f_port: 'x' }] }, 'downlinks[0].f_port'],
  ['payload not base64', { downlinks: [{ f_port: 1, frm_payload: '*&' }] }, 'downlinks[0].frm_payload'],
  ['unknown priority', { downlinks: [{ f_port: 1, priority: 'URGENT' }] }, 'downlinks[0].priority'],
  ['confirmed not boolean', { downlinks: [{ f_port: 1, confirmed: 'yes' }] }, 'downlinks[0].confirmed'],
  ['gateway id missing', { downlinks: [{ f_port: 1, class_b_c: { gateways: [{}] } }] }, 'downlinks[0].class_b_c.gateways[0].gateway_ids.gateway_id'],
  ['absolute_time not RFC 3339', { downlinks: [{ f_port: 1, class_b_c: { absolute_time: 'tomorrow' } }] }, 'downlinks[0].class_b_c.absolute_time'],
  ['correlation ids not strings', { downlinks: [{ f_port: 1, correlation_ids: [1] }] }, 'downlinks[0].correlation_ids'],
];

for (const [name, body, field] of BAD_PUSHES) {
  test(`push reader refuses: ${name}`, (t) => {
    const error = t.throws(() => readDownlinks(body), { instanceOf: SimTtsError });
    t.is(error!.definition.name, 'validation');
    t.is(error!.attributes['field'], field);
  });
}

test('push reader: priority by name or number, absent = LOWEST (the proto default)', (t) => {
  const downlinks = readDownlinks({ downlinks: [{ f_port: 1, priority: 3 }, { f_port: 2, priority: 'HIGH' }, { f_port: 3 }] });
  t.deepEqual(downlinks.map((d) => d.priority), ['NORMAL', 'HIGH', 'LOWEST']);
});
