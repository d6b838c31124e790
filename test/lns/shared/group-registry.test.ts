import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FileGroupRegistry, groupRegistryOf, MemoryGroupRegistry } from '../../../src/lns/group-registry.js';
import { CHIRPSTACK, THE_THINGS_STACK } from '../../../src/lns/server-label.js';

// The group registry both adapters share (src/lns/group-registry.ts): a file written by the
// ChirpStack adapter before the registry was shared still loads as it was, the TTS extras
// survive a reopen, and a wrong-typed extra is dropped rather than trusted.

function tempFile(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-registry-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'groups.json');
}

test('a ChirpStack-era file loads unchanged and is written back in the same shape', (t) => {
  const file = tempFile(t);
  // As FileGroupRegistry wrote it before it moved to src/lns (JSON.stringify(…, null, 1)).
  const old = { 'camp-w1-f0': { id: '00000000-0000-4000-8000-000000000001', maxPayloadBytes: 51 }, 'camp-w1-f1': { id: '00000000-0000-4000-8000-000000000002', deleting: true, drainDeadlineMs: 1_700_000_000_000 } };
  fs.writeFileSync(file, JSON.stringify(old, null, 1));
  const registry = new FileGroupRegistry(file, CHIRPSTACK);
  t.deepEqual(Object.fromEntries(registry.entries()), old);
  registry.set('camp-w1-f2', { id: '00000000-0000-4000-8000-000000000003' });
  registry.delete('camp-w1-f2');
  t.is(fs.readFileSync(file, 'utf8'), JSON.stringify(old, null, 1));
});

test('TTS extras survive a reopen; wrong-typed extras are dropped; entries are copies', (t) => {
  const file = tempFile(t);
  const registry = new FileGroupRegistry(file, THE_THINGS_STACK);
  const entry = { id: 'fuota-mc-camp-w1-f0', gatewayIds: ['gtw-a'], deviceClass: 'B' as const, memberDevEui: '70b3d57ed0000001', maxPayloadBytes: 115 };
  registry.set('camp-w1-f0', entry);
  t.deepEqual(new FileGroupRegistry(file, THE_THINGS_STACK).get('camp-w1-f0'), entry);
  registry.get('camp-w1-f0')!.gatewayIds!.push('mutated');
  t.deepEqual(registry.get('camp-w1-f0')!.gatewayIds, ['gtw-a']);
  fs.writeFileSync(file, JSON.stringify({ g: { id: 'x', gatewayIds: 'gtw-a', deviceClass: 'A', memberDevEui: 7, deleting: 'yes' } }));
  t.deepEqual(new FileGroupRegistry(file, THE_THINGS_STACK).get('g'), { id: 'x' });
});

test('bad files are PeerErrors with the server prefix; the option picks file, given registry or memory', (t) => {
  const file = tempFile(t);
  for (const [text, message] of [
    ['not json', /expected JSON, got unparsable text/],
    ['[1]', /expected an object of groupName → \{id\}, got an array/],
    ['{"g": {"name": 1}}', /group "g": expected an id string/],
  ] as const) {
    fs.writeFileSync(file, text);
    t.throws(() => new FileGroupRegistry(file, THE_THINGS_STACK), { code: 'TTS_GROUP_REGISTRY_INVALID', message });
    t.throws(() => new FileGroupRegistry(file, CHIRPSTACK), { code: 'CHIRPSTACK_GROUP_REGISTRY_INVALID', message: /^ChirpStack group registry / });
  }
  const given = new MemoryGroupRegistry();
  t.is(groupRegistryOf(given, CHIRPSTACK), given);
  t.true(groupRegistryOf(undefined, CHIRPSTACK) instanceof MemoryGroupRegistry);
  fs.writeFileSync(file, '{}');
  t.true(groupRegistryOf(file, CHIRPSTACK) instanceof FileGroupRegistry);
});
