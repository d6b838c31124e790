import test from 'ava';
import { CallerError, PeerError } from '../../../src/core/errors.js';
import { TtsDeviceDirectory, TtsDeviceIds } from '../../../src/lns/tts/tts-device-directory.js';
import type { TtsDeviceSummary } from '../../../src/lns/tts/tts-http-client.js';
import { TtsApiCallerError } from '../../../src/lns/tts/tts-http-error.js';
import { APP } from './tts-recorded-json.js';

// Listing-based DevEUI lookups (TTS's Identity Server lists devices by application).

class FakeLister {
  calls = 0;
  devices: TtsDeviceSummary[] = [{ deviceId: 'dev-a', devEui: '70b3d57ed000000a' }, { deviceId: 'dev-b', devEui: '70b3d57ed000000b' }, { deviceId: 'mc-1' }];
  failWith: Error | undefined;
  async listEndDevices(applicationId: string): Promise<TtsDeviceSummary[]> {
    this.calls++;
    if (applicationId !== APP) throw new Error(`wrong application ${applicationId}`);
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    return this.devices.map((d) => ({ ...d }));
  }
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let nowMs = 1_000_000;
  return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

test('deviceExists: known DevEUI in any notation; one listing serves many lookups', async (t) => {
  const lister = new FakeLister();
  const c = clock();
  const directory = new TtsDeviceDirectory(lister, APP, { nowMs: c.now });
  t.true(await directory.deviceExists('70B3D57ED000000A'));
  t.true(await directory.deviceExists('70-b3-d5-7e-d0-00-00-0b'));
  t.is(lister.calls, 1);
});

test('deviceExists: concurrent lookups share one listing', async (t) => {
  const lister = new FakeLister();
  const directory = new TtsDeviceDirectory(lister, APP, { nowMs: clock().now });
  const answers = await Promise.all(['70b3d57ed000000a', '70b3d57ed000000b', '70b3d57ed000000a'].map((eui) => directory.deviceExists(eui)));
  t.deepEqual(answers, [true, true, true]);
  t.is(lister.calls, 1);
});

test('deviceExists: a miss on a fresh listing does not list again; a miss on an older one lists once', async (t) => {
  const lister = new FakeLister();
  const c = clock();
  const directory = new TtsDeviceDirectory(lister, APP, { nowMs: c.now, freshForMs: 60_000, missRefreshAfterMs: 5_000 });
  t.false(await directory.deviceExists('70b3d57ed00000ff'));
  t.is(lister.calls, 1);
  t.false(await directory.deviceExists('70b3d57ed00000fe'));
  t.is(lister.calls, 1, 'listing just made: no second one per unknown device');
  c.advance(10_000);
  lister.devices.push({ deviceId: 'dev-new', devEui: '70b3d57ed00000fe' });
  t.true(await directory.deviceExists('70b3d57ed00000fe'));
  t.is(lister.calls, 2);
  t.true(await directory.deviceExists('70b3d57ed000000a'));
  t.is(lister.calls, 2);
});

test('deviceExists: a stale listing is refreshed (a deleted device disappears)', async (t) => {
  const lister = new FakeLister();
  const c = clock();
  const directory = new TtsDeviceDirectory(lister, APP, { nowMs: c.now, freshForMs: 60_000 });
  t.true(await directory.deviceExists('70b3d57ed000000a'));
  lister.devices = lister.devices.filter((d) => d.deviceId !== 'dev-a');
  c.advance(61_000);
  t.false(await directory.deviceExists('70b3d57ed000000a'));
  t.is(lister.calls, 2);
});

test('deviceExists: lookup failures keep their fault and name the device', async (t) => {
  const lister = new FakeLister();
  const directory = new TtsDeviceDirectory(lister, APP, { nowMs: clock().now });
  lister.failWith = new TtsApiCallerError({ code: 'TTS_PERMISSION_DENIED', message: 'HTTP 403', httpStatus: 403, grpcCode: 7, ttsNamespace: 'pkg/auth/rights', ttsName: 'no_application_rights', correlationId: undefined, request: 'GET /api/v3/applications/fuota-app/devices' });
  const refused = await t.throwsAsync(directory.deviceExists('70b3d57ed000000a'), { instanceOf: CallerError });
  t.is(refused?.code, 'TTS_PERMISSION_DENIED');
  t.regex(refused!.message, /device 70b3d57ed000000a: could not be looked up/);
  lister.failWith = new Error('socket hang up');
  const failed = await t.throwsAsync(directory.deviceExists('70b3d57ed000000a'), { instanceOf: PeerError });
  t.is(failed?.code, 'DEVICE_LOOKUP_FAILED');
  t.regex(failed!.message, /try again/);
});

test('TtsDeviceIds: learned pairs answer without listing', async (t) => {
  const lister = new FakeLister();
  const ids = new TtsDeviceIds(lister, APP, { nowMs: clock().now });
  ids.learn('sensor-12', '70B3D57ED0000012');
  t.is(await ids.deviceIdOf('70b3d57ed0000012'), 'sensor-12');
  t.is(lister.calls, 0);
});

test('TtsDeviceIds: listing on a miss, then TTS_DEVICE_UNKNOWN; learned pairs survive a listing', async (t) => {
  const lister = new FakeLister();
  const c = clock();
  const ids = new TtsDeviceIds(lister, APP, { nowMs: c.now });
  ids.learn('sensor-12', '70b3d57ed0000012');
  t.is(await ids.deviceIdOf('70b3d57ed000000b'), 'dev-b');
  t.is(lister.calls, 1);
  const error = await t.throwsAsync(ids.deviceIdOf('70b3d57ed00000ff'), { instanceOf: CallerError });
  t.is(error?.code, 'TTS_DEVICE_UNKNOWN');
  t.regex(error!.message, /70b3d57ed00000ff.*fuota-app/);
  t.is(lister.calls, 1);
  t.is(await ids.deviceIdOf('70b3d57ed0000012'), 'sensor-12');
  t.throws(() => ids.learn('x-1', 'nope'));
});
