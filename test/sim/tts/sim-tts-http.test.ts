import test from 'ava';
import { APP, createMulticastDevice, DEV_EUIS, devicePath, nsBody, START_MS, ttsWorld, type TtsWorld } from './sim-tts-world.js';

const DEV1 = `eui-${DEV_EUIS[0]}`;

async function withWorld(t: { teardown: (fn: () => Promise<void>) => void }, options: Parameters<typeof ttsWorld>[0] = {}): Promise<TtsWorld> {
  const w = await ttsWorld({ boot: false, ...options });
  t.teardown(() => w.close());
  return w;
}

test('401 without a Bearer key: pkg/rpcmetadata unauthenticated; 401 with another key: api_key_not_found', async (t) => {
  const w = await withWorld(t);
  const none = await w.http('GET', devicePath('', DEV1), undefined, null);
  t.is(none.status, 401);
  t.is(none.json.code, 16);
  t.is(none.json.message, 'error:pkg/rpcmetadata:unauthenticated (the context is not authenticated)');
  t.is(none.json.details[0]['@type'], 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails');
  t.is(none.json.details[0].namespace, 'pkg/rpcmetadata');
  const wrong = await w.http('GET', devicePath('', DEV1), undefined, 'NNSXS.OTHER.KEY');
  t.is(wrong.status, 401);
  t.is(wrong.json.details[0].name, 'api_key_not_found');
  t.is((await w.http('GET', devicePath('', DEV1))).status, 200);
});

test('another application: 403 no_application_rights; auth_info names ours', async (t) => {
  const w = await withWorld(t);
  const other = await w.http('GET', '/api/v3/applications/not-ours/devices');
  t.is(other.status, 403);
  t.is(other.json.details[0].name, 'no_application_rights');
  const info = await w.http('GET', '/api/v3/auth_info');
  t.is(info.json.api_key.entity_ids.application_ids.application_id, APP);
});

test('IS: create, create again → 409 id_taken; list with X-Total-Count, limit, page and field_mask', async (t) => {
  const w = await withWorld(t);
  const body = { end_device: { ids: { device_id: 'mc-group-1', application_ids: { application_id: APP } }, name: 'Wave 1' } };
  const created = await w.http('POST', `/api/v3/applications/${APP}/devices`, body);
  t.is(created.status, 200);
  t.is(created.json.ids.device_id, 'mc-group-1');
  t.is(created.json.created_at, new Date(START_MS).toISOString());
  const again = await w.http('POST', `/api/v3/applications/${APP}/devices`, body);
  t.is(again.status, 409);
  t.is(again.json.details[0].name, 'id_taken');
  const all = await w.http('GET', `/api/v3/applications/${APP}/devices?field_mask=name`);
  t.is(all.headers.get('x-total-count'), '4');
  t.is(all.json.end_devices.length, 4);
  t.is(all.json.end_devices.find((d: any) => d.ids.device_id === 'mc-group-1').name, 'Wave 1');
  const page2 = await w.http('GET', `/api/v3/applications/${APP}/devices?limit=3&page=2`);
  t.is(page2.json.end_devices.length, 1);
  t.false('name' in page2.json.end_devices[0]);
  const deleted = await w.http('DELETE', devicePath('', 'mc-group-1'));
  t.is(deleted.status, 200);
  t.is((await w.http('GET', devicePath('', 'mc-group-1'))).status, 404);
});

test('IS create: malformed JSON → 400; a bad device id → 400 validation naming the field', async (t) => {
  const w = await withWorld(t);
  const malformed = await w.http('POST', `/api/v3/applications/${APP}/devices`, '{"end_device": ');
  t.is(malformed.status, 400);
  t.is(malformed.json.code, 3);
  const badId = await w.http('POST', `/api/v3/applications/${APP}/devices`, { end_device: { ids: { device_id: 'Bad_ID', application_ids: { application_id: APP } } } });
  t.is(badId.status, 400);
  t.is(badId.json.details[0].attributes.field, 'end_device.ids.device_id');
});

test('NS set: needs the IS device; class A only multicast → class_a_multicast; ABP without dev_addr → field_value', async (t) => {
  const w = await withWorld(t);
  const spec = { deviceId: 'mc-1', devAddr: '01ABCDEF', deviceClass: 'C' as const };
  const noIs = await w.http('PUT', devicePath('ns', 'mc-1'), nsBody(spec));
  t.is(noIs.status, 404);
  t.is(noIs.json.details[0].name, 'end_device_not_found');
  await w.http('POST', `/api/v3/applications/${APP}/devices`, { end_device: { ids: { device_id: 'mc-1', application_ids: { application_id: APP } } } });
  const classA = await w.http('PUT', devicePath('ns', 'mc-1'), nsBody({ ...spec, deviceClass: 'A' }));
  t.is(classA.status, 400);
  t.is(classA.json.details[0].name, 'class_a_multicast');
  const noAddr = await w.http('PUT', devicePath('ns', 'mc-1'), nsBody(spec, { session: { keys: { f_nwk_s_int_key: { key: '00'.repeat(16) } } } }));
  t.is(noAddr.status, 400);
  t.is(noAddr.json.details[0].name, 'field_value');
  t.is(noAddr.json.details[0].attributes.field, 'session.dev_addr');
  const noMask = await w.http('PUT', devicePath('ns', 'mc-1'), { end_device: (nsBody(spec) as any).end_device });
  t.is(noMask.status, 400);
  const classBNoPing = await w.http('PUT', devicePath('ns', 'mc-1'), nsBody({ ...spec, deviceClass: 'B' }));
  t.is(classBNoPing.status, 400);
  t.is(classBNoPing.json.details[0].attributes.field, 'mac_settings.ping_slot_periodicity');
  t.is((await w.http('PUT', devicePath('ns', 'mc-1'), nsBody(spec))).status, 200);
});

test('NS set: the multicast flag cannot change after creation (field_value multicast)', async (t) => {
  const w = await withWorld(t);
  await createMulticastDevice(w, { deviceId: 'mc-1', devAddr: '01ABCDEF', deviceClass: 'C' });
  const flip = await w.http('PUT', devicePath('ns', 'mc-1'), { end_device: { multicast: false }, field_mask: { paths: ['multicast'] } });
  t.is(flip.status, 400);
  t.is(flip.json.details[0].name, 'field_value');
  t.is(flip.json.details[0].attributes.field, 'multicast');
  const got = await w.http('GET', `${devicePath('ns', 'mc-1')}?field_mask=multicast,supports_class_c,session.dev_addr`);
  t.is(got.json.multicast, true);
  t.is(got.json.session.dev_addr, '01ABCDEF');
  const sameFlag = await w.http('PUT', devicePath('ns', 'mc-1'), { end_device: { multicast: true, mac_settings: { class_b_c_downlink_interval: '2s' } }, field_mask: { paths: ['multicast', 'mac_settings.class_b_c_downlink_interval'] } });
  t.is(sameFlag.status, 200);
  t.is(w.tts.registry.ns.get('mc-1')!.profile.classBCDownlinkIntervalMs, 2000);
});

test('JS: root keys of a fleet device by field_mask=root_keys; NS/AS/JS delete', async (t) => {
  const appKeyHex = '00112233445566778899aabbccddeeff';
  const w = await withWorld(t, { deviceKeys: new Map([[DEV_EUIS[0]!, { appKeyHex, lorawanVersion: '1.0.4' }]]) });
  const js = await w.http('GET', `${devicePath('js', DEV1)}?field_mask=root_keys`);
  t.is(js.status, 200);
  t.is(js.json.root_keys.app_key.key, appKeyHex.toUpperCase());
  t.is(js.json.ids.dev_eui, DEV_EUIS[0]!.toUpperCase());
  t.is((await w.http('GET', `${devicePath('js', `eui-${DEV_EUIS[1]}`)}?field_mask=root_keys`)).status, 404);
  t.is((await w.http('DELETE', devicePath('js', DEV1))).status, 200);
  t.is((await w.http('GET', devicePath('js', DEV1))).status, 404);
});

test('packages: alcsync-v1 default association on FPort 202 only when enabled', async (t) => {
  const off = await withWorld(t);
  t.deepEqual((await off.http('GET', `/api/v3/as/applications/${APP}/packages/associations`)).json, {});
  const on = await withWorld(t, { alcsync: true });
  const list = await on.http('GET', `/api/v3/as/applications/${APP}/packages/associations`);
  t.is(list.json.defaults[0].package_name, 'alcsync-v1');
  t.is(list.json.defaults[0].ids.f_port, 202);
  t.is((await on.http('GET', `/api/v3/as/applications/${APP}/packages/associations/202`)).json.package_name, 'alcsync-v1');
});

test('storage integration: not enabled → 404; enabled → the published uplinks as {"result": …} lines, after/limit', async (t) => {
  const off = await withWorld(t);
  t.is((await off.http('GET', `/api/v3/as/applications/${APP}/packages/storage/uplink_message`)).status, 404);
  const w = await withWorld(t, { storageIntegration: true, boot: true });
  await w.step(START_MS + 125_000);
  const path = `/api/v3/as/applications/${APP}/packages/storage/uplink_message`;
  const all = await w.http('GET', path);
  t.is(all.status, 200);
  const lines = all.text.trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, w.tts.stats.uplinksPublished);
  t.true(lines.length >= 6);
  t.truthy(lines[0].result.uplink_message);
  const published = w.topic('up').map((u) => u.json.received_at);
  t.deepEqual(lines.map((l) => l.result.received_at), published);
  const after = new Date(START_MS + 61_000).toISOString();
  const later = (await w.http('GET', `${path}?after=${encodeURIComponent(after)}`)).text.trim().split('\n').map((l) => JSON.parse(l));
  t.true(later.every((l) => Date.parse(l.result.received_at) > START_MS + 61_000));
  t.true(later.length < lines.length && later.length > 0);
  const two = (await w.http('GET', `${path}?limit=2`)).text.trim().split('\n');
  t.is(two.length, 2);
  const one = await w.http('GET', `${devicePath('as', DEV1)}/packages/storage/uplink_message`);
  t.true(one.text.trim().split('\n').every((l) => JSON.parse(l).result.end_device_ids.device_id === DEV1));
  t.is((await w.http('GET', `${path}?after=yesterday`)).status, 400);
});

test('HTTP queue listing of an unknown device → 404; push to an unknown device → 404 and nothing on MQTT', async (t) => {
  const w = await withWorld(t);
  t.is((await w.http('GET', `${devicePath('as', 'nobody')}/down`)).status, 404);
  const pushed = await w.http('POST', `${devicePath('as', 'nobody')}/down/push`, { downlinks: [{ f_port: 1 }] });
  t.is(pushed.status, 404);
  t.is(w.received.length, 0);
});
