// ChirpStack's Protobuf `up` event (integration.proto UplinkEvent) read straight from its wire
// form (https://protobuf.dev/programming-guides/encoding/), for the fields FUOTA uses only
// (issue #17: the generated classes build every rx_info, tx_info and device_info field of every
// uplink, a large part of the service's cost per uplink). The rest is skipped by its length.
//
// Only the plain shape ChirpStack writes is read here; anything else answers undefined and the
// generated classes decode the message, so what they accept, refuse and say stays the verdict.
// Left to them: in UplinkEvent, DeviceInfo, its tags, UplinkRxInfo, its metadata and Timestamp, a
// field with another wire type than its proto type (google-protobuf asserts the wire type); a
// group; a length past the end; a varint over 2^53 or a uint32 over 2^32 - 1 (google-protobuf
// keeps its low 32 bits); a bool not 0 or 1; a byte over 0x7f in a string of those messages
// (google-protobuf 3.21's UTF-8 decoder may read past such a string's end and misread the fields
// after it); a time or device_info given twice (google-protobuf keeps the last whole); `object`
// (the Struct's conversion is theirs). Not checked: the inside of tx_info, relay_rx_info,
// join_server_context and of rx_info's timestamps, durations and location: garbage there no
// longer makes an uplink unreadable, as it carries nothing the campaign reads.

/** The fields of an UplinkEvent that FUOTA uses, as google-protobuf's getters answer them. */
export interface UplinkEventFields {
  deduplicationId: string;
  /** Absent: no `time` field (proto3 message fields have presence). */
  time?: { seconds: number; nanos: number };
  deviceInfo?: { applicationId: string; devEui: string };
  fCnt: number;
  fPort: number;
  dr: number;
  confirmed: boolean;
  data: Uint8Array;
  /** rx_info[].gateway_id, empty ones included (as the list getter answers). */
  gatewayIds: string[];
  /** google.protobuf.Struct as JavaScript (only from the generated classes). */
  object?: unknown;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;
/** Any wire type: a field number the message does not have (skipped, as google-protobuf does). */
const ANY = -1;
/** Wire types of UplinkEvent's fields 1..16 (integration.proto, chirpstack-api 4.19). */
const UPLINK_WIRE_TYPES = [ANY, LENGTH, LENGTH, LENGTH, LENGTH, VARINT, VARINT, VARINT, VARINT, VARINT, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH];
/** DeviceInfo's fields 1..10: eight strings, the tags map, the device class enum. */
const DEVICE_INFO_WIRE_TYPES = [ANY, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, LENGTH, VARINT];
/** gw.UplinkRxInfo's fields 1..17 (gw.proto; 14 is not one): gateway_id, uplink_id, gw_time, ns_time, two durations, rssi, snr (float), channel, rf_chain, board, antenna, location, context, metadata, crc_status, time. */
const RX_INFO_WIRE_TYPES = [ANY, LENGTH, VARINT, LENGTH, LENGTH, LENGTH, VARINT, FIXED32, VARINT, VARINT, VARINT, VARINT, LENGTH, LENGTH, ANY, LENGTH, VARINT, LENGTH];

function checkWireType(types: readonly number[], field: number, wireType: number): void {
  if (field < types.length && types[field] !== ANY && types[field] !== wireType) throw UNREAD;
}

/** Not the plain shape: google-protobuf decides. */
class Unread extends Error {}
const UNREAD = new Unread('not the plain UplinkEvent shape');

/** A cursor over one message (or a nested one: `end` is its end). */
class WireReader {
  pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** A varint up to 2^53 - 1. */
  varint(): number {
    const bytes = this.bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw UNREAD;
      const b = bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw UNREAD;
        return value;
      }
      scale *= 128;
    }
    throw UNREAD;
  }

  /** Past a varint of any value (a negative int32 takes ten bytes; more is not a varint). */
  skipVarint(): void {
    const bytes = this.bytes;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw UNREAD;
      if (bytes[this.pos++]! < 0x80) return;
    }
    throw UNREAD;
  }

  uint32(): number {
    const value = this.varint();
    if (value > 0xffff_ffff) throw UNREAD;
    return value;
  }

  bool(): boolean {
    const value = this.varint();
    if (value > 1) throw UNREAD;
    return value === 1;
  }

  /** The end of a length-delimited field that starts here (its length read). */
  lengthEnd(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.end) throw UNREAD;
    return end;
  }

  /** A string field of ASCII bytes (for those, UTF-8 and Latin-1 read the same). */
  ascii(): string {
    const end = this.lengthEnd();
    const bytes = this.bytes;
    let text = '';
    for (let i = this.pos; i < end; i++) {
      const b = bytes[i]!;
      if (b > 0x7f) throw UNREAD;
      text += String.fromCharCode(b);
    }
    this.pos = end;
    return text;
  }

  /** Past a string field, which must be ASCII (see the top). */
  skipAscii(): void {
    const end = this.lengthEnd();
    const bytes = this.bytes;
    for (let i = this.pos; i < end; i++) if (bytes[i]! > 0x7f) throw UNREAD;
    this.pos = end;
  }

  /** Past a map<string, string> entry (key 1, value 2: ASCII strings). */
  skipStringMapEntry(): void {
    const end = this.lengthEnd();
    const entry = new WireReader(this.bytes, this.pos, end);
    while (entry.more()) {
      const tag = entry.tag();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1 || field === 2) {
        if (wireType !== LENGTH) throw UNREAD;
        entry.skipAscii();
      } else entry.skip(wireType);
    }
    this.pos = end;
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.skipVarint();
    else if (wireType === LENGTH) this.pos = this.lengthEnd();
    else if (wireType === FIXED64 || wireType === FIXED32) {
      this.pos += wireType === FIXED64 ? 8 : 4;
      if (this.pos > this.end) throw UNREAD;
    } else throw UNREAD; // groups (3, 4) and the unassigned 6, 7
  }

  /** The next tag as [field number, wire type]; field number 0 is not a field. */
  tag(): number {
    const tag = this.varint();
    if (tag >>> 3 === 0 || tag > 0xffff_ffff) throw UNREAD;
    return tag;
  }
}

