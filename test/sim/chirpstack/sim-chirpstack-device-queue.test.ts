import test from 'ava';
import type { MqttConnection, ReceivedMessage } from '../../../src/lns/mqtt/mqtt-connection.js';
import { EXPIRED_DESCRIPTION } from '../../../src/sim/chirpstack/sim-chirpstack-device-queue.js';
import { SimChirpstackMqtt } from '../../../src/sim/chirpstack/sim-chirpstack-mqtt.js';
import { SimClock } from '../../../src/sim/sim-clock.js';
import { APPLICATION_ID, DEV_EUIS, GATEWAY_1, simNetwork, T0 } from './sim-chirpstack-world.js';

// ChirpStack's class A queue rules in the simulated ChirpStack, over a real SimNetworkServer in
// simulated time and a recording MQTT connection: duplicate ids, a gateway's refusal, expiry
// (sources in sim-chirpstack-device-queue.ts).

const DEV = DEV_EUIS[0]!;
const ID_A = '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
const ID_B = '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70';

async function start(version?: string) {
  const clock = new SimClock(T0);
  const { network, devices } = simNetwork(clock);
  const published: Array<{ topic: string; json: any }> = [];
  let deliver: (message: ReceivedMessage) => void = () => {};
  const mqtt = {
    onMessage: (handler: (message: ReceivedMessage) => void) => ((deliver = handler), () => {}),
    connect: async () => ({ sessionPresent: false }),
    subscribe: async () => {},
    publish: async (topic: string, payload: Uint8Array) => void published.push({ topic, json: JSON.parse(new TextDecoder().decode(payload)) }),
    close: async () => {},
  };
  const errors: string[] = [];
  const sim = await SimChirpstackMqtt.start({
    network, mqtt: mqtt as unknown as MqttConnection, applicationId: APPLICATION_ID, encoding: 'json', gatewayId: GATEWAY_1,
    ...(version === undefined ? {} : { version }), onError: (error) => void errors.push((error as Error).message),
  });
  const command = (id: string, extra: Record<string, unknown> = {}) => {
    const json = JSON.stringify({ id, devEui: DEV, confirmed: false, fPort: 201, data: 'AQID', ...extra });
    deliver({ topic: `application/${APPLICATION_ID}/device/${DEV}/command/down`, payload: new TextEncoder().encode(json), qos: 1, retain: false, duplicate: false });
  };
  /** The device uplinks at `atMs`; the clock runs 3 s on (RX1 comes 1 s after the uplink). */
  const uplinkAt = async (atMs: number) => {
    network.scheduleUplink(devices[0]!, atMs);
    clock.at(atMs + 3_000, () => {});
    await clock.run({ untilMs: atMs + 3_000 });
  };
  const events = (kind: string) => published.filter((p) => p.topic.endsWith(`/event/${kind}`)).map((p) => p.json);
  return { sim, network, device: devices[0]!, errors, command, uplinkAt, events };
}

test('a command whose id is still in the device\'s queue is dropped (only logged); once sent, the id is free again', async (t) => {
  const w = await start();
  w.command(ID_A);
  w.command(ID_A, { data: 'BAUG' });
  t.like(w.sim.stats, { commandsReceived: 2, commandsIgnored: 1 });
  t.deepEqual(w.errors, [`simulated ChirpStack, command/down: id ${ID_A}: duplicate key value violates unique constraint "device_queue_item_pkey"`]);
  await w.uplinkAt(T0 + 1_000);
  t.deepEqual(w.device.unicasts.map((u) => [...u.payload]), [[1, 2, 3]], 'the first one, once');
  t.deepEqual(w.events('txack').map((e) => e.queueItemId), [ID_A]);
  t.false(w.network.hasQueuedUnicast(DEV, ID_A));
  w.command(ID_A, { data: 'BAUG' });
  t.true(w.network.hasQueuedUnicast(DEV, ID_A));
  t.is(w.sim.stats.commandsIgnored, 1);
});

test('a gateway refusal: log DOWNLINK_GATEWAY (ERROR, the TxAckStatus name, no context), no txack, the item stays and goes at the next uplink', async (t) => {
  const w = await start();
  w.sim.rejectNextDownlink(DEV, 'DUTY_CYCLE_OVERFLOW');
  w.command(ID_A);
  await w.uplinkAt(T0 + 1_000);
  t.deepEqual(w.events('log').map((e) => [e.level, e.code, e.description, e.context ?? {}, e.deviceInfo.devEui, Date.parse(e.time) - T0]), [
    ['ERROR', 'DOWNLINK_GATEWAY', 'DUTY_CYCLE_OVERFLOW', {}, DEV, 2_000],
  ]);
  t.deepEqual(w.events('txack'), []);
  t.deepEqual(w.device.unicasts, []);
  t.true(w.network.hasQueuedUnicast(DEV, ID_A));
  t.is(w.sim.stats.downlinksRefused, 1);
  await w.uplinkAt(T0 + 5_000);
  t.deepEqual(w.events('txack').map((e) => [e.queueItemId, Date.parse(e.time) - T0]), [[ID_A, 6_000]]);
  t.is(w.device.unicasts.length, 1);
  t.false(w.network.hasQueuedUnicast(DEV, ID_A));
});

test('v4.14+: an item past its expires_at at the next uplink is dropped with log EXPIRED (queue_item_id); the next item goes instead', async (t) => {
  const w = await start();
  w.command(ID_A, { expiresAt: new Date(T0 + 5_000).toISOString() });
  w.command(ID_B, { data: 'BAUG', expiresAt: new Date(T0 + 60_000).toISOString() });
  await w.uplinkAt(T0 + 10_000);
  t.deepEqual(w.events('log').map((e) => [e.level, e.code, e.description, e.context, Date.parse(e.time) - T0]), [
    ['ERROR', 'EXPIRED', EXPIRED_DESCRIPTION, { queue_item_id: ID_A }, 10_000],
  ]);
  t.deepEqual(w.events('txack').map((e) => e.queueItemId), [ID_B]);
  t.deepEqual(w.device.unicasts.map((u) => [...u.payload]), [[4, 5, 6]]);
  t.is(w.sim.stats.itemsExpired, 1);
});

test('before v4.14 expires_at is ignored: the late item still goes out', async (t) => {
  const w = await start('4.13.0');
  w.command(ID_A, { expiresAt: new Date(T0 + 5_000).toISOString() });
  await w.uplinkAt(T0 + 10_000);
  t.deepEqual(w.events('log'), []);
  t.deepEqual(w.events('txack').map((e) => e.queueItemId), [ID_A]);
});
