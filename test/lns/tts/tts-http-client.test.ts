import test from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallerError, PeerError } from '../../../src/core/errors.js';
import { TtsHttpClient, TTS_LIST_PAGE_SIZE, type TtsEndDeviceRegistration } from '../../../src/lns/tts/tts-http-client.js';
import { TtsApiError, type TtsApiErrorFields } from '../../../src/lns/tts/tts-http-error.js';
import { APP, DEVICE, HTTP_NOT_FOUND_BODY, HTTP_NO_PATH_BODY, UPLINK } from './tts-recorded-json.js';

// TtsHttpClient against a tiny node:http server standing in for The Things Stack's API
// (paths and bodies: lorawan-stack api/api.md, ../shared/reference/network-servers.md).

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
}

type Reply = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
type Handler = (request: Seen) => Reply;

async function withServer(handler: Handler, run: (client: TtsHttpClient, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body: text === '' ? undefined : JSON.parse(text) };
      seen.push(request);
      const reply = handler(request);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.text ?? JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(new TtsHttpClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'NNSXS.TESTKEY' }), seen);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const classC: TtsEndDeviceRegistration = {
  deviceId: 'fuota-mc-c1-w0-f0',
  multicast: true,
  deviceClass: 'C',
  frequencyPlanId: 'EU_863_870_TTN',
  lorawanVersion: 'MAC_V1_0_3',
  lorawanPhyVersion: 'PHY_V1_0_3_REV_A',
  devAddrHex: '01ff0001',
  fNwkSIntKeyHex: '000102030405060708090a0b0c0d0e0f',
  appSKeyHex: '101112131415161718191a1b1c1d1e1f',
  dataRateIndex: 3,
  frequencyHz: 869_525_000,
  classBCDownlinkIntervalMs: 1500,
};

test('createEndDevice: IS create, NS set and AS set with exact field masks, Bearer auth', async (t) => {
  await withServer(() => ({ body: {} }), async (client, seen) => {
    await client.createEndDevice(APP, classC);
    t.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [
      `POST /api/v3/applications/${APP}/devices`,
      `PUT /api/v3/ns/applications/${APP}/devices/fuota-mc-c1-w0-f0`,
      `PUT /api/v3/as/applications/${APP}/devices/fuota-mc-c1-w0-f0`,
    ]);
    t.true(seen.every((s) => s.authorization === 'Bearer NNSXS.TESTKEY'));
    const ids = { device_id: 'fuota-mc-c1-w0-f0', application_ids: { application_id: APP } };
    t.deepEqual(seen[0]!.body, { end_device: { ids, network_server_address: '127.0.0.1', application_server_address: '127.0.0.1' } });
    t.deepEqual(seen[1]!.body, {
      end_device: {
        ids,
        frequency_plan_id: 'EU_863_870_TTN',
        lorawan_version: 'MAC_V1_0_3',
        lorawan_phy_version: 'PHY_V1_0_3_REV_A',
        multicast: true,
        supports_join: false,
        supports_class_c: true,
        session: { dev_addr: '01FF0001', keys: { f_nwk_s_int_key: { key: '000102030405060708090A0B0C0D0E0F' } } },
        mac_settings: {
          rx2_data_rate_index: { value: 3 },
          desired_rx2_data_rate_index: { value: 3 },
          rx2_frequency: { value: 869525000 },
          desired_rx2_frequency: { value: 869525000 },
          class_b_c_downlink_interval: '1.5s',
        },
      },
      field_mask: {
        paths: [
          'frequency_plan_id', 'lorawan_version', 'lorawan_phy_version', 'multicast', 'supports_join',
          'session.dev_addr', 'session.keys.f_nwk_s_int_key.key', 'supports_class_c',
          'mac_settings.rx2_data_rate_index', 'mac_settings.desired_rx2_data_rate_index', 'mac_settings.rx2_frequency', 'mac_settings.desired_rx2_frequency', 'mac_settings.class_b_c_downlink_interval',
        ],
      },
    });
    t.deepEqual(seen[2]!.body, {
      end_device: { ids, session: { dev_addr: '01FF0001', keys: { app_s_key: { key: '101112131415161718191A1B1C1D1E1F' } } } },
      field_mask: { paths: ['session.dev_addr', 'session.keys.app_s_key.key'] },
    });
  });
});

