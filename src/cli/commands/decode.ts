import { Command } from 'commander';
import { hexToBytes } from '../../core/hex.js';
import { decodeCommands } from '../../lorawan/app-layer.js';
import { commandsToJson } from '../command-json.js';
import { addPackageOptions, readPackageOptions } from '../package-options.js';

export function register(program: Command): void {
  addPackageOptions(
    program
      .command('decode')
      .description('decode an application-layer frame (hex) into its commands, printed as JSON')
      .argument('<hex>', 'the FRMPayload as hex'),
  ).action((hex: string, options) => {
    const { spec, version, direction } = readPackageOptions(options);
    const commands = decodeCommands(spec, version, direction, hexToBytes(hex, 'payload'));
    process.stdout.write(`${JSON.stringify(commandsToJson(commands), null, 2)}\n`);
  });
}
