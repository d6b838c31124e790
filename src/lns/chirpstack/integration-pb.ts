// The generated google-protobuf classes of ChirpStack's integration.proto. The npm package
// @chirpstack/chirpstack-api (4.19) has no `exports` map and ships CommonJS: under ESM it is a
// default import of the `.js` file (network-servers.md). One import site, so a future change of
// the package touches one file.
import integration from '@chirpstack/chirpstack-api/integration/integration_pb.js';
import timestamp from 'google-protobuf/google/protobuf/timestamp_pb.js';
import struct from 'google-protobuf/google/protobuf/struct_pb.js';

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

export function msOfTimestamp(ts: Timestamp): number {
  return ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000);
}
