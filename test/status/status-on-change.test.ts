import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import { DEFAULT_CAMPAIGN_STATUS_TOPIC, DEFAULT_DEVICE_STATUS_TOPIC } from '../../src/config/config-schema.js';
import { EmbeddedBroker } from '../../src/lns/mqtt/embedded-broker.js';
import { MqttConnection, type ReceivedMessage } from '../../src/lns/mqtt/mqtt-connection.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { StatusPublisher, type PublishFn } from '../../src/status/status-publisher.js';
import { decode } from './wire.js';

// Issue #14: every device has its (retained) status topic from the campaign's creation, also the
// devices of a later wave; after that a device's topic is written only when its status changed,
// not on every uplink; the campaign topic likewise.

const DEVICES = 10;
/** Generous: the publishes are local, but the machine may be busy (no test depends on a short wait). */
const DEADLINE_MS = 60_000;

async function world(publish: PublishFn) {
  const pending: Promise<void>[] = [];
  const status = new StatusPublisher({ publish, deviceTopic: DEFAULT_DEVICE_STATUS_TOPIC, campaignTopic: DEFAULT_CAMPAIGN_STATUS_TOPIC, format: 'json', onError: (error) => { throw error; } });
  const simulated = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: DEVICES, seed: 31 },
    storePath: 'memory',
    firmwareBytes: 8 * 1024,
    // Two waves: 2 canaries, then the other 8.
    spec: { rollout: { canaryFraction: 0.2 } },
    engine: { onTransition: (id, result, live) => void pending.push(status.onTransition(id, result, live)) },
  });
  const settled = async () => {
    await simulated.engine.idle();
    await Promise.all(pending);
  };
  return { ...simulated, settled };
}

function deviceTopic(devEui: string): string {
  return `fuota/campaigns/demo/devices/${devEui}/status`;
}

/** A message less what may change without it being a change (status-publisher.ts). */
function said(topic: string, payload: Uint8Array): string {
  if (topic === 'fuota/campaigns/demo/status') {
    const { updatedAtMs: _at, ...rest } = decode('campaign', 'json', payload);
    return JSON.stringify(rest);
  }
  const { updatedAtMs: _at, uplinks: _uplinks, timestamps, ...rest } = decode('device', 'json', payload) as { updatedAtMs?: number; uplinks?: number; timestamps?: Record<string, number> };
  const { lastUplinkAtMs: _last, ...moments } = timestamps ?? {};
  return JSON.stringify([rest, moments]);
}

test('two waves: every device has a topic right after creation, then a message only when its status changed', async (t) => {
  t.timeout(120_000);
  const sent: Array<{ topic: string; payload: Uint8Array }> = [];
  const w = await world((topic, payload) => void sent.push({ topic, payload }));
  t.teardown(() => w.close());
  await w.engine.create(w.spec, w.block);
  await w.settled();
  const view = w.engine.view('demo')!;
  t.is(view.campaign.waveCount, 2);
  const later = [...view.devices.values()].filter((d) => d.wave === 1);
  t.is(later.length, 8);
  const topics = new Set(sent.map((m) => m.topic));
  for (const device of view.devices.values()) t.true(topics.has(deviceTopic(device.devEui)), `${device.devEui} (wave ${device.wave}) has no status after creation`);
  t.true(topics.has('fuota/campaigns/demo/status'));
  for (const device of later) t.like(decode('device', 'json', sent.find((m) => m.topic === deviceTopic(device.devEui))!.payload), { phase: 'WAITING', wave: 1 });

  // An application uplink from a device waiting for its wave changes nothing it publishes.
  const before = sent.length;
  const waiting = later[0]!;
  await w.engine.handleUplink({ devEui: waiting.devEui, fPort: 2, payload: Uint8Array.of(1, 2, 3), atMs: w.clock.now() });
  await w.settled();
  t.is(w.engine.view('demo')!.devices.get(waiting.devEui)!.counters.uplinks, waiting.counters.uplinks + 1, 'the uplink reached the campaign');
  t.is(sent.length, before, sent.slice(before).map((m) => m.topic).join(', '));

  // The whole campaign: a topic is written again only when what it says changed, and a device of
  // the second wave is written only once before its wave starts, whatever it sends meanwhile.
  const running = () => w.engine.view('demo')!.campaign.phase === 'running';
  await w.clock.run({ untilMs: w.startMs + 7 * 86_400_000, done: () => !running(), settle: () => w.settled() });
  await w.settled();
  t.not(w.engine.view('demo')!.campaign.phase, 'running');
  // A device of the second wave sends its application uplinks all through the first wave: one message while it waits.
  for (const device of later) {
    const waitingMessages = sent.filter((m) => m.topic === deviceTopic(device.devEui) && decode('device', 'json', m.payload).phase === 'WAITING');
    t.is(waitingMessages.length, 1, device.devEui);
    const setup = sent.find((m) => m.topic === deviceTopic(device.devEui) && decode('device', 'json', m.payload).phase === 'SETUP');
    t.true(Number(decode('device', 'json', setup!.payload).uplinks) > 1, `${device.devEui}: heard while it waited`);
  }
  const last = new Map<string, string>();
  for (const m of sent) {
    const now = said(m.topic, m.payload);
    t.not(last.get(m.topic), now, `${m.topic} written again with nothing changed`);
    last.set(m.topic, now);
  }
  t.is(last.size, DEVICES + 1);
});

test('over a real broker: a dashboard subscribing after the creation finds a retained status for every device', async (t) => {
  t.timeout(120_000);
  const broker = await EmbeddedBroker.start();
  t.teardown(() => broker.close());
  // connectTimeoutMs generous: the CONNACK of a local broker may be slow on a busy machine.
  const connection = (name: string) => new MqttConnection({ url: broker.url, clientId: `status-on-change-${name}-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: DEADLINE_MS });
  const fuota = connection('fuota');
  t.teardown(() => fuota.close());
  await fuota.connect();
  let published = 0;
  const w = await world(async (topic, payload) => {
    await fuota.publish(topic, payload, { qos: 1, retain: true });
    published++;
  });
  t.teardown(() => w.close());
  await w.engine.create(w.spec, w.block);
  await w.settled();
  t.is(published, DEVICES + 1);

  const dashboard = connection('dashboard');
  t.teardown(() => dashboard.close());
  const retained = new Map<string, ReceivedMessage>();
  dashboard.onMessage((m) => void retained.set(m.topic, m));
  await dashboard.connect();
  await dashboard.subscribe('fuota/campaigns/#', 1);
  const deadline = Date.now() + DEADLINE_MS;
  while (retained.size < DEVICES + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const view = w.engine.view('demo')!;
  t.deepEqual([...retained.keys()].sort(), [...[...view.devices.keys()].map(deviceTopic), 'fuota/campaigns/demo/status'].sort());
  t.true([...retained.values()].every((m) => m.retain));
  for (const device of view.devices.values()) {
    const message = decode('device', 'json', retained.get(deviceTopic(device.devEui))!.payload);
    t.is(message.devEui, device.devEui);
    t.is(Number(message.wave ?? 0), device.wave);
  }

  // An uplink that changes nothing writes nothing to the broker either.
  const waiting = [...view.devices.values()].find((d) => d.wave === 1)!;
  await w.engine.handleUplink({ devEui: waiting.devEui, fPort: 2, payload: Uint8Array.of(9), atMs: w.clock.now() });
  await w.settled();
  t.is(published, DEVICES + 1);
});
