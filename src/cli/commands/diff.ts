import { Command, Option } from 'commander';
import { CallerError, InternalError } from '../../core/errors.js';
import type { DetoolsCompression } from '../../delta/detools/compression.js';
import type { JanpatchDialect } from '../../delta/jojo-format.js';
import { DETOOLS_COMPRESSION_CHOICES, PATCH_FORMAT_CHOICES, parseHeatshrinkFlag, type PatchFormatFlag } from './delta-flags.js';
import { JANPATCH_CHOICES, readInputFile, writeOutputAtomically } from './patch.js';

// The delta codecs are imported inside the action: `fuota --help` must not load them (issue #17).

interface DiffFlags {
  delta: PatchFormatFlag;
  janpatch?: JanpatchDialect;
  compression?: DetoolsCompression;
  heatshrink?: string;
}

/** Refuses a flag of the other format: a mistyped intent would otherwise pass unnoticed. */
function checkFlags(flags: DiffFlags): void {
  if (flags.delta === 'detools' && flags.janpatch !== undefined) {
    throw new CallerError('DELTA_OPTION_UNUSED', `--janpatch: expected --delta jojodiff with it, got --delta detools`);
  }
  if (flags.delta === 'jojodiff') {
    for (const name of ['compression', 'heatshrink'] as const) {
      if (flags[name] !== undefined) throw new CallerError('DELTA_OPTION_UNUSED', `--${name}: expected --delta detools with it, got --delta jojodiff`);
    }
  }
  if (flags.heatshrink !== undefined && (flags.compression ?? 'heatshrink') !== 'heatshrink') {
    throw new CallerError('DELTA_OPTION_UNUSED', `--heatshrink: expected --compression heatshrink with it, got --compression ${flags.compression}`);
  }
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('write a delta patch that turns OLD into NEW: JojoDiff (janpatch applies it) or detools sequential (the detools C library applies it)')
    .argument('<old>', 'the image on the device')
    .argument('<new>', 'the image to install')
    .argument('<patch>', 'where to write the patch')
    .addOption(new Option('--delta <format>', 'patch format the device applies').choices(PATCH_FORMAT_CHOICES).default('jojodiff'))
    .addOption(
      new Option('--janpatch <dialect>', 'jojodiff: janpatch build on the device: legacy writes ESC MOD before every data run (every build applies it); current leaves it out where jdiff 0.8.5 does (janpatch c8ad3ee, Nov 2024, or later) (default: legacy)')
        .choices(JANPATCH_CHOICES),
    )
    .addOption(new Option('--compression <kind>', "detools: compression of the device's detools build (default: heatshrink)").choices(DETOOLS_COMPRESSION_CHOICES))
    .option('--heatshrink <window,lookahead>', "detools heatshrink: window and lookahead bits of the device's build (default: 8,7, detools' default build)")
    .action(async (oldPath: string, newPath: string, patchPath: string, flags: DiffFlags) => {
      checkFlags(flags);
      const heatshrink = parseHeatshrinkFlag(flags.heatshrink ?? '8,7');
      const oldImage = readInputFile(oldPath, 'OLD');
      const newImage = readInputFile(newPath, 'NEW');
      let patch: Uint8Array;
      let rebuilt: Uint8Array;
      let described: string;
      const started = performance.now();
      let elapsedMs: number;
      if (flags.delta === 'detools') {
        const { createDetoolsPatch } = await import('../../delta/detools/detools-diff.js');
        const { applyDetoolsPatch } = await import('../../delta/detools/detools-patch.js');
        const compression = flags.compression ?? 'heatshrink';
        patch = createDetoolsPatch(oldImage, newImage, { compression, heatshrink });
        elapsedMs = performance.now() - started;
        // Read with the device build's heatshrink parameters, as detools' C library does.
        rebuilt = applyDetoolsPatch(oldImage, patch, compression === 'heatshrink' ? { heatshrink } : {});
        described = `detools sequential, ${compression}${compression === 'heatshrink' ? ` ${heatshrink.windowSz2}/${heatshrink.lookaheadSz2}` : ''}`;
      } else {
        const { createPatch } = await import('../../delta/jojo-diff.js');
        const { applyPatch } = await import('../../delta/jojo-patch.js');
        const dialect = flags.janpatch ?? 'legacy';
        patch = createPatch(oldImage, newImage, { dialect });
        elapsedMs = performance.now() - started;
        // Read as the target build reads it, so a legacy patch never relies on the default MOD.
        rebuilt = applyPatch(oldImage, patch, { dialect });
        described = `janpatch ${dialect}`;
      }
      // Cheap insurance before anything goes on air: the patch must rebuild NEW exactly.
      if (!Buffer.from(rebuilt).equals(Buffer.from(newImage))) {
        throw new InternalError('DELTA_SELF_CHECK', 'diff: the patch does not rebuild NEW (please report this pair)');
      }
      writeOutputAtomically(patchPath, 'PATCH', (write) => write(patch));
      const percent = newImage.length === 0 ? 0 : (100 * patch.length) / newImage.length;
      process.stdout.write(`${patchPath}: ${patch.length} bytes, ${percent.toFixed(1)} % of NEW (${newImage.length} bytes), ${described}, ${elapsedMs.toFixed(0)} ms\n`);
    });
}
