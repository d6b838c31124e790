import { Option, type Command } from 'commander';
import { CallerError } from '../core/errors.js';
import type { Direction, PackageSpec, PackageVersion } from '../lorawan/app-layer.js';

// Options shared by `decode` and `encode`: which package (by fPort), which direction, which version.

export function addPackageOptions(command: Command): Command {
  return command
    .requiredOption('--port <fPort>', 'fPort of the package: 200 TS005, 201 TS004, 202 TS003, 203 TS006')
    .option('--uplink', 'device → network (answers, AppTimeReq, ...)')
    .option('--downlink', 'network → device (requests, DataFragment, ...)')
    .addOption(new Option('--package-version <n>', 'package version (TS006 has only 1)').default('1'));
}

export interface PackageSelection {
  spec: PackageSpec;
  version: PackageVersion;
  direction: Direction;
}

/** Async because the package table is imported only when a command runs (`fuota --help` must not load it, issue #17). */
export async function readPackageOptions(options: { port: string; uplink?: boolean; downlink?: boolean; packageVersion: string }): Promise<PackageSelection> {
  const port = Number(options.port);
  if (!Number.isInteger(port)) throw new CallerError('INVALID_ARGUMENT', `--port: expected an integer fPort, got ${JSON.stringify(options.port)}`);
  if (Boolean(options.uplink) === Boolean(options.downlink)) {
    throw new CallerError('INVALID_ARGUMENT', '--uplink or --downlink: expected exactly one of them');
  }
  const version = Number(options.packageVersion);
  if (version !== 1 && version !== 2) {
    throw new CallerError('INVALID_ARGUMENT', `--package-version: expected 1 or 2, got ${JSON.stringify(options.packageVersion)}`);
  }
  const { packageForPort } = await import('../lorawan/packages.js');
  return { spec: packageForPort(port), version, direction: options.uplink ? 'uplink' : 'downlink' };
}
