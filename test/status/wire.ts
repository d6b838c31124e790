import protobuf from 'protobufjs';
import type { StatusFormat } from '../../src/status/status-events.js';
import { STATUS_PROTO_PATH } from '../../src/status/status-proto.js';

// Decoding for the status tests, with protobufjs straight from the .proto file (independent of
// src/status/status-proto.ts), and what a message looks like after a trip over the wire.

const root = protobuf.loadSync(STATUS_PROTO_PATH);
export const types = {
  device: root.lookupType('fuota.status.v1.DeviceStatus'),
  campaign: root.lookupType('fuota.status.v1.CampaignStatus'),
};
export type StatusKind = keyof typeof types;

/** Binary or JSON payload → plain object (enums by name, 64-bit as numbers). */
export function decode(kind: StatusKind, format: StatusFormat, payload: Uint8Array): Record<string, unknown> {
  const type = types[kind];
  const message = format === 'protobuf' ? type.decode(payload) : type.fromObject(JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>);
  return type.toObject(message, { enums: String, longs: Number });
}

/** The object as it comes back: proto3 drops zero values of fields that are not `optional`. */
export function onWire(type: protobuf.Type, fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const field = type.fields[key];
    if (!field) throw new Error(`${type.name} has no field ${key}`);
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type && value !== undefined) out[key] = onWire(field.resolvedType, value as object);
    else if (field.options?.proto3_optional || !(value === 0 || value === '' || value === false)) out[key] = value;
  }
  return out;
}
