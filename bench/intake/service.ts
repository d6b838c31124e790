// The service side of `npm run bench -- intake`, in its own process: built as `fuota serve`
// builds it for ChirpStack (src/app/service.ts, chirpstack-wiring.ts): the SQLite store in a file
// on disk, our MQTT connection (MQTT 5, persistent session, QoS 1 subscription), the ChirpStack
// adapter, the engine, status events (coalesced as the service does). Only the gRPC API is a stub
// (no ChirpStack here; the 100 000-device campaign's first unicasts still go out over MQTT).
// Talks to the benchmark over IPC: 'ready' once the campaign runs; answers 'stats' and 'check'.
import { CampaignEngine } from '../../src/campaign/engine.js';
import type { Uplink } from '../../src/campaign/ports.js';
import { ChirpstackNetworkServer } from '../../src/lns/chirpstack/chirpstack-network-server.js';
import type { PayloadEncoding } from '../../src/lns/chirpstack/payload-encoding.js';
import { MqttConnection } from '../../src/lns/mqtt/mqtt-connection.js';
import { wallClock } from '../../src/lns/wall-clock.js';
import { StatusPublisher } from '../../src/status/status-publisher.js';
import { openStore } from '../../src/app/open-local-store.js';
import { APPLICATION_ID, devEuiOf, expectedUplinks } from './devices.js';

interface Options {
  brokerUrl: string;
  storePath: string;
  devices: number;
  encoding: PayloadEncoding;
  clientId: string;
}

const options = JSON.parse(process.argv[2]!) as Options;
const send = (message: unknown): void => void process.send!(message);

