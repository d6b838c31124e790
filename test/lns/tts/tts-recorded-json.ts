// The Things Stack JSON as it comes over MQTT and HTTP, for known-answer tests. Layouts follow
// lorawan-stack's api/messages.proto (ApplicationUp, ApplicationDownlink,
// ApplicationDownlinkFailed {downlink, error}), api/error.proto (ErrorDetails), the TTS docs page
// "Data Formats" (integrations/data-formats: field order, zero values left out, EUIs in upper-case
// hex) and ../shared/reference/network-servers.md (TTS section). Ids and times are ours.

export const APP = 'fuota-app';
export const TENANT = 'ttn';
export const APP_TOPIC = `${APP}@${TENANT}`;
export const DEVICE = 'eui-70b3d57ed0000001';
export const DEV_EUI = '70b3d57ed0000001';

const ids = { device_id: DEVICE, application_ids: { application_id: APP }, dev_eui: '70B3D57ED0000001', join_eui: '0000000000000000', dev_addr: '260B1234' };

/** `v3/{app}@{tenant}/devices/{dev}/up` (Data Formats "Uplink Messages"), with a GPS gateway and one without. */
export const UPLINK = {
  end_device_ids: ids,
  correlation_ids: ['gs:uplink:01JEXAMPLE0000000000000000', 'as:up:01JEXAMPLE0000000000000001'],
  received_at: '2026-12-06T17:00:00.123456789Z',
  uplink_message: {
    session_key_id: 'AXBSH1Pk6Z0G166wYtlWXA==',
    f_port: 201,
    f_cnt: 42,
    frm_payload: 'AQL/',
    rx_metadata: [
      { gateway_ids: { gateway_id: 'gtw-north', eui: 'B827EBFFFE000001' }, time: '2026-12-06T17:00:00.050Z', timestamp: 2_463_457_000, gps_time: '2026-12-06T17:00:00.050Z', rssi: -91, channel_rssi: -91, snr: 7.25, uplink_token: 'ChIKEAoIZ3R3LW5vcnRo', received_at: '2026-12-06T17:00:00.080Z' },
      { gateway_ids: { gateway_id: 'gtw-south' }, rssi: -112, snr: -3.5, received_at: '2026-12-06T17:00:00.090Z' },
    ],
    settings: { data_rate: { lora: { bandwidth: 125000, spreading_factor: 9, coding_rate: '4/5' } }, frequency: '868500000', timestamp: 2_463_457_000 },
    received_at: '2026-12-06T17:00:00.100Z',
    consumed_airtime: '0.185344s',
    network_ids: { net_id: '000013', tenant_id: TENANT, cluster_id: 'eu1', cluster_address: 'eu1.cloud.thethings.network' },
  },
};

/** An uplink without FRMPayload (a MAC-only frame: f_port 0 and frm_payload left out). */
export const UPLINK_NO_PAYLOAD = {
  end_device_ids: ids,
  correlation_ids: ['as:up:01JEXAMPLE0000000000000002'],
  received_at: '2026-12-06T17:01:00Z',
  uplink_message: { f_cnt: 43, rx_metadata: [{ gateway_ids: { gateway_id: 'gtw-north' }, rssi: -90, snr: 8 }], received_at: '2026-12-06T17:01:00Z' },
};

const pushed = {
  f_port: 201,
  frm_payload: 'AQID',
  priority: 'NORMAL',
  correlation_ids: ['fuota:campaign-1:frag-7', 'as:downlink:01JEXAMPLE0000000000000003'],
  class_b_c: { gateways: [{ gateway_ids: { gateway_id: 'gtw-north' } }, { gateway_ids: { gateway_id: 'gtw-south' }, group_index: 1 }] },
};

const downlinkIds = ['as:downlink:01JEXAMPLE0000000000000003', 'ns:downlink:01JEXAMPLE0000000000000004'];

/** `…/down/queued`: the pushed downlink as the Application Server queued it (session key, FCnt set). */
export const DOWN_QUEUED = { end_device_ids: { device_id: 'fuota-mc-campaign-1-w0-f0', application_ids: { application_id: APP }, dev_addr: '01FF0001' }, correlation_ids: downlinkIds, received_at: '2026-12-06T17:02:00Z', downlink_queued: { ...pushed, session_key_id: 'AXBSH1Pk6Z0G166wYtlWXB==', f_cnt: 7 } };

/** `…/down/sent`: the Gateway Server transmitted it. */
export const DOWN_SENT = { end_device_ids: DOWN_QUEUED.end_device_ids, correlation_ids: [...downlinkIds, 'gs:tx:01JEXAMPLE0000000000000005'], received_at: '2026-12-06T17:02:03Z', downlink_sent: { ...pushed, session_key_id: 'AXBSH1Pk6Z0G166wYtlWXB==', f_cnt: 7 } };

/** `…/down/ack` (confirmed unicast downlinks only). */
export const DOWN_ACK = { end_device_ids: ids, correlation_ids: ['as:up:01JEXAMPLE0000000000000006'], received_at: '2026-12-06T17:03:00Z', downlink_ack: { session_key_id: 'AXBSH1Pk6Z0G166wYtlWXA==', f_port: 200, f_cnt: 3, frm_payload: 'AA==', confirmed: true, priority: 'NORMAL', correlation_ids: ['fuota:unicast:1'] } };

