import test from 'ava';
import { gpsMsToUnixMs, unixMsToGpsMs } from '../../../src/core/gps-time.js';
import { hexToBytes } from '../../../src/core/hex.js';
import { cryptFrmPayload, decodeDataFrame, verifyDataFrame } from '../../../src/lorawan/data-frame.js';
import { nextPingSlotAfterGpsMs } from '../../../src/sim/chirpstack/sim-chirpstack-class-b.js';
import { createMulticastDevice, GW1, GW2, GW_FAR, MC_APP_S_KEY, MC_NWK_S_KEY, push, START_MS, ttsWorld, type TtsWorld } from './sim-tts-world.js';

// Multicast through the simulated TTS: a multicast end device (../shared/reference/network-servers.md),
// pushed over HTTP, rules of pkg/networkserver (grpc_asns.go matchApplicationDownlinks,
// downlink.go class B/C attempts) and the Gateway Server's checks.

const MC = 'mc-wave-1';
const DEV_ADDR = '01ABCDEF';
const at = (ms: number): string => new Date(ms).toISOString();
const gw = (id: string, groupIndex?: number): unknown => ({ gateway_ids: { gateway_id: id }, ...(groupIndex === undefined ? {} : { group_index: groupIndex }) });
const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

async function world(t: { teardown: (fn: () => Promise<void>) => void }, deviceClass: 'B' | 'C' = 'C', options: Parameters<typeof ttsWorld>[0] = {}, macSettings?: Record<string, unknown>): Promise<TtsWorld> {
  const w = await ttsWorld({ boot: false, ...options });
  t.teardown(() => w.close());
  await createMulticastDevice(w, { deviceId: MC, devAddr: DEV_ADDR, deviceClass, macSettings: macSettings ?? (deviceClass === 'B' ? { ping_slot_periodicity: { value: 'PING_EVERY_4S' } } : {}) });
  return w;
}

test('confirmed multicast → 400 confirmed_multicast_downlink, and down/failed on MQTT with the push correlation ids', async (t) => {
  const w = await world(t);
  const res = await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), confirmed: true, correlation_ids: ['fuota:c1'], class_b_c: { gateways: [gw(GW1)] } }]);
  t.is(res.status, 400);
  t.is(res.json.details[0].name, 'confirmed_multicast_downlink');
  const failed = w.topic('down/failed');
  t.is(failed.length, 1);
  t.is(failed[0]!.json.downlink_failed.error.name, 'confirmed_multicast_downlink');
  t.true(failed[0]!.json.correlation_ids.includes('fuota:c1'));
  t.deepEqual(w.tts.queue(MC), []);
});

test('no class_b_c.gateways → no_downlink_path (NotFound: 404)', async (t) => {
  const w = await world(t);
  const res = await push(w, MC, [{ f_port: 201, frm_payload: b64([1]) }]);
  t.is(res.status, 404);
  t.is(res.json.details[0].name, 'no_downlink_path');
  t.is(w.topic('down/failed').length, 1);
});

test('absolute_time less than RX1 delay / 2 (2.5 s) ahead → downlink_expired; 3 s ahead is queued', async (t) => {
  const w = await world(t);
  const soon = await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 2_000) } }]);
  t.is(soon.status, 400);
  t.is(soon.json.details[0].name, 'downlink_expired');
  const ok = await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 3_000) } }]);
  t.is(ok.status, 200);
  t.is(w.topic('down/queued').length, 1);
});

test('queue capacity 10 000 per device: one more → 429 downlink_queue_capacity', async (t) => {
  const w = await world(t);
  const item = { f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 3_600_000) } };
  t.is((await push(w, MC, [item])).status, 200);
  // 9 998 more straight into the NS queue (10 000 pushes would publish 10 000 down/queued).
  const ns = w.tts.registry.ns.get(MC)!;
  ns.queue = [...ns.queue, ...Array.from({ length: 9_998 }, () => ns.queue[0]!)];
  t.is((await push(w, MC, [item])).status, 200);
  t.is(w.tts.queue(MC).length, 10_000);
  const more = await push(w, MC, [item]);
  t.is(more.status, 429);
  t.is(more.json.details[0].name, 'downlink_queue_capacity');
  t.is(w.tts.queue(MC).length, 10_000);
});

