import test from 'ava';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';
import { APP, DEV_EUIS, devicePath, GW1, START_MS, TENANT, ttsWorld } from './sim-tts-world.js';

const DEV1 = `eui-${DEV_EUIS[0]}`;
const PREFIX = `v3/${APP}@${TENANT}`;

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

test('QoS 0: uplinks published while our client is away are lost, even with a persistent session and a QoS 1 subscription', async (t) => {
  const w = await ttsWorld();
  t.teardown(() => w.close());
  const options = { url: w.broker.url, clientId: 'away-app', protocolVersion: 4 as const, clean: false };
  const seen: string[] = [];
  const first = new MqttConnection(options);
  first.onMessage((m) => void seen.push(m.topic));
  await first.connect();
  await first.subscribe(`${PREFIX}/devices/+/up`, 1);
  await first.close();
  await w.step(START_MS + 61_000);
  const missed = w.topic('up').length;
  t.true(missed >= 3, 'uplinks were published meanwhile');
  const back = new MqttConnection(options);
  back.onMessage((m) => void seen.push(m.topic));
  t.teardown(() => back.close());
  await back.connect();
  await back.subscribe(`${PREFIX}/devices/+/up`, 1);
  await new Promise((r) => setTimeout(r, 300));
  t.is(seen.length, 0, 'nothing of the absence is delivered');
  await w.step(START_MS + 125_000);
  t.true(await until(() => seen.length > 0), 'new uplinks arrive once back');
});

test('down/replace over MQTT replaces the queue; [] clears it', async (t) => {
  const w = await ttsWorld({ boot: false });
  t.teardown(() => w.close());
  const item = (n: number): unknown => ({ f_port: 10, frm_payload: Buffer.from([n]).toString('base64') });
  await w.app.publish(`${PREFIX}/devices/${DEV1}/down/push`, JSON.stringify({ downlinks: [item(1), item(2)] }), { qos: 0 });
  await w.wire.drained(30_000);
  await w.app.publish(`${PREFIX}/devices/${DEV1}/down/replace`, JSON.stringify({ downlinks: [item(3)] }), { qos: 0 });
  await w.wire.drained(30_000);
  t.deepEqual(w.tts.queue(DEV1).map((d) => d['frm_payload']), ['Aw==']);
  w.devices[0]!.boot();
  await w.step(START_MS + 65_000);
  t.deepEqual(w.devices[0]!.unicasts.map((u) => [...u.payload]), [[3]]);
  await w.app.publish(`${PREFIX}/devices/${DEV1}/down/push`, JSON.stringify({ downlinks: [item(4)] }), { qos: 0 });
  await w.wire.drained(30_000);
  await w.app.publish(`${PREFIX}/devices/${DEV1}/down/replace`, JSON.stringify({ downlinks: [] }), { qos: 0 });
  await w.wire.drained(30_000);
  t.deepEqual(w.tts.queue(DEV1), []);
  await w.step(START_MS + 130_000);
  t.is(w.devices[0]!.unicasts.length, 1);
});

test('a push for an unknown device id, or that is no JSON: nothing on MQTT (TTS only logs it)', async (t) => {
  const w = await ttsWorld({ boot: false });
  t.teardown(() => w.close());
  await w.app.publish(`${PREFIX}/devices/nobody/down/push`, JSON.stringify({ downlinks: [{ f_port: 1 }] }), { qos: 0 });
  await w.app.publish(`${PREFIX}/devices/${DEV1}/down/push`, '{not json', { qos: 0 });
  await w.wire.drained(30_000);
  t.true(await until(() => w.errors.length === 2));
  t.deepEqual(w.received.filter((r) => !r.topic.endsWith('/down/push')), []);
  t.regex(String(w.errors[0]!.error), /device_not_found/);
});

test('class A: the gateway refusing RX1 and RX2 (duty cycle) keeps the item queued, no down/sent, until a later uplink has room', async (t) => {
  const w = await ttsWorld({ boot: false });
  t.teardown(() => w.close());
  const dc = w.tts.gateways.dutyCycleOf(GW1)!;
  // Both windows' sub-bands full for the hour before START + 30 s (868.0–868.6 MHz and 869.4–869.65 MHz).
  dc.record(868_100_000, START_MS - 3_000_000, 36_000, START_MS);
  dc.record(869_525_000, START_MS - 3_000_000, 360_000, START_MS);
  await w.http('POST', `${devicePath('as', DEV1)}/down/push`, { downlinks: [{ f_port: 10, frm_payload: 'AQ==', priority: 'HIGHEST' }] });
  w.devices[0]!.boot();
  await w.step(START_MS + 61_000);
  t.true(w.tts.stats.dutyCycleRefusals >= 2);
  t.is(w.topic('down/sent').length, 0);
  t.is(w.topic('down/failed').length, 0);
  t.is(w.tts.queue(DEV1).length, 1);
  await w.step(START_MS + 3_600_000);
  t.is(w.topic('down/sent').length, 1);
  t.deepEqual(w.tts.queue(DEV1), []);
});
