import { chmod, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { vendorIdOfName } from '../../admission/vendor-keys.js';
import { startSimulatedChirpstack, type SimulatedChirpstack, type SimulatedChirpstackOptions } from '../../app/simulated-chirpstack.js';
import { startSimulatedTts } from '../../app/simulated-tts.js';
import { loadConfig, type FuotaConfig } from '../../config/load-config.js';
import { CallerError, InternalError } from '../../core/errors.js';
import { DEMO_VENDOR, generateSigningKey } from '../../demo/demo-package.js';
import { writeSimCampaign } from '../../demo/sim-campaign.js';
import { parsePrivateKeyPem, privateKeyToPem, publicKeyToPem, rawPublicKey, verifyingKeyOf, type SigningKey } from '../../manifest/keys.js';
import { parsePublicKeyText } from '../../manifest/public-key-text.js';

// `fuota sim chirpstack --config FILE`: the simulated ChirpStack v4 (MQTT integration + gRPC
// API), and `fuota sim tts --config FILE`: the simulated The Things Stack v3 (MQTT server +
// HTTP API), each with a simulated fleet in real time, configured from the same file as
// `fuota serve`, so that the service can be tried without a network server. Prints one line
// per endpoint (and the campaign file it wrote), then runs until SIGINT or SIGTERM.

/** Beside the config file when --signing-key is not given: created on first use, reused after. */
const DEFAULT_KEY_FILES = { privateKey: 'sim-update-key.pem', publicKey: 'sim-update-pub.pem' } as const;

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

interface SimFlags {
  config: string;
  devices: number;
  seed: number;
  uplinkIntervalMs: number;
  loss: number;
  embeddedBroker?: boolean;
  writeCampaign?: string;
  signingKey?: string;
}

/** The vendor key: --signing-key FILE, or sim-update-key.pem beside the config (created with its public key when missing). */
async function signingKeyOf(flags: SimFlags): Promise<{ key: SigningKey; note: string }> {
  if (flags.signingKey !== undefined) {
    const pem = await readFile(flags.signingKey, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CallerError('SIGNING_KEY_UNREADABLE', `--signing-key: expected a readable PEM private key file ${JSON.stringify(flags.signingKey)}, got ${error.code ?? error.message}`);
    });
    return { key: parsePrivateKeyPem(pem, '--signing-key'), note: `vendor signing key: ${flags.signingKey}` };
  }
  const dir = dirname(resolve(flags.config));
  const privatePath = join(dir, DEFAULT_KEY_FILES.privateKey);
  const publicPath = join(dir, DEFAULT_KEY_FILES.publicKey);
  const existing = await readFile(privatePath, 'utf8').catch(() => undefined);
  const key = existing === undefined ? generateSigningKey() : parsePrivateKeyPem(existing, privatePath);
  if (existing === undefined) {
    await writeFile(privatePath, privateKeyToPem(key), { mode: 0o600, flag: 'wx' });
    await chmod(privatePath, 0o600);
  }
  await writeFile(publicPath, publicKeyToPem(verifyingKeyOf(key)));
  return { key, note: `vendor signing key: ${privatePath} (${existing === undefined ? 'created' : 'reused'}); public key ${publicPath} (vendor ${DEMO_VENDOR})` };
}

/** Whether a configured vendor key of the demo vendor is the public half of `key`. */
function trusts(vendorKeys: ReadonlyArray<{ vendor: string; publicKey: string }>, key: SigningKey): boolean {
  const ours = Buffer.from(rawPublicKey(verifyingKeyOf(key)));
  const vendorId = Buffer.from(vendorIdOfName(DEMO_VENDOR));
  return vendorKeys.some((entry) => {
    try {
      return vendorId.equals(Buffer.from(vendorIdOfName(entry.vendor))) && ours.equals(Buffer.from(rawPublicKey(parsePublicKeyText(entry.publicKey))));
    } catch {
      return false;
    }
  });
}

/** Resolves with what a simulated event threw (checked every second; the timer does not hold the process). */
function simulationFailure(failure: () => unknown): Promise<Error> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const error = failure();
      if (error === undefined) return;
      clearInterval(timer);
      resolve(error instanceof Error ? error : new Error(String(error)));
    }, 1_000);
    timer.unref();
  });
}

type StartSimulation = (config: FuotaConfig, options: SimulatedChirpstackOptions) => Promise<SimulatedChirpstack>;

const SIMULATED = {
  chirpstack: { title: 'ChirpStack v4 (MQTT integration + gRPC API)', start: startSimulatedChirpstack, config: 'application id, API token, topics, format, gateways, gRPC address to listen on' },
  tts: { title: 'The Things Stack v3 (MQTT server + HTTP API)', start: startSimulatedTts, config: 'cluster URL to serve the HTTP API on, application, tenant, API key, MQTT URL, gateways' },
} satisfies Record<string, { title: string; start: StartSimulation; config: string }>;

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
      .action((flags: SimFlags) => runSimulation(flags, server.start, name));
  }
}

async function runSimulation(flags: SimFlags, start: StartSimulation, name: string): Promise<void> {
  // The key first: the config's campaigns.vendorKeys may name the public key it writes.
  const { key, note } = await signingKeyOf(flags);
  const config = await loadConfig(flags.config);
  const world = await start(config, {
    devices: flags.devices,
    seed: flags.seed,
    uplinkIntervalMs: flags.uplinkIntervalMs,
    loss: flags.loss,
    embeddedBroker: Boolean(flags.embeddedBroker),
    signingKey: key,
    onError: (error, context) => process.stderr.write(`fuota sim: ${context}: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  const signalled = new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });
  try {
    const out = process.stdout;
    for (const line of world.endpoints) out.write(`${line}\n`);
    out.write(`${note}\n`);
    if (!trusts(config.campaigns.vendorKeys, key)) out.write(`note: campaigns.vendorKeys lists no entry with this public key: fuota serve will refuse the package (add { vendor: ${DEMO_VENDOR}, publicKey: <the public key file> })\n`);
    if (flags.writeCampaign !== undefined) {
      const campaign = world.campaign(`sim-${Date.now().toString(36)}`);
      const written = await writeSimCampaign(flags.writeCampaign, campaign);
      out.write(`campaign file: ${written.campaignFile} (campaign ${campaign.id}, package ${written.packageFile})\n`);
    }
    out.write(`ready: run \`fuota serve --config ${flags.config}\`; stop with Ctrl-C\n`);
    const ended = await Promise.race([signalled, simulationFailure(world.failure)]);
    if (typeof ended !== 'string') throw new InternalError('SIMULATION_FAILED', `simulated ${name}: expected the simulation to run, got ${ended.message}`, { cause: ended });
    out.write(`stopping (${ended})\n`);
  } finally {
    await world.stop();
  }
  process.stdout.write('stopped\n');
}