test('createEndDevice: class B, LoRaWAN 1.1 (three network keys), DevEUI; IS already_exists is a replay', async (t) => {
  const device: TtsEndDeviceRegistration = { ...classC, deviceClass: 'B', lorawanVersion: 'MAC_V1_1', lorawanPhyVersion: 'PHY_V1_1_REV_B', pingSlotPeriodicity: 5, devEui: '70B3D57ED0000099', classBCDownlinkIntervalMs: undefined };
  await withServer((s) => (s.method === 'POST' ? { status: 409, body: { code: 6, message: 'error:pkg/identityserver/store:id_taken (ID already taken)', details: [{ namespace: 'pkg/identityserver/store', name: 'id_taken', code: 6 }] } } : {}), async (client, seen) => {
    await client.createEndDevice(APP, device);
    t.is(seen.length, 3);
    const ns = seen[1]!.body as { end_device: Record<string, any>; field_mask: { paths: string[] } };
    t.is(ns.end_device['ids'].dev_eui, '70B3D57ED0000099');
    t.true(ns.end_device['supports_class_b']);
    t.deepEqual(Object.keys(ns.end_device['session'].keys).sort(), ['f_nwk_s_int_key', 'nwk_s_enc_key', 's_nwk_s_int_key']);
    t.deepEqual(ns.end_device['mac_settings'], {
      ping_slot_periodicity: { value: 'PING_EVERY_32S' },
      ping_slot_data_rate_index: { value: 3 },
      desired_ping_slot_data_rate_index: { value: 3 },
      ping_slot_frequency: { value: 869525000 },
      desired_ping_slot_frequency: { value: 869525000 },
    });
    for (const path of ['ids.dev_eui', 'supports_class_b', 'session.keys.s_nwk_s_int_key.key', 'session.keys.nwk_s_enc_key.key', 'mac_settings.ping_slot_periodicity']) t.true(ns.field_mask.paths.includes(path), path);
    t.false(ns.field_mask.paths.includes('supports_class_c'));
  });
});

test('createEndDevice: bad input is refused before any call', async (t) => {
  await withServer(() => ({}), async (client, seen) => {
    await t.throwsAsync(client.createEndDevice(APP, { ...classC, deviceClass: 'B' }), { instanceOf: CallerError, message: /pingSlotPeriodicity/ });
    await t.throwsAsync(client.createEndDevice(APP, { ...classC, appSKeyHex: 'abc' }), { instanceOf: CallerError, message: /appSKeyHex: expected 32 hex digits, got 3 characters/ });
    await t.throwsAsync(client.createEndDevice(APP, { ...classC, dataRateIndex: 16 }), { message: /dataRateIndex/ });
    await t.throwsAsync(client.createEndDevice('Bad_App', classC), { message: /applicationId/ });
    t.is(seen.length, 0);
  });
});

test('createEndDevice: an NS failure after the IS create is reported', async (t) => {
  await withServer((s) => (s.path.startsWith('/api/v3/ns/') ? { status: 400, body: { code: 3, message: 'error:pkg/networkserver:field_mask (invalid field mask)', details: [{ namespace: 'pkg/networkserver', name: 'field_mask', code: 3 }] } } : {}), async (client) => {
    const error = await t.throwsAsync(client.createEndDevice(APP, classC), { instanceOf: CallerError });
    t.is(error?.code, 'TTS_FIELD_MASK');
  });
});

test('getEndDevice: IS ids and NS multicast', async (t) => {
  await withServer((s) => (s.path.includes('/ns/') ? { body: { ids: {}, multicast: true } } : { body: { ids: { device_id: 'mc-1', application_ids: { application_id: APP }, dev_eui: '70B3D57ED0000001' } } }), async (client, seen) => {
    t.deepEqual(await client.getEndDevice(APP, 'mc-1'), { deviceId: 'mc-1', devEui: '70b3d57ed0000001', multicast: true });
    t.is(seen[0]!.query.get('field_mask'), 'ids');
    t.is(seen[1]!.path, `/api/v3/ns/applications/${APP}/devices/mc-1`);
    t.is(seen[1]!.query.get('field_mask'), 'multicast');
  });
});

