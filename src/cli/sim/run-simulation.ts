import { chmod, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { vendorIdOfName } from '../../admission/vendor-keys.js';
import { loadConfig } from '../../config/load-config.js';
import { CallerError, InternalError } from '../../core/errors.js';
import { DEMO_VENDOR, generateSigningKey } from '../../demo/demo-package.js';
import { writeSimCampaign } from '../../demo/sim-campaign.js';
import { parsePrivateKeyPem, privateKeyToPem, publicKeyToPem, rawPublicKey, verifyingKeyOf, type SigningKey } from '../../manifest/keys.js';
import { parsePublicKeyText } from '../../manifest/public-key-text.js';
import { DEFAULT_KEY_FILES, type SimFlags, type StartSimulation } from '../commands/sim.js';

// What `fuota sim chirpstack|tts` runs (its flags are defined in src/cli/commands/sim.ts): the
// vendor key, the simulated network server and fleet, until SIGINT or SIGTERM.

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

export async function runSimulation(flags: SimFlags, start: StartSimulation, name: string): Promise<void> {
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
