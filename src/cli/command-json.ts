import { CallerError } from '../core/errors.js';
import { bytesToHex, hexToBytes } from '../core/hex.js';
import { findCodec, type AppCommand, type Direction, type PackageSpec, type PackageVersion } from '../lorawan/app-layer.js';

// The JSON form of application-layer commands, for operators: numbers stay numbers, byte fields
// (keys, descriptors, MICs, fragment data) are hex strings.

export function commandsToJson(commands: readonly AppCommand[]): unknown[] {
  return commands.map((command) =>
    Object.fromEntries(Object.entries(command).map(([key, value]) => [key, value instanceof Uint8Array ? bytesToHex(value) : value])),
  );
}

/** Accepts one command object or an array of them; converts the codec's byte fields from hex. */
export function commandsFromJson(spec: PackageSpec, version: PackageVersion, direction: Direction, text: string): AppCommand[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CallerError('INVALID_JSON', `JSON argument: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new CallerError('INVALID_JSON', 'JSON argument: expected at least one command, got []');
  return list.map((item, index) => {
    if (typeof item !== 'object' || item === null || typeof (item as { command?: unknown }).command !== 'string') {
      throw new CallerError('INVALID_JSON', `JSON command ${index}: expected an object with a "command" name, got ${JSON.stringify(item)}`);
    }
    const codec = findCodec(spec, version, direction, (item as { command: string }).command);
    const byteFields = new Set(codec?.byteFields ?? []);
    return Object.fromEntries(
      Object.entries(item).map(([key, value]) => {
        if (!byteFields.has(key)) return [key, value];
        if (typeof value !== 'string') {
          throw new CallerError('INVALID_JSON', `JSON command ${index} ${key}: expected a hex string, got ${JSON.stringify(value)}`);
        }
        return [key, hexToBytes(value, `JSON command ${index} ${key}`)];
      }),
    ) as unknown as AppCommand;
  });
}
