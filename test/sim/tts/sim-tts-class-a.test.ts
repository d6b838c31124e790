import test from 'ava';
import { APP, DEV_EUIS, devicePath, START_MS, TENANT, ttsWorld } from './sim-tts-world.js';

const DEV1 = `eui-${DEV_EUIS[0]}`;

test('every fleet uplink is published as `up` on v3/{app}@{tenant}/devices/{id}/up', async (t) => {
  const w = await ttsWorld();
  try {
    await w.step(START_MS + 61_000);
    const ups = w.topic('up');
    t.true(ups.length >= 3, `expected an uplink of every device within a minute, got ${ups.length}`);
    const up = ups.find((u) => u.topic === `v3/${APP}@${TENANT}/devices/${DEV1}/up`);
    t.truthy(up);
    t.is(w.tts.stats.uplinksPublished, ups.length);
  } finally {
    await w.close();
  }
});

test('class A push: down/queued at once, down/sent with the push correlation ids after the next uplink, then the device has it', async (t) => {
  const w = await ttsWorld();
  try {
    await w.app.publish(`v3/${APP}@${TENANT}/devices/${DEV1}/down/push`, JSON.stringify({ downlinks: [{ f_port: 200, frm_payload: Buffer.from([1, 2, 3]).toString('base64'), priority: 'NORMAL', correlation_ids: ['fuota:test-1'] }] }), { qos: 0 });
    await w.wire.drained(30_000);
    await w.step(START_MS + 1);
    const queued = w.topic('down/queued');
    t.is(queued.length, 1);
    t.deepEqual(queued[0]!.json['downlink_queued']['f_port'], 200);
    t.true((queued[0]!.json['correlation_ids'] as string[]).includes('fuota:test-1'));
    const { json } = await w.http('GET', `${devicePath('as', DEV1)}/down`);
    t.is(json.downlinks.length, 1);
    t.is(w.topic('down/sent').length, 0);
    await w.step(START_MS + 65_000);
    const sent = w.topic('down/sent');
    t.is(sent.length, 1);
    t.true((sent[0]!.json['correlation_ids'] as string[]).includes('fuota:test-1'));
    t.is(w.devices[0]!.unicasts.length, 1);
    t.deepEqual([...w.devices[0]!.unicasts[0]!.payload], [1, 2, 3]);
    const after = await w.http('GET', `${devicePath('as', DEV1)}/down`);
    // An empty queue: proto3 JSON omits the empty repeated field.
    t.deepEqual(after.json, {});
  } finally {
    await w.close();
  }
});
