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
