import { randomBytes } from 'node:crypto';
import { CallerError } from '../../core/errors.js';

// The Things Stack's errors as its APIs show them (pkg/errors): a definition is a namespace (the
// Go package), a name, a message format with `{attribute}` placeholders and a gRPC code. Over
// HTTP (grpc-gateway) the body is
//   {"code": 3, "message": "error:pkg/networkserver:no_downlink_path (no downlink path available)",
//    "details": [{"@type": "type.googleapis.com/ttn.lorawan.v3.ErrorDetails", "namespace": …,
//                 "name": …, "message_format": …, "attributes": {…}, "correlation_id": …, "code": 3}]}
// (seen in TheThingsNetwork issue reports, e.g. kizniche/ttn-tracker#21 for pkg/rpcmetadata
// unauthenticated), with the HTTP status of the gRPC code. In MQTT messages (down/failed) the same
// ErrorDetails is the JSON of ttnpb.ErrorDetails (api/error.proto): namespace, name,
// message_format, attributes, correlation_id, cause, code.

export interface TtsErrorDefinition {
  namespace: string;
  name: string;
  messageFormat: string;
  /** gRPC status code (3 InvalidArgument, 5 NotFound, 6 AlreadyExists, 8 ResourceExhausted, 9 FailedPrecondition, 10 Aborted, 16 Unauthenticated …). */
  grpcCode: number;
}

function define(namespace: string, name: string, messageFormat: string, grpcCode: number): TtsErrorDefinition {
  return { namespace, name, messageFormat, grpcCode };
}

const NS = 'pkg/networkserver';
const GS_SCHEDULING = 'pkg/gatewayserver/scheduling';

/** Every error the simulated TTS returns; the source beside each. */
export const TTS_ERRORS = {
  // pkg/rpcmetadata (no or malformed Authorization header; kizniche/ttn-tracker#21 shows the body).
  unauthenticated: define('pkg/rpcmetadata', 'unauthenticated', 'the context is not authenticated', 16),
  // A Bearer token that is no key of ours: the Identity Server's api_key_not_found
  // (TheThingsIndustries/lorawan-stack-docs#1155 lists it); Unauthenticated is our assumption.
  apiKeyNotFound: define('pkg/identityserver', 'api_key_not_found', 'API key not found', 16),
  // A path application other than ours (pkg/auth/rights; TheThingsIndustries/lorawan-stack-docs#1155).
  noApplicationRights: define('pkg/auth/rights', 'no_application_rights', 'no rights for application `{application_uid}`', 7),
  // grpc-gateway's answer for a route it does not have: {"code": 5, "message": "Not Found", "details": []}
  // (no TTS namespace: the empty namespace marks it, httpBody writes the plain form).
  routeNotFound: define('', 'not_found', 'Not Found', 5),
  // Request bodies that are no JSON of the message (grpc-gateway unmarshalling; name assumed).
  unmarshal: define('pkg/jsonpb', 'unmarshal', 'failed to unmarshal JSON: {reason}', 3),
  // Field validation (pkg/ttnpb validate: "invalid `{field}`: {reason}").
  validation: define('pkg/ttnpb', 'validation', 'invalid `{field}`: {reason}', 3),
  // Identity Server store (pkg/identityserver/store errors.go).
  idTaken: define('pkg/identityserver/store', 'id_taken', 'ID already taken, choose a different one and try again', 6),
  endDeviceNotFound: define('pkg/identityserver/store', 'end_device_not_found', 'end device `{application_id}:{device_id}` not found', 5),
  // Network Server (pkg/networkserver/errors.go, v3.32).
  nsDeviceNotFound: define(NS, 'device_not_found', 'device not found', 5),
  fieldValue: define(NS, 'field_value', 'invalid value of field `{field}`', 3),
  classAMulticast: define(NS, 'class_a_multicast', 'multicast device in class A mode', 3),
  confirmedMulticast: define(NS, 'confirmed_multicast_downlink', 'confirmed downlink queued for multicast device', 3),
  noPath: define(NS, 'no_downlink_path', 'no downlink path available', 5),
  downlinkExpired: define(NS, 'downlink_expired', 'queued downlink is expired', 9),
  downlinkTooLong: define(NS, 'application_downlink_too_long', 'application downlink payload length `{length}` exceeds maximum `{max}`', 3),
  invalidAbsoluteTime: define(NS, 'absolute_time', 'invalid absolute time set in application downlink', 3),
  invalidFixedPaths: define(NS, 'fixed_paths', 'invalid fixed paths set in application downlink', 3),
  // pkg/networkserver/grpc_asns.go (v3.32): more than downlink-queue-capacity items (default 10 000).
  queueCapacity: define(NS, 'downlink_queue_capacity', 'downlink queue capacity exceeded', 8),
  // Application Server registry (pkg/applicationserver/applicationserver.go errDeviceNotFound);
  // Join Server (name assumed after the NS's).
  asDeviceNotFound: define('pkg/applicationserver', 'device_not_found', 'device `{device_uid}` not found', 5),
  // pkg/applicationserver/applicationserver.go (v3.32): a push for a device without a session.
  noDeviceSession: define('pkg/applicationserver', 'no_device_session', 'no device session; check device activation', 9),
  jsDeviceNotFound: define('pkg/joinserver', 'device_not_found', 'device not found', 5),
  // Storage Integration not enabled for the application (name assumed; the real server answers
  // for a deployment without the package as for an unknown route).
  storageNotEnabled: define('pkg/applicationserver/io/packages/storage', 'not_enabled', 'storage integration is not enabled', 5),
  // Gateway Server (pkg/gatewayserver/gatewayserver.go, scheduling/scheduler.go, sub_band.go).
  notConnected: define('pkg/gatewayserver', 'not_connected', 'gateway `{gateway_uid}` not connected', 5),
  noAbsoluteGatewayTime: define(GS_SCHEDULING, 'no_absolute_gateway_time', 'no absolute gateway time', 10),
  tooLate: define(GS_SCHEDULING, 'too_late', 'too late to transmission scheduled time (delta is `{delta}`)', 9),
  conflict: define(GS_SCHEDULING, 'conflict', 'scheduling conflict', 6),
  noSubBand: define(GS_SCHEDULING, 'no_sub_band', 'frequency `{frequency}` not in any sub-band', 9),
  dutyCycle: define(GS_SCHEDULING, 'duty_cycle', 'utilization `{used}%` would be higher than the available `{usable}%` for priority `{priority}`', 8),
} as const;

