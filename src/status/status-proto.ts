import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

// The status messages' Protobuf types, parsed from proto/fuota_status.proto at first use (the
// .proto stays the one source of truth; no generated module to keep in step). The file is found
// relative to this module, so the runtime image must ship proto/ beside src/ (the Dockerfile does).

export const STATUS_PROTO_PATH = fileURLToPath(new URL('../../proto/fuota_status.proto', import.meta.url));
export const STATUS_PACKAGE = 'fuota.status.v1';

export interface StatusTypes {
  deviceStatus: protobuf.Type;
  campaignStatus: protobuf.Type;
}

let cached: StatusTypes | undefined;

/** Loads (once) and returns the message types. */
export function statusTypes(): StatusTypes {
  if (!cached) {
    const root = protobuf.loadSync(STATUS_PROTO_PATH);
    cached = {
      deviceStatus: root.lookupType(`${STATUS_PACKAGE}.DeviceStatus`),
      campaignStatus: root.lookupType(`${STATUS_PACKAGE}.CampaignStatus`),
    };
  }
  return cached;
}

/** protobufjs toObject options giving our JSON form: enums by name, 64-bit as numbers, unset left out. */
export const JSON_FORM: protobuf.IConversionOptions = { enums: String, longs: Number, defaults: false };