// As `fuota serve` opens it (open-local-store.ts), checkpoint worker included.
const store = openStore(options.storePath);
// Commits and the time they take, for the debug line (FUOTA_INTAKE_DEBUG=1).
const commits = { calls: 0, transitions: 0, ms: 0 };
for (const method of ['commit', 'commitBatch'] as const) {
  const original = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
  if (!original) continue;
  (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await original.apply(store, args);
    } finally {
      commits.calls++;
      commits.transitions += method === 'commit' ? 1 : (args[0] as unknown[]).length;
      commits.ms += performance.now() - t;
    }
  };
}
if (process.env.FUOTA_INTAKE_DEBUG) {
  // Messages in hand sampled every 50 ms (min/max over the second), and the event loop's busy share
  // (blocking I/O included, unlike CPU time): where an intake below the rate waits.
  let handMin = Infinity;
  let handMax = 0;
  setInterval(() => {
    handMin = Math.min(handMin, mqtt.messagesInHand);
    handMax = Math.max(handMax, mqtt.messagesInHand);
  }, 50).unref();
  let elu = performance.eventLoopUtilization();
  setInterval(() => {
    const cpu = process.cpuUsage();
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    console.error(`service: ${commits.calls} commits, ${commits.transitions} transitions, ${commits.ms.toFixed(0)} ms in them; in hand ${handMin}-${handMax}; loop busy ${(busy * 100).toFixed(0)} %; cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
    handMin = Infinity;
    handMax = 0;
  }, 1000).unref();
}
const mqtt = new MqttConnection({ url: options.brokerUrl, clientId: options.clientId, clean: false, protocolVersion: 5, sessionExpiryS: 3600, keepaliveS: 30 });
const group = { id: '00000000-0000-4000-8000-000000000001' };
// The gRPC API ChirpStack would answer: every device exists, every call succeeds.
const grpc = {
  getDevice: async () => ({}),
  getVersion: async () => '4.16.1',
  createMulticastGroup: async () => group.id,
  getMulticastGroup: async () => undefined,
  listMulticastGroups: async () => [],
  enqueueMulticast: async () => 1,
  listMulticastQueue: async () => [],
  deleteMulticastGroup: async () => undefined,
  addDeviceToMulticastGroup: async () => undefined,
  removeDeviceFromMulticastGroup: async () => undefined,
  addGatewayToMulticastGroup: async () => undefined,
  removeGatewayFromMulticastGroup: async () => undefined,
};
let latencies: number[] = [];
let lastCommitWallMs = 0;
let failures = 0;
/** Uplinks whose commit settled: the progress 'stats' reports (the per-device check at the end is what counts them). */
let committed = 0;
let engine: CampaignEngine | undefined;
const accept = (uplink: Uplink): Promise<unknown> => {
  const e = engine!;
  // acceptUplink: settles once committed (this code); handleUplink: the code before issue #17.
  const taken = (e as Partial<Pick<CampaignEngine, 'acceptUplink'>>).acceptUplink ? e.acceptUplink(uplink) : e.handleUplink(uplink);
  return taken.then(() => {
    committed++;
    lastCommitWallMs = Date.now();
    latencies.push(lastCommitWallMs - uplink.atMs);
  });
};
const network = new ChirpstackNetworkServer({
  mqtt,
  grpc: grpc as unknown as ConstructorParameters<typeof ChirpstackNetworkServer>[0]['grpc'],
  version: '4.16.1',
  applicationId: APPLICATION_ID,
  encoding: options.encoding,
  clock: wallClock,
  onUplink: (uplink) => accept(uplink),
  onDownlinkFailed: () => undefined,
  onError: () => void failures++,
});
const status = new StatusPublisher({
  publish: (topic, payload) => void mqtt.publish(topic, payload, { qos: 1, retain: true }).catch(() => undefined),
  deviceTopic: 'fuota/campaigns/{campaignId}/devices/{devEui}/status',
  campaignTopic: 'fuota/campaigns/{campaignId}/status',
  format: 'json',
  onError: () => undefined,
  coalesceMs: 250,
});
engine = new CampaignEngine({
  store,
  network,
  clock: wallClock,
  onTransition: (id, result, live) => void status.onTransition(id, result, live),
  onCommandError: () => void failures++,
});

const campaignId = `intake-${options.encoding}`;
const devices = Array.from({ length: options.devices }, (_, i) => ({ devEui: devEuiOf(i), rootKey: '01'.repeat(16) }));
await network.start();
const startedAtMs = Date.now();
await engine.create({ id: campaignId, firmware: { version: '1.1.0' }, devices, multicast: { mcKey: 'ab'.repeat(16) } }, new Uint8Array(4096).fill(1));
send({ type: 'ready', createMs: Date.now() - startedAtMs });

function counted(): number[] {
  const view = engine!.view(campaignId)!;
  return devices.map((d) => view.devices.get(d.devEui)!.counters.uplinks);
}

let cpu = process.cpuUsage();
let cpuAtMs = Date.now();
process.on('message', (message: { type: string; total?: number }) => {
  if (message.type === 'stats') {
    const used = process.cpuUsage();
    // Not a walk over every device's counter (100 000 map lookups every half second, CPU the step would be charged with).
    send({ type: 'stats', counted: committed, inHand: mqtt.messagesInHand ?? 0, cpuMs: (used.user + used.system) / 1000 });
  } else if (message.type === 'check') {
    const total = message.total!;
    let lost = 0;
    let twice = 0;
    counted().forEach((got, i) => {
      const expected = expectedUplinks(i, total, options.devices);
      if (got < expected) lost += expected - got;
      else twice += got - expected;
    });
    const sorted = latencies.sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    const used = process.cpuUsage(cpu);
    const cpuPercent = (100 * (used.user + used.system)) / 1000 / (Date.now() - cpuAtMs);
    send({ type: 'check', lost, twice, p50Ms: q(0.5), p99Ms: q(0.99), cpuPercent, rssMb: process.memoryUsage().rss / 2 ** 20, failures, lastCommitWallMs });
    latencies = [];
  } else if (message.type === 'mark') {
    cpu = process.cpuUsage();
    cpuAtMs = Date.now();
    latencies = [];
  } else if (message.type === 'stop') {
    void (async () => {
      await engine!.close();
      await status.flush?.();
      await network.close();
      await store.close();
      send({ type: 'stopped' });
      process.exit(0);
    })();
  }
});
