import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { parseCampaignSpec, type CampaignSpec } from '../../src/campaign/spec.js';
import { CallerError } from '../../src/core/errors.js';
import { CampaignIntake } from '../../src/intake/campaign-directory-intake.js';
import type { RootKeySource } from '../../src/intake/root-key-source.js';

// A campaign file whose devices leave rootKey out: the intake fills it from a RootKeySource
// before the engine sees the spec, or rejects the file with the source's one-line reason.

const DEFAULTS = { region: 'EU868' as const, dr: 5, budgetShare: 0.5 };
const DEV_1 = '70b3d57ed0000001';
const DEV_2 = '70b3d57ed0000002';
const KEYS: Record<string, string> = { [DEV_1]: '000102030405060708090a0b0c0d0e0f', [DEV_2]: '101112131415161718191a1b1c1d1e1f' };

/** Validates like CampaignEngine.create (the same parser) and keeps what it was given. */
function fakeEngine() {
  const created: CampaignSpec[] = [];
  return {
    created,
    async create(specInput: unknown, _block: Uint8Array): Promise<string> {
      const spec = parseCampaignSpec(specInput);
      created.push(spec);
      return spec.id;
    },
  };
}

const source: RootKeySource = {
  async rootKey(devEui, lorawanVersion) {
    const key = KEYS[devEui];
    if (key === undefined || lorawanVersion !== '1.0') throw new CallerError('ROOT_KEY_MISSING', `device ${devEui}: ChirpStack has no GenAppKey (LoRaWAN 1.0.x devices need one for TS005)`);
    return key;
  },
};

/** Drops `update.json` (settled: older than the intake's settle time) and runs one intake until it is handled. */
async function intake(t: ExecutionContext, devices: unknown[], rootKeys?: RootKeySource): Promise<{ file: string; engine: ReturnType<typeof fakeEngine> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-intake-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'block.bin'), Uint8Array.of(1, 2, 3, 4));
  const file = join(dir, 'update.json');
  writeFileSync(file, JSON.stringify({ spec: { id: 'fw-2', firmware: { version: 2 }, devices }, package: 'block.bin' }));
  const past = new Date(Date.now() - 10_000);
  utimesSync(file, past, past);
  const engine = fakeEngine();
  const running = new CampaignIntake(dir, DEFAULTS, engine, pino({ level: 'silent' }), 10, rootKeys);
  running.start();
  const until = Date.now() + 5_000;
  while (!existsSync(`${file}.accepted`) && !existsSync(`${file}.rejected`) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  await running.stop();
  return { file, engine };
}

test('devices without rootKey get it from the source; given keys are kept', async (t) => {
  const given = 'ff'.repeat(16);
  const { file, engine } = await intake(t, [{ devEui: DEV_1 }, { devEui: '70B3D57ED0000003', rootKey: given }, { devEui: DEV_2 }], source);
  t.true(existsSync(`${file}.accepted`));
  t.is(engine.created.length, 1);
  t.deepEqual(
    engine.created[0]!.devices.map((d) => [d.devEui, d.rootKey]),
    [[DEV_1, KEYS[DEV_1]], ['70b3d57ed0000003', given], [DEV_2, KEYS[DEV_2]]],
  );
});

test('a device the source has no key for rejects the whole file with its one-line reason', async (t) => {
  const { file, engine } = await intake(t, [{ devEui: DEV_1 }, { devEui: '70b3d57ed00000ff' }], source);
  t.true(existsSync(`${file}.rejected`));
  t.is(readFileSync(`${file}.error.txt`, 'utf8'), 'device 70b3d57ed00000ff: ChirpStack has no GenAppKey (LoRaWAN 1.0.x devices need one for TS005)\n');
  t.is(engine.created.length, 0, 'no partial campaign');
});

test('without a source, a missing rootKey still fails the spec validation', async (t) => {
  const { file, engine } = await intake(t, [{ devEui: DEV_1 }]);
  t.true(existsSync(`${file}.rejected`));
  t.regex(readFileSync(`${file}.error.txt`, 'utf8'), /^campaign spec devices\.0\.rootKey: /);
  t.is(engine.created.length, 0);
});