test('getEndDevice: not found maps to TTS_NOT_FOUND with TTS facts', async (t) => {
  await withServer(() => ({ status: 404, body: HTTP_NOT_FOUND_BODY }), async (client) => {
    const error = (await t.throwsAsync(client.getEndDevice(APP, 'nope'))) as CallerError & TtsApiErrorFields;
    t.true(error instanceof TtsApiError);
    t.true(error instanceof CallerError);
    t.like(error, { code: 'TTS_NOT_FOUND', httpStatus: 404, grpcCode: 5, ttsNamespace: 'pkg/identityserver/store', ttsName: 'end_device_not_found', correlationId: '6a3b1e2f5c7d4e8f9a0b1c2d3e4f5a6b' });
    t.regex(error.message, /GET \/api\/v3\/applications\/fuota-app\/devices\/nope: HTTP 404: error:pkg\/identityserver\/store:end_device_not_found/);
  });
});

test('listEndDevices: all pages, field mask ids, DevEUIs lower case', async (t) => {
  const all = Array.from({ length: TTS_LIST_PAGE_SIZE + 3 }, (_, i) => ({ ids: { device_id: `dev-${i}`, application_ids: { application_id: APP }, ...(i % 2 === 0 ? { dev_eui: (0x70b3d57ed0000000 + i).toString(16).toUpperCase().padStart(16, '0') } : {}) } }));
  await withServer((s) => {
    const page = Number(s.query.get('page'));
    const limit = Number(s.query.get('limit'));
    return { body: { end_devices: all.slice((page - 1) * limit, page * limit) }, headers: { 'x-total-count': String(all.length) } };
  }, async (client, seen) => {
    const devices = await client.listEndDevices(APP);
    t.is(devices.length, all.length);
    t.deepEqual(devices[0], { deviceId: 'dev-0', devEui: all[0]!.ids.dev_eui!.toLowerCase() });
    t.deepEqual(devices[1], { deviceId: 'dev-1' });
    t.deepEqual(seen.map((s) => s.query.get('page')), ['1', '2']);
    t.true(seen.every((s) => s.query.get('field_mask') === 'ids' && s.path === `/api/v3/applications/${APP}/devices`));
  });
});

test('listEndDevices: a full last page without X-Total-Count asks once more and stops on an empty page', async (t) => {
  await withServer((s) => ({ body: { end_devices: s.query.get('page') === '1' ? Array.from({ length: TTS_LIST_PAGE_SIZE }, (_, i) => ({ ids: { device_id: `dev-${i}` } })) : [] } }), async (client, seen) => {
    t.is((await client.listEndDevices(APP)).length, TTS_LIST_PAGE_SIZE);
    t.is(seen.length, 2);
  });
});

test('deleteEndDevice: AS, NS, IS; not found on any is fine', async (t) => {
  await withServer((s) => (s.path.includes('/ns/') ? { status: 404, body: { code: 5, message: 'error:pkg/networkserver:device_not_found (device not found)' } } : {}), async (client, seen) => {
    await client.deleteEndDevice(APP, 'mc-1');
    t.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [`DELETE /api/v3/as/applications/${APP}/devices/mc-1`, `DELETE /api/v3/ns/applications/${APP}/devices/mc-1`, `DELETE /api/v3/applications/${APP}/devices/mc-1`]);
  });
  await withServer(() => ({ status: 403, body: { code: 7, message: 'error:pkg/auth/rights:no_application_rights (no rights for application `fuota-app`)' } }), async (client) => {
    const error = await t.throwsAsync(client.deleteEndDevice(APP, 'mc-1'), { instanceOf: CallerError });
    t.is(error?.code, 'TTS_PERMISSION_DENIED');
  });
});

