import test from 'ava';
import { FuotaError } from '../../src/core/errors.js';
import { EmbeddedBroker } from '../../src/lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../../src/lns/mqtt/mqtt-connection.js';
import { topicMatches, WireTraffic } from '../../src/sim/wire-traffic.js';

// Cases from MQTT 3.1.1 §4.7.1 (the spec's own examples for `#` and `+`).
const MATCHES: Array<[string, string, boolean]> = [
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['#', 'sport/tennis', true],
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  ['application/+/device/+/event/+', 'application/a/device/0102030405060708/event/up', true],
  ['application/+/device/+/event/+', 'application/a/device/0102030405060708/command/down', false],
  ['fuota/campaigns/#', 'fuota/campaigns/demo/devices/0102030405060708/status', true],
  ['a/b', 'a/b/c', false],
];

for (const [filter, topic, expected] of MATCHES) {
  test(`topicMatches(${JSON.stringify(filter)}, ${JSON.stringify(topic)}) is ${expected}`, (t) => {
    t.is(topicMatches(filter, topic), expected);
  });
}

test('a message counts until every subscribed connection has handled it', (t) => {
  const traffic = new WireTraffic();
  const a = traffic.observer('a');
  const b = traffic.observer('b');
  const c = traffic.observer('c');
  b.subscribed('x/#');
  c.subscribed('x/+');
  a.published('x/y');
  t.is(traffic.pending, 2);
  b.handled('x/y');
  t.is(traffic.pending, 1);
  c.handled('x/y');
  t.is(traffic.pending, 0);
  a.published('nobody/listens');
  t.is(traffic.pending, 0);
  t.deepEqual(traffic.stats, { mqttPublished: 2, mqttHandled: 2, grpcCalls: 0 });
});

test('a message nobody expected (retained, or raced the SUBACK) is not counted below zero', (t) => {
  const traffic = new WireTraffic();
  const a = traffic.observer('a');
  const b = traffic.observer('b');
  b.subscribed('x/#');
  b.handled('x/retained');
  t.is(traffic.pending, 0);
  a.published('x/y');
  t.is(traffic.pending, 1);
});

test('drained resolves when the last message is handled', async (t) => {
  const traffic = new WireTraffic();
  const a = traffic.observer('a');
  const b = traffic.observer('b');
  b.subscribed('x');
  a.published('x');
  let drained = false;
  const waiting = traffic.drained(30_000).then(() => {
    drained = true;
  });
  await Promise.resolve();
  t.false(drained);
  b.handled('x');
  await waiting;
  t.true(drained);
});

test('drained rejects with what is stuck after the timeout', async (t) => {
  const traffic = new WireTraffic();
  traffic.observer('chirpstack').published('x');
  traffic.observer('fuota').subscribed('x');
  traffic.observer('late').subscribed('x');
  traffic.observer('chirpstack').published('x');
  const error = await t.throwsAsync(traffic.drained(20));
  t.true(error instanceof FuotaError);
  t.is((error as FuotaError).code, 'WIRE_NOT_SETTLED');
  t.regex(error!.message, /^simulated wire: expected nothing in flight within 20 ms, got 2 \(fuota: 1 messages, late: 1 messages\)$/);
});

test('trackCalls counts a promise while it is pending, and passes results and errors through', async (t) => {
  const traffic = new WireTraffic();
  let release: (value: number) => void = () => {};
  const client = traffic.trackCalls({
    slow: () => new Promise<number>((resolve) => (release = resolve)),
    fails: async () => {
      throw new Error('refused');
    },
    sync: () => 7,
    name: 'client',
  });
  t.is(client.sync(), 7);
  t.is(client.name, 'client');
  t.is(traffic.pending, 0);
  const slow = client.slow();
  t.is(traffic.pending, 1);
  release(42);
  t.is(await slow, 42);
  t.is(traffic.pending, 0);
  await t.throwsAsync(client.fails(), { message: 'refused' });
  t.is(traffic.pending, 0);
  t.is(traffic.stats.grpcCalls, 2);
});

test('subscriptions(): filters re-granted after a broker restart are counted (a clean session resubscribes)', async (t) => {
  t.timeout(120_000);
  const traffic = new WireTraffic();
  const broker = await EmbeddedBroker.start();
  let current = broker;
  t.teardown(() => current.close());
  const connection = new MqttConnection({ url: broker.url, clientId: `wire-traffic-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000, reconnect: { initialMs: 50, maxMs: 500 }, observer: traffic.observer('app') });
  t.teardown(() => connection.close());
  const received: string[] = [];
  connection.onMessage((m) => void received.push(m.topic));
  await connection.connect();
  await connection.subscribe('a/+', 0);
  await connection.subscribe('b/#', 0);
  const before = traffic.subscriptions();
  t.deepEqual([...before.values()], [1, 1]);
  t.false(traffic.subscribedAgain(before));
  await broker.close();
  current = await EmbeddedBroker.start({ port: broker.port });
  // Generous and condition-based: the reconnect and its SUBACK on a busy machine.
  const deadline = Date.now() + 60_000;
  while (!traffic.subscribedAgain(before) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.true(traffic.subscribedAgain(before));
  t.deepEqual([...traffic.subscriptions().values()], [2, 2]);
  await connection.publish('b/c', 'x', { qos: 0 });
  while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.deepEqual(received, ['b/c']);
});
