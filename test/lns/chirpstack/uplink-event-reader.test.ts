import test from 'ava';
import fc from 'fast-check';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { decodeEvent, encodeEvent, type UpEvent } from '../../../src/lns/chirpstack/events.js';
import { pb, structOf, timestampOfMs } from '../../../src/lns/chirpstack/integration-pb.js';
import { readUplinkEvent, type UplinkEventFields } from '../../../src/lns/chirpstack/uplink-event-reader.js';
import { APPLICATION_ID, DEV_EUI, GATEWAY_ID } from './fixtures.js';

// The `up` event's Protobuf read off the wire (uplink-event-reader.ts, issue #17) must answer what
// the generated classes answer for every message it reads, and leave every other one to them.

const T0 = Date.UTC(2025, 0, 1) + 123;

/** An up as ChirpStack fills it: every device_info field, tags, rx_info with radio fields, tx_info, region. */
function fullUp(): InstanceType<typeof pb.UplinkEvent> {
  const msg = new pb.UplinkEvent();
  msg.setDeduplicationId('3f1d9a4c-5b2e-4c1a-9f0e-7d6c5b4a3928');
  msg.setTime(timestampOfMs(T0));
  const info = new pb.DeviceInfo();
  info.setTenantId('52f14cd4-c6f1-4fbd-8f87-4025e1d49242');
  info.setTenantName('ChirpStack');
  info.setApplicationId(APPLICATION_ID);
  info.setApplicationName('fuota');
  info.setDeviceProfileId('fd4b5f2c-1e27-4b7b-9a16-0c0b3d5f8e11');
  info.setDeviceName('meter-0001');
  info.setDevEui(DEV_EUI);
  info.getTagsMap().set('site', 'north');
  msg.setDeviceInfo(info);
  msg.setDevAddr('01020304');
  msg.setAdr(true);
  msg.setDr(5);
  msg.setFCnt(42);
  msg.setFPort(201);
  msg.setConfirmed(true);
  msg.setData(Uint8Array.of(1, 2, 255));
  for (const id of [GATEWAY_ID, '', '0016c001ff10a235']) {
    const rx = msg.addRxInfo();
    rx.setGatewayId(id);
    rx.setRssi(-50);
    rx.setSnr(9.5);
    rx.setContext(new Uint8Array(16).fill(7));
  }
  const tx = new gw.UplinkTxInfo();
  tx.setFrequency(868100000);
  msg.setTxInfo(tx);
  msg.setRegionConfigId('eu868');
  return msg;
}

/** What the generated classes read, as the same fields. */
function generated(bytes: Uint8Array): UplinkEventFields {
  const msg = pb.UplinkEvent.deserializeBinary(bytes);
  const time = msg.getTime();
  const info = msg.getDeviceInfo();
  return {
    deduplicationId: msg.getDeduplicationId(),
    ...(time === undefined ? {} : { time: { seconds: time.getSeconds(), nanos: time.getNanos() } }),
    ...(info === undefined ? {} : { deviceInfo: { applicationId: info.getApplicationId(), devEui: info.getDevEui() } }),
    fCnt: msg.getFCnt(), fPort: msg.getFPort(), dr: msg.getDr(), confirmed: msg.getConfirmed(), data: msg.getData_asU8(),
    gatewayIds: msg.getRxInfoList().map((rx) => rx.getGatewayId()),
  };
}

test('ChirpStack\'s full up is read off the wire, as the generated classes read it', (t) => {
  const bytes = fullUp().serializeBinary();
  const fields = readUplinkEvent(bytes);
  t.truthy(fields, 'read here, not left to the generated classes');
  t.deepEqual(fields, generated(bytes));
  t.like(decodeEvent('up', bytes, 'protobuf'), { kind: 'up', devEui: DEV_EUI, fCnt: 42, fPort: 201, timeMs: T0, dr: 5, confirmed: true, gatewayIds: [GATEWAY_ID, '0016c001ff10a235'] });
  // Its own copy of the payload, not a view of the message.
  t.not((fields!.data as Uint8Array).buffer, bytes.buffer);
});

test('what the reader leaves to the generated classes: object, a wrong wire type, a group, a second time or device_info, non-ASCII text', (t) => {
  const withObject = fullUp();
  withObject.setObject(structOf({ temperature: 21.5 }));
  const cases: Array<[string, Uint8Array]> = [
    ['object (a Struct)', withObject.serializeBinary()],
    ['fPort as a fixed32', Uint8Array.of(0x45, 1, 0, 0, 0)],
    ['deduplication_id as a varint', Uint8Array.of(0x08, 5)],
    ['a group', Uint8Array.of(0x1b, 0x1c)],
    ['a uint32 over 2^32 - 1', Uint8Array.of(0x40, 0xff, 0xff, 0xff, 0xff, 0x7f)],
    ['a bool of 2', Uint8Array.of(0x48, 2)],
    ['device_info twice', Uint8Array.of(0x1a, 0, 0x1a, 0)],
    ['time twice', Uint8Array.of(0x12, 0, 0x12, 0)],
    ['a devEui byte over 0x7f', Uint8Array.of(0x1a, 3, 0x42, 1, 0xe9)],
    ['a length past the end', Uint8Array.of(0x0a, 9, 0x41)],
  ];
  for (const [name, bytes] of cases) t.is(readUplinkEvent(bytes), undefined, name);
  t.deepEqual((decodeEvent('up', withObject.serializeBinary(), 'protobuf') as UpEvent).object, { temperature: 21.5 });
});

test('every mutation of a full up: read here as the generated classes read it, or left to them (property)', (t) => {
  const base = fullUp().serializeBinary();
  let read = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(base.length), (edits, cut) => {
      const bytes = Uint8Array.from(base);
      for (const [at, value] of edits) bytes[at] = value;
      const message = bytes.subarray(0, cut);
      const fields = readUplinkEvent(message);
      if (fields === undefined) return true;
      read++;
      let expected: UplinkEventFields;
      try {
        expected = generated(message);
      } catch {
        // Garbage inside a message the reader skips (tx_info, rx_info's radio fields): accepted here (see the file's head).
        return true;
      }
      t.deepEqual(fields, expected);
      return true;
    }),
    { numRuns: 3000 },
  );
  t.true(read > 0);
});

test('the bench\'s and the simulator\'s own up (encodeEvent) is read here', (t) => {
  const up: UpEvent = { kind: 'up', applicationId: APPLICATION_ID, devEui: DEV_EUI as UpEvent['devEui'], deduplicationId: 'd', timeMs: T0, fCnt: 1, fPort: 2, data: Uint8Array.of(9), dr: 0, confirmed: false, gatewayIds: [GATEWAY_ID] };
  const bytes = encodeEvent(up, 'protobuf');
  t.deepEqual(readUplinkEvent(bytes), generated(bytes));
  t.deepEqual(decodeEvent('up', bytes, 'protobuf'), up);
});
