import { Command } from 'commander';
import { addPackageOptions, readPackageOptions } from '../package-options.js';

// The codecs are imported inside the action: `fuota --help` must not load them (issue #17).

export function register(program: Command): void {
  addPackageOptions(
    program
      .command('decode')
      .description('decode an application-layer frame (hex) into its commands, printed as JSON')
      .argument('<hex>', 'the FRMPayload as hex'),
  ).action(async (hex: string, options) => {
    const { hexToBytes } = await import('../../core/hex.js');
    const { decodeCommands } = await import('../../lorawan/app-layer.js');
    const { commandsToJson } = await import('../command-json.js');
    const { spec, version, direction } = await readPackageOptions(options);
    const commands = decodeCommands(spec, version, direction, hexToBytes(hex, 'payload'));
    process.stdout.write(`${JSON.stringify(commandsToJson(commands), null, 2)}\n`);
  });
}
