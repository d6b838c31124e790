import { SimCommandError, type SimDownlinkCommand } from './sim-chirpstack-command.js';
import type { DeviceInfoMessage, DownlinkTxInfoMessage, IntegrationMessage, LoraModulationMessage, UplinkTxInfoMessage } from './sim-chirpstack-integration.js';

// The simulated ChirpStack's JSON (`[integration.mqtt] json = true`): what serde_json makes of
// the pbjson-generated Serialize/Deserialize impls (chirpstack/src/integration/mqtt.rs,
// api/rust/build.rs; influxdata/pbjson pbjson-build/src/generator/message.rs):
//   - names lowerCamelCase (the proto name is accepted on read), in proto field order;
//   - the integration package is built with emit_fields(): its scalar, repeated and map fields
//     are written even at their default (ChirpStack PR #63, "Emit integration fields in JSON if
//     at a valid value that is also their default value", v4.1); a message field (time, object,
//     txInfo) only when set. The gw package (rxInfo, txInfo) leaves defaults out;
//   - bytes standard base64 with padding (read: standard or URL-safe, padding optional,
//     pbjson/src/lib.rs Base64Visitor); enums by name; 32-bit integers as numbers (read: number
//     or decimal string, NumberDeserialize); Timestamp with chrono's to_rfc3339 (pbjson-types
//     timestamp.rs: "+00:00", sub-second digits only as needed, in 3, 6 or 9); Duration as "1s";
//   - read with ignore_unknown_fields(): an unknown field is skipped, a field given twice (by
//     both of its names) or a null scalar is an error.

function rfc3339(timeMs: number): string {
  const iso = new Date(timeMs).toISOString(); // 2025-01-01T00:00:00.123Z
  const fraction = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${fraction === '000' ? '' : `.${fraction}`}+00:00`;
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(3)}s`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A gw-package message: fields at their default are left out. */
function withoutDefaults(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== 0 && v !== '' && v !== false && v !== undefined && v !== 'CR_UNDEFINED'));
}

function modulation(lora: LoraModulationMessage | undefined): Record<string, unknown> {
  return lora === undefined ? {} : { modulation: { lora: withoutDefaults({ ...lora }) } };
}

function deviceInfo(info: DeviceInfoMessage): Record<string, unknown> {
  return {
    tenantId: info.tenantId, tenantName: info.tenantName, applicationId: info.applicationId, applicationName: info.applicationName,
    deviceProfileId: info.deviceProfileId, deviceProfileName: info.deviceProfileName, deviceName: info.deviceName, devEui: info.devEui,
    deviceClassEnabled: info.deviceClassEnabled, tags: { ...info.tags },
  };
}

function uplinkTxInfo(tx: UplinkTxInfoMessage): Record<string, unknown> {
  return { ...withoutDefaults({ frequency: tx.frequency }), ...modulation(tx.lora) };
}

function downlinkTxInfo(tx: DownlinkTxInfoMessage): Record<string, unknown> {
  return { ...withoutDefaults({ frequency: tx.frequency, power: tx.power }), ...modulation(tx.lora), timing: { delay: { delay: duration(tx.delayMs) } } };
}

/** Most devices whose deviceInfo JSON is kept (the demo's fleets fit; a larger one starts over). */
const DEVICE_INFO_CACHE_SIZE = 20_000;
const deviceInfoCache = new Map<string, { info: DeviceInfoMessage; json: string }>();

function sameDeviceInfo(a: DeviceInfoMessage, b: DeviceInfoMessage): boolean {
  return a.devEui === b.devEui && a.applicationId === b.applicationId && a.deviceName === b.deviceName && a.deviceClassEnabled === b.deviceClassEnabled
    && a.tenantId === b.tenantId && a.tenantName === b.tenantName && a.applicationName === b.applicationName
    && a.deviceProfileId === b.deviceProfileId && a.deviceProfileName === b.deviceProfileName && Object.keys(b.tags).length === 0;
}

/**
 * deviceInfo as JSON. Every event of a device carries the same one (ChirpStack reads it from its
 * database), so its text is kept per device: building and writing it was a third of the encoding
 * of an event/up, which the demo's worker does a million times at 10 000 devices (issue #17).
 */
function deviceInfoJson(info: DeviceInfoMessage): string {
  const kept = deviceInfoCache.get(info.devEui);
  if (kept !== undefined && sameDeviceInfo(kept.info, info)) return kept.json;
  const json = JSON.stringify(deviceInfo(info));
  if (Object.keys(info.tags).length === 0) {
    if (deviceInfoCache.size >= DEVICE_INFO_CACHE_SIZE) deviceInfoCache.clear();
    deviceInfoCache.set(info.devEui, { info: { ...info, tags: {} }, json });
  }
  return json;
}

/** JSON.stringify({ ...head, deviceInfo, ...tail }), with deviceInfo's text as deviceInfoJson keeps it; head and tail have at least one field. */
function withDeviceInfo(head: Record<string, unknown>, info: DeviceInfoMessage, tail: Record<string, unknown>): string {
  return `${JSON.stringify(head).slice(0, -1)},"deviceInfo":${deviceInfoJson(info)},${JSON.stringify(tail).slice(1)}`;
}

const utf8 = new TextEncoder();