test('class C with absolute_time: on air at that time via the first gateway, encrypted for the DevAddr; then down/sent', async (t) => {
  const w = await world(t);
  const atMs = START_MS + 10_000;
  const res = await push(w, MC, [{ f_port: 201, frm_payload: b64([9, 8, 7]), priority: 'NORMAL', correlation_ids: ['fuota:f1'], class_b_c: { gateways: [gw(GW1), gw(GW2)], absolute_time: at(atMs) } }]);
  t.is(res.status, 200);
  await w.step(atMs - 1);
  t.is(w.topic('down/sent').length, 0);
  t.is(w.devices[0]!.heard.length, 0);
  await w.step(atMs + 5_000);
  const [d1, d2, d3] = w.devices;
  t.deepEqual([d1!.heard.length, d2!.heard.length, d3!.heard.length], [1, 1, 0]);
  const heard = d1!.heard[0]!;
  t.is(heard.atMs, atMs);
  const frame = decodeDataFrame(heard.bytes);
  t.is(frame.devAddr, 0x01abcdef);
  t.is(frame.fCnt16, 0);
  t.true(verifyDataFrame(heard.bytes, hexToBytes(MC_NWK_S_KEY), 0));
  t.deepEqual([...cryptFrmPayload(hexToBytes(MC_APP_S_KEY), 'downlink', frame.devAddr, 0, frame.frmPayload)], [9, 8, 7]);
  const sent = w.topic('down/sent');
  t.is(sent.length, 1);
  t.true(sent[0]!.json.correlation_ids.includes('fuota:f1'));
  t.is(sent[0]!.json.end_device_ids.dev_addr, DEV_ADDR);
});

test('class C without absolute_time: as soon as possible, spaced by class_b_c_downlink_interval', async (t) => {
  const w = await world(t, 'C', {}, { class_b_c_downlink_interval: '2s' });
  const item = (n: number): unknown => ({ f_port: 201, frm_payload: b64([n]), class_b_c: { gateways: [gw(GW1)] } });
  t.is((await push(w, MC, [item(1), item(2), item(3)])).status, 200);
  await w.step(START_MS + 20_000);
  const times = w.devices[0]!.heard.map((h) => h.atMs - START_MS);
  t.is(times.length, 3);
  t.true(times[0]! < 1_000, `first at ${times[0]} ms`);
  t.is(times[1]! - times[0]!, 2_000);
  t.is(times[2]! - times[1]!, 2_000);
  t.deepEqual(w.devices[0]!.heard.map((h) => decodeDataFrame(h.bytes).fCnt16), [0, 1, 2]);
});

test('class B: at the next ping slot of the DevAddr (LoRaWAN 1.0.4 §14.1.1)', async (t) => {
  const w = await world(t, 'B');
  t.is((await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1)] } }])).status, 200);
  await w.step(START_MS + 60_000);
  const heard = w.devices[0]!.heard;
  t.is(heard.length, 1);
  const slot = gpsMsToUnixMs(nextPingSlotAfterGpsMs(unixMsToGpsMs(START_MS + 1_000), 0x01abcdef, 2));
  t.is(heard[0]!.atMs, slot);
});

test('gateway choice: the first online one of the list; distinct group_index → one per group (simulcast)', async (t) => {
  const w = await world(t);
  w.tts.setGatewayOnline(GW1, false);
  await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1), gw(GW2)], absolute_time: at(START_MS + 5_000) } }]);
  await w.step(START_MS + 6_000);
  t.deepEqual(w.devices.map((d) => d.heard.length), [0, 0, 1]);
  w.tts.setGatewayOnline(GW1, true);
  await push(w, MC, [{ f_port: 201, frm_payload: b64([2]), class_b_c: { gateways: [gw(GW1, 0), gw(GW2, 1)], absolute_time: at(START_MS + 10_000) } }]);
  await w.step(START_MS + 11_000);
  t.deepEqual(w.devices.map((d) => d.heard.length), [1, 1, 2]);
  t.deepEqual(w.topic('down/sent').at(-1)!.json.downlink_sent.class_b_c.gateways.length, 2);
});

