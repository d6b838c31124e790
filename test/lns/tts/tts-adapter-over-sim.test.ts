import test, { type ExecutionContext } from 'ava';
import type { Uplink } from '../../../src/campaign/ports.js';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';
import { TtsHttpClient } from '../../../src/lns/tts/tts-http-client.js';
import { multicastDeviceIdOf } from '../../../src/lns/tts/tts-ids.js';
import { TtsNetworkServer, type TtsNetworkServerOptions } from '../../../src/lns/tts/tts-network-server.js';
import { API_KEY, APP, DEV_EUIS, GW1, GW2, START_MS, TENANT, ttsWorld } from '../../sim/tts/sim-tts-world.js';

// The TTS adapter against the simulated The Things Stack (src/sim/tts, an independent
// implementation of the same facts) over a real broker and real HTTP, in simulated time: the
// uplinks, a class A downlink to its down/sent, a class C multicast group created, a frame pushed
// ahead with absolute_time and heard by the members at its time, the group drained and deleted.
// Time only moves once the MQTT wire is quiet and no HTTP call of the adapter is in flight.

async function adapterOverSim(t: ExecutionContext, overrides: Partial<TtsNetworkServerOptions> = {}) {
  const w = await ttsWorld();
  t.teardown(() => w.close());
  const client = new TtsHttpClient({ baseUrl: w.tts.httpUrl, apiKey: API_KEY });
  let inFlight = 0;
  const http = new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        inFlight += 1;
        return Promise.resolve((value as (...a: unknown[]) => Promise<unknown>).apply(target, args)).finally(() => void (inFlight -= 1));
      };
    },
  });
  const mqtt = new MqttConnection({ url: w.broker.url, clientId: 'fuota-adapter', protocolVersion: 4, clean: true, observer: w.wire.observer('adapter'), username: `${APP}@${TENANT}`, password: API_KEY });
  const uplinks: Uplink[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const deleted: string[] = [];
  const network = new TtsNetworkServer({
    mqtt, http, applicationId: APP, tenantId: TENANT, frequencyPlanId: 'EU_863_870_TTN', clock: w.clock, multicastPushLeadMs: 10_000, queuePollMs: 5_000,
    onUplink: (uplink) => void uplinks.push(uplink),
    onDownlinkFailed: (devEui, reason) => void failed.push(`${devEui}: ${reason}`),
    onError: (error, context) => void errors.push(`${context}: ${(error as Error).message}`),
    onGroupDeleted: (name) => void deleted.push(name),
    ...overrides,
  });
  t.teardown(() => network.close());
  const settle = async (): Promise<void> => {
    for (let quiet = 0; quiet < 3; ) {
      await w.wire.drained(30_000);
      await new Promise((resolve) => setImmediate(resolve));
      quiet = inFlight === 0 ? quiet + 1 : 0;
      if (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const step = (untilMs: number, done?: () => boolean) => w.clock.run({ untilMs, settle, ...(done ? { done } : {}) });
  await network.start();
  return { w, network, uplinks, failed, errors, deleted, settle, step };
}

test('adapter over the simulated TTS: uplinks, unicast down/sent, class C multicast on time, drain-then-delete', async (t) => {
  const { w, network, uplinks, failed, errors, deleted, settle, step } = await adapterOverSim(t);

  await step(START_MS + 65_000);
  t.deepEqual([...new Set(uplinks.map((u) => u.devEui))].sort(), [...DEV_EUIS].sort(), 'every device was heard');
  t.true(uplinks.every((u) => u.atMs <= w.clock.now() && u.atMs >= START_MS));

  await network.sendUnicast({ type: 'unicast', id: 'camp-1', devEui: DEV_EUIS[0]!, fPort: 201, payloadHex: '0102' });
  await settle();
  t.is(network.pendingUnicasts, 1);
  await step(START_MS + 200_000, () => network.pendingUnicasts === 0);
  t.is(network.pendingUnicasts, 0, 'down/sent came back with our correlation id');
  t.deepEqual(w.devices[0]!.unicasts.map((u) => [u.fPort, [...u.payload]]), [[201, [1, 2]]]);

  const mcAddr = 0x01abcdef;
  for (const d of w.devices) d.listening.add(mcAddr);
  await network.createMulticastGroup({
    type: 'create-multicast-group', groupName: 'camp-1-w1-f0', mcAddr, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'C', dr: 3,
    frequencyHz: 869_525_000, periodicity: 0, devEuis: [...DEV_EUIS], gateways: [GW1, GW2], region: 'EU868',
  });
  t.deepEqual(w.tts.multicastDevices().map((d) => [d.deviceId, d.devAddr.toLowerCase(), d.deviceClass]), [[multicastDeviceIdOf('camp-1-w1-f0'), '01abcdef', 'C']]);
  const atMs = w.clock.now() + 30_000;
  await network.sendMulticast({ id: 'camp-1-f1', groupName: 'camp-1-w1-f0', fPort: 201, payload: Uint8Array.of(8, 1, 2, 3), atMs });
  await network.deleteMulticastGroup('camp-1-w1-f0');
  await step(atMs + 120_000, () => deleted.length > 0);
  t.true(w.clock.now() <= atMs + 10_000, 'deleted soon after the frame left the queue');
  // TTS takes a frame off the queue when it hands it to the gateway, before it is on air: the
  // device may go then (the gateway keeps the frame). Let the air time pass.
  await step(w.clock.now() + 5_000);
  for (const d of w.devices) {
    t.is(d.heard.length, 1, `device ${d.config.devEui} heard the frame once`);
    t.true(Math.abs(d.heard[0]!.atMs - atMs) < 1_000, `at its absolute time (off by ${d.heard[0]!.atMs - atMs} ms)`);
  }
  t.deepEqual(deleted, ['camp-1-w1-f0']);
  t.deepEqual(w.tts.multicastDevices(), []);
  t.deepEqual(failed, []);
  t.deepEqual(errors, []);
  t.deepEqual(w.errors, []);
});

test('adapter over the simulated TTS: a class B group gets its frame in a ping slot after atMs (no absolute_time)', async (t) => {
  const { w, network, errors, deleted, step } = await adapterOverSim(t);
  await step(START_MS + 65_000);
  const mcAddr = 0x01abcd01;
  for (const d of w.devices) d.listening.add(mcAddr);
  await network.createMulticastGroup({
    type: 'create-multicast-group', groupName: 'camp-2-w1-f0', mcAddr, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'B', dr: 3,
    frequencyHz: 869_525_000, periodicity: 2, devEuis: [...DEV_EUIS], gateways: [GW1, GW2], region: 'EU868',
  });
  const atMs = w.clock.now() + 30_000;
  await network.sendMulticast({ id: 'camp-2-f1', groupName: 'camp-2-w1-f0', fPort: 201, payload: Uint8Array.of(8, 1), atMs });
  await network.deleteMulticastGroup('camp-2-w1-f0');
  await step(atMs + 120_000, () => deleted.length > 0);
  await step(w.clock.now() + 5_000);
  for (const d of w.devices) {
    t.is(d.heard.length, 1, `device ${d.config.devEui} heard the frame once`);
    // Ping every 2^2 s: the next slot after the push.
    t.true(d.heard[0]!.atMs >= atMs && d.heard[0]!.atMs < atMs + 5_000, `in a ping slot after atMs (+${d.heard[0]!.atMs - atMs} ms)`);
  }
  t.deepEqual(errors, []);
  t.deepEqual(w.errors, []);
});

test("adapter over the simulated TTS: frames the gateway refuses for duty cycle fail with TTS's bare absolute_time error, reported with its possible causes", async (t) => {
  // 868.1 MHz: a 1 % sub-band; LOWEST priority may use 40 % of it (sub_band.go): 14.4 s an hour, about 6 DR0 frames.
  const { w, network, errors, step } = await adapterOverSim(t, { priority: 'LOWEST' });
  await step(START_MS + 65_000);
  for (const d of w.devices) d.listening.add(0x01abcd02);
  await network.createMulticastGroup({
    type: 'create-multicast-group', groupName: 'camp-3-w1-f0', mcAddr: 0x01abcd02, mcAppSKeyHex: '11'.repeat(16), mcNwkSKeyHex: '22'.repeat(16), deviceClass: 'C', dr: 0,
    frequencyHz: 868_100_000, periodicity: 0, devEuis: [...DEV_EUIS], gateways: [GW1], region: 'EU868',
  });
  const firstMs = w.clock.now() + 20_000;
  for (let i = 0; i < 10; i++) await network.sendMulticast({ id: `camp-3-f${i}`, groupName: 'camp-3-w1-f0', fPort: 201, payload: new Uint8Array(40), atMs: firstMs + i * 4_000 });
  await step(firstMs + 60_000);
  const heard = w.devices[0]!.heard.length;
  t.true(heard >= 3 && heard < 10, `some frames went out, not all (${heard})`);
  t.is(errors.length, 10 - heard, 'one report per refused frame');
  t.regex(errors[0]!, /^multicast to camp-3-w1-f0: frame lost: multicast group camp-3-w1-f0 \(fuota-mc-camp-3-w1-f0\): The Things Stack down\/failed: pkg\/networkserver:absolute_time .*out of duty-cycle budget/);
});
