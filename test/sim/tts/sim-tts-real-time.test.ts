import test from 'ava';
import { simTtsEndpoints } from '../../../src/sim/tts/sim-tts.js';
import { APP, createMulticastDevice, GW1, GW2, TENANT, ttsWorld } from './sim-tts-world.js';

// `fuota sim tts` runs the simulated TTS in real time (a RealTimeDriver): one short test that a
// push over MQTT is caught up to wall time and goes on air (class C, as soon as possible).

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

test('real time: a class C push over MQTT is on air within a second of wall time, then down/sent', async (t) => {
  const w = await ttsWorld({ boot: false, realTime: true });
  t.teardown(() => w.close());
  await createMulticastDevice(w, { deviceId: 'mc-rt', devAddr: '01ABCDEF', deviceClass: 'C' });
  const pushedAt = w.clock.now();
  const wallAtPush = Date.now();
  await w.app.publish(`v3/${APP}@${TENANT}/devices/mc-rt/down/push`, JSON.stringify({ downlinks: [{ f_port: 201, frm_payload: 'AQ==', class_b_c: { gateways: [{ gateway_ids: { gateway_id: GW1 } }] } }] }), { qos: 0 });
  t.true(await until(() => w.devices[0]!.heard.length === 1), 'heard');
  // Caught up to wall time: on air within a second of the real time it took to get here (a busy
  // machine may take longer than a second to carry the push; issue #14).
  const wallElapsedMs = Date.now() - wallAtPush;
  t.true(w.devices[0]!.heard[0]!.atMs - pushedAt < wallElapsedMs + 1_000, `${w.devices[0]!.heard[0]!.atMs - pushedAt} ms of simulated time, ${wallElapsedMs} ms of wall time`);
  t.true(await until(() => w.topic('down/sent').length === 1), 'down/sent');
});

test('simTtsEndpoints: HTTP URL, topics with the tenant, gateways with GPS marked', async (t) => {
  const w = await ttsWorld({ boot: false, gatewaysWithGps: [GW1] });
  t.teardown(() => w.close());
  const lines = simTtsEndpoints(w.tts, { applicationId: APP, tenantId: TENANT, gateways: [GW1, GW2], gatewaysWithGps: [GW1] });
  t.true(lines[0]!.includes(`${w.tts.httpUrl}/api/v3`));
  t.true(lines[1]!.includes(`v3/${APP}@${TENANT}/devices/{device_id}/up`));
  t.true(lines[3]!.includes(`${GW1} (GPS), ${GW2}`));
});
