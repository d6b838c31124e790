import { Command } from 'commander';
import { bytesToHex } from '../../core/hex.js';
import { encodeCommands } from '../../lorawan/app-layer.js';
import { commandsFromJson } from '../command-json.js';
import { addPackageOptions, readPackageOptions } from '../package-options.js';

export function register(program: Command): void {
  addPackageOptions(
    program
      .command('encode')
      .description('encode commands given as JSON (one object or an array) into a frame, printed as hex')
      .argument('<json>', 'e.g. \'{"command":"AppTimeAns","timeCorrection":5,"tokenAns":1}\''),
  ).action((json: string, options) => {
    const { spec, version, direction } = readPackageOptions(options);
    const commands = commandsFromJson(spec, version, direction, json);
    process.stdout.write(`${bytesToHex(encodeCommands(spec, version, direction, commands))}\n`);
  });
}