test('absolute_time on a gateway without GPS → down/failed `absolute_time` (no_absolute_gateway_time is not retryable)', async (t) => {
  const w = await world(t, 'C', { gatewaysWithGps: [GW2] });
  await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), correlation_ids: ['fuota:x'], class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 5_000) } }]);
  await w.step(START_MS + 6_000);
  const failed = w.topic('down/failed');
  t.is(failed.length, 1);
  t.is(failed[0]!.json.downlink_failed.error.name, 'absolute_time');
  t.is(failed[0]!.json.downlink_failed.error.namespace, 'pkg/networkserver');
  t.deepEqual(w.devices.map((d) => d.heard.length), [0, 0, 0]);
  t.deepEqual(w.tts.queue(MC), []);
});

test('every listed gateway disconnected (class C, no time) → down/failed `fixed_paths`', async (t) => {
  const w = await world(t);
  w.tts.setGatewayOnline(GW1, false);
  await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1), gw(GW_FAR)] } }]);
  w.tts.setGatewayOnline(GW_FAR, false);
  await w.step(START_MS + 3_000);
  const failed = w.topic('down/failed');
  t.is(failed.length, 1);
  t.is(failed[0]!.json.downlink_failed.error.name, 'fixed_paths');
});

test('duty cycle: NORMAL items at absolute times on a 1 % sub-band fail once 70 % of 36 s is used; a HIGHEST one still goes', async (t) => {
  // RX2 on 868.1 MHz (868.0–868.6 MHz, 1 %) at DR0 (SF12): a 51-byte frame is 2.466 s on air,
  // so 10 frames (24.7 s) fit under 25.2 s and the 11th does not.
  const w = await world(t, 'C', {}, { rx2_frequency: { value: '868100000' }, rx2_data_rate_index: { value: 'DATA_RATE_0' } });
  const payload = b64(Array.from({ length: 38 }, (_, i) => i)); // 38 + 13 = 51 bytes PHYPayload
  const items = Array.from({ length: 12 }, (_, i) => ({ f_port: 201, frm_payload: payload, priority: 'NORMAL', class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 10_000 + i * 5_000) } }));
  t.is((await push(w, MC, items)).status, 200);
  await w.step(START_MS + 80_000);
  t.is(w.topic('down/sent').length, 10);
  const failed = w.topic('down/failed');
  t.is(failed.length, 2);
  t.true(failed.every((f) => f.json.downlink_failed.error.name === 'absolute_time'));
  t.true(w.tts.stats.dutyCycleRefusals >= 2);
  t.is((await push(w, MC, [{ f_port: 201, frm_payload: b64([1]), priority: 'HIGHEST', class_b_c: { gateways: [gw(GW1)], absolute_time: at(START_MS + 90_000) } }])).status, 200);
  await w.step(START_MS + 95_000);
  t.is(w.topic('down/sent').length, 11);
});

test('an AS device without a session → no_device_session (FailedPrecondition: 400), down/failed published', async (t) => {
  const w = await world(t);
  const bare = await w.http('PUT', '/api/v3/as/applications/fuota-app/devices/mc-bare', { end_device: { skip_payload_crypto: false }, field_mask: { paths: ['skip_payload_crypto'] } });
  t.is(bare.status, 200);
  const res = await push(w, 'mc-bare', [{ f_port: 201, frm_payload: b64([1]), class_b_c: { gateways: [gw(GW1)] } }]);
  t.is(res.status, 400);
  t.is(res.json.details[0].name, 'no_device_session');
  t.is(w.topic('down/failed').at(-1)!.json.downlink_failed.error.name, 'no_device_session');
});
