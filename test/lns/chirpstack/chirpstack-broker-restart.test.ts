import test from 'ava';
import { CampaignEngine } from '../../../src/campaign/engine.js';
import type { DecodedEvent } from '../../../src/lns/chirpstack/events.js';
import { decodeEventMessage } from '../../../src/lns/chirpstack/messages.js';
import { ChirpstackTopics } from '../../../src/lns/chirpstack/topics.js';
import { wallClock } from '../../../src/lns/wall-clock.js';
import type { MqttConnection, StateChange } from '../../../src/lns/mqtt/mqtt-connection.js';
import { MemoryCampaignStore } from '../../../src/store/memory-campaign-store.js';
import { startBroker, type Broker } from '../mqtt/mosquitto.js';
import { eventually, mqttConnection, startWireWorld, wireDeviceConfig, type WireWorld, WIRE_BLOCK, WIRE_TARGET_VERSION, wireCampaignSpec, wireVerifyImage } from './chirpstack-wire-world.js';

// The campaign of chirpstack-campaign.test.ts (JSON), with mosquitto stopped in the middle of
// it (once the wave is in its session or fragments stage), kept down for a few seconds while the
// simulated devices keep uplinking, and restarted on the same ports with its persistence. Both
// MQTT clients (the simulated ChirpStack and our adapter) have persistent sessions and QoS 1:
// the simulated ChirpStack's publishes made while the broker is down wait in its client's store,
// and what the broker held for our adapter survives in the persistence file. The campaign must
// complete, and every uplink the simulated ChirpStack published must reach the engine.

const DEVICES = 5;
const OUTAGE_MS = 5_000;

let broker: Broker | undefined;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});


/** An uplink published by the simulated ChirpStack (event/up), and how its QoS 1 publish settled. */
interface Published {
  devEui: string;
  fCnt: number;
  timeMs: number;
  /** Published between the broker's stop and the end of its restart. */
  duringOutage: boolean;
  settled?: 'puback' | 'failed';
}

const key = (devEui: string, timeMs: number): string => `${devEui}@${timeMs}`;

