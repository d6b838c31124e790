import test from 'ava';
import { CampaignService, passThroughAdmit } from '../../src/api/campaign-service.js';
import { CampaignEngine } from '../../src/campaign/engine.js';
import { serviceWorld } from './service-world.js';

// The application service over a simulated fleet: what every transport shows and refuses.

test('create, get, list, devices, log and budget follow a campaign to its end; no key appears', async (t) => {
  const w = await serviceWorld({ seed: 11 });
  t.teardown(() => w.close());
  const created = await w.service.create({ spec: w.spec, packageBytes: w.block });
  t.is(created.status.id, 'demo');
  t.is(created.status.phase, 'RUNNING');
  t.is(created.packageBytes, w.block.length);
  await w.runUntil(() => w.phase() !== 'running');
  const detail = await w.service.get('demo');
  t.is(detail.status.phase, 'COMPLETED');
  t.is(detail.status.outcomes.confirmed, 8);
  t.true(detail.status.airtime.fragmentsSent > 0);
  const text = JSON.stringify([detail, await w.service.list(), await w.service.devices('demo')]);
  const spec = w.spec as { multicast: { mcKey: string }; devices: Array<{ rootKey: string }> };
  t.false(text.toLowerCase().includes(spec.multicast.mcKey.toLowerCase()), 'no McKey');
  for (const device of spec.devices) t.false(text.toLowerCase().includes(device.rootKey.toLowerCase()), 'no root key');
  t.false('mcKey' in (detail.spec.multicast as object));

  t.deepEqual((await w.service.list({ phase: 'completed' })).map((c) => c.id), ['demo']);
  t.deepEqual(await w.service.list({ phase: 'running' }), []);

  const devices = await w.service.devices('demo');
  t.is(devices.length, 8);
  t.true(devices.every((d) => d.outcome === 'CONFIRMED' && d.phase === 'DONE' && d.uplinks > 0 && d.lastAnswer !== undefined));
  // The log holds McGroupSetupReq as sent (McKey encrypted with the device's McKEKey), never the McKey.
  for (const device of devices) {
    const entries = JSON.stringify(await w.service.deviceLog('demo', device.devEui, 10_000)).toLowerCase();
    t.true(entries.includes('mcgroupsetupreq'));
    t.false(entries.includes(spec.multicast.mcKey.toLowerCase()));
  }
  const log = await w.service.deviceLog('demo', devices[0]!.devEui.toUpperCase(), 5);
  t.is(log.length, 5);
  t.true(log.every((e) => e.devEui === devices[0]!.devEui));

  const budget = await w.service.budget('demo');
  t.is(budget.windowMs, 3_600_000);
  t.true(budget.gateways.length >= 1);
  const band = budget.gateways[0]!.subBands[0]!;
  t.true(band.allowedMs > 0);
  t.is(band.remainingMs, Math.max(0, band.allowedMs - band.usedMs));
});

test('refusals: unknown campaign or device, pause of a finished campaign, retry of a running one, bad log limit', async (t) => {
  const w = await serviceWorld({ seed: 12 });
  t.teardown(() => w.close());
  await t.throwsAsync(w.service.get('nope'), { code: 'CAMPAIGN_NOT_FOUND', message: /"nope"/ });
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  await t.throwsAsync(w.service.retry('demo'), { code: 'CAMPAIGN_NOT_FINISHED' });
  await t.throwsAsync(w.service.resume('demo'), { code: 'CAMPAIGN_NOT_PAUSED' });
  await t.throwsAsync(w.service.deviceLog('demo', '0000000000000000'), { code: 'DEVICE_NOT_FOUND' });
  await t.throwsAsync(w.service.deviceLog('demo', (await w.service.devices('demo'))[0]!.devEui, 0), { code: 'VALUE_OUT_OF_RANGE', message: /^limit: / });
  await t.throwsAsync(w.service.create({ spec: w.spec, packageBytes: w.block }), { code: 'CAMPAIGN_EXISTS' });
  await t.throwsAsync(w.service.create({ spec: w.spec }), { code: 'PACKAGE_MISSING' });
  t.is((await w.service.pause('demo')).status.phase, 'PAUSED');
  await t.throwsAsync(w.service.pause('demo'), { code: 'CAMPAIGN_NOT_RUNNING' });
  t.is((await w.service.resume('demo')).status.phase, 'RUNNING');
  const cancelled = await w.service.cancel('demo');
  t.is(cancelled.status.phase, 'CANCELLED');
  t.is(cancelled.status.outcomes.cancelled, 8);
  await t.throwsAsync(w.service.cancel('demo'), { code: 'CAMPAIGN_FINISHED' });
});

