import { status, type ServiceError } from '@grpc/grpc-js';
import test from 'ava';
import { CampaignService } from '../../src/api/campaign-service.js';
import { ERROR_CODE_METADATA } from '../../src/api/grpc/grpc-errors.js';
import { CallerError } from '../../src/core/errors.js';
import { DEMO_TARGET_VERSION } from '../../src/demo/demo-package.js';
import { deriveMcRootKey } from '../../src/lorawan/keys.js';
import { call, grpcWorld, READ_TOKEN } from './grpc-world.js';
import type { ServiceWorld } from './service-world.js';

// chirpstack-fuota-server's FuotaServerService over the campaign service: a deployment becomes a
// campaign, its status and device logs are read back with that server's messages.

interface Target {
  devEui: string;
  rootKey: string;
}

/** Admission as `fuota serve` does it for what these tests need: the version from the package, the gateways from the config. */
function admittingService(w: ServiceWorld): CampaignService {
  const gateways = (w.spec.multicast as { gateways: string[] }).gateways;
  return new CampaignService({
    engine: w.engine,
    store: w.store,
    events: w.hub,
    clock: w.clock,
    admit: async (request) => {
      const spec = request.spec as { firmware: object; multicast: object };
      return { spec: { ...spec, firmware: { ...spec.firmware, version: DEMO_TARGET_VERSION }, multicast: { ...spec.multicast, gateways } }, block: request.packageBytes! };
    },
  });
}

function mcRootKey(target: Target): Buffer {
  return Buffer.from(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: Buffer.from(target.rootKey, 'hex') }));
}

