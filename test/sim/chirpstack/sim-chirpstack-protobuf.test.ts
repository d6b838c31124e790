import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import struct from 'google-protobuf/google/protobuf/struct_pb.js';
import timestamp from 'google-protobuf/google/protobuf/timestamp_pb.js';
import test from 'ava';
import { queueItemOf, SimCommandError } from '../../../src/sim/chirpstack/sim-chirpstack-command.js';
import type { SimChirpstackEvent } from '../../../src/sim/chirpstack/sim-chirpstack-events.js';
import { DEFAULT_TENANCY, integrationMessage } from '../../../src/sim/chirpstack/sim-chirpstack-integration.js';
import { readProtobufDownlinkCommand, writeProtobufEvent } from '../../../src/sim/chirpstack/sim-chirpstack-protobuf.js';
import { MQTT_RS_COMMAND } from './chirpstack-documented-messages.js';

// The simulated ChirpStack's Protobuf, read back with ChirpStack's generated classes
// (chirpstack-api 4.19): field numbers and wire types are theirs, so what is checked here is that
// every field lands in the right one, with ChirpStack's enum numbers.

const APP = '17c82e96-be03-4f38-aef3-f83d48582d97';
const DEV = '0101010101010101';
const GW = '0016c001f153a14c';
const QUEUE_ITEM = '42cb6459-a640-46ec-9623-bdff39dc4736';
const T0 = Date.UTC(2025, 0, 1);

const bytesOf = (event: SimChirpstackEvent, nowMs = T0) => writeProtobufEvent(integrationMessage(event, DEFAULT_TENANCY, nowMs));

function checkDeviceInfo(t: { deepEqual(a: unknown, b: unknown): void }, info: InstanceType<typeof integration.DeviceInfo> | undefined): void {
  t.deepEqual(info?.toObject(), {
    ...DEFAULT_TENANCY, applicationId: APP, deviceName: DEV, devEui: DEV, deviceClassEnabled: 0, tagsMap: [],
  });
}

test('up: every field in its place (UplinkEvent)', (t) => {
  const msg = integration.UplinkEvent.deserializeBinary(bytesOf({
    kind: 'up', applicationId: APP, devEui: DEV, deduplicationId: 'd0', timeMs: T0 + 1_250, fCnt: 42, fPort: 201, data: Uint8Array.of(1, 2, 255),
    dr: 3, confirmed: true, gatewayIds: [GW, '0016c001f153a14d'], object: { version: '1.2.3', n: 4 },
  }));
  t.like(msg.toObject(), { deduplicationId: 'd0', devAddr: '01010101', adr: false, dr: 3, fCnt: 42, fPort: 201, confirmed: true, regionConfigId: 'eu868' });
  t.deepEqual([msg.getTime()?.getSeconds(), msg.getTime()?.getNanos()], [T0 / 1000 + 1, 250_000_000]);
  checkDeviceInfo(t, msg.getDeviceInfo());
  t.deepEqual([...msg.getData_asU8()], [1, 2, 255]);
  t.deepEqual(msg.getObject()?.toJavaScript(), { version: '1.2.3', n: 4 });
  t.deepEqual(msg.getRxInfoList().map((rx) => [rx.getGatewayId(), rx.getRssi(), rx.getSnr()]), [[GW, -60, 7.5], ['0016c001f153a14d', -60, 7.5]]);
  const lora = msg.getTxInfo()?.getModulation()?.getLora();
  t.deepEqual([msg.getTxInfo()?.getFrequency(), lora?.getBandwidth(), lora?.getSpreadingFactor(), lora?.getCodeRate()], [868_100_000, 125_000, 9, gw.CodeRate.CR_4_5]);
});