/**
 * `…/down/failed` of a multicast downlink whose gateways all refused it for duty cycle. What the
 * Network Server sends for a class B/C downlink with absolute_time when every path fails with a
 * non-retryable error (pkg/networkserver/downlink.go, nonRetryableAbsoluteTimeGatewayError:
 * resource exhausted, i.e. the Gateway Server's `duty_cycle`) is `absolute_time` (namespace
 * pkg/networkserver, InvalidArgument = 3); the path errors stay in the NS log. This fixture adds
 * the Gateway Server's error as `cause` and inside a ScheduleDownlinkErrorDetails, the nesting
 * TTS uses on its gRPC answers (pkg/gatewayserver/io: errTxSchedule with path_errors), so that
 * the decoder is checked to find it at any depth.
 */
export const DOWN_FAILED_DUTY_CYCLE = {
  end_device_ids: DOWN_QUEUED.end_device_ids,
  correlation_ids: downlinkIds,
  received_at: '2026-12-06T17:04:00Z',
  downlink_failed: {
    downlink: { ...pushed, class_b_c: { ...pushed.class_b_c, absolute_time: '2026-12-06T17:04:05Z' } },
    error: {
      namespace: 'pkg/networkserver',
      name: 'absolute_time',
      message_format: 'invalid absolute time set in application downlink',
      correlation_id: '5f0d6b2f0d1c4a1fa7e3f1c2b3a4d5e6',
      code: 3,
      cause: {
        namespace: 'pkg/gatewayserver',
        name: 'schedule',
        message_format: 'failed to schedule',
        code: 10,
        details: [
          {
            '@type': 'type.googleapis.com/ttn.lorawan.v3.ScheduleDownlinkErrorDetails',
            path_errors: [
              {
                namespace: 'pkg/gatewayserver/scheduling',
                name: 'duty_cycle',
                message_format: 'utilization `{used}%` would be higher than the available `{usable}%` for priority `{priority}`',
                attributes: { used: 0.72, usable: 0.7, priority: 'NORMAL' },
                code: 8,
              },
            ],
          },
        ],
      },
    },
  },
};

/** The error alone, as the Gateway Server names it (sub_band.go errDutyCycle), at the top. */
export const DOWN_FAILED_DUTY_CYCLE_FLAT = {
  end_device_ids: DOWN_QUEUED.end_device_ids,
  received_at: '2026-12-06T17:04:00Z',
  downlink_failed: {
    downlink: pushed,
    error: { namespace: 'pkg/gatewayserver/scheduling', name: 'duty_cycle', message_format: 'utilization `{used}%` would be higher than the available `{usable}%` for priority `{priority}`', attributes: { used: 1.2, usable: 1, priority: 'HIGHEST' }, code: 8 },
  },
};

/** `…/down/failed` of a multicast downlink pushed without class_b_c.gateways (grpc_asns.go errNoPath). */
export const DOWN_FAILED_NO_PATH = {
  end_device_ids: DOWN_QUEUED.end_device_ids,
  correlation_ids: ['as:downlink:01JEXAMPLE0000000000000007'],
  received_at: '2026-12-06T17:05:00Z',
  downlink_failed: {
    downlink: { f_port: 201, frm_payload: 'AQID', priority: 'NORMAL', correlation_ids: ['fuota:campaign-1:frag-8'] },
    error: { namespace: 'pkg/networkserver', name: 'no_downlink_path', message_format: 'no downlink path available', correlation_id: '0a1b2c3d4e5f46478899aabbccddeeff', code: 5 },
  },
};

/**
 * An HTTP error body of TTS's gRPC gateway (404 for a device the Identity Server does not know):
 * `code` is the gRPC status, `message` "error:<namespace>:<name> (<rendered message>)", details[0]
 * an ErrorDetails (api/error.proto) with its Any type URL.
 */
export const HTTP_NOT_FOUND_BODY = {
  code: 5,
  message: 'error:pkg/identityserver/store:end_device_not_found (end device `fuota-app.nope` not found)',
  details: [
    {
      '@type': 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails',
      namespace: 'pkg/identityserver/store',
      name: 'end_device_not_found',
      message_format: 'end device `{end_device_uid}` not found',
      attributes: { end_device_uid: 'fuota-app.nope' },
      correlation_id: '6a3b1e2f5c7d4e8f9a0b1c2d3e4f5a6b',
      code: 5,
    },
  ],
};

/** A multicast push without gateways, refused at once by the Network Server over HTTP. */
export const HTTP_NO_PATH_BODY = {
  code: 5,
  message: 'error:pkg/networkserver:no_downlink_path (no downlink path available)',
  details: [{ '@type': 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails', namespace: 'pkg/networkserver', name: 'no_downlink_path', message_format: 'no downlink path available', correlation_id: '7b4c2f3a6d8e5f9a0b1c2d3e4f5a6b7c', code: 5 }],
};

export function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
