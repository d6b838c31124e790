// ChirpStack's MQTT integration messages as ChirpStack itself documents and tests them: the
// known answers the simulated ChirpStack's writer and reader are held to.
//
// Events: chirpstack/chirpstack-docs, src/chirpstack/integrations/events.md at commit
// 5ab575f66004b09aec2504d4921dc3fb7354baae, the JSON examples of `up`, `txack`, `ack` and `log`
// (https://github.com/chirpstack/chirpstack-docs/blob/5ab575f66004b09aec2504d4921dc3fb7354baae/src/chirpstack/integrations/events.md),
// copied as they stand. They date from ChirpStack v4.0 (July 2022): fields at their default
// value are missing from them (fCnt, adr, confirmed of `up`), which ChirpStack writes since
// v4.1 (chirpstack/chirpstack PR #63, api/rust/build.rs `emit_fields()`), and fields added
// later (deviceClassEnabled, regionConfigId) are not in them yet.
//
// Commands: see each constant.

const DEVICE_INFO = {
  tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
  tenantName: 'ChirpStack',
  applicationId: '17c82e96-be03-4f38-aef3-f83d48582d97',
  applicationName: 'Test application',
  deviceProfileId: '14855bf7-d10d-4aee-b618-ebfcb64dc7ad',
  deviceProfileName: 'Test device-profile',
  deviceName: 'Test device',
  devEui: '0101010101010101',
  tags: { key: 'value' },
};

export const DOCUMENTED_UP = {
  deduplicationId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d',
  time: '2022-07-18T09:34:15.775023242+00:00',
  deviceInfo: DEVICE_INFO,
  devAddr: '00189440',
  dr: 1,
  fPort: 1,
  data: 'qg==',
  rxInfo: [{
    gatewayId: '0016c001f153a14c',
    uplinkId: 4217106255,
    rssi: -36,
    snr: 10.5,
    context: 'E3OWOQ==',
    metadata: { region_name: 'eu868', region_common_name: 'EU868' },
  }],
  txInfo: { frequency: 867100000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 11, codeRate: 'CR_4_5' } } },
};

export const DOCUMENTED_ACK = {
  deduplicationId: '856a03e7-80f6-4c26-b971-9dcb34a59c2e',
  time: '2022-07-18T09:38:49.235700766+00:00',
  deviceInfo: DEVICE_INFO,
  queueItemId: '1bbcab1d-6ec6-4136-b3f5-d63be1dc08de',
  acknowledged: true,
  fCntDown: 3,
};

export const DOCUMENTED_TXACK = {
  downlinkId: 3461958127,
  time: '2022-07-18T09:37:48.929184085+00:00',
  deviceInfo: DEVICE_INFO,
  queueItemId: '42cb6459-a640-46ec-9623-bdff39dc4736',
  fCntDown: 2,
  gatewayId: '0016c001f153a14c',
  txInfo: {
    frequency: 867900000,
    power: 14,
    modulation: { lora: { bandwidth: 125000, spreadingFactor: 7, codeRate: 'CR_4_5', polarizationInversion: true } },
    timing: { delay: { delay: '1s' } },
    context: 'ICYVGw==',
  },
};

export const DOCUMENTED_LOG = {
  time: '2022-07-18T09:39:57.311414029+00:00',
  deviceInfo: DEVICE_INFO,
  level: 'ERROR',
  code: 'UPLINK_MIC',
  description: 'MIC of join-request is invalid, make sure keys are correct',
  context: { deduplication_id: '4e91db13-5ce3-4c8c-ab0f-dfc626cf0771' },
};

/**
 * chirpstack/chirpstack, chirpstack/src/integration/mqtt.rs (commit 582cf9f2), test_mqtt: the
 * command it publishes is `serde_json::to_string(&DownlinkCommand { id: Uuid::new_v4(),
 * dev_eui: "0102030405060708", confirmed: false, f_port: 10, data: vec![1, 2, 3], object: None })`,
 * written out here by pbjson's rules (emit_fields: `confirmed` at false is written; `object`
 * unset is not); the id is a fixed v4 UUID in place of new_v4(). The test then asserts one queue
 * item with that id, f_port 10 and data [1, 2, 3].
 */