test('push and replace downlinks; no_downlink_path keeps its name', async (t) => {
  await withServer((s) => (s.path.endsWith('/push') && (s.body as { downlinks: unknown[] }).downlinks.length > 1 ? { status: 404, body: HTTP_NO_PATH_BODY } : {}), async (client, seen) => {
    await client.pushDownlinks(APP, 'mc-1', [{ fPort: 201, payload: Uint8Array.of(9), priority: 'HIGH', correlationIds: ['fuota:x'], classBC: { gateways: [{ gatewayId: 'gtw-1' }] } }]);
    await client.replaceDownlinks(APP, 'mc-1', []);
    t.is(seen[0]!.path, `/api/v3/as/applications/${APP}/devices/mc-1/down/push`);
    t.is(seen[0]!.method, 'POST');
    t.deepEqual(seen[0]!.body, { downlinks: [{ f_port: 201, frm_payload: 'CQ==', priority: 'HIGH', correlation_ids: ['fuota:x'], class_b_c: { gateways: [{ gateway_ids: { gateway_id: 'gtw-1' } }] } }] });
    t.is(seen[1]!.path, `/api/v3/as/applications/${APP}/devices/mc-1/down/replace`);
    t.deepEqual(seen[1]!.body, { downlinks: [] });
    const d = { fPort: 201, payload: Uint8Array.of(1), priority: 'NORMAL' as const, correlationIds: [] };
    const error = await t.throwsAsync(client.pushDownlinks(APP, 'mc-1', [d, d]));
    t.like(error, { code: 'TTS_NO_DOWNLINK_PATH', ttsName: 'no_downlink_path', fault: 'caller' });
  });
});

test('listDownlinkQueue', async (t) => {
  await withServer(() => ({ body: { downlinks: [{ session_key_id: 'AQ==', f_port: 201, f_cnt: 7, frm_payload: 'AQID', priority: 'NORMAL', correlation_ids: ['fuota:a', 'as:downlink:1'] }, { f_port: 201, frm_payload: 'AQ==' }] } }), async (client, seen) => {
    t.deepEqual(await client.listDownlinkQueue(APP, 'mc-1'), [{ fCnt: 7, fPort: 201, correlationIds: ['fuota:a', 'as:downlink:1'] }, { fPort: 201, correlationIds: [] }]);
    t.is(seen[0]!.path, `/api/v3/as/applications/${APP}/devices/mc-1/down`);
  });
  await withServer(() => ({ body: {} }), async (client) => {
    t.deepEqual(await client.listDownlinkQueue(APP, 'mc-1'), []);
  });
});

