import devicePb from '@chirpstack/chirpstack-api/api/device_pb.js';
import type { DeviceKeys as DeviceKeysPb, DeviceQueueItem as DeviceQueueItemPb, GetDeviceResponse as GetDeviceResponsePb } from '@chirpstack/chirpstack-api/api/device_pb.js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { ValueError } from '../../core/errors.js';
import { hexToBytes } from '../../core/hex.js';
import type { LorawanVersion, McRootKeyInput } from '../../lorawan/keys.js';
import { checkFPort } from './grpc-multicast-group.js';

// DeviceService messages of api/device.proto that the FUOTA service uses: the device itself (is
// it known: admission), the root keys (for McRootKey, TS005) and the unicast queue (class A fallback).

/** A device as DeviceService.Get answers (api/device.proto GetDeviceResponse), the fields we read. */
export interface DeviceInfo {
  devEui: string;
  name: string;
  applicationId: string;
  deviceProfileId: string;
  lastSeenAtMs?: number;
}

export function deviceFromProto(response: GetDeviceResponsePb): DeviceInfo | undefined {
  const device = response.getDevice();
  if (!device) return undefined;
  const lastSeen = response.getLastSeenAt();
  return {
    devEui: device.getDevEui().toLowerCase(),
    name: device.getName(),
    applicationId: device.getApplicationId(),
    deviceProfileId: device.getDeviceProfileId(),
    ...(lastSeen ? { lastSeenAtMs: lastSeen.toDate().getTime() } : {}),
  };
}

/**
 * A device's root keys as ChirpStack stores them (api/device.proto DeviceKeys). ChirpStack keeps
 * a LoRaWAN 1.0.x device's AppKey in `nwk_key`; `app_key` is only set for 1.1 devices and
 * `gen_app_key` only for 1.0.x devices that implement TS005. Unset keys read as "" or zeros.
 */
export interface DeviceKeysInfo {
  devEui: string;
  nwkKeyHex: string;
  appKeyHex: string;
  genAppKeyHex: string;
}

export interface UnicastEnqueueItem {
  devEui: string;
  fPort: number;
  payload: Uint8Array;
  confirmed?: boolean;
  /**
   * Sent as DeviceQueueItem.id, but ChirpStack's DeviceService.Enqueue generates its own id and
   * ignores this one (api/device.rs; the proto says the id is generated): match txack/ack events
   * by the returned id. MQTT `command/down` is the path that keeps the caller's id.
   */
  id?: string;
  expiresAtMs?: number;
}

export function deviceKeysFromProto(pb: DeviceKeysPb): DeviceKeysInfo {
  return { devEui: pb.getDevEui(), nwkKeyHex: pb.getNwkKey(), appKeyHex: pb.getAppKey(), genAppKeyHex: pb.getGenAppKey() };
}

function presentKey(hex: string): Uint8Array | undefined {
  if (hex === '' || /^0+$/.test(hex)) return undefined;
  return hexToBytes(hex, 'ChirpStack device key');
}

/** What deriveMcRootKey needs: GenAppKey for 1.0.x (not the AppKey in nwk_key), AppKey for 1.1. */
export function mcRootKeyInputFrom(keys: DeviceKeysInfo, lorawanVersion: LorawanVersion): McRootKeyInput {
  if (lorawanVersion === '1.0') {
    const genAppKey = presentKey(keys.genAppKeyHex);
    return genAppKey ? { lorawanVersion, genAppKey } : { lorawanVersion };
  }
  const appKey = presentKey(keys.appKeyHex);
  return appKey ? { lorawanVersion, appKey } : { lorawanVersion };
}

export function unicastItemToProto(item: UnicastEnqueueItem, devEui: string): DeviceQueueItemPb {
  const pb = new devicePb.DeviceQueueItem();
  if (item.id !== undefined) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(item.id)) throw new ValueError('id', 'a UUID', item.id, 'INVALID_UUID');
    pb.setId(item.id);
  }
  pb.setDevEui(devEui);
  pb.setFPort(checkFPort(item.fPort));
  if (!(item.payload instanceof Uint8Array)) throw new ValueError('payload', 'bytes (Uint8Array)', typeof item.payload, 'INVALID_PAYLOAD');
  pb.setData(item.payload);
  pb.setConfirmed(item.confirmed ?? false);
  if (item.expiresAtMs !== undefined) pb.setExpiresAt(timestampPb.Timestamp.fromDate(new Date(item.expiresAtMs)));
  return pb;
}
