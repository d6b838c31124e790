import test from 'ava';
import type { UnicastCommand } from '../../../src/campaign/commands.js';
import type { Uplink } from '../../../src/campaign/ports.js';
import type { MqttConnection, ReceivedMessage } from '../../../src/lns/mqtt/mqtt-connection.js';
import type { SimChirpstackEncoding } from '../../../src/sim/chirpstack/sim-chirpstack-events.js';
import { SimChirpstackMqtt } from '../../../src/sim/chirpstack/sim-chirpstack-mqtt.js';
import type { SimNetworkServer } from '../../../src/sim/sim-network-server.js';

// The simulated ChirpStack's MQTT integration without a broker: a recording connection and a
// network that only records, to pin down which events it publishes when, what it does with each
// command, and its counters. The over-the-wire behaviour is in test/lns/chirpstack/.

const APP = '17c82e96-be03-4f38-aef3-f83d48582d97';
const OTHER_APP = '00000000-0000-4000-8000-000000000001';
const DEV = '01020304050607ab';
const UNKNOWN_DEV = '01020304050607ff';
const GW = '0016c001f153a14c';
const ID = '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

async function start(encoding: SimChirpstackEncoding = 'json') {
  const published: Array<{ topic: string; payload: Uint8Array }> = [];
  const subscribed: string[] = [];
  let deliver: (message: ReceivedMessage) => void = () => {};
  const mqtt = {
    onMessage: (handler: (message: ReceivedMessage) => void) => ((deliver = handler), () => {}),
    connect: async () => ({ sessionPresent: false }),
    subscribe: async (filter: string) => void subscribed.push(filter),
    publish: async (topic: string, payload: Uint8Array) => void published.push({ topic, payload }),
    close: async () => {},
  };
  const sent: UnicastCommand[] = [];
  const network = {
    onUplink: (_: Uplink) => {},
    onUnicastSent: (_: UnicastCommand) => {},
    now: () => Date.UTC(2025, 0, 1),
    device: (devEui: string) => (devEui === DEV ? {} : undefined),
    sendUnicast: async (command: UnicastCommand) => void sent.push(command),
    hasQueuedUnicast: (devEui: string, id: string) => sent.some((c) => c.devEui === devEui && c.id === id),
  };
  const errors: string[] = [];
  const sim = await SimChirpstackMqtt.start({
    network: network as unknown as SimNetworkServer, mqtt: mqtt as unknown as MqttConnection, applicationId: APP, encoding, gatewayId: GW,
    onError: (error) => void errors.push((error as Error).message),
  });
  const command = (topic: string, json: string) => deliver({ topic, payload: new TextEncoder().encode(json), qos: 1, retain: false, duplicate: false });
  const json = (i: number) => JSON.parse(new TextDecoder().decode(published[i]!.payload));
  return { sim, network, published, subscribed, sent, errors, command, json };
}

const downTopic = (app: string, devEui: string, command = 'down') => `application/${app}/device/${devEui}/command/${command}`;

test('subscribes as ChirpStack; an uplink → event/up (with the codec object when there is one); a downlink on air → event/txack with its id', async (t) => {
  const w = await start();
  t.deepEqual(w.subscribed, ['application/+/device/+/command/+']);
  w.network.onUplink({ devEui: DEV, fPort: 10, payload: Uint8Array.of(1), atMs: Date.UTC(2025, 0, 1), object: { version: '1.2.3' } });
  w.network.onUplink({ devEui: DEV, fPort: 10, payload: Uint8Array.of(2), atMs: Date.UTC(2025, 0, 1) });
  w.network.onUnicastSent({ type: 'unicast', id: ID, devEui: DEV, fPort: 201, payloadHex: '00' });
  await Promise.resolve();
  t.deepEqual(w.published.map((p) => p.topic), [`application/${APP}/device/${DEV}/event/up`, `application/${APP}/device/${DEV}/event/up`, `application/${APP}/device/${DEV}/event/txack`]);
  t.like(w.json(0), { fCnt: 0, fPort: 10, data: 'AQ==', object: { version: '1.2.3' }, rxInfo: [{ gatewayId: GW }] });
  t.like(w.json(1), { fCnt: 1, data: 'Ag==' });
  t.false('object' in w.json(1));
  t.like(w.json(2), { queueItemId: ID, fCntDown: 0, gatewayId: GW });
  t.like(w.sim.stats, { upPublished: 2, txAcksPublished: 1 });
});

test('a muted device gets no txack (counted)', async (t) => {
  const w = await start('protobuf');
  w.sim.muteTxAck.add(DEV);
  w.network.onUnicastSent({ type: 'unicast', id: ID, devEui: DEV, fPort: 201, payloadHex: '00' });
  t.deepEqual(w.published, []);
  t.like(w.sim.stats, { txAcksPublished: 0, txAcksMuted: 1 });
});

test('command/down: queued with its id; another application’s is not ours; refusals and unknown devices are only counted', async (t) => {
  const w = await start();
  w.command(downTopic(APP, DEV), `{"id":"${ID.toUpperCase()}","devEui":"${DEV}","confirmed":false,"fPort":201,"data":"AQID"}`);
  w.command(downTopic(APP, DEV), `{"devEui":"${DEV}","fPort":201,"data":"AQID"}`);
  t.deepEqual(w.sent[0], { type: 'unicast', id: ID, devEui: DEV, fPort: 201, payloadHex: '010203' });
  t.regex(w.sent[1]!.id, /^[0-9a-f-]{36}$/, 'no id: ChirpStack picks one');
  w.command(downTopic(OTHER_APP, DEV), `{"devEui":"${DEV}","fPort":201}`);
  t.like(w.sim.stats, { commandsReceived: 2, commandsIgnored: 0 });
  w.command(downTopic(APP, UNKNOWN_DEV), `{"devEui":"${UNKNOWN_DEV}","fPort":201}`);
  w.command(downTopic(APP, DEV, 'flush'), '{}');
  w.command(downTopic(APP, DEV), `{"devEui":"${DEV.toUpperCase()}","fPort":201}`);
  w.command(downTopic(APP, DEV), 'not json');
  t.is(w.sent.length, 2);
  t.like(w.sim.stats, { commandsReceived: 6, commandsIgnored: 4 });
  t.is(w.errors.length, 3, 'the unknown device is only counted; the three refusals also reach onError');
});
