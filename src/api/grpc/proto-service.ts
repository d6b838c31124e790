import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// gRPC service definitions from our .proto files, parsed at run time with protobufjs (the .proto
// stays the one source of truth, as for the status messages: src/status/status-proto.ts).
// Messages cross as plain objects in protobufjs's names (lowerCamelCase, enums by name, 64-bit
// integers as numbers, bytes as Buffer), so CampaignStatus/DeviceStatus objects pass unchanged.

export const API_PROTO_PATH = fileURLToPath(new URL('../../../proto/fuota_api.proto', import.meta.url));
export const COMPAT_PROTO_PATH = fileURLToPath(new URL('../../../proto/chirpstack_fuota_server.proto', import.meta.url));

/** Decoding: enums by name, 64-bit as numbers, zero values filled in (a request field is never undefined). */
const DECODE: protobuf.IConversionOptions = { enums: String, longs: Number, defaults: true, oneofs: true };

const roots = new Map<string, protobuf.Root>();

function rootOf(path: string): protobuf.Root {
  let root = roots.get(path);
  if (!root) {
    root = protobuf.loadSync(path);
    root.resolveAll();
    roots.set(path, root);
  }
  return root;
}

/** Encodes a plain object as the message type (fromObject converts names of enums, numbers, nested objects). */
function serializer(type: protobuf.Type): (value: object) => Buffer {
  return (value) => Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
}

function deserializer(type: protobuf.Type, options: protobuf.IConversionOptions): (bytes: Buffer) => Record<string, unknown> {
  return (bytes) => type.toObject(type.decode(bytes), options);
}

/** The grpc-js definition of `serviceName` (e.g. fuota.api.v1.CampaignService) in the .proto at `path`. */
export function serviceDefinition(path: string, serviceName: string, decode: protobuf.IConversionOptions = DECODE): ServiceDefinition {
  const service = rootOf(path).lookupService(serviceName);
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: serializer(requestType),
      requestDeserialize: deserializer(requestType, decode),
      responseSerialize: serializer(responseType),
      responseDeserialize: deserializer(responseType, decode),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinition;
}