export const MQTT_RS_COMMAND = {
  topicDevEui: '0102030405060708',
  json: '{"id":"6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b","devEui":"0102030405060708","confirmed":false,"fPort":10,"data":"AQID"}',
  queueItem: { id: '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', devEui: '0102030405060708', confirmed: false, fPort: 10, data: [1, 2, 3] },
};

/**
 * chirpstack/chirpstack-docs, src/chirpstack/integrations/mqtt.md at commit
 * 294ad954d52337bd32fa4c2b80e27aedbecc5562, "Scheduling a downlink", the example payload with
 * its `//` comments removed and `data` left out, as the page allows ("when providing the
 * 'object', you can omit 'data'"): no id, so ChirpStack picks the queue item id.
 */
export const DOCS_OBJECT_COMMAND = {
  topicDevEui: '0102030405060708',
  json: '{"devEui":"0102030405060708","confirmed":true,"fPort":10,"object":{"temperatureSensor":{"1":25},"humiditySensor":{"1":32}}}',
};

// The other events of events.md (same commit as DOCUMENTED_UP): the adapter must ignore them.

function untagged({ tags: _tags, ...info }: typeof DEVICE_INFO): Omit<typeof DEVICE_INFO, 'tags'> {
  return info;
}

/** events.md `status`: the one example whose deviceInfo has no tags. */
export const DOCUMENTED_STATUS = {
  deduplicationId: 'bf2a9746-1c8b-49be-a92e-f0b89c8534e4',
  time: '2022-07-18T09:35:06.927172638+00:00',
  deviceInfo: untagged(DEVICE_INFO),
  margin: 10,
  batteryLevel: 88.3,
};

/** events.md `join`. */
export const DOCUMENTED_JOIN = {
  deduplicationId: 'c9dbe358-2578-4fb7-b295-66b44edc45a6',
  time: '2022-07-18T09:33:28.823500726+00:00',
  deviceInfo: DEVICE_INFO,
  devAddr: '00189440',
};

/** events.md `location`. */
export const DOCUMENTED_LOCATION = {
  deduplicationId: '63d870b9-b769-4d88-8b33-8e43f58851a7',
  time: '2022-07-18T09:55:11.059481003+00:00',
  deviceInfo: DEVICE_INFO,
  location: { latitude: 37.344214, longitude: -8.839375, altitude: 2 },
};

/** events.md `integration` (LoRa Cloud modem response of an LR1110), its `object` as it stands. */
export const DOCUMENTED_INTEGRATION = {
  deduplicationId: '39c68646-57f7-4973-8ac8-48839b5714d6',
  time: '2022-07-18T10:02:15.812284501+00:00',
  deviceInfo: { ...DEVICE_INFO, deviceName: 'LR1110', devEui: '0016c001f000175a' },
  integrationName: 'loracloud',
  eventType: 'modem_UplinkResponse',
  object: {
    stream_records: [[43.0, '0815a7f492bf248575caf492bf248725c874acb96799de']],
    dnlink: null,
    pending_requests: { id: 10.0, requests: [], upcount: 0.0, updelay: 32.0 },
    fulfilled_requests: [],
    fports: { wifiport: 197.0, gnssport: 198.0, dmport: 199.0, streamport: 199.0 },
    log_messages: [],
    info_fields: {
      voltage: { timestamp: 1648481184.757, value: 3.04 }, charge: { value: 0.0, timestamp: 1648481184.757 },
      interval: null, rxtime: null, appstatus: null, joineui: null, streampar: null, uptime: null,
      firmware: { value: { fwtotal: 65535.0, fwcrc: 'c66f3ebe', fwcompleted: 0.0 }, timestamp: 1648481184.757 },
      adrmode: null, deveui: null, signal: null, rstcount: { timestamp: 1648481184.757, value: 300.0 },
      chipeui: null, crashlog: null, status: null, region: null, session: { value: 304.0, timestamp: 1648481184.757 },
      rfu: null, temp: { timestamp: 1648481184.757, value: 25.0 }, alcsync: { value: { token: 0.0, time: 19.0 }, timestamp: 1648481177.033 },
    },
    position_solution: null,
    file: null,
  },
};

