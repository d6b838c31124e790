import commonPb from '@chirpstack/chirpstack-api/common/common_pb.js';
import type { RegionMap } from '@chirpstack/chirpstack-api/common/common_pb.js';
import multicastPb from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import type { MulticastGroup as MulticastGroupPb, MulticastGroupQueueItem as MulticastGroupQueueItemPb } from '@chirpstack/chirpstack-api/api/multicast_group_pb.js';
import timestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';
import { checkRange } from '../../core/byte-writer.js';
import { PeerError, ValueError } from '../../core/errors.js';
import { bytesToHex, hexToFixedBytes } from '../../core/hex.js';
import { classBPingSlotValue, type ClassBPingSlotField } from './chirpstack-version.js';

// ChirpStack v4 multicast groups as plain objects, and their api/multicast_group.proto messages
// (npm @chirpstack/chirpstack-api 4.19). Fields are checked here, before a call, because
// ChirpStack reports malformed hex as INTERNAL rather than INVALID_ARGUMENT.

export type ChirpstackRegion = keyof RegionMap;
/** MulticastGroupType: CLASS_C = 0, CLASS_B = 1. */
export type MulticastGroupType = 'CLASS_C' | 'CLASS_B';
/** MulticastGroupSchedulingType (class C): DELAY = 0 (one margin per gateway), GPS_TIME = 1. */
export type ClassCSchedulingType = 'DELAY' | 'GPS_TIME';

export interface MulticastGroupSpec {
  name: string;
  /** UUID of the ChirpStack application the group belongs to. */
  applicationId: string;
  region: ChirpstackRegion;
  /** McAddr, 4 bytes as 8 hex digits (MSB first, as ChirpStack shows DevAddrs). */
  mcAddrHex: string;
  mcNwkSKeyHex: string;
  mcAppSKeyHex: string;
  /** Frame counter of the next multicast downlink. */
  fCnt: number;
  groupType: MulticastGroupType;
  dr: number;
  frequencyHz: number;
  classCSchedulingType: ClassCSchedulingType;
  /** Class B ping-slot periodicity k (0..7; ping every 2^k s), as LoRaWAN defines it. */
  classBPingSlotPeriodicity: number;
  /** How the server's version carries it (chirpstack-version.ts); default v4.13+'s field 14. */
  classBPingSlotField?: ClassBPingSlotField;
}

export interface MulticastGroupInfo extends MulticastGroupSpec {
  id: string;
}

export interface MulticastEnqueueItem {
  fPort: number;
  payload: Uint8Array;
  /** ChirpStack drops the item, unsent, once this has passed. */
  expiresAtMs?: number;
}

export interface MulticastQueueItem extends MulticastEnqueueItem {
  /** Set by ChirpStack at enqueue. */
  fCnt: number;
}

const GROUP_TYPES: Record<MulticastGroupType, 0 | 1> = { CLASS_C: 0, CLASS_B: 1 };
const SCHEDULING_TYPES: Record<ClassCSchedulingType, 0 | 1> = { DELAY: 0, GPS_TIME: 1 };

/** A fixed-length hex field as ChirpStack wants it (lowercase, no separators). */
export function canonicalHex(text: string, bytes: number, field: string): string {
  if (typeof text !== 'string') throw new ValueError(field, `${bytes * 2} hex digits`, text, 'INVALID_HEX');
  return bytesToHex(hexToFixedBytes(text, bytes, field));
}

/** FPort of an application downlink: ChirpStack accepts 1..255 (storage/multicast.rs validate). */
export function checkFPort(fPort: number): number {
  return checkRange(fPort, 1, 255, 'fPort');
}

