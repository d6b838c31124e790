import test from 'ava';
import fc from 'fast-check';
import { decodeCommands, encodeCommands, type AppCommand, type Direction, type PackageSpec, type PackageVersion } from '../../src/lorawan/app-layer.js';
import { DecodeError, ValueError } from '../../src/core/errors.js';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';

/** A known-answer vector: `source` says where the bytes come from (a public test or the spec). */
export interface Vector<C extends AppCommand = AppCommand> {
  source: string;
  versions: readonly PackageVersion[];
  direction: Direction;
  hex: string;
  commands: readonly C[];
  /**
   * Offset where a field that runs to the end of the frame starts (TS004 DataFragment data).
   * Prefixes at least this long are shorter frames, not truncations, and are not checked.
   */
  tailFrom?: number;
}

/** For each vector: encode gives the bytes, decode gives the commands, every truncation fails. */
export function knownAnswerTests<C extends AppCommand>(spec: PackageSpec, vectors: readonly Vector<C>[]): void {
  for (const vector of vectors) {
    for (const version of vector.versions) {
      const name = `${spec.name} v${version} ${vector.direction} ${vector.commands.map((c) => c.command).join('+')} ${vector.hex}`;
      test(`encode ${name}`, (t) => {
        t.is(bytesToHex(encodeCommands(spec, version, vector.direction, vector.commands)), vector.hex);
      });
      test(`decode ${name}`, (t) => {
        t.deepEqual(decodeCommands(spec, version, vector.direction, hexToBytes(vector.hex)), vector.commands);
      });
      test(`every truncation of ${name} is DECODE_TRUNCATED`, (t) => {
        const bytes = hexToBytes(vector.hex);
        for (let length = 0; length < bytes.length; length++) {
          if (isCommandBoundary(spec, version, vector.direction, vector.commands, length)) continue;
          if (vector.tailFrom !== undefined && length >= vector.tailFrom) continue;
          const error = t.throws(() => decodeCommands(spec, version, vector.direction, bytes.subarray(0, length)), { instanceOf: DecodeError }, `length ${length}`);
          t.is(error?.code, 'DECODE_TRUNCATED', `length ${length}: ${error?.message}`);
        }
      });
    }
  }
}

/** A prefix that ends exactly after a whole command is a valid shorter frame, not a truncation. */
function isCommandBoundary(spec: PackageSpec, version: PackageVersion, direction: Direction, commands: readonly AppCommand[], length: number): boolean {
  if (length === 0) return false;
  let end = 0;
  for (const command of commands) {
    end += encodeCommands(spec, version, direction, [command]).length;
    if (end === length) return true;
  }
  return false;
}

/** decode(encode(x)) = x for generated commands of one version and direction. */
export function roundTripProperty(
  spec: PackageSpec,
  version: PackageVersion,
  direction: Direction,
  arbitrary: fc.Arbitrary<AppCommand>,
): void {
  test(`${spec.name} v${version} ${direction}: decode(encode(x)) = x (property)`, (t) => {
    fc.assert(
      fc.property(fc.array(arbitrary, { minLength: 1, maxLength: 4 }), (commands) => {
        const bytes = encodeCommands(spec, version, direction, commands);
        t.deepEqual(decodeCommands(spec, version, direction, bytes), commands);
      }),
      { numRuns: 300 },
    );
  });
}

/** decode(encode(frame)) = frame for generated whole frames (when not every order of commands is valid). */
export function roundTripFramesProperty(
  spec: PackageSpec,
  version: PackageVersion,
  direction: Direction,
  frames: fc.Arbitrary<AppCommand[]>,
  label = 'frames',
): void {
  test(`${spec.name} v${version} ${direction}: decode(encode(x)) = x for ${label} (property)`, (t) => {
    fc.assert(
      fc.property(frames, (commands) => {
        const bytes = encodeCommands(spec, version, direction, commands);
        t.deepEqual(decodeCommands(spec, version, direction, bytes), commands);
      }),
      { numRuns: 300 },
    );
  });
}

/** Unknown CIDs in each direction and version are DECODE_UNKNOWN_COMMAND at offset 0. */
export function unknownCidTests(spec: PackageSpec, unknown: Record<Direction, readonly number[]>, versions: readonly PackageVersion[]): void {
  for (const version of versions) {
    for (const direction of ['uplink', 'downlink'] as const) {
      for (const cid of unknown[direction]) {
        test(`${spec.name} v${version} ${direction}: CID 0x${cid.toString(16)} is unknown`, (t) => {
          const error = t.throws(() => decodeCommands(spec, version, direction, Uint8Array.of(cid, 0, 0, 0, 0, 0, 0, 0)), { instanceOf: DecodeError });
          t.is(error?.code, 'DECODE_UNKNOWN_COMMAND');
          t.is(error?.offset, 0);
        });
      }
    }
  }
}

/** Encoding a field beyond its width throws a ValueError naming the field. */
export function outOfRangeTests(spec: PackageSpec, cases: ReadonlyArray<{ version: PackageVersion; direction: Direction; command: AppCommand; field: RegExp }>): void {
  for (const c of cases) {
    test(`${spec.name} v${c.version} ${c.command.command}: out-of-range ${c.field.source} is refused`, (t) => {
      t.throws(() => encodeCommands(spec, c.version, c.direction, [c.command]), { instanceOf: ValueError, message: c.field });
    });
  }
}
