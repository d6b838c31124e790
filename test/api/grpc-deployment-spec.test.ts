import test from 'ava';
import { campaignIdOf, deploymentRequest, uuidBytes, type DeploymentMessage } from '../../src/api/grpc/compat/deployment-spec.js';
import { deriveMcRootKey } from '../../src/lorawan/keys.js';

// chirpstack-fuota-server's Deployment → our campaign spec: field by field, and its refusals.

const GEN_APP_KEY = '000102030405060708090a0b0c0d0e0f';
const APP_KEY_11 = 'f0e0d0c0b0a090807060504030201000';

function deployment(overrides: Partial<DeploymentMessage> = {}): DeploymentMessage {
  return {
    applicationId: '',
    devices: [{ devEui: Buffer.from('0102030405060708', 'hex'), mcRootKey: Buffer.from(deriveMcRootKey({ lorawanVersion: '1.0', genAppKey: Buffer.from(GEN_APP_KEY, 'hex') })) }],
    multicastGroupType: 'CLASS_B',
    multicastDr: 3,
    multicastPingSlotPeriod: 4,
    multicastFrequency: 869_525_000,
    multicastGroupId: 2,
    multicastTimeout: 6,
    unicastTimeout: { seconds: 90, nanos: 500_000_000 },
    unicastAttemptCount: 3,
    fragmentationFragmentSize: 100,
    payload: Buffer.alloc(1000, 1),
    fragmentationRedundancy: 5,
    fragmentationSessionIndex: 1,
    fragmentationMatrix: 0,
    fragmentationBlockAckDelay: 2,
    fragmentationDescriptor: Buffer.from('cafe0001', 'hex'),
    requestFragmentationSessionStatus: 'AFTER_SESSION_TIMEOUT',
    ...overrides,
  };
}

const keys = { rootKey: async (_devEui: string, version: '1.0' | '1.1') => (version === '1.0' ? GEN_APP_KEY : APP_KEY_11) };

test('every mapped field lands in the spec; the payload is the package; the id is a UUID', async (t) => {
  const { id, request } = await deploymentRequest(deployment(), { rootKeys: keys, newId: () => '00112233-4455-6677-8899-aabbccddeeff' });
  t.is(id, '00112233-4455-6677-8899-aabbccddeeff');
  t.is(campaignIdOf(uuidBytes(id), 'id'), id);
  const spec = request.spec as Record<string, any>;
  t.deepEqual(spec.devices, [{ devEui: '0102030405060708', rootKey: GEN_APP_KEY, lorawanVersion: '1.0' }]);
  t.deepEqual(spec.firmware, { descriptor: 'cafe0001' });
  t.deepEqual(spec.rollout, { canaryFraction: 0 });
  const { mcKey, ...multicast } = spec.multicast;
  t.regex(mcKey, /^[0-9a-f]{32}$/);
  t.deepEqual(multicast, { class: 'B', groupId: 2, dr: 3, periodicity: 4, frequencyHz: 869_525_000 });
  // M = 1000 / 100 = 10 fragments; 5 extra = 0.5 of M.
  t.deepEqual(spec.fragmentation, { fragIndex: 1, fragmentSizeBytes: 100, blockAckDelay: 2, initialRedundancy: 0.5, maxRedundancy: 1 });
  t.deepEqual(spec.timing, { answerTimeoutMs: 90_500, maxAttempts: 3 });
  t.is(request.packageBytes?.length, 1000);
});

test('a LoRaWAN 1.1 device matches by its AppKey; without a key source rootKey is left to admission', async (t) => {
  const mcRootKey11 = Buffer.from(deriveMcRootKey({ lorawanVersion: '1.1', appKey: Buffer.from(APP_KEY_11, 'hex') }));
  const d11 = deployment({ devices: [{ devEui: Buffer.from('0102030405060708', 'hex'), mcRootKey: mcRootKey11 }] });
  const { request } = await deploymentRequest(d11, { rootKeys: keys });
  t.deepEqual((request.spec as Record<string, any>).devices, [{ devEui: '0102030405060708', rootKey: APP_KEY_11, lorawanVersion: '1.1' }]);
  const bare = await deploymentRequest(deployment());
  t.deepEqual((bare.request.spec as Record<string, any>).devices, [{ devEui: '0102030405060708' }]);
  const defaults = await deploymentRequest(deployment({ multicastFrequency: 0, unicastTimeout: null, unicastAttemptCount: 0, fragmentationDescriptor: Buffer.alloc(0), fragmentationRedundancy: 0 }));
  const spec = defaults.request.spec as Record<string, any>;
  t.false('frequencyHz' in spec.multicast);
  t.deepEqual(spec.timing, {});
  t.deepEqual(spec.firmware, {});
  t.false('initialRedundancy' in spec.fragmentation);
});

test('refusals name the deployment field', async (t) => {
  const cases: Array<[Partial<DeploymentMessage>, RegExp]> = [
    [{ devices: [] }, /^deployment\.devices: expected at least one device/],
    [{ multicastPingSlotPeriod: 32 }, /^deployment\.multicast_ping_slot_period: /],
    [{ fragmentationMatrix: 1 }, /^deployment\.fragmentation_matrix: expected 0/],
    [{ fragmentationDescriptor: Buffer.alloc(3) }, /^deployment\.fragmentation_descriptor: expected 4 bytes or none/],
    [{ payload: Buffer.alloc(0) }, /^deployment\.payload: expected a lorawan-fuota package/],
    [{ multicastGroupId: 4 }, /^deployment\.multicast_group_id: /],
    [{ applicationId: 'other-app' }, /^deployment\.application_id: expected the application this service serves/],
  ];
  for (const [overrides, message] of cases) {
    await t.throwsAsync(deploymentRequest(deployment(overrides), { applicationId: 'our-app' }), { code: 'INVALID_DEPLOYMENT', message }, String(message));
  }
  const twice = deployment();
  twice.devices.push(twice.devices[0]!);
  await t.throwsAsync(deploymentRequest(twice), { code: 'INVALID_DEPLOYMENT', message: /^deployment\.devices\.1\.dev_eui: expected each device once/ });
  await t.throwsAsync(deploymentRequest(null), { code: 'INVALID_DEPLOYMENT', message: /^deployment: expected a Deployment, got none$/ });
  await t.throwsAsync(deploymentRequest(deployment({ devices: [{ devEui: Buffer.from('0102030405060708', 'hex'), mcRootKey: Buffer.alloc(16) }] }), { rootKeys: keys }), { code: 'MC_ROOT_KEY_MISMATCH', message: /device 0102030405060708/ });
  t.throws(() => campaignIdOf(Buffer.alloc(4), 'id'), { message: /^id: expected a 16-byte deployment id/ });
});
