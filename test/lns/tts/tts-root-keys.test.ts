import test from 'ava';
import { CallerError, PeerError } from '../../../src/core/errors.js';
import { TtsDeviceIds } from '../../../src/lns/tts/tts-device-directory.js';
import type { TtsDeviceSummary, TtsRootKeys } from '../../../src/lns/tts/tts-http-client.js';
import { TtsApiCallerError, TtsApiPeerError } from '../../../src/lns/tts/tts-http-error.js';
import { TtsRootKeySource } from '../../../src/lns/tts/tts-root-keys.js';
import { APP } from './tts-recorded-json.js';

const EUI = '70b3d57ed000000a';

function fakeClient(keys: TtsRootKeys | Error) {
  const reads: string[] = [];
  return {
    reads,
    async listEndDevices(): Promise<TtsDeviceSummary[]> {
      return [{ deviceId: 'dev-a', devEui: EUI }];
    },
    async getRootKeys(applicationId: string, deviceId: string): Promise<TtsRootKeys> {
      reads.push(`${applicationId}/${deviceId}`);
      if (keys instanceof Error) throw keys;
      return keys;
    },
  };
}

const apiError = (code: string, status: number) => ({ code, message: `HTTP ${status}`, httpStatus: status, grpcCode: undefined, ttsNamespace: undefined, ttsName: undefined, correlationId: undefined, request: 'GET /api/v3/js/applications/fuota-app/devices/dev-a' });

test('1.1: the AppKey from the Join Server, found by DevEUI', async (t) => {
  const client = fakeClient({ appKeyHex: 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF'.toLowerCase(), nwkKeyHex: 'b0'.repeat(16) });
  t.is(await new TtsRootKeySource(client, APP).rootKey(EUI.toUpperCase(), '1.1'), 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
  t.deepEqual(client.reads, [`${APP}/dev-a`]);
});

test('1.0: TTS has no GenAppKey; one line, nothing read', async (t) => {
  const client = fakeClient({ appKeyHex: 'a0'.repeat(16) });
  const error = await t.throwsAsync(new TtsRootKeySource(client, APP).rootKey(EUI, '1.0'), { instanceOf: CallerError });
  t.is(error?.code, 'ROOT_KEY_MISSING');
  t.regex(error!.message, /GenAppKey.*rootKey in the campaign spec/);
  t.false(error!.message.includes('\n'));
  t.deepEqual(client.reads, []);
});

test('1.1 without AppKey, unknown device, no rights, server down', async (t) => {
  const none = await t.throwsAsync(new TtsRootKeySource(fakeClient({}), APP).rootKey(EUI, '1.1'), { instanceOf: CallerError });
  t.is(none?.code, 'ROOT_KEY_MISSING');
  const unknown = await t.throwsAsync(new TtsRootKeySource(fakeClient({}), APP).rootKey('70b3d57ed00000ff', '1.1'), { instanceOf: CallerError });
  t.is(unknown?.code, 'ROOT_KEY_DEVICE_NOT_FOUND');
  const denied = await t.throwsAsync(new TtsRootKeySource(fakeClient(new TtsApiCallerError(apiError('TTS_PERMISSION_DENIED', 403))), APP).rootKey(EUI, '1.1'), { instanceOf: CallerError });
  t.is(denied?.code, 'ROOT_KEY_PERMISSION_DENIED');
  const jsNone = await t.throwsAsync(new TtsRootKeySource(fakeClient(new TtsApiCallerError(apiError('TTS_NOT_FOUND', 404))), APP).rootKey(EUI, '1.1'), { instanceOf: CallerError });
  t.is(jsNone?.code, 'ROOT_KEY_DEVICE_NOT_FOUND');
  const down = await t.throwsAsync(new TtsRootKeySource(fakeClient(new TtsApiPeerError(apiError('TTS_UNREACHABLE', 0))), APP).rootKey(EUI, '1.1'), { instanceOf: PeerError });
  t.is(down?.code, 'TTS_UNREACHABLE');
});

test('a shared TtsDeviceIds is used (learned ids need no listing)', async (t) => {
  let listed = 0;
  const client = { ...fakeClient({ appKeyHex: 'c0'.repeat(16) }), listEndDevices: async () => (listed++, []) };
  const ids = new TtsDeviceIds(client, APP);
  ids.learn('sensor-7', EUI);
  t.is(await new TtsRootKeySource(client, APP, ids).rootKey(EUI, '1.1'), 'c0'.repeat(16));
  t.is(listed, 0);
});