test('txack: every field in its place (TxAckEvent), with the RX1 delay as timing.delay', (t) => {
  const msg = integration.TxAckEvent.deserializeBinary(bytesOf({ kind: 'txack', applicationId: APP, devEui: DEV, queueItemId: QUEUE_ITEM, downlinkId: 3461958127, fCntDown: 2, gatewayId: GW }, T0 + 7));
  t.like(msg.toObject(), { downlinkId: 3461958127, queueItemId: QUEUE_ITEM, fCntDown: 2, gatewayId: GW });
  t.deepEqual([msg.getTime()?.getSeconds(), msg.getTime()?.getNanos()], [T0 / 1000, 7_000_000], 'no time given: the network now');
  checkDeviceInfo(t, msg.getDeviceInfo());
  const tx = msg.getTxInfo()!;
  t.deepEqual([tx.getFrequency(), tx.getPower(), tx.getModulation()?.getLora()?.getPolarizationInversion(), tx.getTiming()?.getDelay()?.getDelay()?.getSeconds()], [868_100_000, 14, true, 1]);
});

test('ack and log: every field in its place (AckEvent, LogEvent), enums by ChirpStack number', (t) => {
  const ack = integration.AckEvent.deserializeBinary(bytesOf({ kind: 'ack', applicationId: APP, devEui: DEV, queueItemId: QUEUE_ITEM, acknowledged: true, fCntDown: 3, timeMs: T0 }));
  t.like(ack.toObject(), { queueItemId: QUEUE_ITEM, acknowledged: true, fCntDown: 3 });
  checkDeviceInfo(t, ack.getDeviceInfo());
  const log = integration.LogEvent.deserializeBinary(bytesOf({
    kind: 'log', applicationId: APP, devEui: DEV, level: 'WARNING', code: 'EXPIRED', description: 'expired', context: { queue_item_id: QUEUE_ITEM }, timeMs: T0,
  }));
  t.like(log.toObject(), { level: 1, code: 11, description: 'expired', contextMap: [['queue_item_id', QUEUE_ITEM]] });
  t.is(log.getTime()?.getSeconds(), T0 / 1000);
});

function command(edit: (cmd: InstanceType<typeof integration.DownlinkCommand>) => void): Uint8Array {
  const cmd = new integration.DownlinkCommand();
  edit(cmd);
  return cmd.serializeBinary();
}

test('command/down: the command of mqtt.rs test_mqtt, as its Protobuf, becomes the same queue item', (t) => {
  const { queueItem } = MQTT_RS_COMMAND;
  const read = readProtobufDownlinkCommand(command((cmd) => {
    cmd.setId(queueItem.id);
    cmd.setDevEui(queueItem.devEui);
    cmd.setConfirmed(queueItem.confirmed);
    cmd.setFPort(queueItem.fPort);
    cmd.setData(Uint8Array.from(queueItem.data));
  }));
  t.false('expiresAtMs' in read);
  const item = queueItemOf(MQTT_RS_COMMAND.topicDevEui, read);
  t.deepEqual({ ...item, data: [...item.data] }, queueItem);
});

test('command/down: object (google.protobuf.Struct) and expires_at are read', (t) => {
  const read = readProtobufDownlinkCommand(command((cmd) => {
    cmd.setDevEui(DEV);
    cmd.setFPort(10);
    cmd.setObject(struct.Struct.fromJavaScript({ temperatureSensor: { 1: 25 } }));
    const at = new timestamp.Timestamp();
    at.setSeconds(T0 / 1000);
    at.setNanos(500_000_000);
    cmd.setExpiresAt(at);
  }));
  t.deepEqual(read.object, { temperatureSensor: { 1: 25 } });
  t.is(read.expiresAtMs, T0 + 500);
  t.like(read, { id: '', devEui: DEV, confirmed: false, fPort: 10 });
});

test('command/down: bytes that are not a DownlinkCommand are refused', (t) => {
  for (const bytes of [[0xff, 0xff, 0xff], [0x0a, 0x05, 0x41], [0x08]]) {
    t.throws(() => readProtobufDownlinkCommand(Uint8Array.from(bytes)), { instanceOf: SimCommandError }, JSON.stringify(bytes));
  }
});
