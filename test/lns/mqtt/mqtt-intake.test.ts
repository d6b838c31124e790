import test from 'ava';
import { MqttConnection, type ReceivedMessage } from '../../../src/lns/mqtt/mqtt-connection.js';
import { startBroker, type Broker } from './mosquitto.js';

// MqttConnection's intake (issue #17), against a real mosquitto: messages are handled
// concurrently (the next is read while the ones before are still being handled), at most
// maxInFlight in hand (past it the socket is not read: TCP back-pressure, the broker queues), and
// a message whose handler answers 'redeliver' gets no PUBACK: the connection is resumed and the
// broker delivers it again, DUP set, with the persistent session.

let broker: Broker;
test.before(async () => {
  broker = await startBroker();
});
test.after.always(async () => {
  await broker?.dispose();
});

let seq = 0;
function connection(role: string, extra: Partial<ConstructorParameters<typeof MqttConnection>[0]> = {}): MqttConnection {
  seq += 1;
  return new MqttConnection({
    url: broker.plainUrl,
    clientId: `intake-${role}-${process.pid}-${seq}`,
    username: broker.username,
    password: broker.password,
    connectTimeoutMs: 30_000,
    reconnect: { initialMs: 50, maxMs: 500 },
    ...extra,
  });
}

async function eventually(condition: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('handlers run concurrently up to maxInFlight; past it nothing more is read until one settles; all acked in the end', async (t) => {
  const topic = `intake/${process.pid}/concurrent`;
  const receiver = connection('receiver', { maxInFlight: 5 });
  const started: number[] = [];
  const release: Array<() => void> = [];
  receiver.onMessage(async (message: ReceivedMessage) => {
    started.push(message.payload[0]!);
    await new Promise<void>((resolve) => release.push(resolve));
  });
  await receiver.connect();
  await receiver.subscribe(topic, 1);
  const sender = connection('sender');
  await sender.connect();
  t.teardown(async () => {
    await sender.close();
    await receiver.close();
  });
  for (let i = 0; i < 12; i++) await sender.publish(topic, Uint8Array.of(i), { qos: 1 });
  await eventually(() => started.length === 5, () => `5 handlers started, got ${started.length}`);
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(started, [0, 1, 2, 3, 4], 'five at once, in order, and no sixth while five are in hand');
  t.is(receiver.messagesInHand, 5);
  while (started.length < 12 || release.length > 0) {
    release.shift()?.();
    await new Promise((r) => setTimeout(r, 10));
  }
  t.deepEqual(started, [...Array(12).keys()]);
  await eventually(() => receiver.messagesInHand === 0, () => `nothing in hand, got ${receiver.messagesInHand}`);
});

test("a message whose handler answers 'redeliver' is not acked: the broker delivers it again (DUP) after the connection is resumed; the others are handled once", async (t) => {
  const topic = `intake/${process.pid}/redeliver`;
  const receiver = connection('redeliver');
  const seen: Array<{ n: number; duplicate: boolean }> = [];
  const states: string[] = [];
  receiver.onState((change) => states.push(change.state));
  let refuse = true;
  receiver.onMessage(async (message) => {
    const n = message.payload[0]!;
    seen.push({ n, duplicate: message.duplicate });
    if (n === 2 && refuse) {
      refuse = false;
      // Answered once 3 and 4 were handled: their PUBACKs (in order, after 2's turn) go out before the drop.
      await eventually(() => seen.some((s) => s.n === 4), () => 'message 4');
      await new Promise((r) => setTimeout(r, 50));
      return 'redeliver';
    }
    return undefined;
  });
  await receiver.connect();
  await receiver.subscribe(topic, 1);
  const sender = connection('sender');
  await sender.connect();
  t.teardown(async () => {
    await sender.close();
    await receiver.close();
  });
  for (let i = 0; i < 5; i++) await sender.publish(topic, Uint8Array.of(i), { qos: 1 });
  await eventually(() => seen.filter((s) => s.n === 2).length === 2, () => `message 2 twice, got ${JSON.stringify(seen)}`);
  await new Promise((r) => setTimeout(r, 500));
  const counts = [0, 1, 2, 3, 4].map((n) => seen.filter((s) => s.n === n).length);
  t.deepEqual(counts, [1, 1, 2, 1, 1], 'only the refused message came again');
  t.true(seen.filter((s) => s.n === 2)[1]!.duplicate, 'redelivered with DUP');
  t.true(states.includes('reconnecting') && states.at(-1) === 'connected', 'resumed the session');
});
