import type { Eui64 } from '../../core/eui.js';
import { LOG_CODES, LOG_LEVELS, type ChirpstackEvent, type DecodedEvent, type DecodedEventName, type UpWithoutPayloadEvent } from './event-types.js';
import { msOfTime, msOfTimestamp, pb, structOf, timestampOfMs, type Timestamp } from './integration-pb.js';
import { checkDevEui, checkFPort, checkNonEmpty, checkUuid, noPayloadReason } from './payload-checks.js';
import { ChirpstackPayloadError } from './payload-error.js';
import { readUplinkEvent, type UplinkEventFields } from './uplink-event-reader.js';

// ChirpStack's Protobuf events (`[integration.mqtt] json = false`): the binary of
// integration.proto's UplinkEvent, TxAckEvent, AckEvent, LogEvent (prost encode_to_vec).
// Proto3: an unset scalar reads as its default, so only semantic checks can find missing fields.

interface DeviceInfoLike {
  getApplicationId(): string;
  getDevEui(): string;
}

interface EventMessage {
  getDeviceInfo(): DeviceInfoLike | undefined;
  getTime(): Timestamp | undefined;
}

const MESSAGE_NAMES: Record<DecodedEventName, string> = { up: 'UplinkEvent', txack: 'TxAckEvent', ack: 'AckEvent', log: 'LogEvent' };

function deserialize<T>(event: DecodedEventName, context: string, payload: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(payload);
  } catch (error) {
    throw new ChirpstackPayloadError('CHIRPSTACK_PROTOBUF_INVALID', context, 'payload', `an integration.${MESSAGE_NAMES[event]} Protobuf message`, `${payload.length} bytes that do not parse (${(error as Error).message})`);
  }
}

function deviceRef(context: string, msg: EventMessage): { applicationId: string; devEui: Eui64 } {
  const info = msg.getDeviceInfo();
  if (info === undefined) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', context, 'deviceInfo', 'an integration.DeviceInfo', 'nothing');
  return {
    applicationId: checkNonEmpty(context, 'deviceInfo.applicationId', info.getApplicationId(), 'an application id'),
    devEui: checkDevEui(context, 'deviceInfo.devEui', info.getDevEui()),
  };
}

function timeMs(context: string, msg: EventMessage): { timeMs?: number } {
  const ts = msg.getTime();
  return ts === undefined ? {} : { timeMs: msOfTimestamp(ts, context, 'time') };
}

/** An UplinkEvent decoded by the generated classes, as the fields FUOTA uses. */
function uplinkFieldsOf(msg: InstanceType<typeof pb.UplinkEvent>): UplinkEventFields {
  const time = msg.getTime();
  const info = msg.getDeviceInfo();
  const object = msg.getObject()?.toJavaScript();
  return {
    deduplicationId: msg.getDeduplicationId(),
    ...(time === undefined ? {} : { time: { seconds: time.getSeconds(), nanos: time.getNanos() } }),
    ...(info === undefined ? {} : { deviceInfo: { applicationId: info.getApplicationId(), devEui: info.getDevEui() } }),
    fCnt: msg.getFCnt(),
    fPort: msg.getFPort(),
    dr: msg.getDr(),
    confirmed: msg.getConfirmed(),
    data: msg.getData_asU8(),
    gatewayIds: msg.getRxInfoList().map((rx) => rx.getGatewayId()),
    ...(object === undefined ? {} : { object }),
  };
}

/** The `up` event of an UplinkEvent's fields, checked in the order the fields are needed. */
function upEvent(context: string, msg: UplinkEventFields): ChirpstackEvent {
  const info = msg.deviceInfo;
  if (info === undefined) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', context, 'deviceInfo', 'an integration.DeviceInfo', 'nothing');
  const applicationId = checkNonEmpty(context, 'deviceInfo.applicationId', info.applicationId, 'an application id');
  const devEui = checkDevEui(context, 'deviceInfo.devEui', info.devEui);
  const time = msg.time;
  if (time === undefined) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', context, 'time', 'a google.protobuf.Timestamp', 'nothing');
  const fPort = checkFPort(context, 'fPort', msg.fPort);
  const timeMs = msOfTime(time.seconds, time.nanos, context, 'time');
  if (fPort === 0) return { kind: 'up-without-payload', applicationId, devEui, deduplicationId: msg.deduplicationId, timeMs, fCnt: msg.fCnt, reason: noPayloadReason(msg.data) };
  const gatewayIds = msg.gatewayIds.filter((id) => id !== '');
  return {
    kind: 'up', applicationId, devEui, deduplicationId: msg.deduplicationId, timeMs, fCnt: msg.fCnt, fPort, data: msg.data, dr: msg.dr, confirmed: msg.confirmed, gatewayIds,
    // google.protobuf.Struct, as the JSON object it stands for.
    ...(msg.object !== undefined ? { object: msg.object } : {}),
  };
}

