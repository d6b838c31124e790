import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { Eui64 } from '../../../src/core/eui.js';
import { FileGroupRegistry } from '../../../src/lns/group-registry.js';
import { CHIRPSTACK } from '../../../src/lns/server-label.js';
import { downlinkFailureOf, gatewayRejectionOf } from '../../../src/lns/chirpstack/chirpstack-log-events.js';
import { queueItemIdOf } from '../../../src/lns/chirpstack/chirpstack-network-server.js';
import { UnicastTracker } from '../../../src/lns/unicast-tracker.js';
import type { LogEvent } from '../../../src/lns/chirpstack/events.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// The ChirpStack adapter's pure parts: log classification, queue item ids, the txack tracker,
// the group registry file.

const DEV_EUI = '70b3d57ed0000001' as Eui64;

function log(overrides: Partial<LogEvent>): LogEvent {
  return { kind: 'log', applicationId: 'app', devEui: DEV_EUI, level: 'ERROR', code: 'UNKNOWN', description: '', context: {}, ...overrides };
}

test('log events: dropped queue items are failures; gateway refusals are rejections only (ChirpStack keeps the item queued); codec info is neither', (t) => {
  const id = '0b0e2f3c-7a1d-4b5e-9c8f-1a2b3c4d5e6f';
  t.deepEqual(downlinkFailureOf(log({ code: 'EXPIRED', description: 'expired', context: { queue_item_id: id.toUpperCase() } })), { queueItemId: id, reason: 'ChirpStack log ERROR EXPIRED: expired' });
  t.is(downlinkFailureOf(log({ code: 'DOWNLINK_GATEWAY', description: 'TOO_LATE' })), undefined);
  t.is(downlinkFailureOf(log({ code: 'UNKNOWN', description: 'DUTY_CYCLE_OVERFLOW', context: { queue_item_id: id } })), undefined);
  t.like(downlinkFailureOf(log({ code: 'DOWNLINK_PAYLOAD_SIZE', description: 'too big', context: { queue_item_id: id } })), { queueItemId: id });
  t.deepEqual(gatewayRejectionOf(log({ code: 'DOWNLINK_GATEWAY', description: 'DUTY_CYCLE_OVERFLOW', timeMs: 5 }), ['0016c001ff10b001']), {
    devEui: DEV_EUI, status: 'DUTY_CYCLE_OVERFLOW', code: 'DOWNLINK_GATEWAY', gatewayIds: ['0016c001ff10b001'], atMs: 5,
  });
  // A newer ChirpStack's code reads as UNKNOWN: the gateway status in the description still counts.
  t.like(gatewayRejectionOf(log({ code: 'UNKNOWN', description: 'DUTY_CYCLE_OVERFLOW' }), []), { status: 'DUTY_CYCLE_OVERFLOW', gatewayIds: [] });
  t.is(downlinkFailureOf(log({ level: 'INFO', code: 'UPLINK_CODEC', description: 'js error' })), undefined);
  t.is(gatewayRejectionOf(log({ code: 'EXPIRED', description: 'expired' }), []), undefined);
});

test('queue item ids: UUIDs pass through, engine ids map to a stable UUIDv5', (t) => {
  const uuid = '0B0E2F3C-7A1D-4B5E-9C8F-1A2B3C4D5E6F';
  t.is(queueItemIdOf(uuid), uuid.toLowerCase());
  t.regex(queueItemIdOf('camp-1'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(queueItemIdOf('camp-1'), queueItemIdOf('camp-1'));
  t.not(queueItemIdOf('camp-1'), queueItemIdOf('camp-2'));
});

test('txack tracker: settle clears, silence fails once after the timeout, a log failure picks the oldest of the device', async (t) => {
  const clock = new SimClock(0);
  const failed: string[] = [];
  const tracker = new UnicastTracker(clock, 1_000, (devEui, _reason, id) => failed.push(`${devEui}:${id}`), { what: 'no txack from ChirpStack', why: 'test' });
  tracker.track('a', 'd1');
  tracker.track('b', 'd1');
  tracker.track('c', 'd2');
  t.true(tracker.settle('c'));
  t.false(tracker.settle('c'));
  t.is(tracker.oldestOf('d1'), 'a');
  t.true(tracker.fail('a', 'log'));
  await clock.run({ untilMs: 5_000 });
  t.deepEqual(failed, ['d1:a', 'd1:b']);
  t.is(tracker.size, 0);
});

test('group registry file: survives a reopen; a corrupt file is a clear PeerError', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-cs-parts-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sub', 'groups.json');
  const registry = new FileGroupRegistry(file, CHIRPSTACK);
  registry.set('g1', { id: 'id-1' });
  registry.set('g2', { id: 'id-2', deleting: true });
  registry.delete('g1');
  t.deepEqual(new FileGroupRegistry(file, CHIRPSTACK).entries(), [['g2', { id: 'id-2', deleting: true }]]);
  fs.writeFileSync(file, '{"g": {"name": 1}}');
  t.throws(() => new FileGroupRegistry(file, CHIRPSTACK), { code: 'CHIRPSTACK_GROUP_REGISTRY_INVALID', message: /group "g": expected an id string/ });
  fs.writeFileSync(file, 'not json');
  t.throws(() => new FileGroupRegistry(file, CHIRPSTACK), { code: 'CHIRPSTACK_GROUP_REGISTRY_INVALID' });
});