test('json: a mosquitto restart in the middle of a campaign loses no uplink', async (t) => {
  t.timeout(240_000);
  const b = broker!;
  const devEuis = Array.from({ length: DEVICES }, (_, i) => `70b3d57ed00004${String(i + 1).padStart(2, '0')}`);
  let engine: CampaignEngine | undefined;
  const commandErrors: string[] = [];

  // Engine side: every uplink the adapter hands to the engine, keyed by (devEui, time).
  const received: string[] = [];
  // MQTT side of the adapter: every event/up its connection got, by (devEui, fCnt), duplicates included.
  const topics = new ChirpstackTopics();
  const arrivedFCnts: string[] = [];
  const adapterMqtt: MqttConnection = mqttConnection(b, 'fuota-restart');
  adapterMqtt.onMessage((message) => {
    try {
      const { event } = decodeEventMessage(topics, message, 'json');
      if (event.kind === 'up') arrivedFCnts.push(`${event.devEui}#${event.fCnt}`);
    } catch {
      // the adapter reports undecodable events itself (w.errors)
    }
  });
  const adapterStates: StateChange[] = [];
  adapterMqtt.onState((change) => void adapterStates.push(change));

  const w: WireWorld = await startWireWorld({
    broker: b,
    encoding: 'json',
    seed: 31,
    devices: devEuis.map((devEui) => wireDeviceConfig(devEui, { uplinkIntervalMs: 2_000, verifyImage: wireVerifyImage })),
    server: {
      mqtt: adapterMqtt,
      txAckTimeoutMs: 8_000,
      queuePollMs: 250,
      onUplink: (uplink) => {
        received.push(key(uplink.devEui, uplink.atMs));
        return engine?.handleUplink(uplink);
      },
      onDownlinkFailed: (devEui, reason) => engine?.downlinkFailed(devEui, reason),
    },
  });
  const store = new MemoryCampaignStore();
  engine = new CampaignEngine({
    store, network: w.server, clock: wallClock,
    onCommandError: (_id, command, error) => void commandErrors.push(`${command.type}: ${(error as Error).message}`),
  });
  t.teardown(async () => {
    await engine?.close();
    await w.close();
    await store.close();
  });

  // Simulated ChirpStack side: wrap its publishEvent (publishUp calls it for every event/up).
  const published: Published[] = [];
  let outage = false;
  const publishEvent = w.simMqtt.publishEvent.bind(w.simMqtt);
  w.simMqtt.publishEvent = (event: DecodedEvent): Promise<void> => {
    const promise = publishEvent(event);
    if (event.kind === 'up') {
      const entry: Published = { devEui: event.devEui, fCnt: event.fCnt, timeMs: event.timeMs, duringOutage: outage };
      published.push(entry);
      promise.then(() => (entry.settled = 'puback'), () => (entry.settled = 'failed'));
    }
    return promise;
  };
  // The simulated ChirpStack's own connection (not exposed by the wire world): its states, for the report.
  const simStates: StateChange[] = [];
  const simMqtt = (w.simMqtt as unknown as { options?: { mqtt?: MqttConnection } }).options?.mqtt;
  simMqtt?.onState((change) => void simStates.push(change));

  const id = 'wire-restart-json';
  const spec = wireCampaignSpec(id, devEuis);
  const startedAt = Date.now();
  await engine.create(spec, WIRE_BLOCK);
  const view = () => engine!.view(id)!;
  const outcomes = () => [...view().devices.values()].map((d) => d.outcome ?? d.phase);
  const stage = () => view().campaign.wave?.stage;

  // 1. Mid-campaign: the wave has set up its devices and is in its session or fragments stage.
  await eventually(() => stage() === 'session' || stage() === 'fragments' || view().campaign.phase !== 'running', 150_000, () => `the wave in session or fragments; now ${view().campaign.phase}/${stage()}`);
  const stageAtStop = stage();
  t.is(view().campaign.phase, 'running', 'the campaign is still running when the broker goes down');
  const uplinksBefore = published.length;

  // 2. The broker goes down (SIGTERM: it writes its persistence file) and stays down.
  outage = true;
  const stoppedAt = Date.now();
  await b.stop();
  await eventually(() => adapterMqtt.state === 'reconnecting', 30_000, () => `the adapter reconnecting; now ${adapterMqtt.state}`);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  const engineUplinksInOutage = received.length;

  // 3. Back on the same ports with the same persistence.
  await b.start();
  outage = false;
  const downMs = Date.now() - stoppedAt;
  await eventually(() => adapterMqtt.state === 'connected', 60_000, () => `the adapter connected again; now ${adapterMqtt.state}`);
  const engineUplinksAtRestart = received.length;
  t.log(`broker stopped in stage ${stageAtStop} at ${((stoppedAt - startedAt) / 1000).toFixed(1)} s, down ${(downMs / 1000).toFixed(1)} s; ${uplinksBefore} uplinks published before`);

  // 4. The campaign completes.
  await eventually(() => outcomes().every((o) => o === 'confirmed') || view().campaign.phase !== 'running', 200_000, () => `every device confirmed; now ${outcomes().join(',')}`);
  const confirmedAfterMs = Date.now() - startedAt;
  t.deepEqual(outcomes(), devEuis.map(() => 'confirmed'));
  for (const device of w.devices) t.is(device.firmwareVersion, WIRE_TARGET_VERSION, `${device.devEui} runs the new firmware`);
  await eventually(() => w.deleted.length === 1, 60_000, () => 'the multicast group deleted');
  t.is(w.server.heldMulticasts(), 0);

  // 5. No uplink lost: every event/up published so far got its PUBACK and reached the engine.
  const expected = [...published];
  const receivedSet = (): Set<string> => new Set(received);
  const missing = (): Published[] => expected.filter((p) => !receivedSet().has(key(p.devEui, p.timeMs)));
  await eventually(() => expected.every((p) => p.settled !== undefined) && missing().length === 0, 60_000,
    () => `every published uplink acknowledged and at the engine; unsettled ${expected.filter((p) => p.settled === undefined).length}, missing ${missing().map((p) => `${p.devEui}#${p.fCnt}`).join(',')}`);
  t.deepEqual(missing(), [], 'every uplink the simulated ChirpStack published reached the engine');
  t.deepEqual(expected.filter((p) => p.settled !== 'puback'), [], 'every event/up publish got its PUBACK');
  // The same by fCnt, at the adapter's MQTT connection.
  const arrived = new Set(arrivedFCnts);
  t.deepEqual(expected.filter((p) => !arrived.has(`${p.devEui}#${p.fCnt}`)).map((p) => `${p.devEui}#${p.fCnt}`), []);
  // Nothing reached the engine that was not published (the sets match, duplicates aside).
  const publishedKeys = new Set(published.map((p) => key(p.devEui, p.timeMs)));
  t.deepEqual(received.filter((k) => !publishedKeys.has(k)), []);
  // Per device, the fCnts published are 0..n-1 with no gap (the sim numbers every event/up it publishes).
  for (const devEui of devEuis) {
    const fCnts = expected.filter((p) => p.devEui === devEui).map((p) => p.fCnt);
    t.deepEqual(fCnts, fCnts.map((_, i) => i), `${devEui} published fCnts contiguous`);
  }
  // The outage was real: uplinks were published while the broker was down and reached the engine only afterwards.
  const inOutage = expected.filter((p) => p.duringOutage);
  t.true(inOutage.length >= DEVICES, `uplinks published during the outage: ${inOutage.length}`);
  t.true(new Set(inOutage.map((p) => p.devEui)).size === DEVICES, 'every device uplinked during the outage');

  // 6. The adapter's reconnect: lost, reconnecting with back-off, connected again with its session.
  const reconnecting = adapterStates.filter((s) => s.state === 'reconnecting');
  t.true(reconnecting.length >= 1, 'the adapter went reconnecting');
  t.is(reconnecting[0]?.error?.code, 'MQTT_CONNECTION_LOST');
  const firstLoss = adapterStates.findIndex((s) => s.state === 'reconnecting');
  const back = adapterStates.slice(firstLoss).filter((s) => s.state === 'connected');
  t.true(back.length >= 1, 'the adapter connected again');
  t.true(back.every((s) => s.sessionPresent === true), 'the broker kept the adapter session across its restart');
  t.is(adapterStates[0]?.state, 'connecting');
  t.like(adapterStates.at(-1), { state: 'connected', sessionPresent: true });
  if (simMqtt !== undefined) {
    t.true(simStates.some((s) => s.state === 'reconnecting') && simStates.at(-1)?.state === 'connected', `the simulated ChirpStack reconnected: ${simStates.map((s) => s.state).join(',')}`);
  }

  t.deepEqual(commandErrors, []);
  t.deepEqual(w.errors.map((e) => e.context), []);
  const duplicates = received.length - receivedSet().size;
  t.log(`${DEVICES} devices confirmed after ${(confirmedAfterMs / 1000).toFixed(1)} s; ${expected.length} uplinks published (${inOutage.length} during the outage), ${received.length} handed to the engine (${duplicates} duplicates; ${engineUplinksInOutage} by the end of the outage, ${engineUplinksAtRestart} when the adapter was back); adapter states ${adapterStates.map((s) => s.state).join(',')}; ${reconnecting.length} reconnect attempts; simulated ChirpStack ${simMqtt === undefined ? 'connection not reachable' : simStates.map((s) => s.state).join(',')}; ${w.failures.length} txack timeouts/failures${w.failures.length ? `: ${w.failures.map((f) => `${f.devEui} ${f.reason}`).join('; ')}` : ''}`);
});
