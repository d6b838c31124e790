import { Command } from 'commander';
import { InternalError } from '../../core/errors.js';
import { readInputFile, writeOutputAtomically } from './patch.js';

// The delta codec is imported inside the action: `fuota --help` must not load it (issue #17).

export function register(program: Command): void {
  program
    .command('diff')
    .description('write a JojoDiff patch (janpatch format, explicit ESC MOD) that turns OLD into NEW')
    .argument('<old>', 'the image on the device')
    .argument('<new>', 'the image to install')
    .argument('<patch>', 'where to write the patch')
    .action(async (oldPath: string, newPath: string, patchPath: string) => {
      const { createPatch } = await import('../../delta/jojo-diff.js');
      const { applyPatch } = await import('../../delta/jojo-patch.js');
      const oldImage = readInputFile(oldPath, 'OLD');
      const newImage = readInputFile(newPath, 'NEW');
      const started = performance.now();
      const patch = createPatch(oldImage, newImage);
      const elapsedMs = performance.now() - started;
      // Cheap insurance before anything goes on air: the patch must rebuild NEW exactly.
      const rebuilt = applyPatch(oldImage, patch);
      if (!Buffer.from(rebuilt).equals(Buffer.from(newImage))) {
        throw new InternalError('DELTA_SELF_CHECK', 'diff: the patch does not rebuild NEW (please report this pair)');
      }
      writeOutputAtomically(patchPath, 'PATCH', (write) => write(patch));
      const percent = newImage.length === 0 ? 0 : (100 * patch.length) / newImage.length;
      process.stdout.write(`${patchPath}: ${patch.length} bytes, ${percent.toFixed(1)} % of NEW (${newImage.length} bytes), ${elapsedMs.toFixed(0)} ms\n`);
    });
}