// ChirpStack's own tests and producers. Since v4.1 ChirpStack's JSON has every scalar field of the
// integration package (api/rust/build.rs at commit cefe61072d78012366cb313e9bda9744bbc549dd:
// `pbjson_build::Builder::new().emit_fields()` for `.integration` only, so gw.* and common.*
// sub-messages still leave defaults out); message fields that are None are left out
// (influxdata/pbjson, pbjson-build/src/generator/message.rs at commit
// 0f79505452dea710fca7975138e96d2ef39af4e2: a proto3 message field is `Optional`, written only
// `if let Some(v)`). Values the source leaves to run time (ids, times) are marked "filled in".

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MQTT_RS_DEVICE_INFO = `"deviceInfo":{"tenantId":"","tenantName":"","applicationId":"${NIL_UUID}","applicationName":"","deviceProfileId":"","deviceProfileName":"","deviceName":"","devEui":"0102030405060708","deviceClassEnabled":"CLASS_A","tags":{}}`;

/**
 * chirpstack/chirpstack, chirpstack/src/integration/mqtt.rs (commit
 * 582cf9f257ceabfffd2aaaac3a1c9007201b555b), test_mqtt: each event is `integration::XxxEvent {
 * device_info: Some(DeviceInfo { application_id: Uuid::nil(), dev_eui: "0102030405060708", .. }),
 * ..Default::default() }`, published on application/<nil>/device/0102030405060708/event/<event>,
 * and the test expects the payload `serde_json::to_string(&pl)`: written out here with the fields
 * of api/proto/integration/integration.proto at commit 70e4afae546acef87ea88a9aece3a2aadc6e13bc
 * (no `time`: None). Real events always carry a time and queue item ids; these are the floor.
 */