export type TtsErrorKey = keyof typeof TTS_ERRORS;

type Attributes = Readonly<Record<string, string | number | boolean>>;

/** One TTS error as the simulated server raises it (a caller error of the simulator's clients). */
export class SimTtsError extends CallerError {
  readonly definition: TtsErrorDefinition;
  readonly attributes: Attributes;
  readonly causeDetails: SimTtsError | undefined;
  readonly correlationId: string;

  constructor(key: TtsErrorKey, attributes: Attributes = {}, cause?: SimTtsError) {
    const definition = TTS_ERRORS[key];
    super(`SIM_TTS_${definition.name.toUpperCase()}`, `error:${definition.namespace}:${definition.name} (${formatMessage(definition.messageFormat, attributes)})`);
    this.definition = definition;
    this.attributes = attributes;
    this.causeDetails = cause;
    this.correlationId = randomBytes(16).toString('hex');
  }

  get grpcCode(): number {
    return this.definition.grpcCode;
  }

  /** ttnpb.ErrorDetails as JSON (zero values omitted, as TTS marshals). */
  details(): Record<string, unknown> {
    return {
      namespace: this.definition.namespace,
      name: this.definition.name,
      message_format: this.definition.messageFormat,
      ...(Object.keys(this.attributes).length > 0 ? { attributes: { ...this.attributes } } : {}),
      correlation_id: this.correlationId,
      ...(this.causeDetails ? { cause: this.causeDetails.details() } : {}),
      code: this.definition.grpcCode,
    };
  }

  /** The HTTP body of this error. */
  httpBody(): Record<string, unknown> {
    if (this.definition.namespace === '') return { code: this.definition.grpcCode, message: this.definition.messageFormat, details: [] };
    return { code: this.definition.grpcCode, message: this.message, details: [{ '@type': 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails', ...this.details() }] };
  }

  /** grpc-gateway's status for the code (runtime.HTTPStatusFromCode). */
  httpStatus(): number {
    return HTTP_STATUS_OF_GRPC_CODE[this.definition.grpcCode] ?? 500;
  }
}

/** A copy of a bare definition, without attributes (ttnpb.ErrorDetailsToProto of the definition, as the NS puts it in down/failed). */
export function bareError(key: TtsErrorKey): SimTtsError {
  return new SimTtsError(key);
}

const HTTP_STATUS_OF_GRPC_CODE: Readonly<Record<number, number>> = {
  1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

function formatMessage(format: string, attributes: Attributes): string {
  return format.replace(/\{(\w+)\}/g, (whole, name: string) => (name in attributes ? String(attributes[name]) : whole));
}

