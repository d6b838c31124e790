import type { Uplink } from '../../campaign/ports.js';
import { decodeJsonEvent, encodeJsonEvent } from './event-json.js';
import { decodeProtobufEvent, encodeProtobufEvent } from './event-protobuf.js';
import { DECODED_EVENTS, type ChirpstackEvent, type DecodedEvent, type DecodedEventName, type UpEvent, type UpWithoutPayloadEvent } from './event-types.js';
import type { PayloadEncoding } from './payload-encoding.js';

// Decoding and encoding of ChirpStack v4 MQTT integration events, JSON or Protobuf.

export * from './event-types.js';

const IGNORED_REASONS: Record<string, string> = {
  join: 'a join is not needed by FUOTA (the device answers the campaign after joining)',
  status: 'battery and margin reports are not needed by FUOTA',
  location: 'geolocation is not needed by FUOTA',
  integration: 'integration events come from other integrations, not from the device',
};

/** Decodes the payload of `application/…/event/<event>`. */
export function decodeEvent(event: string, payload: Uint8Array, encoding: PayloadEncoding): ChirpstackEvent {
  if (!(DECODED_EVENTS as readonly string[]).includes(event)) {
    return { kind: 'ignored', event, reason: IGNORED_REASONS[event] ?? `unknown ChirpStack event ${JSON.stringify(event)}` };
  }
  const name = event as DecodedEventName;
  return encoding === 'json' ? decodeJsonEvent(name, payload) : decodeProtobufEvent(name, payload);
}

/** What ChirpStack would publish for `event` (for the simulated ChirpStack and tests). */
export function encodeEvent(event: DecodedEvent | UpWithoutPayloadEvent, encoding: PayloadEncoding): Uint8Array {
  return encoding === 'json' ? encodeJsonEvent(event) : encodeProtobufEvent(event);
}

/** The MQTT topic's event name for an event. */
export function eventName(event: DecodedEvent | UpWithoutPayloadEvent): DecodedEventName {
  return event.kind === 'up-without-payload' ? 'up' : event.kind;
}

/** The campaign's view of an uplink (ports.ts). */
export function toUplink(event: UpEvent): Uplink {
  return { devEui: event.devEui, fPort: event.fPort, payload: event.data, atMs: event.timeMs, ...(event.object !== undefined ? { object: event.object } : {}) };
}
