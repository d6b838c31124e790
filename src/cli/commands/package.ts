import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { CallerError, ValueError } from '../../core/errors.js';
import type { DetoolsCompression } from '../../delta/detools/compression.js';
import type { JanpatchDialect } from '../../delta/jojo-format.js';
import type { DeltaFamily } from '../../manifest/delta-capability.js';
import type { DeltaBuildChoice } from '../../manifest/delta-codecs.js';
import { MANIFEST_FORMATS, type ManifestFormat } from '../../manifest/types.js';
import { DETOOLS_COMPRESSION_CHOICES, parseHeatshrinkFlag } from './delta-flags.js';
import type { VerifyOptions } from '../../manifest/verify.js';

// `fuota package build | inspect | verify`: the file I/O around src/manifest (which is pure).
// Outputs are written to a temporary file next to --out and renamed into place only when
// everything succeeded, so a refused package never leaves a partial or unverified image behind.
// src/manifest is imported inside the actions: `fuota --help` must not load it (issue #17).

/** Reads a file named by an option; a missing or unreadable file is the caller's error. */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    const data = readFileSync(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CallerError('FILE_UNREADABLE', `${what} ${path}: cannot read (${code})`);
  }
}

/** Writes `data` to `path` atomically: a temporary file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    writeFileSync(temp, data, { mode, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CallerError('FILE_UNWRITABLE', `--out ${path}: cannot write (${code})`);
  }
}

/** A u32 sequence number; `option` names the flag it came from (`--sequence`, `--current-sequence`). */
function parseSequence(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 0xffffffff) throw new ValueError(option, 'an integer in 0..4294967295', text, 'INVALID_NUMBER');
  return Number(text);
}

/**
 * Refuses inputs that would sign a package with nothing in it: an empty new image (a device would
 * erase itself into a 0-byte firmware), or an old image equal to the new one (an empty delta: the
 * devices already run it, so the campaign would only spend airtime).
 */
function checkImages(newPath: string, newImage: Uint8Array, oldImage: Uint8Array | undefined): void {
  if (newImage.length === 0) {
    throw new CallerError('EMPTY_IMAGE', `--new ${newPath}: expected a firmware image, got an empty file (0 bytes)`);
  }
  if (oldImage !== undefined && Buffer.from(oldImage).equals(Buffer.from(newImage))) {
    throw new CallerError('NOTHING_TO_UPDATE', '--old and --new: expected two different images, got the same bytes (nothing to update)');
  }
}

interface BuildFlags {
  new: string;
  old?: string;
  delta?: string;
  janpatch?: JanpatchDialect;
  compression?: DetoolsCompression;
  heatshrink?: string;
  key: string;
  vendor: string;
  class: string;
  version: string;
  sequence?: string;
  format: ManifestFormat;
  encryptFor?: string;
  out: string;
}

interface VerifyFlags {
  pub: string;
  old?: string;
  vendor?: string;
  class?: string;
  deviceKey?: string;
  devEui?: string;
  currentSequence?: string;
  out: string;
}

/** `--delta jojodiff,detools`: the families the devices can apply, each once. */
function parseDeltaFamilies(text: string): DeltaFamily[] {
  const names = text.split(',').map((n) => n.trim());
  const families: DeltaFamily[] = [];
  for (const name of names) {
    if (name !== 'jojodiff' && name !== 'detools') throw new ValueError('--delta', 'a comma list of jojodiff, detools', text, 'INVALID_DELTA_FORMAT');
    if (families.includes(name)) throw new ValueError('--delta', 'each format once', text, 'INVALID_DELTA_FORMAT');
    families.push(name);
  }
  return families;
}

/**
 * The delta candidates the flags ask for. Each flag is refused where it would change nothing (no
 * --old, or a detools parameter without detools), as a mistyped intent would otherwise pass unnoticed.
 */
function deltaChoice(flags: BuildFlags): DeltaBuildChoice {
  const given = (['delta', 'janpatch', 'compression', 'heatshrink'] as const).filter((f) => flags[f] !== undefined);
  if (flags.old === undefined && given.length > 0) {
    throw new CallerError('DELTA_WITHOUT_OLD', `--${given[0]}: expected with --old (a delta from the image the devices run), got no --old`);
  }
  const formats = parseDeltaFamilies(flags.delta ?? 'jojodiff');
  if (flags.janpatch !== undefined && !formats.includes('jojodiff')) throw new CallerError('DELTA_OPTION_UNUSED', '--janpatch: expected jojodiff in --delta, got --delta ' + flags.delta);
  for (const f of ['compression', 'heatshrink'] as const) {
    if (flags[f] !== undefined && !formats.includes('detools')) throw new CallerError('DELTA_OPTION_UNUSED', `--${f}: expected detools in --delta, got --delta ${flags.delta ?? 'jojodiff (the default)'}`);
  }
  const compression = flags.compression ?? 'heatshrink';
  if (flags.heatshrink !== undefined && compression !== 'heatshrink') throw new CallerError('DELTA_OPTION_UNUSED', `--heatshrink: expected --compression heatshrink, got --compression ${compression}`);
  return { formats, janpatch: flags.janpatch ?? 'legacy', compression, heatshrink: parseHeatshrinkFlag(flags.heatshrink ?? '8,7') };
}

