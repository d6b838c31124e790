import { isEui64, type Eui64 } from '../../core/eui.js';
import { ChirpstackPayloadError, showValue } from './payload-error.js';

// Checks shared by the JSON and the Protobuf decoders, on values already read with the right type.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(context: string, field: string, expected: string, value: string): ChirpstackPayloadError {
  return value === ''
    ? new ChirpstackPayloadError('CHIRPSTACK_FIELD_MISSING', context, field, expected, 'nothing')
    : new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', context, field, expected, showValue(value));
}

/** ChirpStack writes EUIs as 16 lowercase hex digits; we accept any case. Empty = missing. */
export function checkDevEui(context: string, field: string, value: string): Eui64 {
  const lower = value.toLowerCase();
  if (!isEui64(lower)) throw fail(context, field, '16 hex digits', value);
  return lower;
}

/** Queue item ids and command ids are UUIDs (ChirpStack stores them as uuid). Empty = missing. */
export function checkUuid(context: string, field: string, value: string): string {
  if (!UUID.test(value)) throw fail(context, field, 'a UUID', value);
  return value.toLowerCase();
}

export function checkNonEmpty(context: string, field: string, value: string, expected = 'a non-empty string'): string {
  if (value === '') throw fail(context, field, expected, value);
  return value;
}

export function checkFPort(context: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new ChirpstackPayloadError('CHIRPSTACK_FIELD_INVALID', context, field, 'an integer 0..255', String(value));
  }
  return value;
}

/** Why an uplink without fPort carries nothing for us (LoRaWAN 1.0.4 §4.3.2: FPort 0 = MAC only). */
export function noPayloadReason(data: Uint8Array): string {
  return data.length > 0 ? 'fPort 0: the FRMPayload holds MAC commands only' : 'no fPort: MAC commands only, or an empty frame';
}
