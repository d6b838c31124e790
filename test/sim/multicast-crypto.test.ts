// Multicast in the simulator as the network sends it (TS005 §2, LoRaWAN 1.0.4 §4): frames to the
// McAddr, FRMPayload under McAppSKey, MIC under McNwkSKey, the group's frame counter; devices
// open them with the keys they derived from McKey_encrypted and drop what fails.

import test from 'ava';
import { createSimulatedWorld } from '../../src/app/simulated-world.js';
import type { CreateMulticastGroupCommand } from '../../src/campaign/commands.js';
import { hexToBytes } from '../../src/core/hex.js';
import { deriveMcSessionKeys } from '../../src/lorawan/keys.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { multicastFrame, openMulticastFrame as openWith, readMulticastFrame } from '../../src/sim/multicast-frame.js';
import type { DeviceMcGroup } from '../../src/sim/sim-mc-group.js';

async function campaign(tamper?: (group: CreateMulticastGroupCommand) => CreateMulticastGroupCommand) {
  const world = await createSimulatedWorld({ scenario: { ...DEFAULT_SCENARIO, devices: 6, seed: 3, absentShare: 0, stacks: { lbm: 0.5, 'loramac-node': 0.5 } }, storePath: 'memory', firmwareBytes: 24 * 1024, spec: { rollout: { canaryFraction: 0 }, fragmentation: { maxStatusRounds: 2 } } });
  const network = world.fleet.network;
  if (tamper) {
    const create = network.createMulticastGroup.bind(network);
    network.createMulticastGroup = (group) => create(tamper(group));
  }
  const { engine, clock, startMs } = world;
  await engine.create(world.spec, world.block);
  await clock.run({ untilMs: startMs + 7 * 86_400_000, done: () => engine.view('demo')!.campaign.phase !== 'running', settle: () => engine.idle() });
  const view = engine.view('demo')!;
  const outcomes = [...view.devices.values()].map((d) => d.outcome);
  const heard = world.fleet.members.reduce((n, m) => n + m.device.multicastHeard, 0);
  const rejected = world.fleet.members.reduce((n, m) => n + m.device.multicastRejected, 0);
  await world.close();
  return { outcomes, heard, rejected };
}

test('with the keys the campaign derived, every device opens the frames and ends delivered or confirmed', async (t) => {
  const { outcomes, heard, rejected } = await campaign();
  t.true(outcomes.every((o) => o === 'confirmed' || o === 'delivered'), JSON.stringify(outcomes));
  t.true(heard > 0);
  t.is(rejected, 0);
});

test('McAppSKey and McNwkSKey swapped in create-multicast-group: every frame fails its MIC, no device gets the block', async (t) => {
  const { outcomes, heard, rejected } = await campaign((g) => ({ ...g, mcAppSKeyHex: g.mcNwkSKeyHex, mcNwkSKeyHex: g.mcAppSKeyHex }));
  t.is(heard, 0);
  t.true(rejected > 0);
  t.false(outcomes.some((o) => o === 'confirmed' || o === 'delivered'), JSON.stringify(outcomes));
});

test('a device drops a frame whose counter is outside [minMcFCount, maxMcFCount] or replayed, and one for another address', (t) => {
  const mcKey = hexToBytes('0123456789abcdef0123456789abcdef');
  const mcAddr = 0x01fffff0;
  const keys = deriveMcSessionKeys(mcKey, mcAddr);
  const spec = { mcAddr, mcAppSKeyHex: Buffer.from(keys.mcAppSKey).toString('hex'), mcNwkSKeyHex: Buffer.from(keys.mcNwkSKey).toString('hex') };
  const group: DeviceMcGroup = { mcAddr, mcKey, minMcFCount: 2, maxMcFCount: 5 };
  const openMulticastFrame = (g: DeviceMcGroup, bytes: Uint8Array) => openWith(g, bytes, readMulticastFrame(bytes)!);
  const frame = (fCnt: number) => multicastFrame(spec, fCnt, 201, Uint8Array.of(0x01, 0x01));
  t.deepEqual(openMulticastFrame(group, frame(1)), { ok: false, reason: 'fcnt' }, 'below minMcFCount');
  const opened = openMulticastFrame(group, frame(3));
  t.like(opened, { ok: true, fCnt: 3, fPort: 201 });
  t.deepEqual(opened.ok && [...opened.payload], [0x01, 0x01]);
  t.deepEqual(openMulticastFrame(group, frame(3)), { ok: false, reason: 'fcnt' }, 'replayed');
  t.deepEqual(openMulticastFrame(group, frame(6)), { ok: false, reason: 'fcnt' }, 'above maxMcFCount');
  t.deepEqual(openMulticastFrame(group, multicastFrame({ ...spec, mcAddr: mcAddr + 1 }, 4, 201, Uint8Array.of(1))), { ok: false, reason: 'not-for-group' });
  t.is(readMulticastFrame(Uint8Array.of(0x60, 1, 2)), undefined, 'not a data frame');
  t.like(openMulticastFrame(group, frame(4)), { ok: true, fCnt: 4 });
});