export function multicastGroupToProto(spec: MulticastGroupSpec): MulticastGroupPb {
  const region = commonPb.Region[spec.region];
  if (region === undefined) throw new ValueError('region', `one of ${Object.keys(commonPb.Region).join(', ')}`, spec.region, 'UNKNOWN_REGION');
  const groupType = GROUP_TYPES[spec.groupType];
  if (groupType === undefined) throw new ValueError('groupType', "'CLASS_C' or 'CLASS_B'", spec.groupType, 'UNKNOWN_GROUP_TYPE');
  const scheduling = SCHEDULING_TYPES[spec.classCSchedulingType];
  if (scheduling === undefined) throw new ValueError('classCSchedulingType', "'DELAY' or 'GPS_TIME'", spec.classCSchedulingType, 'UNKNOWN_SCHEDULING_TYPE');
  const pb = new multicastPb.MulticastGroup();
  pb.setName(spec.name);
  pb.setApplicationId(spec.applicationId);
  pb.setRegion(region);
  pb.setMcAddr(canonicalHex(spec.mcAddrHex, 4, 'mcAddrHex'));
  pb.setMcNwkSKey(canonicalHex(spec.mcNwkSKeyHex, 16, 'mcNwkSKeyHex'));
  pb.setMcAppSKey(canonicalHex(spec.mcAppSKeyHex, 16, 'mcAppSKeyHex'));
  pb.setFCnt(checkRange(spec.fCnt, 0, 0xffff_ffff, 'fCnt'));
  pb.setGroupType(groupType);
  pb.setDr(checkRange(spec.dr, 0, 15, 'dr'));
  pb.setFrequency(checkRange(spec.frequencyHz, 1, 0xffff_ffff, 'frequencyHz'));
  pb.setClassCSchedulingType(scheduling);
  const periodicity = checkRange(spec.classBPingSlotPeriodicity, 0, 7, 'classBPingSlotPeriodicity');
  const field = spec.classBPingSlotField ?? 'periodicity-field-14';
  // Field 12 is gone from the 4.19 classes: createMulticastGroupBytes appends it.
  if (field !== 'period-field-12') pb.setClassBPingSlotPeriodicity(classBPingSlotValue(field, periodicity));
  return pb;
}

/** Protobuf varint (LEB128) of a non-negative integer below 2^53. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * CreateMulticastGroupRequest as bytes. For ChirpStack v4.0–4.7 the class B setting is field 12
 * `class_b_ping_slot_period` (uint32), which the 4.19 classes no longer know: it is appended to
 * the MulticastGroup's bytes (a protobuf message is the concatenation of its fields).
 */
export function createMulticastGroupBytes(spec: MulticastGroupSpec): Uint8Array {
  const group = multicastGroupToProto(spec);
  const request = new multicastPb.CreateMulticastGroupRequest();
  request.setMulticastGroup(group);
  if ((spec.classBPingSlotField ?? 'periodicity-field-14') !== 'period-field-12') return request.serializeBinary();
  const period = classBPingSlotValue('period-field-12', spec.classBPingSlotPeriodicity);
  const groupBytes = [...group.serializeBinary(), ...varint((12 << 3) | 0), ...varint(period)];
  return Uint8Array.from([...varint((1 << 3) | 2), ...varint(groupBytes.length), ...groupBytes]);
}

function nameOf<K extends string>(table: Record<K, number>, value: number, field: string): K {
  const name = (Object.keys(table) as K[]).find((key) => table[key] === value);
  if (name === undefined) throw new PeerError('CHIRPSTACK_FIELD_INVALID', `ChirpStack MulticastGroup ${field}: expected one of ${Object.keys(table).join(', ')}, got ${value}`);
  return name;
}

export function multicastGroupFromProto(pb: MulticastGroupPb): MulticastGroupInfo {
  return {
    id: pb.getId(),
    name: pb.getName(),
    applicationId: pb.getApplicationId(),
    region: nameOf(commonPb.Region, pb.getRegion(), 'region'),
    mcAddrHex: pb.getMcAddr(),
    mcNwkSKeyHex: pb.getMcNwkSKey(),
    mcAppSKeyHex: pb.getMcAppSKey(),
    fCnt: pb.getFCnt(),
    groupType: nameOf(GROUP_TYPES, pb.getGroupType(), 'group_type'),
    dr: pb.getDr(),
    frequencyHz: pb.getFrequency(),
    classCSchedulingType: nameOf(SCHEDULING_TYPES, pb.getClassCSchedulingType(), 'class_c_scheduling_type'),
    classBPingSlotPeriodicity: pb.getClassBPingSlotPeriodicity(),
  };
}

export function queueItemToProto(groupId: string, item: MulticastEnqueueItem): MulticastGroupQueueItemPb {
  const pb = new multicastPb.MulticastGroupQueueItem();
  pb.setMulticastGroupId(groupId);
  pb.setFPort(checkFPort(item.fPort));
  if (!(item.payload instanceof Uint8Array)) throw new ValueError('payload', 'bytes (Uint8Array)', typeof item.payload, 'INVALID_PAYLOAD');
  pb.setData(item.payload);
  if (item.expiresAtMs !== undefined) pb.setExpiresAt(timestampPb.Timestamp.fromDate(new Date(item.expiresAtMs)));
  return pb;
}

export function queueItemFromProto(pb: MulticastGroupQueueItemPb): MulticastQueueItem {
  const expiresAt = pb.getExpiresAt();
  return {
    fCnt: pb.getFCnt(),
    fPort: pb.getFPort(),
    // getData() may be a base64 string: the _asU8 accessor always gives bytes.
    payload: pb.getData_asU8(),
    ...(expiresAt ? { expiresAtMs: expiresAt.toDate().getTime() } : {}),
  };
}
