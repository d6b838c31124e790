import { decodeCommands, type AppCommand, type PackageSpec } from '../../lorawan/app-layer.js';

export type AnyCommand = AppCommand & Record<string, any>;

/** The commands of a downlink frame by our codec, or undefined when it does not parse (the device drops it). */
export function decodeFrame(spec: PackageSpec, version: 1 | 2, payload: Uint8Array): AnyCommand[] | undefined {
  try {
    return decodeCommands(spec, version, 'downlink', payload) as AnyCommand[];
  } catch {
    return undefined;
  }
}
