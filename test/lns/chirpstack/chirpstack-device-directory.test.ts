import test from 'ava';
import { isFuotaError } from '../../../src/core/errors.js';
import { ChirpstackDeviceDirectory } from '../../../src/lns/chirpstack/chirpstack-device-directory.js';
import { APPLICATION_ID, DEV_EUIS, startWorld, type World } from '../../sim/chirpstack/sim-chirpstack-world.js';

// DeviceService.Get against the simulated ChirpStack (a real loopback socket): what admission
// asks before a campaign starts. A DevEUI ChirpStack does not know is NOT_FOUND.

const worlds: World[] = [];
test.afterEach.always(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function world(): Promise<World> {
  const w = await startWorld();
  worlds.push(w);
  return w;
}

const UNKNOWN = '70b3d57ed00000ff';

test.serial('getDevice: a simulated device with its application and profile; an unknown DevEUI is CHIRPSTACK_NOT_FOUND', async (t) => {
  const w = await world();
  const device = await w.client.getDevice(DEV_EUIS[0]!.toUpperCase());
  t.is(device.devEui, DEV_EUIS[0]);
  t.is(device.applicationId, APPLICATION_ID);
  t.regex(device.deviceProfileId, /^[0-9a-f-]{36}$/);
  const error = await t.throwsAsync(w.client.getDevice(UNKNOWN));
  t.true(isFuotaError(error));
  t.is((error as { code?: string }).code, 'CHIRPSTACK_NOT_FOUND');
  t.regex(error!.message, new RegExp(`^DeviceService\\.Get at .*: not found .*${UNKNOWN}`));
});

test.serial('getDevice: a malformed DevEUI is refused before anything is sent', async (t) => {
  const w = await world();
  const error = await t.throwsAsync(w.client.getDevice('not-an-eui'));
  t.regex(error!.message, /devEui/);
});

test.serial('the device directory: known, unknown, and a device of another application', async (t) => {
  const w = await world();
  t.true(await new ChirpstackDeviceDirectory(w.client, APPLICATION_ID).deviceExists(DEV_EUIS[0]!));
  t.false(await new ChirpstackDeviceDirectory(w.client, APPLICATION_ID).deviceExists(UNKNOWN));
  const other = '11111111-2222-4333-8444-555555555555';
  const error = await t.throwsAsync(new ChirpstackDeviceDirectory(w.client, other).deviceExists(DEV_EUIS[0]!));
  t.is((error as { code?: string }).code, 'DEVICE_IN_OTHER_APPLICATION');
  t.regex(error!.message, new RegExp(`^device ${DEV_EUIS[0]}: expected it in ChirpStack application ${other} \\(networkServer\\.applicationId\\), got application ${APPLICATION_ID}$`));
});
