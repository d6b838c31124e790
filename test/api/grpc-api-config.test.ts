import test from 'ava';
import { startConfiguredGrpcApi } from '../../src/api/grpc/grpc-api-config.js';
import { call, grpcWorld } from './grpc-world.js';

// The gRPC API as `fuota serve` starts it from the config's api section.

test('api.grpcListen unset: no gRPC API; a non-loopback address without tokens is refused; set: it serves', async (t) => {
  const w = await grpcWorld({ seed: 61 });
  t.teardown(() => w.close());
  const config = { allowAnonymous: false, bodyLimitBytes: 1024 * 1024 };
  t.is(await startConfiguredGrpcApi(config, { service: w.service }), undefined);
  await t.throwsAsync(startConfiguredGrpcApi({ ...config, grpcListen: '0.0.0.0:0' }, { service: w.service }), { code: 'API_ANONYMOUS_REFUSED', message: /^api\.grpcListen: / });
  await t.throwsAsync(startConfiguredGrpcApi({ ...config, grpcListen: 'nowhere' }, { service: w.service }), { code: 'INVALID_ARGUMENT', message: /^api\.grpcListen: expected host:port/ });
  const running = await startConfiguredGrpcApi({ ...config, grpcListen: '127.0.0.1:0' }, { service: w.service });
  t.teardown(() => running?.close());
  t.regex(running!.address, /^127\.0\.0\.1:\d+$/);
  // Anonymous on loopback: every caller is admin (as the REST API).
  await w.service.create({ spec: w.spec, packageBytes: w.block });
  const { credentials, makeGenericClientConstructor } = await import('@grpc/grpc-js');
  const { API_PROTO_PATH, serviceDefinition } = await import('../../src/api/grpc/proto-service.js');
  const Client = makeGenericClientConstructor(serviceDefinition(API_PROTO_PATH, 'fuota.api.v1.CampaignService'), 'CampaignService');
  const client = new Client(running!.address, credentials.createInsecure()) as unknown as Record<string, Function> & { close(): void };
  t.teardown(() => client.close());
  t.is((await call(client, 'PauseCampaign', { id: 'demo' }, null)).status.phase, 'PAUSED');
});
