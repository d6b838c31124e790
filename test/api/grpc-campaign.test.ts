import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import test from 'ava';
import { ERROR_CODE_METADATA } from '../../src/api/grpc/grpc-errors.js';
import { bearer, call, grpcWorld, READ_TOKEN } from './grpc-world.js';

// fuota.api.v1.CampaignService over a real grpc-js client on a loopback port.

test('list, get, pause and resume a campaign; read RPCs with a read token', async (t) => {
  const w = await grpcWorld({ seed: 41 });
  t.teardown(() => w.close());
  await w.service.create({ spec: w.spec, packageBytes: w.block });

  const listed = await call(w.campaigns, 'ListCampaigns', {}, READ_TOKEN);
  t.deepEqual(listed.campaigns.map((c: { id: string; phase: string }) => [c.id, c.phase]), [['demo', 'RUNNING']]);
  t.is(listed.campaigns[0].devices, 4);
  t.deepEqual((await call(w.campaigns, 'ListCampaigns', { phase: 'PAUSED' }, READ_TOKEN)).campaigns, []);

  const detail = await call(w.campaigns, 'GetCampaign', { id: 'demo' }, READ_TOKEN);
  t.is(detail.status.id, 'demo');
  t.is(detail.packageBytes, w.block.length);
  const spec = JSON.parse(detail.specJson);
  t.is(spec.id, 'demo');
  t.false('mcKey' in spec.multicast, 'no McKey in the spec');

  t.is((await call(w.campaigns, 'PauseCampaign', { id: 'demo' })).status.phase, 'PAUSED');
  t.is(w.phase(), 'paused');
  t.deepEqual((await call(w.campaigns, 'ListCampaigns', { phase: 'PAUSED' }, READ_TOKEN)).campaigns.map((c: { id: string }) => c.id), ['demo']);
  t.is((await call(w.campaigns, 'ResumeCampaign', { id: 'demo' })).status.phase, 'RUNNING');
  t.is(w.phase(), 'running');

  const devices = await call(w.campaigns, 'ListDevices', { id: 'demo' }, READ_TOKEN);
  t.is(devices.devices.length, 4);
  const budget = await call(w.campaigns, 'GetBudget', { id: 'demo' }, READ_TOKEN);
  t.is(budget.campaignId, 'demo');
  t.true(budget.gateways.length >= 1);
});

test('Watch streams status changes while the simulated clock runs', async (t) => {
  const w = await grpcWorld({ seed: 42 });
  t.teardown(() => w.close());
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  const stream = w.campaigns['Watch']!({ campaignId: 'demo' }, bearer(READ_TOKEN)) as ClientReadableStream<Record<string, any>>;
  const received: Array<Record<string, any>> = [];
  const first = new Promise<Record<string, any>>((resolve, reject) => {
    stream.on('data', (event: Record<string, any>) => {
      received.push(event);
      resolve(event);
    });
    stream.on('error', (error: ServiceError) => {
      if (error.code !== status.CANCELLED) reject(error);
    });
  });
  // The server sends headers once its subscription is in place.
  await new Promise((resolve) => stream.once('metadata', resolve));
  t.is(received.length, 0, 'nothing before the clock moves');
  let local = 0;
  const unsubscribe = w.service.subscribe(() => local++, { campaignId: 'demo' });
  await w.runUntil(() => local > 0);
  unsubscribe();
  const event = await first;
  stream.cancel();
  t.is(event.campaignId, 'demo');
  t.true(event.event === 'campaign' || event.event === 'device');
  if (event.campaign) t.is(event.campaign.id, 'demo');
  if (event.device) t.regex(event.device.devEui, /^[0-9a-f]{16}$/);
});

async function refusal(t: import('ava').ExecutionContext, promise: Promise<unknown>, code: status, errorCode: string): Promise<ServiceError> {
  const error = (await t.throwsAsync(promise)) as ServiceError;
  t.is(error.code, code, error.details);
  t.deepEqual(error.metadata.get(ERROR_CODE_METADATA), [errorCode]);
  t.false(error.details.includes('\n'), 'one line');
  return error;
}