async function compatWorld(seed: number) {
  let targets: Target[] = [];
  const w = await grpcWorld({
    seed,
    devices: 3,
    admit: (world) => {
      targets = world.spec.devices as Target[];
      return admittingService(world);
    },
    compat: {
      // The network server's keys (ChirpStack's DeviceService.GetKeys in `fuota serve`).
      rootKeys: {
        rootKey: async (devEui) => {
          const found = targets.find((d) => d.devEui === devEui);
          if (!found) throw new CallerError('DEVICE_NOT_FOUND', `devEui: expected a device the network server knows, got ${devEui}`);
          return found.rootKey;
        },
      },
    },
  });
  const deployment = {
    applicationId: '',
    devices: targets.map((d) => ({ devEui: Buffer.from(d.devEui, 'hex'), mcRootKey: mcRootKey(d) })),
    multicastGroupType: 'CLASS_C',
    multicastDr: 5,
    multicastGroupId: 0,
    multicastTimeout: 8,
    unicastTimeout: { seconds: 600, nanos: 0 },
    unicastAttemptCount: 5,
    fragmentationFragmentSize: 200,
    payload: Buffer.from(w.block),
    fragmentationRedundancy: 10,
    fragmentationSessionIndex: 0,
    fragmentationMatrix: 0,
    fragmentationBlockAckDelay: 1,
    requestFragmentationSessionStatus: 'AFTER_SESSION_TIMEOUT',
  };
  return { w, targets, deployment };
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

test('CreateDeployment makes a campaign; GetDeploymentStatus answers per device; GetDeploymentDeviceLogs answers', async (t) => {
  const { w, targets, deployment } = await compatWorld(51);
  t.teardown(() => w.close());
  const created = await call(w.compat, 'CreateDeployment', { deployment });
  t.is(created.id.length, 16);
  const id = uuidText(created.id);
  const detail = await w.service.get(id);
  t.is(detail.status.devices, 3);
  t.is(detail.status.waveCount, 1, 'one wave, as that server ran');
  const spec = detail.spec as { multicast: { class: string; dr: number }; fragmentation: { fragmentSizeBytes: number; blockAckDelay: number }; timing: { answerTimeoutMs: number; maxAttempts: number } };
  t.deepEqual([spec.multicast.class, spec.multicast.dr, spec.fragmentation.fragmentSizeBytes, spec.fragmentation.blockAckDelay], ['C', 5, 200, 1]);
  t.deepEqual([spec.timing.answerTimeoutMs, spec.timing.maxAttempts], [600_000, 5]);

  const early = await call(w.compat, 'GetDeploymentStatus', { id: created.id }, READ_TOKEN);
  t.is(early.deviceStatus.length, 3);
  t.is(early.fragStatusCompletedAt, null, 'nothing completed before the clock moves');

  await w.runUntil(() => w.phase(id) !== 'running');
  t.is((await w.service.get(id)).status.phase, 'COMPLETED');
  const done = await call(w.compat, 'GetDeploymentStatus', { id: created.id }, READ_TOKEN);
  t.deepEqual(done.deviceStatus.map((d: { devEui: Buffer }) => d.devEui.toString('hex')).sort(), targets.map((d) => d.devEui).sort());
  const createdAtS = Math.floor(detail.status.createdAtMs / 1000);
  t.is(done.createdAt.seconds, createdAtS);
  for (const device of done.deviceStatus) {
    for (const field of ['mcGroupSetupCompletedAt', 'mcSessionCompletedAt', 'fragSessionSetupCompletedAt', 'fragStatusCompletedAt']) {
      t.truthy(device[field], `${device.devEui.toString('hex')} ${field}`);
      t.true(device[field].seconds >= createdAtS);
    }
    t.true(device.mcGroupSetupCompletedAt.seconds <= device.fragStatusCompletedAt.seconds);
  }
  for (const field of ['mcGroupSetupCompletedAt', 'mcSessionCompletedAt', 'fragSessionSetupCompletedAt', 'enqueueCompletedAt', 'fragStatusCompletedAt']) t.truthy(done[field], field);

  const logs = await call(w.compat, 'GetDeploymentDeviceLogs', { deploymentId: created.id, devEui: Buffer.from(targets[0]!.devEui, 'hex') }, READ_TOKEN);
  t.true(logs.logs.length > 0);
  const commands = logs.logs.map((l: { command: string }) => l.command);
  t.true(commands.some((c: string) => /McGroupSetupReq/.test(c)), commands.join(' | '));
  t.true(commands.some((c: string) => /FragSessionStatusAns/.test(c)), commands.join(' | '));
  const down = logs.logs.find((l: { fields: Record<string, string> }) => l.fields.direction === 'down');
  t.true(down.fPort > 0);
  t.regex(down.fields.payload, /^[0-9a-f]+$/);
});

test('CreateDeployment refusals: a McRootKey the network server does not back, a bad DevEUI; nothing is created', async (t) => {
  const { w, deployment } = await compatWorld(52);
  t.teardown(() => w.close());
  const wrongKey = { ...deployment, devices: deployment.devices.map((d, i) => (i === 1 ? { ...d, mcRootKey: Buffer.alloc(16, 7) } : d)) };
  const mismatch = (await t.throwsAsync(call(w.compat, 'CreateDeployment', { deployment: wrongKey }))) as ServiceError;
  t.is(mismatch.code, status.INVALID_ARGUMENT);
  t.deepEqual(mismatch.metadata.get(ERROR_CODE_METADATA), ['MC_ROOT_KEY_MISMATCH']);
  t.regex(mismatch.details, /^deployment\.devices\.1\.mc_root_key: /);

  const badEui = { ...deployment, devices: [{ devEui: Buffer.alloc(4), mcRootKey: Buffer.alloc(16) }] };
  const eui = (await t.throwsAsync(call(w.compat, 'CreateDeployment', { deployment: badEui }))) as ServiceError;
  t.is(eui.code, status.INVALID_ARGUMENT);
  t.regex(eui.details, /^deployment\.devices\.0\.dev_eui: expected 8 bytes, got "4 bytes"$/);

  const denied = (await t.throwsAsync(call(w.compat, 'CreateDeployment', { deployment }, READ_TOKEN))) as ServiceError;
  t.is(denied.code, status.PERMISSION_DENIED);
  t.deepEqual(await w.service.list(), [], 'nothing stored');

  const unknown = (await t.throwsAsync(call(w.compat, 'GetDeploymentStatus', { id: Buffer.alloc(16, 1) }, READ_TOKEN))) as ServiceError;
  t.is(unknown.code, status.NOT_FOUND);
});
