import { connect } from 'node:net';
import test from 'ava';
import { FuotaError } from '../../../src/core/errors.js';
import { EmbeddedBroker } from '../../../src/lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';

function client(broker: EmbeddedBroker, name: string): MqttConnection {
  return new MqttConnection({ url: broker.url, clientId: `embedded-${name}-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000 }); // generous: a busy machine (issue #14)
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('two brokers on ports the system picks; a QoS 1 message goes from one client to another', async (t) => {
  const first = await EmbeddedBroker.start();
  const second = await EmbeddedBroker.start();
  t.teardown(() => Promise.all([first.close(), second.close()]));
  t.not(first.port, second.port);
  t.regex(first.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  const publisher = client(first, 'pub');
  const subscriber = client(first, 'sub');
  t.teardown(() => Promise.all([publisher.close(), subscriber.close()]));
  const received = new Promise<string>((resolve) => subscriber.onMessage((m) => resolve(`${m.topic} ${Buffer.from(m.payload).toString()}`)));
  await subscriber.connect();
  await subscriber.subscribe('application/+/device/+/event/up', 1);
  await publisher.connect();
  await publisher.publish('application/a/device/0102030405060708/event/up', '{"fPort":201}', { qos: 1 });
  t.is(await received, 'application/a/device/0102030405060708/event/up {"fPort":201}');
});

test('close frees the port, with clients still connected', async (t) => {
  const broker = await EmbeddedBroker.start();
  const connection = client(broker, 'lingering');
  await connection.connect();
  t.true(await portOpen(broker.port));
  await broker.close();
  t.false(await portOpen(broker.port));
  await connection.close(100);
});

test('a port already taken is refused with one clear error', async (t) => {
  const taken = await EmbeddedBroker.start();
  t.teardown(() => taken.close());
  const error = await t.throwsAsync(EmbeddedBroker.start({ port: taken.port }));
  t.true(error instanceof FuotaError);
  t.is((error as FuotaError).code, 'MQTT_BROKER_NOT_STARTED');
  t.regex(error!.message, new RegExp(`^embedded MQTT broker: expected to listen on 127\\.0\\.0\\.1:${taken.port}, got .*EADDRINUSE`));
});

test('writes coalesced per turn (broker and coalesceWrites clients): a burst of QoS 1 messages in one turn all arrive, in order, each acknowledged', async (t) => {
  const broker = await EmbeddedBroker.start();
  t.teardown(() => broker.close());
  const publisher = new MqttConnection({ url: broker.url, clientId: `embedded-burst-pub-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000, coalesceWrites: true });
  const subscriber = new MqttConnection({ url: broker.url, clientId: `embedded-burst-sub-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000, coalesceWrites: true });
  t.teardown(() => Promise.all([publisher.close(), subscriber.close()]));
  const count = 300;
  const received: string[] = [];
  const all = new Promise<void>((resolve) => subscriber.onMessage((m) => {
    received.push(Buffer.from(m.payload).toString());
    if (received.length === count) resolve();
  }));
  await subscriber.connect();
  await subscriber.subscribe('burst/#', 1);
  await publisher.connect();
  // One turn: every publish (and the subscriber's PUBACKs, the broker's forwards) corked together.
  const published = Array.from({ length: count }, (_, i) => publisher.publish(`burst/${i % 7}`, `${i}`.padStart(400, '.'), { qos: 1 }));
  await Promise.all(published);
  await all;
  t.deepEqual(received, Array.from({ length: count }, (_, i) => `${i}`.padStart(400, '.')));
  // The subscriber's PUBACKs went out: the broker holds nothing for it, a later message still comes.
  const next = new Promise<string>((resolve) => subscriber.onMessage((m) => resolve(Buffer.from(m.payload).toString())));
  await publisher.publish('burst/last', 'last', { qos: 1 });
  t.is(await next, 'last');
});

test('an in-memory client (connectInMemory) and a TCP client exchange QoS 1 bursts both ways, in order; close() ends the in-memory connection', async (t) => {
  const broker = await EmbeddedBroker.start();
  t.teardown(() => broker.close());
  const inMemory = new MqttConnection({ url: broker.url, clientId: `embedded-memory-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000, coalesceWrites: true, stream: () => broker.connectInMemory() });
  const tcp = client(broker, 'tcp-peer');
  t.teardown(() => Promise.all([inMemory.close(100), tcp.close(100)]));
  const count = 200;
  const gather = (connection: MqttConnection, topic: string): Promise<string[]> => {
    const got: string[] = [];
    return new Promise((resolve) => connection.onMessage((m) => {
      if (m.topic !== topic) return;
      got.push(Buffer.from(m.payload).toString());
      if (got.length === count) resolve(got);
    }));
  };
  const atMemory = gather(inMemory, 'to/memory');
  const atTcp = gather(tcp, 'to/tcp');
  await inMemory.connect();
  await tcp.connect();
  await inMemory.subscribe('to/memory', 1);
  await tcp.subscribe('to/tcp', 1);
  const expected = Array.from({ length: count }, (_, i) => `${i}`.padStart(300, '.'));
  await Promise.all([
    ...expected.map((body) => inMemory.publish('to/tcp', body, { qos: 1 })),
    ...expected.map((body) => tcp.publish('to/memory', body, { qos: 1 })),
  ]);
  t.deepEqual(await atTcp, expected);
  t.deepEqual(await atMemory, expected);
  const lost = new Promise<string>((resolve) => inMemory.onState((change) => resolve(change.state)));
  await broker.close();
  t.is(await lost, 'reconnecting');
});

test('the broker hands an in-memory client what it forwards in one turn as one chunk, as a socket does (not a chunk per message)', async (t) => {
  const broker = await EmbeddedBroker.start();
  t.teardown(() => broker.close());
  let chunks = 0;
  const subscriber = new MqttConnection({
    url: broker.url, clientId: `embedded-memory-chunks-${process.pid}`, protocolVersion: 4, clean: true, connectTimeoutMs: 30_000,
    stream: () => {
      const stream = broker.connectInMemory();
      stream.on('data', () => chunks++);
      return stream;
    },
  });
  const publisher = client(broker, 'chunks-pub');
  t.teardown(() => Promise.all([subscriber.close(100), publisher.close(100)]));
  const count = 50;
  let received = 0;
  const all = new Promise<void>((resolve) => subscriber.onMessage(() => void (++received === count && resolve())));
  await subscriber.connect();
  await subscriber.subscribe('chunks/#', 1);
  await publisher.connect();
  const before = chunks;
  await Promise.all(Array.from({ length: count }, (_, i) => publisher.publish(`chunks/${i}`, 'x', { qos: 1 })));
  await all;
  // aedes forwards each message from its own setImmediate: one chunk each before the per-turn cork (50).
  t.true(chunks - before <= 5, `${chunks - before} chunks for ${count} messages`);
});
