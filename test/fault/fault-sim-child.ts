import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulatedChirpstack } from '../../src/app/simulated-chirpstack.js';
import { loadConfig } from '../../src/config/load-config.js';
import { bytesToHex } from '../../src/core/hex.js';
import { generateSigningKey } from '../../src/demo/demo-package.js';
import { writeSimCampaign } from '../../src/demo/sim-campaign.js';
import { publicKeyToPem, verifyingKeyOf } from '../../src/manifest/keys.js';

// The network side of a fault run, as a child of the harness: `fuota sim chirpstack`'s world
// (src/app/simulated-chirpstack.ts: gRPC API, MQTT integration, fleet in real time) on the
// harness's mosquitto, which also writes down every downlink the simulated network server is
// handed (downlinks.jsonl: class A queue items by id, multicast frames with their payload), so
// that a frame sent twice is visible, and the fleet's firmware versions on SIGTERM.
// Usage: fault-sim-child.ts CONFIG OUT_DIR DEVICES SEED UPLINK_INTERVAL_MS CAMPAIGN_ID

const [configFile, outDir, devicesText, seedText, uplinkText, campaignId] = process.argv.slice(2);
if (campaignId === undefined) throw new Error('usage: fault-sim-child.ts CONFIG OUT_DIR DEVICES SEED UPLINK_INTERVAL_MS CAMPAIGN_ID');

const signingKey = generateSigningKey();
writeFileSync(join(outDir!, 'update-pub.pem'), publicKeyToPem(verifyingKeyOf(signingKey)));
const config = await loadConfig(configFile!);
const world = await startSimulatedChirpstack(config, {
  devices: Number(devicesText), seed: Number(seedText), uplinkIntervalMs: Number(uplinkText), loss: 0, embeddedBroker: false, signingKey,
  onError: (error, context) => process.stderr.write(`fault sim: ${context}: ${error instanceof Error ? error.message : String(error)}\n`),
});

const downlinks = join(outDir!, 'downlinks.jsonl');
const network = world.fleet.network;
const sendUnicast = network.sendUnicast.bind(network);
const sendMulticast = network.sendMulticast.bind(network);
network.sendUnicast = async (downlink) => {
  appendFileSync(downlinks, `${JSON.stringify({ kind: 'unicast', id: downlink.id, devEui: downlink.devEui, fPort: downlink.fPort, payloadHex: downlink.payloadHex, atMs: Date.now() })}\n`);
  return sendUnicast(downlink);
};
network.sendMulticast = async (downlink) => {
  appendFileSync(downlinks, `${JSON.stringify({ kind: 'multicast', id: downlink.id, groupName: downlink.groupName, fPort: downlink.fPort, payloadHex: bytesToHex(downlink.payload), atMs: Date.now() })}\n`);
  return sendMulticast(downlink);
};

await writeSimCampaign(join(outDir!, 'staging'), world.campaign(campaignId));
process.stdout.write('ready\n');

const stop = async (): Promise<void> => {
  const firmware = Object.fromEntries(world.fleet.members.map((member) => [member.device.devEui, member.device.firmwareVersion]));
  writeFileSync(join(outDir!, 'fleet.json'), `${JSON.stringify({ firmware, failure: world.failure() === undefined ? null : String(world.failure()) })}\n`);
  await world.stop();
  process.stdout.write('stopped\n');
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
