import test from 'ava';
import { CallerError, isFuotaError, PeerError, type FuotaError } from '../../../src/core/errors.js';
import { ChirpstackRootKeySource, rootKeyFrom } from '../../../src/lns/chirpstack/chirpstack-root-keys.js';
import type { DeviceKeysInfo } from '../../../src/lns/chirpstack/grpc-device.js';
import { DEV_EUIS, startWorld, type World } from '../../sim/chirpstack/sim-chirpstack-world.js';

// Root keys for campaign files without rootKey: which of ChirpStack's DeviceKeys fields is the
// TS005 root, and what an operator reads when there is none or the token may not read it.

const DEV_EUI = '0102030405060708';
const NWK_KEY = 'ffeeddccbbaa99887766554433221100';
const GEN_APP_KEY = '000102030405060708090a0b0c0d0e0f';
const APP_KEY = '101112131415161718191a1b1c1d1e1f';
const ZEROS = '0'.repeat(32);

function keys(overrides: Partial<DeviceKeysInfo> = {}): DeviceKeysInfo {
  return { devEui: DEV_EUI, nwkKeyHex: NWK_KEY, appKeyHex: APP_KEY, genAppKeyHex: GEN_APP_KEY, ...overrides };
}

function thrown(fn: () => unknown): FuotaError {
  try {
    fn();
  } catch (error) {
    if (isFuotaError(error)) return error;
    throw new Error(`expected a FuotaError, got ${String(error)}`);
  }
  throw new Error('expected a throw');
}

async function rejection(promise: Promise<unknown>): Promise<FuotaError> {
  try {
    await promise;
  } catch (error) {
    if (isFuotaError(error)) return error;
    throw new Error(`expected a FuotaError, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

test('1.0 devices use gen_app_key (never the AppKey in nwk_key), 1.1 devices app_key', (t) => {
  t.is(rootKeyFrom(keys(), DEV_EUI, '1.0'), GEN_APP_KEY);
  t.is(rootKeyFrom(keys(), DEV_EUI, '1.1'), APP_KEY);
  t.is(rootKeyFrom(keys({ genAppKeyHex: GEN_APP_KEY.toUpperCase() }), DEV_EUI, '1.0'), GEN_APP_KEY, 'lowercased');
});

test('an unset key (zeros or empty) is an error naming the device and the missing key', (t) => {
  for (const unset of [ZEROS, '']) {
    const noGen = thrown(() => rootKeyFrom(keys({ genAppKeyHex: unset }), DEV_EUI, '1.0'));
    t.true(noGen instanceof CallerError);
    t.is(noGen.code, 'ROOT_KEY_MISSING');
    t.regex(noGen.message, /^device 0102030405060708: ChirpStack has no GenAppKey \(LoRaWAN 1\.0\.x devices need one for TS005/);
    t.notRegex(noGen.message, /\n/);
    const noApp = thrown(() => rootKeyFrom(keys({ appKeyHex: unset }), DEV_EUI, '1.1'));
    t.is(noApp.code, 'ROOT_KEY_MISSING');
    t.regex(noApp.message, /^device 0102030405060708: ChirpStack has no AppKey/);
  }
});

test('a malformed key from ChirpStack is a peer error that does not echo the key', (t) => {
  const error = thrown(() => rootKeyFrom(keys({ genAppKeyHex: 'abcdef' }), DEV_EUI, '1.0'));
  t.true(error instanceof PeerError);
  t.is(error.message, "device 0102030405060708: ChirpStack's gen_app_key: expected 32 hex digits, got 6 characters");
});

test('GetKeys failures become one-line errors naming the device', async (t) => {
  const failing = (error: Error) => new ChirpstackRootKeySource({ getDeviceKeys: () => Promise.reject(error) });
  const unavailable = await rejection(failing(new PeerError('CHIRPSTACK_UNAVAILABLE', 'ChirpStack gRPC API at x:8080 unavailable')).rootKey(DEV_EUI, '1.0'));
  t.true(unavailable instanceof PeerError, 'the fault is kept');
  t.is(unavailable.code, 'CHIRPSTACK_UNAVAILABLE');
  t.is(unavailable.message, 'device 0102030405060708: reading its keys failed: ChirpStack gRPC API at x:8080 unavailable');
});

const worlds: World[] = [];
test.afterEach.always(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

test.serial('against the simulated ChirpStack: the key the device has, NOT_FOUND and PERMISSION_DENIED explained', async (t) => {
  const w = await startWorld({
    deviceKeys: new Map([
      [DEV_EUIS[0]!, { nwkKeyHex: NWK_KEY, genAppKeyHex: GEN_APP_KEY }],
      [DEV_EUIS[1]!, { nwkKeyHex: NWK_KEY, appKeyHex: APP_KEY }],
      [DEV_EUIS[2]!, { nwkKeyHex: NWK_KEY, genAppKeyHex: GEN_APP_KEY, otherTenant: true }],
    ]),
  });
  worlds.push(w);
  const source = new ChirpstackRootKeySource(w.client);
  t.is(await source.rootKey(DEV_EUIS[0]!, '1.0'), GEN_APP_KEY);
  t.is(await source.rootKey(DEV_EUIS[1]!, '1.1'), APP_KEY);

  const noGen = await rejection(source.rootKey(DEV_EUIS[1]!, '1.0'));
  t.is(noGen.code, 'ROOT_KEY_MISSING', 'the sim serves an unset gen_app_key as zeros');

  const unknown = await rejection(source.rootKey('70b3d57ed00000ff', '1.0'));
  t.is(unknown.code, 'ROOT_KEY_DEVICE_NOT_FOUND');
  t.regex(unknown.message, /^device 70b3d57ed00000ff: ChirpStack has no keys for it .*Object does not exist/);

  const denied = await rejection(source.rootKey(DEV_EUIS[2]!, '1.0'));
  t.is(denied.code, 'ROOT_KEY_PERMISSION_DENIED');
  t.true(denied instanceof CallerError);
  t.regex(denied.message, new RegExp(`^device ${DEV_EUIS[2]}: the API token may not read device keys .*This action is not allowed`));
});
