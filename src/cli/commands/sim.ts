import { Option, type Command } from 'commander';
import type { SimulatedChirpstack, SimulatedChirpstackOptions } from '../../app/simulated-chirpstack.js';
import type { FuotaConfig } from '../../config/load-config.js';
import { CallerError } from '../../core/errors.js';

// `fuota sim chirpstack --config FILE`: the simulated ChirpStack v4 (MQTT integration + gRPC
// API), and `fuota sim tts --config FILE`: the simulated The Things Stack v3 (MQTT server +
// HTTP API), each with a simulated fleet in real time, configured from the same file as
// `fuota serve`, so that the service can be tried without a network server. Prints one line
// per endpoint (and the campaign file it wrote), then runs until SIGINT or SIGTERM. The
// simulation (src/cli/sim/run-simulation.ts) is imported by the action only: `fuota --help` must
// not load it (issue #17).

/** Beside the config file when --signing-key is not given: created on first use, reused after. */
export const DEFAULT_KEY_FILES = { privateKey: 'sim-update-key.pem', publicKey: 'sim-update-pub.pem' } as const;

function integer(name: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new CallerError('INVALID_ARGUMENT', `--${name}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
    return value;
  };
}

function share(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) throw new CallerError('INVALID_ARGUMENT', `--${name}: expected a share in 0..1, got ${JSON.stringify(text)}`);
    return value;
  };
}

export interface SimFlags {
  config: string;
  devices: number;
  seed: number;
  uplinkIntervalMs: number;
  loss: number;
  embeddedBroker?: boolean;
  writeCampaign?: string;
  signingKey?: string;
}

export type StartSimulation = (config: FuotaConfig, options: SimulatedChirpstackOptions) => Promise<SimulatedChirpstack>;

const SIMULATED = {
  chirpstack: { title: 'ChirpStack v4 (MQTT integration + gRPC API)', start: async () => (await import('../../app/simulated-chirpstack.js')).startSimulatedChirpstack, config: 'application id, API token, topics, format, gateways, gRPC address to listen on' },
  tts: { title: 'The Things Stack v3 (MQTT server + HTTP API)', start: async () => (await import('../../app/simulated-tts.js')).startSimulatedTts, config: 'cluster URL to serve the HTTP API on, application, tenant, API key, MQTT URL, gateways' },
} satisfies Record<string, { title: string; start: () => Promise<StartSimulation>; config: string }>;

export function register(program: Command): void {
  const sim = program.command('sim').description('simulated network servers to try `fuota serve` against');
  for (const [name, server] of Object.entries(SIMULATED)) {
    sim
      .command(name)
      .description(`run a simulated ${server.title} and a simulated fleet in real time, configured from the fuota config file, until SIGINT/SIGTERM`)
      .requiredOption('--config <file>', `the fuota configuration file (${server.config})`)
      .option('--devices <n>', 'number of simulated devices', integer('devices', 1, 10_000), 10)
      .option('--seed <n>', 'seed of the fleet (same seed, same devices)', integer('seed', 0, 2 ** 31), 1)
      .option('--uplink-interval-ms <ms>', 'how often each device sends an uplink (class A downlinks wait for one)', integer('uplink-interval-ms', 500, 86_400_000), 5_000)
      .option('--loss <share>', 'mean downlink loss per device', share('loss'), 0)
      .addOption(new Option('--embedded-broker', 'run an MQTT broker (aedes, MQTT 3.1.1 only) on the config\'s networkServer.mqtt.url port instead of connecting to a broker there'))
      .option('--write-campaign <dir>', 'write a campaign file for the fleet and its signed package into DIR (e.g. campaigns.directory)')
      .option('--signing-key <file>', `PEM private key the package is signed with and the devices trust (default: ${DEFAULT_KEY_FILES.privateKey} beside the config, created when missing)`)
      .action(async (flags: SimFlags) => {
        const { runSimulation } = await import('../sim/run-simulation.js');
        await runSimulation(flags, await server.start(), name);
      });
  }
}
