// The generated google-protobuf classes of ChirpStack's integration.proto. The npm package
// @chirpstack/chirpstack-api (4.19) has no `exports` map and ships CommonJS: under ESM it is a
// default import of the `.js` file (network-servers.md). One import site, so a future change of
// the package touches one file.
import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import timestamp from 'google-protobuf/google/protobuf/timestamp_pb.js';
import struct from 'google-protobuf/google/protobuf/struct_pb.js';
import './protobuf-length-guard.js';
import { ChirpstackPayloadError } from './payload-error.js';

export const pb = integration;
export const { Timestamp } = timestamp;
export type Timestamp = InstanceType<typeof timestamp.Timestamp>;

export function timestampOfMs(timeMs: number): Timestamp {
  const ts = new timestamp.Timestamp();
  ts.setSeconds(Math.floor(timeMs / 1000));
  ts.setNanos((timeMs - Math.floor(timeMs / 1000) * 1000) * 1_000_000);
  return ts;
}

/** A JSON object as google.protobuf.Struct (UplinkEvent.object). */
export function structOf(object: Record<string, unknown>): InstanceType<typeof struct.Struct> {
  return struct.Struct.fromJavaScript(object as Parameters<typeof struct.Struct.fromJavaScript>[0]);
}

/** A Timestamp's ms; nanos outside 0..999 999 999 are invalid (google/protobuf/timestamp.proto). */
export function msOfTimestamp(ts: Timestamp, context: string, field: string): number {
  return msOfTime(ts.getSeconds(), ts.getNanos(), context, field);
}

/** A Timestamp's ms from its two fields (uplink-event-reader.ts reads them off the wire). */
export function msOfTime(seconds: number, nanos: number, context: string, field: string): number {
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', context, `${field}.nanos`, 'nanoseconds 0..999999999', String(nanos));
  }
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}
