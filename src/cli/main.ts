import { Command, CommanderError } from 'commander';
import { isFuotaError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';

/**
 * Runs the `fuota` CLI and returns the exit code. Known errors print one line on stderr
 * (`fuota: <what is wrong>`) and exit 1; anything unexpected prints one line too and exits 2
 * (set FUOTA_DEBUG=1 for the stack).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('fuota')
    .description('LoRaWAN firmware updates over the air: codecs, FEC, delta packages, campaigns')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed help or the usage error.
      return error.exitCode;
    }
    if (isFuotaError(error)) {
      process.stderr.write(`fuota: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fuota: internal error: ${message}\n`);
    if (process.env['FUOTA_DEBUG']) console.error(error);
    return 2;
  }
}
