import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { admitCampaign, type AdmissionDeps } from '../../src/admission/admit-campaign.js';
import { CallerError, PeerError } from '../../src/core/errors.js';
import { CampaignIntake } from '../../src/intake/campaign-directory-intake.js';
import type { RootKeySource } from '../../src/intake/root-key-source.js';
import { build, DEV_1, DEV_2, signingKey, spec, world, type World } from '../admission/admission-world.js';

// The campaigns directory: every file passes admission (test/admission/) before the engine sees
// it. Accepted: `x.json.accepted` and a stored campaign; refused: `x.json.rejected` and
// `x.json.error.txt` with the one-line reason, and nothing stored.

const KEYS: Record<string, string> = { [DEV_1]: '000102030405060708090a0b0c0d0e0f', [DEV_2]: '101112131415161718191a1b1c1d1e1f' };

const source: RootKeySource = {
  async rootKey(devEui, lorawanVersion) {
    const key = KEYS[devEui];
    if (key === undefined || lorawanVersion !== '1.0') throw new CallerError('ROOT_KEY_MISSING', `device ${devEui}: ChirpStack has no GenAppKey (LoRaWAN 1.0.x devices need one for TS005)`);
    return key;
  },
};

/** Drops `update.json` (settled: older than the intake's settle time) and runs one intake until it is handled. */
async function intake(t: ExecutionContext, file: unknown, options: { rootKeys?: RootKeySource; known?: string[]; prepare?: (w: World) => unknown } = {}): Promise<{ path: string; w: World; reason?: string }> {
  const w = world(t, options.known ? { known: options.known } : {});
  await options.prepare?.(w);
  const path = join(w.dir, 'update.json');
  writeFileSync(path, typeof file === 'string' ? file : JSON.stringify(file));
  const past = new Date(Date.now() - 10_000);
  utimesSync(path, past, past);
  const deps: AdmissionDeps = { ...w.deps, ...(options.rootKeys ? { rootKeys: options.rootKeys } : {}) };
  const running = new CampaignIntake(w.dir, (request) => admitCampaign(request, deps), w.engine, w.store, pino({ level: 'silent' }), 10);
  running.start();
  // Ends when the file is handled; the test's own timeout bounds a hang.
  while (!existsSync(`${path}.accepted`) && !existsSync(`${path}.rejected`)) await new Promise((r) => setTimeout(r, 10));
  await running.stop();
  return { path, w, ...(existsSync(`${path}.error.txt`) ? { reason: readFileSync(`${path}.error.txt`, 'utf8') } : {}) };
}

test('a signed package and a spec without a version: accepted, the version from the manifest', async (t) => {
  const { path, w } = await intake(t, { spec: spec(), package: 'update.fpkg' }, { prepare: (w) => w.put('update.fpkg', build()) });
  t.true(existsSync(`${path}.accepted`));
  t.deepEqual((await w.store.list()).map((c) => c.id), ['fw-1-1-0']);
  t.is(w.engine.view('fw-1-1-0')!.spec.firmware.version, 0x01010000);
});