/** The JSON ChirpStack publishes for `message`. */
export function writeJsonEvent(message: IntegrationMessage): Uint8Array {
  let json: string;
  switch (message.type) {
    case 'up':
      json = withDeviceInfo({ deduplicationId: message.deduplicationId, time: rfc3339(message.timeMs) }, message.deviceInfo, {
        devAddr: message.devAddr, adr: message.adr, dr: message.dr, fCnt: message.fCnt, fPort: message.fPort, confirmed: message.confirmed, data: base64(message.data),
        ...(message.object === undefined ? {} : { object: message.object }),
        rxInfo: message.rxInfo.map((rx) => withoutDefaults({ ...rx })), txInfo: uplinkTxInfo(message.txInfo), regionConfigId: message.regionConfigId,
      });
      break;
    case 'txack':
      json = withDeviceInfo({ downlinkId: message.downlinkId, time: rfc3339(message.timeMs) }, message.deviceInfo, {
        queueItemId: message.queueItemId, fCntDown: message.fCntDown, gatewayId: message.gatewayId, txInfo: downlinkTxInfo(message.txInfo),
      });
      break;
    case 'ack':
      json = withDeviceInfo({ deduplicationId: message.deduplicationId, time: rfc3339(message.timeMs) }, message.deviceInfo, {
        queueItemId: message.queueItemId, acknowledged: message.acknowledged, fCntDown: message.fCntDown,
      });
      break;
    case 'log':
      json = withDeviceInfo({ time: rfc3339(message.timeMs) }, message.deviceInfo, {
        level: message.level, code: message.code, description: message.description, context: { ...message.context },
      });
      break;
  }
  return utf8.encode(json);
}

// ---- command/down -------------------------------------------------------------------------

/** DownlinkCommand's fields: JSON name → proto name. */
const COMMAND_FIELDS = { id: 'id', devEui: 'dev_eui', confirmed: 'confirmed', fPort: 'f_port', data: 'data', object: 'object', expiresAt: 'expires_at' } as const;
type CommandField = keyof typeof COMMAND_FIELDS;
const FIELD_OF_NAME = new Map<string, CommandField>(
  (Object.entries(COMMAND_FIELDS) as Array<[CommandField, string]>).flatMap(([json, proto]) => [[json, json], [proto, json]]),
);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function refuse(field: string, expected: string, value: unknown): SimCommandError {
  return new SimCommandError(`${field}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}

function readString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw refuse(field, 'a string', value);
  return value;
}

function readU32(field: string, value: unknown): number {
  // Rust's u32::from_str: an optional "+", decimal digits.
  const n = typeof value === 'string' && /^\+?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw refuse(field, 'a uint32 (number or decimal string)', value);
  return n;
}

function readBool(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw refuse(field, 'true or false', value);
  return value;
}

function readBytes(field: string, value: unknown): Uint8Array {
  const text = readString(field, value);
  // The standard alphabet, or the URL-safe one when the text holds "-" or "_"; padding optional
  // but right if present; no stray bits in the last symbol (the base64 crate's defaults).
  const urlSafe = /[-_]/.test(text);
  const body = text.replace(/=+$/, '');
  const padding = text.length - body.length;
  const alphabet = urlSafe ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+/]*$/;
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  const canonical = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  if (!alphabet.test(body) || canonical !== body || (padding > 0 && (body.length + padding) % 4 !== 0) || padding > 2) throw refuse(field, 'base64', value);
  return Uint8Array.from(bytes);
}

function readTimestampMs(field: string, value: unknown): number {
  const m = RFC3339.exec(readString(field, value));
  if (m === null) throw refuse(field, 'an RFC 3339 date-time', value);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetMin = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return Date.UTC(y, mo - 1, d, h, mi, s, Number(((m[7] ?? '') + '000').slice(0, 3))) - offsetMin * 60_000;
}

/** Reads a `command/down` JSON payload as ChirpStack's serde_json::from_slice::<DownlinkCommand> does. */
export function readJsonDownlinkCommand(payload: Uint8Array): SimDownlinkCommand {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new SimCommandError(`payload is not JSON (${(error as Error).message})`);
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw refuse('payload', 'a JSON object', root);
  const given: Partial<Record<CommandField, unknown>> = {};
  for (const [name, value] of Object.entries(root)) {
    const field = FIELD_OF_NAME.get(name);
    if (field === undefined) continue;
    if (field in given) throw new SimCommandError(`duplicate field \`${field}\``);
    given[field] = value;
  }
  const scalar = <T>(field: CommandField, read: (field: string, value: unknown) => T, absent: T): T => (field in given ? read(field, given[field]) : absent);
  const { object, expiresAt } = given;
  if (object !== undefined && object !== null && (typeof object !== 'object' || Array.isArray(object))) throw refuse('object', 'a JSON object (google.protobuf.Struct)', object);
  return {
    id: scalar('id', readString, ''),
    devEui: scalar('devEui', readString, ''),
    confirmed: scalar('confirmed', readBool, false),
    fPort: scalar('fPort', readU32, 0),
    data: scalar('data', readBytes, new Uint8Array(0)),
    ...(object === undefined || object === null ? {} : { object: object as Record<string, unknown> }),
    ...(expiresAt === undefined || expiresAt === null ? {} : { expiresAtMs: readTimestampMs('expiresAt', expiresAt) }),
  };
}