function buildCommand(group: Command): void {
  group
    .command('build')
    .description('sign NEW (or a delta from OLD to NEW) into a package: manifest + payload (+ wrapped content keys)')
    .requiredOption('--new <file>', 'the new firmware image (what devices will boot; the signature covers it)')
    .option('--old <file>', 'the image the devices run now: the payload becomes a delta patch from it')
    .option('--delta <formats>', 'with --old: the delta formats the devices can apply, a comma list of jojodiff, detools; each is built and the smaller sent (default: jojodiff)')
    .addOption(new Option('--janpatch <dialect>', "jojodiff: the devices' janpatch build, legacy (any) or current (>= c8ad3ee, smaller patches) (default: legacy)").choices(['legacy', 'current'] satisfies JanpatchDialect[]))
    .addOption(new Option('--compression <kind>', "detools: the compression of the devices' detools build (default: heatshrink)").choices(DETOOLS_COMPRESSION_CHOICES))
    .option('--heatshrink <window,lookahead>', "detools heatshrink: window and lookahead bits of the devices' build (default: 8,7, detools' default build)")
    .requiredOption('--key <pem>', 'private signing key, PEM (ECDSA P-256 or Ed25519; see `fuota keys generate`)')
    .requiredOption('--vendor <domain>', 'vendor domain; the vendor ID is its UUIDv5 (URL namespace)')
    .requiredOption('--class <model>', 'device model name; the class ID is its UUIDv5 (URL namespace)')
    .requiredOption('--version <version>', 'firmware version: an integer (u32) or major.minor.patch')
    .option('--sequence <n>', 'anti-rollback sequence number, u32 (default: the version as a number)')
    .addOption(new Option('--format <format>', 'manifest encoding').choices(MANIFEST_FORMATS).default('compact'))
    .option('--encrypt-for <csv>', 'encrypt the payload (AES-128-CTR); wrap its key for each device of this CSV (devEui,key)')
    .requiredOption('--out <file>', 'package file to write')
    .action(async (flags: BuildFlags) => {
      const { buildPackage } = await import('../../manifest/build.js');
      const { parseDevicesCsv } = await import('../../manifest/devices-csv.js');
      const { formatFirmwareVersion, parseFirmwareVersion } = await import('../../manifest/firmware-version.js');
      const { deltaCodecsFor } = await import('../../manifest/delta-codecs.js');
      const { parsePrivateKeyPem } = await import('../../manifest/keys.js');
      const { classIdOf, vendorIdOf } = await import('../../manifest/uuid5.js');
      const newImage = readInputFile(flags.new, '--new');
      const oldImage = flags.old === undefined ? undefined : readInputFile(flags.old, '--old');
      checkImages(flags.new, newImage, oldImage);
      const choice = deltaChoice(flags);
      const signingKey = parsePrivateKeyPem(Buffer.from(readInputFile(flags.key, '--key')).toString('utf8'), `--key ${flags.key}`);
      const firmwareVersion = parseFirmwareVersion(flags.version);
      const encryptFor = flags.encryptFor === undefined ? undefined : parseDevicesCsv(Buffer.from(readInputFile(flags.encryptFor, '--encrypt-for')).toString('utf8'));
      const built = buildPackage({
        newImage,
        ...(oldImage ? { oldImage, deltas: deltaCodecsFor(choice) } : {}),
        signingKey,
        vendorId: vendorIdOf(flags.vendor),
        classId: classIdOf(flags.class),
        firmwareVersion,
        ...(flags.sequence === undefined ? {} : { sequenceNumber: parseSequence(flags.sequence, '--sequence') }),
        format: flags.format,
        ...(encryptFor ? { encryptFor, randomBytes: (n: number) => new Uint8Array(nodeRandomBytes(n)) } : {}),
      });
      writeFileAtomic(flags.out, built.bytes);
      const { pkg, manifest, deltaCandidates } = built;
      const payloadKind = manifest.deltaFormat ? `${manifest.deltaFormat} delta` : 'full';
      let report =
        `wrote ${flags.out}: ${built.bytes.length} bytes (${pkg.format} manifest ${pkg.manifest.length} B, ` +
        `${payloadKind} payload ${pkg.payload.length} B${pkg.wrappedKeys.length ? `, encrypted for ${pkg.wrappedKeys.length} device(s)` : ''})\n` +
        `new image ${newImage.length} B, version ${formatFirmwareVersion(firmwareVersion)}, signed ${signingKey.algorithm}\n`;
      if (deltaCandidates && deltaCandidates.length > 1) {
        const chosen = deltaCandidates.find((c) => c.format === manifest.deltaFormat)!;
        report += `delta: chose ${chosen.description}, ${chosen.sizeBytes} B; built ${deltaCandidates.map((c) => `${c.description} ${c.sizeBytes} B`).join(', ')}\n`;
      }
      process.stdout.write(report);
    });
}