const refused: Array<{ name: string; file: unknown; prepare?: (w: World) => void; reason: RegExp }> = [
  { name: 'a package whose signature fails', file: { spec: spec(), package: 'evil.fpkg' }, prepare: (w) => w.put('evil.fpkg', build({ signingKey: signingKey() })), reason: /^package manifest signature \(es256, compact\): expected it to verify with a key of vendor example\.com in campaigns\.vendorKeys, got a signature that does not\n$/ },
  { name: 'random bytes', file: { spec: spec(), package: 'random.bin' }, prepare: (w) => w.put('random.bin', Uint8Array.of(9, 9, 9, 9)), reason: /^package: expected a package as fuota package build writes it/ },
  { name: 'the config file as the package', file: { spec: spec(), package: 'fuota.yaml' }, reason: /^package path "fuota\.yaml": expected a package file, got the service's own configuration or store\n$/ },
  { name: 'a package outside the directory', file: { spec: spec(), package: '../update.fpkg' }, reason: /^package path "\.\.\/update\.fpkg": expected a path inside campaigns\.directory without "\.\."/ },
  { name: 'an absolute path outside the directory', file: { spec: spec(), package: '/etc/passwd' }, reason: /^package path "\/etc\/passwd": expected a file inside campaigns\.directory .*, got "\/etc\/passwd", outside it\n$/ },
  { name: 'an unknown spec key', file: { spec: spec({ rolout: { canaryFraction: 0 } }), package: 'update.fpkg' }, prepare: (w) => w.put('update.fpkg', build()), reason: /^campaign spec rolout: expected no such key/ },
  { name: 'an unknown campaign file key', file: { spec: spec(), package: 'update.fpkg', pakage: 'x' }, reason: /^campaign file update\.json pakage: expected only "spec" and "package"/ },
  { name: 'a version mismatch', file: { spec: spec({ firmware: { version: '2.0.0' } }), package: 'update.fpkg' }, prepare: (w) => w.put('update.fpkg', build()), reason: /^campaign spec firmware\.version: expected the package's .*, got "2\.0\.0"\n$/ },
];

for (const row of refused) {
  test(`refused with its one-line reason, nothing stored: ${row.name}`, async (t) => {
    const { path, w, reason } = await intake(t, row.file, row.prepare ? { prepare: row.prepare } : {});
    t.true(existsSync(`${path}.rejected`), readdirSync(w.dir).join(', '));
    t.regex(reason ?? '', row.reason);
    t.is(reason!.trimEnd().split('\n').length, 1);
    t.deepEqual(await w.store.list(), []);
    t.deepEqual(w.sent, []);
  });
}

test('devices without rootKey get it from the source; given keys are kept', async (t) => {
  const given = 'ff'.repeat(16);
  const devices = [{ devEui: DEV_1 }, { devEui: '70B3D57ED0000003', rootKey: given }, { devEui: DEV_2 }];
  const { path, w } = await intake(t, { spec: spec({ devices }), package: 'update.fpkg' }, { rootKeys: source, known: [DEV_1, DEV_2, '70b3d57ed0000003'], prepare: (w) => w.put('update.fpkg', build()) });
  t.true(existsSync(`${path}.accepted`));
  t.deepEqual(
    w.engine.view('fw-1-1-0')!.spec.devices.map((d) => [d.devEui, d.rootKey]),
    [[DEV_1, KEYS[DEV_1]], ['70b3d57ed0000003', given], [DEV_2, KEYS[DEV_2]]],
  );
});

test('a device the source has no key for rejects the whole file with its one-line reason', async (t) => {
  const devices = [{ devEui: DEV_1 }, { devEui: '70b3d57ed00000ff' }];
  const { path, w, reason } = await intake(t, { spec: spec({ devices }), package: 'update.fpkg' }, { rootKeys: source, known: [DEV_1, '70b3d57ed00000ff'], prepare: (w) => w.put('update.fpkg', build()) });
  t.true(existsSync(`${path}.rejected`));
  t.is(reason, 'device 70b3d57ed00000ff: ChirpStack has no GenAppKey (LoRaWAN 1.0.x devices need one for TS005)\n');
  t.deepEqual(await w.store.list(), [], 'no partial campaign');
});

test('without a source, a missing rootKey still fails the spec validation', async (t) => {
  const { path, reason } = await intake(t, { spec: spec({ devices: [{ devEui: DEV_1 }] }), package: 'update.fpkg' }, { prepare: (w) => w.put('update.fpkg', build()) });
  t.true(existsSync(`${path}.rejected`));
  t.regex(reason ?? '', /^campaign spec devices\.0\.rootKey: /);
});

test('a network server that cannot be asked leaves the file for the next scan; it is accepted once it answers', async (t) => {
  let calls = 0;
  const { path, w } = await intake(t, { spec: spec(), package: 'update.fpkg' }, {
    prepare: (w) => {
      w.put('update.fpkg', build());
      w.deps.devices = {
        deviceExists: async () => {
          calls++;
          if (calls <= 2) throw new PeerError('CHIRPSTACK_UNAVAILABLE', 'ChirpStack gRPC API at 127.0.0.1:1 unavailable (DeviceService.Get): expected a server answering, got: connection refused');
          return true;
        },
      };
    },
  });
  t.true(existsSync(`${path}.accepted`));
  t.false(existsSync(`${path}.error.txt`));
  t.true(calls > 2, 'asked again on a later scan');
  t.deepEqual((await w.store.list()).map((c) => c.id), ['fw-1-1-0']);
});

// Issue #14: killed after the campaign was stored but before its file was renamed, the service
// finds the file again on restart. The campaign is running: the file must become .accepted.
test('a file whose campaign is already stored with the same spec becomes .accepted (a kill before the rename)', async (t) => {
  const { path, w, reason } = await intake(t, { spec: spec(), package: 'update.fpkg' }, {
    prepare: async (w) => {
      w.put('update.fpkg', build());
      await w.submit({ spec: spec(), packagePath: 'update.fpkg' });
    },
  });
  t.is(reason, undefined);
  t.true(existsSync(`${path}.accepted`), readdirSync(w.dir).join(', '));
  t.deepEqual((await w.store.list()).map((c) => c.id), ['fw-1-1-0']);
});

test('a file whose campaign id is stored with another spec is still rejected as a duplicate', async (t) => {
  const { path, w, reason } = await intake(t, { spec: spec({ devices: [{ devEui: DEV_1, rootKey: '03'.repeat(16) }] }), package: 'update.fpkg' }, {
    prepare: async (w) => {
      w.put('update.fpkg', build());
      await w.submit({ spec: spec(), packagePath: 'update.fpkg' });
    },
  });
  t.true(existsSync(`${path}.rejected`));
  t.regex(reason ?? '', /^campaign fw-1-1-0: expected a new campaign id or the very spec and package stored under it, got another spec\n$/);
  t.is((await w.store.load('fw-1-1-0'))!.campaign.id, 'fw-1-1-0');
});