export function decodeProtobufEvent(event: DecodedEventName, payload: Uint8Array): ChirpstackEvent {
  const context = `ChirpStack ${event} event (Protobuf)`;
  switch (event) {
    case 'up': {
      // The plain shape straight from the wire; anything else through the generated classes (uplink-event-reader.ts).
      const fields = readUplinkEvent(payload) ?? uplinkFieldsOf(deserialize(event, context, payload, (b) => pb.UplinkEvent.deserializeBinary(b)));
      return upEvent(context, fields);
    }
    case 'txack': {
      const msg = deserialize(event, context, payload, (b) => pb.TxAckEvent.deserializeBinary(b));
      const gatewayId = msg.getGatewayId();
      return {
        kind: 'txack',
        ...deviceRef(context, msg),
        queueItemId: checkUuid(context, 'queueItemId', msg.getQueueItemId()),
        downlinkId: msg.getDownlinkId(),
        fCntDown: msg.getFCntDown(),
        ...(gatewayId === '' ? {} : { gatewayId }),
        ...timeMs(context, msg),
      };
    }
    case 'ack': {
      const msg = deserialize(event, context, payload, (b) => pb.AckEvent.deserializeBinary(b));
      return {
        kind: 'ack',
        ...deviceRef(context, msg),
        queueItemId: checkUuid(context, 'queueItemId', msg.getQueueItemId()),
        acknowledged: msg.getAcknowledged(),
        fCntDown: msg.getFCntDown(),
        ...timeMs(context, msg),
      };
    }
    case 'log': {
      const msg = deserialize(event, context, payload, (b) => pb.LogEvent.deserializeBinary(b));
      const level = LOG_LEVELS[msg.getLevel()];
      if (level === undefined) throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', context, 'level', `one of ${LOG_LEVELS.join(', ')}`, String(msg.getLevel()));
      const context_: Record<string, string> = {};
      // Defined, not assigned: a key "__proto__" must stay a key.
      for (const [key, value] of msg.getContextMap().toArray()) Object.defineProperty(context_, key, { value, enumerable: true, writable: true, configurable: true });
      return {
        kind: 'log',
        ...deviceRef(context, msg),
        level,
        code: LOG_CODES[msg.getCode()] ?? 'UNKNOWN',
        description: msg.getDescription(),
        context: context_,
        ...timeMs(context, msg),
      };
    }
  }
}

function deviceInfo(event: { applicationId: string; devEui: string }): InstanceType<typeof pb.DeviceInfo> {
  const info = new pb.DeviceInfo();
  info.setApplicationId(event.applicationId);
  info.setDevEui(event.devEui);
  return info;
}

export function encodeProtobufEvent(event: DecodedEvent | UpWithoutPayloadEvent): Uint8Array {
  switch (event.kind) {
    case 'up':
    case 'up-without-payload': {
      const msg = new pb.UplinkEvent();
      msg.setDeduplicationId(event.deduplicationId);
      msg.setTime(timestampOfMs(event.timeMs));
      msg.setDeviceInfo(deviceInfo(event));
      msg.setFCnt(event.fCnt);
      if (event.kind === 'up') {
        msg.setDr(event.dr);
        msg.setFPort(event.fPort);
        msg.setConfirmed(event.confirmed);
        msg.setData(event.data);
        for (const id of event.gatewayIds) msg.addRxInfo().setGatewayId(id);
        if (event.object !== undefined && event.object !== null && typeof event.object === 'object' && !Array.isArray(event.object)) msg.setObject(structOf(event.object as Record<string, unknown>));
      }
      return msg.serializeBinary();
    }
    case 'txack': {
      const msg = new pb.TxAckEvent();
      msg.setDownlinkId(event.downlinkId);
      if (event.timeMs !== undefined) msg.setTime(timestampOfMs(event.timeMs));
      msg.setDeviceInfo(deviceInfo(event));
      msg.setQueueItemId(event.queueItemId);
      msg.setFCntDown(event.fCntDown);
      msg.setGatewayId(event.gatewayId ?? '');
      return msg.serializeBinary();
    }
    case 'ack': {
      const msg = new pb.AckEvent();
      if (event.timeMs !== undefined) msg.setTime(timestampOfMs(event.timeMs));
      msg.setDeviceInfo(deviceInfo(event));
      msg.setQueueItemId(event.queueItemId);
      msg.setAcknowledged(event.acknowledged);
      msg.setFCntDown(event.fCntDown);
      return msg.serializeBinary();
    }
    case 'log': {
      const msg = new pb.LogEvent();
      if (event.timeMs !== undefined) msg.setTime(timestampOfMs(event.timeMs));
      msg.setDeviceInfo(deviceInfo(event));
      msg.setLevel(LOG_LEVELS.indexOf(event.level) as 0 | 1 | 2);
      msg.setCode(LOG_CODES.indexOf(event.code) as never);
      msg.setDescription(event.description);
      const map = msg.getContextMap();
      for (const [key, value] of Object.entries(event.context)) map.set(key, value);
      return msg.serializeBinary();
    }
  }
}