function timestamp(r: WireReader): { seconds: number; nanos: number } {
  const time = { seconds: 0, nanos: 0 };
  while (r.more()) {
    const tag = r.tag();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 || field === 2) {
      if (wireType !== VARINT) throw UNREAD;
      // Negative seconds or nanos are ten-byte varints: google-protobuf reads those.
      const value = r.varint();
      if (value > 0x7fff_ffff && field === 2) throw UNREAD;
      if (field === 1) time.seconds = value;
      else time.nanos = value;
    } else r.skip(wireType);
  }
  return time;
}

function deviceInfo(r: WireReader): { applicationId: string; devEui: string } {
  const info = { applicationId: '', devEui: '' };
  while (r.more()) {
    const tag = r.tag();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    checkWireType(DEVICE_INFO_WIRE_TYPES, field, wireType);
    if (field === 3) info.applicationId = r.ascii();
    else if (field === 8) info.devEui = r.ascii();
    else if (field >= 1 && field <= 7) r.skipAscii();
    else if (field === 9) r.skipStringMapEntry(); // tags
    else r.skip(wireType);
  }
  return info;
}

function gatewayId(r: WireReader): string {
  let id = '';
  while (r.more()) {
    const tag = r.tag();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    checkWireType(RX_INFO_WIRE_TYPES, field, wireType);
    if (field === 1) id = r.ascii();
    else if (field === 15) r.skipStringMapEntry(); // metadata
    else r.skip(wireType);
  }
  return id;
}

/** The plain UplinkEvent's fields, or undefined: the generated classes must read this one. */
export function readUplinkEvent(bytes: Uint8Array): UplinkEventFields | undefined {
  try {
    return read(bytes);
  } catch (error) {
    if (error instanceof Unread) return undefined;
    throw error;
  }
}

function read(bytes: Uint8Array): UplinkEventFields {
  const r = new WireReader(bytes, 0, bytes.length);
  const out: UplinkEventFields = { deduplicationId: '', fCnt: 0, fPort: 0, dr: 0, confirmed: false, data: EMPTY, gatewayIds: [] };
  while (r.more()) {
    const tag = r.tag();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    checkWireType(UPLINK_WIRE_TYPES, field, wireType);
    switch (field) {
      case 1:
        out.deduplicationId = r.ascii();
        break;
      case 2: {
        if (out.time !== undefined) throw UNREAD;
        const end = r.lengthEnd();
        out.time = timestamp(new WireReader(bytes, r.pos, end));
        r.pos = end;
        break;
      }
      case 3: {
        if (out.deviceInfo !== undefined) throw UNREAD;
        const end = r.lengthEnd();
        out.deviceInfo = deviceInfo(new WireReader(bytes, r.pos, end));
        r.pos = end;
        break;
      }
      case 6:
        out.dr = r.uint32();
        break;
      case 7:
        out.fCnt = r.uint32();
        break;
      case 8:
        out.fPort = r.uint32();
        break;
      case 9:
        out.confirmed = r.bool();
        break;
      case 10: {
        const end = r.lengthEnd();
        // A copy: the campaign keeps it, and a view would keep the whole MQTT read buffer alive.
        out.data = bytes.slice(r.pos, end);
        r.pos = end;
        break;
      }
      case 11:
        throw UNREAD; // object: google.protobuf.Struct, converted by the generated classes
      case 12: {
        const end = r.lengthEnd();
        out.gatewayIds.push(gatewayId(new WireReader(bytes, r.pos, end)));
        r.pos = end;
        break;
      }
      case 5:
        r.skipVarint(); // adr: not used
        break;
      case 4: // dev_addr
      case 16: // region_config_id
        r.skipAscii();
        break;
      default:
        r.skip(wireType);
    }
  }
  return out;
}

const EMPTY = new Uint8Array(0);