test('getRootKeys: JS root_keys and the NS MAC version', async (t) => {
  await withServer((s) => (s.path.startsWith('/api/v3/js/') ? { body: { ids: {}, root_keys: { root_key_id: 'ttn-lw-cli', app_key: { key: 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' }, nwk_key: { key: 'B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF' } } } } : { body: { lorawan_version: 'MAC_V1_1' } }), async (client, seen) => {
    t.deepEqual(await client.getRootKeys(APP, DEVICE), { appKeyHex: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', nwkKeyHex: 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf', lorawanVersion: 'MAC_V1_1' });
    t.is(seen[0]!.path, `/api/v3/js/applications/${APP}/devices/${DEVICE}`);
    t.is(seen[0]!.query.get('field_mask'), 'root_keys');
    t.is(seen[1]!.query.get('field_mask'), 'lorawan_version');
  });
});

test('packageAssociations: the application defaults', async (t) => {
  await withServer(() => ({ body: { defaults: [{ ids: { application_ids: { application_id: APP }, f_port: 202 }, package_name: 'alcsync-v1' }] } }), async (client, seen) => {
    t.deepEqual(await client.packageAssociations(APP), [{ fPort: 202, packageName: 'alcsync-v1' }]);
    t.is(seen[0]!.path, `/api/v3/as/applications/${APP}/packages/associations`);
  });
});

test('storageUplinks: NDJSON results decoded like MQTT uplinks; after in RFC 3339', async (t) => {
  const other = { ...UPLINK, end_device_ids: { ...UPLINK.end_device_ids, device_id: 'dev-2', dev_eui: undefined } };
  const ndjson = [UPLINK, other].map((result) => JSON.stringify({ result })).join('\n') + '\n';
  await withServer(() => ({ text: ndjson }), async (client, seen) => {
    const uplinks = await client.storageUplinks(APP, Date.UTC(2026, 11, 6, 16), 50);
    t.is(seen[0]!.path, `/api/v3/as/applications/${APP}/packages/storage/uplink_message`);
    t.is(seen[0]!.query.get('after'), '2026-12-06T16:00:00.000Z');
    t.is(seen[0]!.query.get('limit'), '50');
    t.deepEqual(uplinks.map((u) => [u.deviceId, u.devEui, u.fCnt]), [[DEVICE, '70b3d57ed0000001', 42], ['dev-2', undefined, 42]]);
    t.deepEqual(uplinks[0]!.payload, Uint8Array.of(1, 2, 0xff));
  });
});

test('storageUplinks: a bad line and an error line', async (t) => {
  await withServer(() => ({ text: `${JSON.stringify({ result: UPLINK })}\n{oops\n` }), async (client) => {
    const error = await t.throwsAsync(client.storageUplinks(APP, 0), { instanceOf: PeerError, message: /line 2: expected a JSON object/ });
    t.is(error?.code, 'TTS_RESPONSE_INVALID');
  });
  await withServer(() => ({ text: `${JSON.stringify({ error: { code: 13, message: 'error:pkg/redis:internal (internal)' } })}\n` }), async (client) => {
    await t.throwsAsync(client.storageUplinks(APP, 0), { instanceOf: PeerError, message: /HTTP 500/ });
  });
});

test('error mapping: 401 caller, 503 peer, non-JSON body, 2xx with a bad body', async (t) => {
  await withServer(() => ({ status: 401, body: { code: 16, message: 'error:pkg/auth:token_not_found (token not found)' } }), async (client) => {
    const error = await t.throwsAsync(client.listEndDevices(APP), { instanceOf: CallerError });
    t.like(error, { code: 'TTS_UNAUTHENTICATED', httpStatus: 401, ttsName: 'token_not_found' });
    await t.throwsAsync(client.reachable(), { instanceOf: CallerError });
  });
  await withServer(() => ({ status: 503, text: '<html>upstream unavailable</html>' }), async (client) => {
    const error = await t.throwsAsync(client.listEndDevices(APP), { instanceOf: PeerError });
    t.like(error, { code: 'TTS_HTTP_503', httpStatus: 503, grpcCode: 14 });
    t.false(await client.reachable());
  });
  await withServer(() => ({ body: { end_devices: 'nope' } }), async (client) => {
    await t.throwsAsync(client.listEndDevices(APP), { instanceOf: PeerError, message: /end_devices: expected an array/ });
  });
});

test('reachable: GET /api/v3/auth_info', async (t) => {
  await withServer(() => ({ body: { api_key: {} } }), async (client, seen) => {
    t.true(await client.reachable());
    t.is(seen[0]!.path, '/api/v3/auth_info');
  });
});

test('no server: TTS_UNREACHABLE (peer); base URL with /api/v3 and a trailing slash', async (t) => {
  const client = new TtsHttpClient({ baseUrl: 'http://127.0.0.1:9/api/v3/', apiKey: 'k' });
  const error = await t.throwsAsync(client.listEndDevices(APP), { instanceOf: PeerError });
  t.like(error, { code: 'TTS_UNREACHABLE', httpStatus: undefined });
  t.regex(error!.message, /GET \/api\/v3\/applications\/fuota-app\/devices/);
  t.false(await client.reachable());
});

test('a fetch that never answers times out as TTS_UNREACHABLE', async (t) => {
  const hanging = ((_url: unknown, init?: RequestInit) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as typeof fetch;
  const client = new TtsHttpClient({ baseUrl: 'https://tts.example', apiKey: 'k', fetch: hanging, timeoutMs: 20 });
  const error = await t.throwsAsync(client.reachable().then(() => client.listEndDevices(APP)));
  t.like(error, { code: 'TTS_UNREACHABLE' });
  t.regex(error!.message, /no answer within 20 ms/);
});

test('constructor refuses a bad URL or an empty key', (t) => {
  t.throws(() => new TtsHttpClient({ baseUrl: 'eu1.cloud.thethings.network', apiKey: 'k' }), { instanceOf: CallerError, message: /networkServer.url/ });
  t.throws(() => new TtsHttpClient({ baseUrl: 'ftp://x', apiKey: 'k' }), { instanceOf: CallerError });
  t.throws(() => new TtsHttpClient({ baseUrl: 'https://x', apiKey: ' ' }), { instanceOf: CallerError, message: /apiKey/ });
});