function inspectCommand(group: Command): void {
  group
    .command('inspect')
    .description('show what a package holds (decoded, not verified)')
    .argument('<pkg>', 'package file')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { json?: boolean }) => {
      const { decodePackage } = await import('../../manifest/package-format.js');
      const { formatSummary, summarizePackage } = await import('../../manifest/summary.js');
      const summary = summarizePackage(decodePackage(readInputFile(file, 'package')));
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    });
}

function verifyCommand(group: Command): void {
  group
    .command('verify')
    .description('check and apply a package exactly as a device would, and write the resulting image')
    .argument('<pkg>', 'package file')
    .requiredOption('--pub <pem>', 'public key PEM the devices trust')
    .option('--old <file>', 'the image the device runs (required for a delta)')
    .option('--vendor <domain>', 'vendor domain the device expects')
    .option('--class <model>', 'device model the device expects')
    .option('--device-key <hex>', 'this device\'s 16-byte key (encrypted packages)')
    .option('--dev-eui <eui>', 'this device\'s DevEUI (encrypted packages)')
    .option('--current-sequence <n>', 'the sequence number the device has installed (the update must be newer)')
    .requiredOption('--out <file>', 'where to write the new image (only if every check passes)')
    .action(async (file: string, flags: VerifyFlags) => {
      const { parseEui64 } = await import('../../core/eui.js');
      const { hexToFixedBytes } = await import('../../core/hex.js');
      const { DELTA_APPLIERS } = await import('../../manifest/delta-codecs.js');
      const { parsePublicKeyPem } = await import('../../manifest/keys.js');
      const { decodePackage } = await import('../../manifest/package-format.js');
      const { classIdOf, vendorIdOf } = await import('../../manifest/uuid5.js');
      const { verifyPackage } = await import('../../manifest/verify.js');
      const pkg = decodePackage(readInputFile(file, 'package'));
      const options: VerifyOptions = {
        verifyingKey: parsePublicKeyPem(Buffer.from(readInputFile(flags.pub, '--pub')).toString('utf8'), `--pub ${flags.pub}`),
        deltas: DELTA_APPLIERS,
      };
      if (flags.old !== undefined) options.oldImage = readInputFile(flags.old, '--old');
      if (flags.vendor !== undefined) options.expectedVendorId = vendorIdOf(flags.vendor);
      if (flags.class !== undefined) options.expectedClassId = classIdOf(flags.class);
      if (flags.currentSequence !== undefined) options.currentSequenceNumber = parseSequence(flags.currentSequence, '--current-sequence');
      if ((flags.deviceKey === undefined) !== (flags.devEui === undefined)) {
        throw new CallerError('DEVICE_KEY_REQUIRED', '--device-key and --dev-eui go together');
      }
      if (flags.deviceKey !== undefined && flags.devEui !== undefined) {
        options.device = { devEui: parseEui64(flags.devEui, '--dev-eui'), key: hexToFixedBytes(flags.deviceKey, 16, '--device-key') };
      }
      const result = verifyPackage(pkg, options);
      writeFileAtomic(flags.out, result.newImage);
      const lines = result.passed.map((check) => `ok  ${check}`);
      for (const check of result.unchecked) lines.push(`--  ${check}: not checked (no expected value given)`);
      lines.push(`wrote ${flags.out}: ${result.newImage.length} bytes`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

export function register(program: Command): void {
  const group = program.command('package').description('signed firmware update packages: build, inspect, verify');
  buildCommand(group);
  inspectCommand(group);
  verifyCommand(group);
}