export const MQTT_RS_EVENTS = {
  applicationId: NIL_UUID,
  devEui: '0102030405060708',
  json: {
    up: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO},"devAddr":"","adr":false,"dr":0,"fCnt":0,"fPort":0,"confirmed":false,"data":"","rxInfo":[],"regionConfigId":""}`,
    join: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO},"devAddr":"","regionConfigId":""}`,
    ack: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO},"queueItemId":"","acknowledged":false,"fCntDown":0}`,
    txack: `{"downlinkId":0,${MQTT_RS_DEVICE_INFO},"queueItemId":"","fCntDown":0,"gatewayId":""}`,
    log: `{${MQTT_RS_DEVICE_INFO},"level":"INFO","code":"UNKNOWN","description":"","context":{}}`,
    status: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO},"margin":0,"externalPowerSource":false,"batteryLevelUnavailable":false,"batteryLevel":0.0}`,
    location: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO}}`,
    integration: `{"deduplicationId":"",${MQTT_RS_DEVICE_INFO},"integrationName":"","eventType":""}`,
  },
};

/** class_a_test.rs's tenant, application, device profile and device (ids filled in). */
const CLASS_A_TEST_DEVICE_INFO = {
  tenantId: 'c1a55a00-0000-4000-8000-000000000001', tenantName: 'tenant',
  applicationId: 'c1a55a00-0000-4000-8000-000000000002', applicationName: 'app',
  deviceProfileId: 'c1a55a00-0000-4000-8000-000000000003', deviceProfileName: 'dp',
  deviceName: 'device', devEui: '0202030405060708', deviceClassEnabled: 'CLASS_A', tags: {},
};

/**
 * chirpstack/chirpstack, chirpstack/src/test/class_a_test.rs (commit
 * 41d00cb651a1ad745f2155b027545d601aa14211), test_lorawan_10_uplink, "unconfirmed uplink with
 * payload": the expected UplinkEvent (dev_addr 01020304, f_cnt 10, f_port 1, dr 0, data
 * [215, 241, 112, 52], rx_info of gateway 0102030405060708 with EU868 metadata, tx_info 868.1 MHz
 * DR0 from set_uplink_modulation), in the v4.1+ JSON form. The test blanks deduplication_id and
 * time before comparing: filled in.
 */
export const CLASS_A_TEST_UP = {
  deduplicationId: 'c1a55a00-0000-4000-8000-0000000000aa',
  time: '2024-05-06T07:08:09.123456789+00:00',
  deviceInfo: CLASS_A_TEST_DEVICE_INFO,
  devAddr: '01020304', adr: false, dr: 0, fCnt: 10, fPort: 1, confirmed: false,
  data: '1/FwNA==',
  rxInfo: [{ gatewayId: '0102030405060708', location: {}, metadata: { region_config_id: 'eu868', region_common_name: 'EU868' } }],
  txInfo: { frequency: 868100000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 12, codeRate: 'CR_4_5', polarizationInversion: true } } },
};

/** Same test, "unconfirmed uplink with payload + ACK": the AckEvent of queue item Uuid::nil(), f_cnt_down 4. */
export const CLASS_A_TEST_ACK = {
  deduplicationId: 'c1a55a00-0000-4000-8000-0000000000ab',
  time: '2024-05-06T07:08:10.5+00:00',
  deviceInfo: CLASS_A_TEST_DEVICE_INFO,
  queueItemId: NIL_UUID,
  acknowledged: true,
  fCntDown: 4,
};

/**
 * chirpstack/chirpstack, chirpstack/src/downlink/tx_ack.rs (commit
 * 098f8db4c6ef8c75a5a2306511760cb17fe902c2), send_tx_ack_event, with the inputs of
 * chirpstack/src/test/tx_ack_test.rs (commit 0c721426d80de3b751196f26ea9a724af6375d9a): downlink
 * 1234 on gateway 0807060504030201, a class-B device 0102030405060708 ("test-dev", profile
 * "class-b"), queue item f_cnt_down 10, tx_info timing GPS epoch 120 s. The test asserts only the
 * queue item; this is the TxAckEvent the handler builds (queue item id and time filled in).
 */
export const TX_ACK_TEST_TXACK = {
  downlinkId: 1234,
  time: '2024-05-06T07:10:00.000001+00:00',
  deviceInfo: {
    tenantId: 'c1a55a00-0000-4000-8000-000000000011', tenantName: 'tenant',
    applicationId: 'c1a55a00-0000-4000-8000-000000000012', applicationName: 'app',
    deviceProfileId: 'c1a55a00-0000-4000-8000-000000000013', deviceProfileName: 'class-b',
    deviceName: 'test-dev', devEui: '0102030405060708', deviceClassEnabled: 'CLASS_B', tags: {},
  },
  queueItemId: 'c1a55a00-0000-4000-8000-0000000000ac',
  fCntDown: 10,
  gatewayId: '0807060504030201',
  txInfo: { timing: { gpsEpoch: { timeSinceGpsEpoch: '120s' } } },
};

/**
 * tx_ack.rs (same commit), log_tx_ack_error: a gateway refused the downlink. Level ERROR, code
 * DOWNLINK_GATEWAY, description the gw.TxAckStatus name (here TOO_LATE), no context; device of
 * events.md, class C (time filled in).
 */
export const TX_ACK_RS_GATEWAY_LOG = {
  time: '2024-05-06T07:11:00.25+00:00',
  deviceInfo: { ...DEVICE_INFO, deviceClassEnabled: 'CLASS_C' },
  level: 'ERROR',
  code: 'DOWNLINK_GATEWAY',
  description: 'TOO_LATE',
  context: {},
};

/**
 * chirpstack/chirpstack, chirpstack/src/downlink/data.rs (commit
 * 4506cd91eb6aae4f75e64943d59f108fc0efcfdd), get_next_device_queue_item: a queue item larger than
 * the downlink can carry is deleted with this log (description and context keys as data.rs writes
 * them; the sizes, queue item id and time filled in).
 */
export const DATA_RS_PAYLOAD_SIZE_LOG = {
  time: '2024-05-06T07:12:00+00:00',
  deviceInfo: { ...DEVICE_INFO, deviceClassEnabled: 'CLASS_C' },
  level: 'ERROR',
  code: 'DOWNLINK_PAYLOAD_SIZE',
  description: 'Device queue-item discarded because it exceeds the max. payload size',
  context: { max_payload_size: '51', item_size: '60', queue_item_id: 'c1a55a00-0000-4000-8000-0000000000ad' },
};

/**
 * data.rs (same commit), get_next_device_queue_item: a pending confirmed item that timed out is
 * deleted with a negative AckEvent. On the class-B/C scheduler path there is no uplink, so
 * deduplication_id is "" (queue item id, f_cnt_down and time filled in).
 */
export const DATA_RS_NACK = {
  deduplicationId: '',
  time: '2024-05-06T07:13:00.999+00:00',
  deviceInfo: { ...DEVICE_INFO, deviceClassEnabled: 'CLASS_C' },
  queueItemId: 'c1a55a00-0000-4000-8000-0000000000ae',
  acknowledged: false,
  fCntDown: 7,
};
