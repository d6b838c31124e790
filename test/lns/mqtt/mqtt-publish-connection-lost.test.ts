import { createServer, type AddressInfo, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import type { MqttClient } from 'mqtt';
import { isFuotaError } from '../../../src/core/errors.js';
import { MqttConnection, type MqttConnectionOptions } from '../../../src/lns/mqtt/mqtt-connection.js';

// A QoS 0 publish made after the broker closed our socket but before mqtt.js noticed: the
// socket has ended (its FIN read, our side ended with it), its 'close', the one event mqtt.js
// watches, is still to come, so mqtt.js writes the message instead of queueing it, the write is
// refused and mqtt.js waits for a 'drain' that an ended socket never emits. The publish must
// still settle: TtsUnicast chains each device's pushes, and one publish that never settled held
// back every later push of that device (tts-mosquitto's broker-restart test: a device `absent`).

interface FakeBroker {
  url: string;
  sockets: Socket[];
  close(): Promise<void>;
}

/** Just enough of a broker: CONNACK (accepted, no session) to the first packet, then silence. */
async function fakeBroker(): Promise<FakeBroker> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A connection (MQTT 3.1.1, clean) to a fake broker of its own; both closed at the end of the test. */
async function connectedToFakeBroker(t: ExecutionContext, clientId: string, options: Partial<MqttConnectionOptions> = {}): Promise<{ connection: MqttConnection; broker: FakeBroker }> {
  const broker = await fakeBroker();
  const connection = new MqttConnection({ url: broker.url, clientId, protocolVersion: 4, clean: true, ...options });
  t.teardown(async () => {
    await connection.close();
    await broker.close();
  });
  await connection.connect();
  return { connection, broker };
}

/** Generous: the fixed publish settles within milliseconds; unfixed it never does. */
const SETTLE_WAIT_MS = 30_000;

test('a QoS 0 publish written onto a socket the broker has just ended settles (rejected) once the connection is gone', async (t) => {
  t.timeout(SETTLE_WAIT_MS * 2);
  const { connection, broker } = await connectedToFakeBroker(t, 'publish-on-ended-socket');
  // The only way to hit the window every time: our side of the socket has finished ending (the
  // broker's FIN ended it), 'close' is still to come and mqtt.js still counts it connected.
  const stream = (connection as unknown as { client: MqttClient }).client.stream;
  const outcome = new Promise<PromiseSettledResult<void>>((resolve) => {
    stream.once('finish', () => {
      void Promise.allSettled([connection.publish('fuota/test', 'lost', { qos: 0 })]).then(([result]) => resolve(result!));
    });
  });
  broker.sockets[0]!.end();
  const settled = await Promise.race([outcome, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), SETTLE_WAIT_MS))]);
  if (settled === 'pending') return t.fail(`publish still pending after ${SETTLE_WAIT_MS} ms`);
  t.is(settled.status, 'rejected');
  const error = settled.status === 'rejected' ? (settled.reason as unknown) : undefined;
  t.true(isFuotaError(error) && error.code === 'MQTT_PUBLISH_FAILED', String(error));
  t.regex(String((error as Error).message), /fuota\/test.*closed/);
});

test('many QoS 0 publishes waiting at once share one close listener and are all rejected when the connection goes (no MaxListenersExceededWarning)', async (t) => {
  t.timeout(SETTLE_WAIT_MS * 2);
  const { connection, broker } = await connectedToFakeBroker(t, 'many-unwritten');
  const client = (connection as unknown as { client: MqttClient }).client;
  const before = client.listenerCount('close');
  const count = 25;
  let during = 0;
  const outcomes = new Promise<PromiseSettledResult<void>[]>((resolve) => {
    client.stream.once('finish', () => {
      // Written onto the ended socket: none is ever written, all wait for the close.
      const published = Array.from({ length: count }, (_, i) => connection.publish('fuota/test', `lost ${i}`, { qos: 0 }));
      during = client.listenerCount('close');
      void Promise.allSettled(published).then(resolve);
    });
  });
  broker.sockets[0]!.end();
  const settled = await Promise.race([outcomes, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), SETTLE_WAIT_MS))]);
  if (settled === 'pending') return t.fail(`publishes still pending after ${SETTLE_WAIT_MS} ms`);
  t.true(during <= before + 1, `close listeners: ${before} before, ${during} with ${count} publishes waiting`);
  t.is(settled.filter((r) => r.status === 'rejected').length, count);
});

test('a QoS 0 publish while reconnecting still waits for the reconnect (not failed by the close of a failed attempt)', async (t) => {
  t.timeout(SETTLE_WAIT_MS * 2);
  const { connection, broker } = await connectedToFakeBroker(t, 'publish-while-away', { reconnect: { initialMs: 50, maxMs: 200 } });
  const lost = new Promise<void>((resolve) => connection.onState((change) => change.state === 'reconnecting' && resolve()));
  broker.sockets[0]!.destroy();
  await lost;
  // Offline: mqtt.js queues it and writes it after the reconnect (the fake broker accepts again).
  const reconnected = new Promise<void>((resolve) => connection.onState((change) => change.state === 'connected' && resolve()));
  const published = connection.publish('fuota/test', 'later', { qos: 0 });
  await reconnected;
  await t.notThrowsAsync(published);
});