test('refusals: UNAUTHENTICATED without or with an unknown token, PERMISSION_DENIED for read scope on Pause, NOT_FOUND, FAILED_PRECONDITION', async (t) => {
  const w = await grpcWorld({ seed: 43 });
  t.teardown(() => w.close());
  await w.service.create({ spec: w.spec, packageBytes: w.block });

  await refusal(t, call(w.campaigns, 'ListCampaigns', {}, null), status.UNAUTHENTICATED, 'UNAUTHENTICATED');
  const unknown = await refusal(t, call(w.campaigns, 'GetCampaign', { id: 'demo' }, 'not-a-token'), status.UNAUTHENTICATED, 'UNAUTHENTICATED');
  t.false(unknown.details.includes('not-a-token'), 'the token is not echoed');

  const denied = await refusal(t, call(w.campaigns, 'PauseCampaign', { id: 'demo' }, READ_TOKEN), status.PERMISSION_DENIED, 'FORBIDDEN');
  t.regex(denied.details, /scope admin for PauseCampaign/);
  t.is(w.phase(), 'running', 'a refused pause changes nothing');

  const missing = await refusal(t, call(w.campaigns, 'GetCampaign', { id: 'nope' }, READ_TOKEN), status.NOT_FOUND, 'CAMPAIGN_NOT_FOUND');
  t.regex(missing.details, /"nope"/);
  await refusal(t, call(w.campaigns, 'ResumeCampaign', { id: 'demo' }), status.FAILED_PRECONDITION, 'CAMPAIGN_NOT_PAUSED');
  await refusal(t, call(w.campaigns, 'CreateCampaign', { specJson: '{not json' }), status.INVALID_ARGUMENT, 'INVALID_REQUEST');

  const watch = w.campaigns['Watch']!({ campaignId: 'demo' }, bearer(null)) as ClientReadableStream<unknown>;
  watch.on('data', () => t.fail('no event without a token'));
  const watchError = await new Promise<ServiceError>((resolve) => watch.on('error', resolve));
  t.is(watchError.code, status.UNAUTHENTICATED);
});

test('create and validate with package bytes, cancel, retry, device log over gRPC', async (t) => {
  const w = await grpcWorld({ seed: 44 });
  t.teardown(() => w.close());
  const request = { specJson: JSON.stringify(w.spec), packageBytes: Buffer.from(w.block) };
  const dryRun = JSON.parse((await call(w.campaigns, 'ValidateCampaign', request)).resultJson);
  t.is(dryRun.devices.count, 4);
  t.true(dryRun.fragments.uncoded > 0);
  t.deepEqual((await call(w.campaigns, 'ListCampaigns', {}, READ_TOKEN)).campaigns, [], 'validate stores nothing');

  const created = await call(w.campaigns, 'CreateCampaign', request);
  t.is(created.status.id, 'demo');
  t.is(created.packageBytes, w.block.length);
  t.true(created.nextWakeMs > 0);
  const cancelled = await call(w.campaigns, 'CancelCampaign', { id: 'demo' });
  t.is(cancelled.status.phase, 'CANCELLED');
  t.is(cancelled.status.outcomes.cancelled, 4);
  const retried = await call(w.campaigns, 'RetryCampaign', { id: 'demo', newId: 'demo-again' });
  t.is(retried.status.id, 'demo-again');
  t.is(retried.status.devices, 4);

  const devEui = (w.spec.devices as Array<{ devEui: string }>)[0]!.devEui;
  const log = await call(w.campaigns, 'GetDeviceLog', { campaignId: 'demo', devEui, limit: 3 }, READ_TOKEN);
  t.true(log.entries.length > 0 && log.entries.length <= 3);
  t.true(log.entries.every((e: { devEui: string }) => e.devEui === devEui));
  await refusal(t, call(w.campaigns, 'GetDeviceLog', { campaignId: 'demo', devEui: '0000000000000000' }, READ_TOKEN), status.NOT_FOUND, 'DEVICE_NOT_FOUND');
});
