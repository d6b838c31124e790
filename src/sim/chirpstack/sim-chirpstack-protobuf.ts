import common from '@chirpstack/chirpstack-api/common/common_pb.js';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import duration from 'google-protobuf/google/protobuf/duration_pb.js';
import struct from 'google-protobuf/google/protobuf/struct_pb.js';
import timestamp from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { SimCommandError, type SimDownlinkCommand } from './sim-chirpstack-command.js';
import type { DeviceInfoMessage, IntegrationMessage, LoraModulationMessage } from './sim-chirpstack-integration.js';

// The simulated ChirpStack's Protobuf (`[integration.mqtt] json = false`): the binary of
// integration.proto's messages, as ChirpStack's prost `encode_to_vec` / `DownlinkCommand::decode`
// (chirpstack/src/integration/mqtt.rs), made here with ChirpStack's own generated classes
// (npm @chirpstack/chirpstack-api 4.19: CommonJS without `exports`, so default imports of the
// `_pb.js` files; `getData_asU8`, as `getData` may return base64 text).

type Timestamp = InstanceType<typeof timestamp.Timestamp>;

function timestampOf(timeMs: number): Timestamp {
  // Whole milliseconds, as the JSON writer prints them: simulated times may carry a fraction, and
  // nanos must be an integer (google-protobuf asserts it; such an event was never published).
  const wholeMs = Math.floor(timeMs);
  const seconds = Math.floor(wholeMs / 1000);
  const ts = new timestamp.Timestamp();
  ts.setSeconds(seconds);
  ts.setNanos((wholeMs - seconds * 1000) * 1_000_000);
  return ts;
}

function msOf(ts: Timestamp): number {
  return ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000);
}

function deviceInfoOf(info: DeviceInfoMessage): InstanceType<typeof integration.DeviceInfo> {
  const out = new integration.DeviceInfo();
  out.setTenantId(info.tenantId);
  out.setTenantName(info.tenantName);
  out.setApplicationId(info.applicationId);
  out.setApplicationName(info.applicationName);
  out.setDeviceProfileId(info.deviceProfileId);
  out.setDeviceProfileName(info.deviceProfileName);
  out.setDeviceName(info.deviceName);
  out.setDevEui(info.devEui);
  out.setDeviceClassEnabled(common.DeviceClass[info.deviceClassEnabled]);
  for (const [key, value] of Object.entries(info.tags)) out.getTagsMap().set(key, value);
  return out;
}

function modulationOf(lora: LoraModulationMessage | undefined): InstanceType<typeof gw.Modulation> | undefined {
  if (lora === undefined) return undefined;
  const info = new gw.LoraModulationInfo();
  info.setBandwidth(lora.bandwidth);
  info.setSpreadingFactor(lora.spreadingFactor);
  info.setCodeRate(gw.CodeRate[lora.codeRate]);
  info.setPolarizationInversion(lora.polarizationInversion);
  const modulation = new gw.Modulation();
  modulation.setLora(info);
  return modulation;
}

/** The Protobuf ChirpStack publishes for `message`. */
export function writeProtobufEvent(message: IntegrationMessage): Uint8Array {
  switch (message.type) {
    case 'up': {
      const msg = new integration.UplinkEvent();
      msg.setDeduplicationId(message.deduplicationId);
      msg.setTime(timestampOf(message.timeMs));
      msg.setDeviceInfo(deviceInfoOf(message.deviceInfo));
      msg.setDevAddr(message.devAddr);
      msg.setAdr(message.adr);
      msg.setDr(message.dr);
      msg.setFCnt(message.fCnt);
      msg.setFPort(message.fPort);
      msg.setConfirmed(message.confirmed);
      msg.setData(message.data);
      if (message.object !== undefined) msg.setObject(struct.Struct.fromJavaScript(message.object as Parameters<typeof struct.Struct.fromJavaScript>[0]));
      for (const rx of message.rxInfo) {
        const info = msg.addRxInfo();
        info.setGatewayId(rx.gatewayId);
        info.setUplinkId(rx.uplinkId);
        info.setRssi(rx.rssi);
        info.setSnr(rx.snr);
      }
      const txInfo = new gw.UplinkTxInfo();
      txInfo.setFrequency(message.txInfo.frequency);
      txInfo.setModulation(modulationOf(message.txInfo.lora));
      msg.setTxInfo(txInfo);
      msg.setRegionConfigId(message.regionConfigId);
      return msg.serializeBinary();
    }
    case 'txack': {
      const msg = new integration.TxAckEvent();
      msg.setDownlinkId(message.downlinkId);
      msg.setTime(timestampOf(message.timeMs));
      msg.setDeviceInfo(deviceInfoOf(message.deviceInfo));
      msg.setQueueItemId(message.queueItemId);
      msg.setFCntDown(message.fCntDown);
      msg.setGatewayId(message.gatewayId);
      const txInfo = new gw.DownlinkTxInfo();
      txInfo.setFrequency(message.txInfo.frequency);
      txInfo.setPower(message.txInfo.power);
      txInfo.setModulation(modulationOf(message.txInfo.lora));
      const delay = new duration.Duration();
      delay.setSeconds(Math.floor(message.txInfo.delayMs / 1000));
      delay.setNanos((message.txInfo.delayMs % 1000) * 1_000_000);
      const delayInfo = new gw.DelayTimingInfo();
      delayInfo.setDelay(delay);
      const timing = new gw.Timing();
      timing.setDelay(delayInfo);
      txInfo.setTiming(timing);
      msg.setTxInfo(txInfo);
      return msg.serializeBinary();
    }
    case 'ack': {
      const msg = new integration.AckEvent();
      msg.setDeduplicationId(message.deduplicationId);
      msg.setTime(timestampOf(message.timeMs));
      msg.setDeviceInfo(deviceInfoOf(message.deviceInfo));
      msg.setQueueItemId(message.queueItemId);
      msg.setAcknowledged(message.acknowledged);
      msg.setFCntDown(message.fCntDown);
      return msg.serializeBinary();
    }
    case 'log': {
      const msg = new integration.LogEvent();
      msg.setTime(timestampOf(message.timeMs));
      msg.setDeviceInfo(deviceInfoOf(message.deviceInfo));
      msg.setLevel(integration.LogLevel[message.level]);
      msg.setCode(integration.LogCode[message.code]);
      msg.setDescription(message.description);
      for (const [key, value] of Object.entries(message.context)) msg.getContextMap().set(key, value);
      return msg.serializeBinary();
    }
  }
}

/** Reads a `command/down` Protobuf payload (integration.DownlinkCommand). */
export function readProtobufDownlinkCommand(payload: Uint8Array): SimDownlinkCommand {
  let msg: InstanceType<typeof integration.DownlinkCommand>;
  try {
    msg = integration.DownlinkCommand.deserializeBinary(payload);
  } catch (error) {
    throw new SimCommandError(`payload is not an integration.DownlinkCommand (${(error as Error).message})`);
  }
  const object = msg.getObject()?.toJavaScript();
  const expiresAt = msg.getExpiresAt();
  return {
    id: msg.getId(),
    devEui: msg.getDevEui(),
    confirmed: msg.getConfirmed(),
    fPort: msg.getFPort(),
    data: msg.getData_asU8(),
    ...(object === undefined ? {} : { object }),
    ...(expiresAt === undefined ? {} : { expiresAtMs: msOf(expiresAt) }),
  };
}
