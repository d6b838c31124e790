import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// A v4.0–4.7 ChirpStack client sends the class B setting in MulticastGroup field 12
// `class_b_ping_slot_period`, which the 4.19 classes (google-protobuf / jspb) drop as unknown
// when they parse. To see it as such a ChirpStack would, the Create method's deserializer is
// wrapped to keep the request's raw bytes beside the parsed message, and field 12 is read from
// them with protobufjs' Reader.

/** Raw bytes of the requests a wrapped method parsed, by request object. */
export type RawRequests = WeakMap<object, Uint8Array>;

/** `service` with `method`'s request deserializer also recording the raw bytes into `raw`. */
export function keepingRawRequest<S extends ServiceDefinition>(service: S, method: keyof S & string, raw: RawRequests): S {
  const definition = service[method] as MethodDefinition<object, unknown>;
  const requestDeserialize = (bytes: Buffer): object => {
    const request = definition.requestDeserialize(bytes);
    raw.set(request, new Uint8Array(bytes));
    return request;
  };
  return { ...service, [method]: { ...definition, requestDeserialize } };
}

/** The last varint of field `field` of a message's bytes (protobuf: the last one wins); undefined if absent. */
function varintField(bytes: Uint8Array, field: number): number | undefined {
  let value: number | undefined;
  forEachField(bytes, (number, reader, wireType) => {
    if (number !== field || wireType !== 0) return false;
    value = reader.uint32();
    return true;
  });
  return value;
}

/** The last length-delimited field `field` (a nested message). */
function bytesField(bytes: Uint8Array, field: number): Uint8Array | undefined {
  let value: Uint8Array | undefined;
  forEachField(bytes, (number, reader, wireType) => {
    if (number !== field || wireType !== 2) return false;
    value = reader.bytes();
    return true;
  });
  return value;
}

/** Visits each field; `read` consumes the value and returns true, or returns false to have it skipped. */
function forEachField(bytes: Uint8Array, read: (field: number, reader: protobuf.Reader, wireType: number) => boolean): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (!(wireType === 0 || wireType === 2) || !read(tag >>> 3, reader, wireType)) reader.skipType(wireType);
  }
}

/** CreateMulticastGroupRequest bytes → MulticastGroup (field 1) → class_b_ping_slot_period (field 12), if sent. */
export function pingSlotPeriodField12(createRequest: Uint8Array): number | undefined {
  const group = bytesField(createRequest, 1);
  return group === undefined ? undefined : varintField(group, 12);
}
