import { Command, Option } from 'commander';
import { InternalError } from '../../core/errors.js';
import type { JanpatchDialect } from '../../delta/jojo-format.js';
import { JANPATCH_CHOICES, readInputFile, writeOutputAtomically } from './patch.js';

// The delta codec is imported inside the action: `fuota --help` must not load it (issue #17).

export function register(program: Command): void {
  program
    .command('diff')
    .description('write a JojoDiff patch (the format janpatch applies) that turns OLD into NEW')
    .argument('<old>', 'the image on the device')
    .argument('<new>', 'the image to install')
    .argument('<patch>', 'where to write the patch')
    .addOption(
      new Option('--janpatch <dialect>', 'janpatch build on the device: legacy writes ESC MOD before every data run (every build applies it); current leaves it out where jdiff 0.8.5 does (janpatch c8ad3ee, Nov 2024, or later)')
        .choices(JANPATCH_CHOICES)
        .default('legacy'),
    )
    .action(async (oldPath: string, newPath: string, patchPath: string, options: { janpatch: JanpatchDialect }) => {
      const { createPatch } = await import('../../delta/jojo-diff.js');
      const { applyPatch } = await import('../../delta/jojo-patch.js');
      const oldImage = readInputFile(oldPath, 'OLD');
      const newImage = readInputFile(newPath, 'NEW');
      const started = performance.now();
      const dialect = options.janpatch;
      const patch = createPatch(oldImage, newImage, { dialect });
      const elapsedMs = performance.now() - started;
      // Cheap insurance before anything goes on air: the patch must rebuild NEW exactly.
      // Read as the target build reads it, so a legacy patch never relies on the default MOD.
      const rebuilt = applyPatch(oldImage, patch, { dialect });
      if (!Buffer.from(rebuilt).equals(Buffer.from(newImage))) {
        throw new InternalError('DELTA_SELF_CHECK', 'diff: the patch does not rebuild NEW (please report this pair)');
      }
      writeOutputAtomically(patchPath, 'PATCH', (write) => write(patch));
      const percent = newImage.length === 0 ? 0 : (100 * patch.length) / newImage.length;
      process.stdout.write(`${patchPath}: ${patch.length} bytes, ${percent.toFixed(1)} % of NEW (${newImage.length} bytes), janpatch ${dialect}, ${elapsedMs.toFixed(0)} ms\n`);
    });
}
