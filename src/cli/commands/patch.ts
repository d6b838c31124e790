import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Command, Option } from 'commander';
import { CallerError, PeerError } from '../../core/errors.js';
import type { JanpatchDialect } from '../../delta/jojo-format.js';
import { PATCH_FORMAT_CHOICES, parseHeatshrinkFlag, type PatchFormatFlag } from './delta-flags.js';

const PAGE_BYTES = 4096;

/** The janpatch dialects (delta/jojo-format.ts JANPATCH_DIALECTS), listed here so `--help` loads no codec. */
export const JANPATCH_CHOICES: readonly JanpatchDialect[] = ['legacy', 'current'];

// The delta codec is imported inside the action: `fuota --help` must not load it (issue #17).

export function register(program: Command): void {
  program
    .command('patch')
    .description('apply a delta patch to OLD, streaming like the device library (janpatch or detools); NEW is written only if the whole patch applies')
    .argument('<old>', 'the image on the device')
    .argument('<patch>', 'the patch (JojoDiff, or detools sequential with --delta detools)')
    .argument('<new>', 'where to write the result')
    .addOption(new Option('--delta <format>', 'patch format').choices(PATCH_FORMAT_CHOICES).default('jojodiff'))
    .addOption(
      new Option('--janpatch <dialect>', 'jojodiff: read as this janpatch build: current (c8ad3ee, Nov 2024, or later) applies every patch jdiff 0.8.5 and fuota diff write; legacy refuses what older builds refuse (data without ESC MOD)')
        .choices(JANPATCH_CHOICES),
    )
    // Before --janpatch (issue #18): the same as --janpatch current, now the default. Kept working.
    .addOption(new Option('--implicit-mod').hideHelp())
    .option('--heatshrink <window,lookahead>', "detools: refuse a heatshrink patch with other window/lookahead bits, as a device build does (detools' default build: 8,7); default: any")
    .option('--sha256 <hex>', 'SHA-256 NEW must have; the format has no checksum, so this catches a wrong OLD or a cut patch')
    .action(async (oldPath: string, patchPath: string, newPath: string, options: { delta: PatchFormatFlag; janpatch?: JanpatchDialect; implicitMod?: boolean; heatshrink?: string; sha256?: string }) => {
      if (options.implicitMod === true && options.janpatch === 'legacy') {
        throw new CallerError('INVALID_ARGUMENT', '--implicit-mod: expected no --janpatch legacy with it (it means --janpatch current), got both');
      }
      if (options.delta === 'detools' && (options.janpatch !== undefined || options.implicitMod === true)) {
        throw new CallerError('DELTA_OPTION_UNUSED', `--${options.janpatch !== undefined ? 'janpatch' : 'implicit-mod'}: expected --delta jojodiff with it, got --delta detools`);
      }
      if (options.delta === 'jojodiff' && options.heatshrink !== undefined) {
        throw new CallerError('DELTA_OPTION_UNUSED', '--heatshrink: expected --delta detools with it, got --delta jojodiff');
      }
      const heatshrink = options.heatshrink === undefined ? undefined : parseHeatshrinkFlag(options.heatshrink);
      const dialect: JanpatchDialect = options.janpatch ?? 'current';
      const createPatcher = options.delta === 'detools'
        ? await import('../../delta/detools/detools-patch.js').then(({ DetoolsPatcher }) =>
            (oldSize: number, readOld: (offset: number, length: number) => Uint8Array, sink: (chunk: Uint8Array) => void) =>
              new DetoolsPatcher(oldSize, readOld, sink, { pageSizeBytes: PAGE_BYTES, ...(heatshrink ? { heatshrink } : {}) }))
        : await import('../../delta/jojo-patch.js').then(({ JojoPatcher }) =>
            (oldSize: number, readOld: (offset: number, length: number) => Uint8Array, sink: (chunk: Uint8Array) => void) =>
              new JojoPatcher(oldSize, readOld, sink, { pageSizeBytes: PAGE_BYTES, dialect }));
      const expected = options.sha256?.toLowerCase();
      if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
        throw new CallerError('INVALID_DIGEST', `--sha256: expected 64 hex digits, got ${JSON.stringify(options.sha256)}`);
      }
      const patch = readInputFile(patchPath, 'PATCH');
      const oldFd = openInputFile(oldPath, 'OLD');
      try {
        const oldSize = fstatSync(oldFd).size;
        const readOld = (offset: number, length: number): Uint8Array => {
          const bytes = new Uint8Array(length);
          let got = 0;
          while (got < length) {
            const n = readSync(oldFd, bytes, got, length - got, offset + got);
            if (n === 0) break;
            got += n;
          }
          return got === length ? bytes : bytes.subarray(0, got);
        };
        let total = 0;
        const hash = createHash('sha256');
        writeOutputAtomically(newPath, 'NEW', (write) => {
          const patcher = createPatcher(oldSize, readOld, (chunk) => {
            total += chunk.length;
            hash.update(chunk);
            write(chunk);
          });
          for (let at = 0; at < patch.length; at += PAGE_BYTES) patcher.push(patch.subarray(at, at + PAGE_BYTES));
          patcher.end();
          const actual = hash.digest('hex');
          if (expected !== undefined && actual !== expected) {
            throw new PeerError('DELTA_DIGEST_MISMATCH', `NEW: expected SHA-256 ${expected}, got ${actual} (wrong OLD or damaged patch)`);
          }
        });
        process.stdout.write(`${newPath}: ${total} bytes\n`);
      } finally {
        closeSync(oldFd);
      }
    });
}

// File plumbing shared by `fuota diff` and `fuota patch`: read inputs with one-line errors, and
// write outputs through a temporary file renamed only on success, so a failed run never leaves a
// partial image or patch at the output path.

export function readInputFile(path: string, what: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new CallerError('FILE_NOT_READABLE', `${what} ${path}: cannot read (${errorCode(error)})`, { cause: error });
  }
}

export function openInputFile(path: string, what: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new CallerError('FILE_NOT_READABLE', `${what} ${path}: cannot read (${errorCode(error)})`, { cause: error });
  }
}

/** Runs `produce` with a writer to a temporary file next to `path`; renames it to `path` on success. */
export function writeOutputAtomically(path: string, what: string, produce: (write: (chunk: Uint8Array) => void) => void): void {
  const temporary = `${path}.tmp-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(temporary, 'wx');
  } catch (error) {
    throw new CallerError('FILE_NOT_WRITABLE', `${what} ${path}: cannot write (${errorCode(error)})`, { cause: error });
  }
  let done = false;
  try {
    produce((chunk) => {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    });
    closeSync(fd);
    renameSync(temporary, path);
    done = true;
  } finally {
    if (!done) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(temporary, { force: true });
    }
  }
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : String(error);
}