test('retry serves the devices that did not get the image as a new campaign with the same package', async (t) => {
  const w = await serviceWorld({ seed: 13 });
  t.teardown(() => w.close());
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  await w.runUntil(() => (w.engine.view('demo')?.campaign.wave?.stage ?? 'setup') !== 'setup', 86_400_000);
  await w.service.cancel('demo');
  const retried = await w.service.retry('demo');
  t.is(retried.status.id, 'demo-retry-1');
  t.is(retried.status.devices, 8);
  t.is(retried.packageBytes, w.block.length);
  await w.runUntil(() => w.phase('demo-retry-1') !== 'running');
  t.is((await w.service.get('demo-retry-1')).status.outcomes.confirmed, 8);
  await t.throwsAsync(w.service.retry('demo-retry-1'), { code: 'NOTHING_TO_RETRY' });
  const again = await w.service.retry('demo', { newId: 'demo-again' });
  t.is(again.status.id, 'demo-again');
});

test('validate is a dry run: devices, fragments, airtime and duration, nothing stored', async (t) => {
  const w = await serviceWorld({ seed: 14 });
  t.teardown(() => w.close());
  const plan = await w.service.validate({ spec: w.spec, packageBytes: w.block });
  t.is(plan.devices.count, 8);
  t.deepEqual(plan.devices.byWave, [8]);
  t.is(plan.package.bytes, w.block.length);
  t.true(plan.fragments.uncoded * plan.fragments.fragmentSizeBytes >= w.block.length);
  t.true(plan.fragments.initial > plan.fragments.uncoded && plan.fragments.max >= plan.fragments.initial);
  t.true(plan.airtimeMs.initial > 0 && plan.airtimeMs.max >= plan.airtimeMs.initial);
  t.true(plan.estimatedDurationMs.likely > 0 && plan.estimatedDurationMs.worstCase > plan.estimatedDurationMs.likely);
  t.deepEqual(await w.store.list(), []);
  await t.throwsAsync(w.service.validate({ spec: { ...(w.spec as object), multicast: { dr: 99 } }, packageBytes: w.block }), { code: 'INVALID_CAMPAIGN_SPEC' });
});

test('subscribe delivers campaign and device changes, filtered by campaign, until unsubscribed', async (t) => {
  const w = await serviceWorld({ seed: 15 });
  t.teardown(() => w.close());
  const all: string[] = [];
  const other: string[] = [];
  const stop = w.service.subscribe((e) => all.push(`${e.type}:${e.type === 'campaign' ? e.campaign.phase : e.device.devEui}`));
  w.service.subscribe((e) => other.push(e.type), { campaignId: 'other' });
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  t.true(all.includes('campaign:RUNNING'));
  await w.runUntil(() => all.some((e) => e.startsWith('device:')), 86_400_000);
  t.true(all.some((e) => e.startsWith('device:')));
  stop();
  const seen = all.length;
  await w.service.cancel('demo');
  t.is(all.length, seen);
  t.deepEqual(other, []);
});

test('several instances: pause, resume and cancel of a running campaign another instance drives name that instance; reads still work', async (t) => {
  const w = await serviceWorld({ seed: 13 });
  t.teardown(() => w.close());
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  // This instance's service: same store, an engine that has not loaded the campaign (its owner is fuota-b).
  const idle = new CampaignEngine({ store: w.store, network: { sendUnicast: async () => {}, createMulticastGroup: async () => {}, sendMulticast: async () => {}, deleteMulticastGroup: async () => {} }, clock: w.clock });
  const admit = passThroughAdmit(async () => Promise.reject(new Error('no package files here')));
  const elsewhere = new CampaignService({ engine: idle, store: w.store, events: w.hub, clock: w.clock, admit, ownerOf: async (id) => (id === 'demo' ? 'fuota-b' : undefined) });
  for (const request of [() => elsewhere.pause('demo'), () => elsewhere.cancel('demo')]) {
    await t.throwsAsync(request(), { code: 'CAMPAIGN_OWNED_ELSEWHERE', message: 'campaign demo: expected a campaign this instance drives, got one driven by instance fuota-b; send the request to it' });
  }
  t.is((await elsewhere.get('demo')).status.phase, 'RUNNING', 'read from the store');
  t.is((await elsewhere.devices('demo')).length, 8);
  // Without an owner (one instance): a stored campaign that is not loaded has finished.
  const single = new CampaignService({ engine: idle, store: w.store, events: w.hub, clock: w.clock, admit });
  await t.throwsAsync(single.pause('demo'), { code: 'CAMPAIGN_FINISHED' });
});
