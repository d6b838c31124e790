import { ByteReader } from '../core/byte-reader.js';
import { ByteWriter } from '../core/byte-writer.js';
import { DecodeError, ValueError } from '../core/errors.js';

// The LoRaWAN application-layer packages (TS003, TS004, TS005, TS006) share one frame shape:
// a frame on the package's fPort holds one or more commands, each `CID payload`, where a request
// and its answer share the CID and the direction tells them apart. Multi-byte fields are
// little-endian. This file is that shared frame codec; each package file lists its commands.

export type PackageVersion = 1 | 2;
export type Direction = 'uplink' | 'downlink';
export type PackageName = 'TS003' | 'TS004' | 'TS005' | 'TS006';

/** Every decoded command is a plain object tagged with its spec name. */
export interface AppCommand {
  readonly command: string;
}

export interface CommandCodec<C extends AppCommand = AppCommand> {
  readonly cid: number;
  readonly command: C['command'];
  /** Payload length after the CID when it is fixed; the frame codec checks it up front. */
  readonly size?: number;
  /** The spec makes this the only command of its frame (TS004 DataFragment, §3). */
  readonly alone?: boolean;
  /** Fields that hold bytes (keys, descriptors, MICs): hex in JSON. */
  readonly byteFields?: readonly string[];
  /** Reads the payload (the CID is already consumed). */
  decode(reader: ByteReader): C;
  /** Writes the payload (the CID is already written). */
  encode(writer: ByteWriter, command: C): void;
}

export interface CommandSet {
  readonly uplink: readonly CommandCodec<any>[];
  readonly downlink: readonly CommandCodec<any>[];
}

export interface PackageSpec {
  readonly name: PackageName;
  readonly title: string;
  readonly fPort: number;
  readonly packageIdentifier: number;
  readonly versions: Partial<Record<PackageVersion, CommandSet>>;
}

/** The commands a package defines for one version and direction. */
export function commandSet(spec: PackageSpec, version: PackageVersion, direction: Direction): readonly CommandCodec<any>[] {
  const set = spec.versions[version];
  if (!set) {
    const known = Object.keys(spec.versions).join(', ');
    throw new ValueError(`${spec.name} package version`, `one of ${known}`, version, 'UNKNOWN_PACKAGE_VERSION');
  }
  return set[direction];
}

/** Decodes every command in a frame; throws DecodeError on the first problem, never partial. */
export function decodeCommands<C extends AppCommand = AppCommand>(
  spec: PackageSpec,
  version: PackageVersion,
  direction: Direction,
  frame: Uint8Array,
): C[] {
  const codecs = commandSet(spec, version, direction);
  const reader = new ByteReader(frame, `${spec.name} v${version} ${direction}`);
  const commands: C[] = [];
  if (frame.length === 0) {
    throw new DecodeError('DECODE_TRUNCATED', reader.site(), 'at least 1 byte (a CID)', '0 bytes');
  }
  while (!reader.atEnd) {
    reader.context = `${spec.name} v${version} ${direction}`;
    const cidOffset = reader.offset;
    const cid = reader.u8();
    const codec = codecs.find((c) => c.cid === cid);
    if (!codec) {
      const known = codecs.map((c) => `0x${hex2(c.cid)} ${c.command}`).join(', ');
      throw new DecodeError('DECODE_UNKNOWN_COMMAND', { context: reader.context, offset: cidOffset }, `a CID among ${known}`, `0x${hex2(cid)}`);
    }
    reader.context = `${spec.name} ${codec.command}`;
    if (codec.size !== undefined) reader.need(codec.size, `${codec.size} bytes`);
    commands.push(codec.decode(reader) as C);
  }
  return commands;
}

/** Encodes commands into one frame, in order. */
export function encodeCommands(
  spec: PackageSpec,
  version: PackageVersion,
  direction: Direction,
  commands: readonly AppCommand[],
): Uint8Array {
  const codecs = commandSet(spec, version, direction);
  const writer = new ByteWriter(`${spec.name} v${version} ${direction}`);
  for (const command of commands) {
    const codec = codecs.find((c) => c.command === command?.command);
    if (!codec) {
      const known = codecs.map((c) => c.command).join(', ');
      throw new ValueError(`${spec.name} v${version} ${direction} command`, `one of ${known}`, command?.command, 'UNKNOWN_COMMAND');
    }
    writer.context = `${spec.name} ${codec.command}`;
    if (codec.alone && commands.length > 1) {
      throw new ValueError(`${spec.name} ${codec.command}`, 'the only command of its frame', `${commands.length} commands`, 'COMMAND_NOT_ALONE');
    }
    writer.u8(codec.cid, 'CID');
    codec.encode(writer, command);
  }
  return writer.toBytes();
}

/** Finds the codec for a command name (for JSON conversion of byte fields). */
export function findCodec(spec: PackageSpec, version: PackageVersion, direction: Direction, name: string): CommandCodec | undefined {
  return commandSet(spec, version, direction).find((c) => c.command === name);
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}
