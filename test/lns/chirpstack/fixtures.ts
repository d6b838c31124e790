// ChirpStack v4 MQTT payloads in the v4.0 form (pbjson with default values omitted; since v4.1
// ChirpStack writes every scalar field, emit_fields in api/rust/build.rs: the adapter reads both).
// Source of `up`: /work/shared/reference/network-servers.md (ChirpStack v4, Uplink `event/up`
// JSON), with the elided ids filled in. txack, ack and log follow integration.proto's
// TxAckEvent, AckEvent and LogEvent field for field; the DOWNLINK_GATEWAY log is what
// chirpstack/src/downlink/tx_ack.rs (log_tx_ack_error) sends when a gateway rejects a downlink.

export const APPLICATION_ID = '7f2c5e4a-1b3d-4c8e-9f60-2a1b3c4d5e6f';
export const DEV_EUI = '0102030405060708';
export const QUEUE_ITEM_ID = '5b1f3c9e-8a47-4d2b-b6e1-0c9d8e7f6a5b';
export const GATEWAY_ID = '0016c001f153a14c';

export const UP_JSON = {
  deduplicationId: '3ac7e3c4-4401-4b8d-9386-a5c902f9202d',
  time: '2025-01-01T00:00:00+00:00',
  deviceInfo: {
    tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
    tenantName: 'ChirpStack',
    applicationId: APPLICATION_ID,
    applicationName: 'fuota',
    deviceProfileId: 'a7d5e6b1-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    deviceProfileName: 'class C',
    deviceName: 'meter-0001',
    devEui: DEV_EUI,
    deviceClassEnabled: 'CLASS_A',
    tags: {},
  },
  devAddr: '01020304',
  adr: true,
  dr: 5,
  fCnt: 42,
  fPort: 201,
  confirmed: false,
  data: 'AQL/',
  rxInfo: [{ gatewayId: GATEWAY_ID, uplinkId: 4211, rssi: -50, snr: 9.5, context: 'AAAAAAAAAAAAAAAAAAAAAA==' }],
  txInfo: { frequency: 868100000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 7, codeRate: 'CR_4_5' } } },
};

/** A MAC-only uplink: pbjson leaves out fPort 0 and empty data. */
export const UP_MAC_ONLY_JSON = {
  deduplicationId: '9d1f0a7e-6c2b-4f3a-8e5d-1b2c3d4e5f60',
  time: '2025-01-01T00:01:00.250+00:00',
  deviceInfo: { tenantId: UP_JSON.deviceInfo.tenantId, applicationId: APPLICATION_ID, devEui: DEV_EUI },
  devAddr: '01020304',
  adr: true,
  dr: 5,
  fCnt: 43,
  rxInfo: [{ gatewayId: GATEWAY_ID, rssi: -51, snr: 8.25 }],
};

export const TXACK_JSON = {
  downlinkId: 3141592,
  time: '2025-01-01T00:00:01.5+00:00',
  deviceInfo: { tenantId: UP_JSON.deviceInfo.tenantId, applicationId: APPLICATION_ID, devEui: DEV_EUI, deviceName: 'meter-0001' },
  queueItemId: QUEUE_ITEM_ID,
  fCntDown: 7,
  gatewayId: GATEWAY_ID,
  txInfo: { frequency: 869525000, power: 27, modulation: { lora: { bandwidth: 125000, spreadingFactor: 9, codeRate: 'CR_4_5', polarizationInversion: true } }, timing: { delay: { delay: '1s' } } },
};

/** acknowledged: false is left out by pbjson. */
export const NACK_JSON = {
  time: '2025-01-01T00:00:09Z',
  deviceInfo: { applicationId: APPLICATION_ID, devEui: DEV_EUI },
  queueItemId: QUEUE_ITEM_ID,
  fCntDown: 7,
};

export const ACK_JSON = { ...NACK_JSON, deduplicationId: 'b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', acknowledged: true };

export const LOG_GATEWAY_JSON = {
  time: '2025-01-01T00:00:01.123456789+00:00',
  deviceInfo: { applicationId: APPLICATION_ID, devEui: DEV_EUI },
  level: 'ERROR',
  code: 'DOWNLINK_GATEWAY',
  description: 'TOO_LATE',
};

export const LOG_EXPIRED_JSON = {
  time: '2025-01-01T00:10:00+00:00',
  deviceInfo: { applicationId: APPLICATION_ID, devEui: DEV_EUI },
  level: 'WARNING',
  code: 'EXPIRED',
  description: 'Device queue-item discarded because it has expired',
  context: { queue_item_id: QUEUE_ITEM_ID },
};

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
