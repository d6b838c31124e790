import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startOperatorApi } from '../../src/api/operator-api.js';
import { credentials, makeGenericClientConstructor, status as grpcStatus } from '@grpc/grpc-js';
import { API_PROTO_PATH, serviceDefinition } from '../../src/api/grpc/proto-service.js';
import { call } from './grpc-world.js';
import { serviceWorld } from './service-world.js';

// The API as `fuota serve` starts it from the config's api section: tokens given as env:NAME,
// HTTPS with the configured PEM files, and a missing PEM file named.

function httpsGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS with the config\'s PEM files, a token from the environment; a missing PEM file is named', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'fuota-api-tls-'));
  const cert = join(directory, 'cert.pem');
  const key = join(directory, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const w = await serviceWorld();
  const common = { engine: w.engine, store: w.store, events: w.hub, admit: async () => ({ spec: w.spec, block: w.block }), clock: w.clock, ready: () => ({ store: true }), env: { OPS_TOKEN: 'tls-test-token' } };
  const config = { listen: '127.0.0.1:0', tokens: [{ name: 'ops', scope: 'admin' as const, token: 'env:OPS_TOKEN' }], allowAnonymous: false, bodyLimitBytes: 1 << 20 };
  const api = await startOperatorApi({ ...common, config: { ...config, tls: { certFile: cert, keyFile: key } } });
  t.teardown(async () => {
    await api.close();
    await w.close();
    await rm(directory, { recursive: true, force: true });
  });
  t.regex(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.is((await httpsGet(`${api.url}/api/v1/campaigns`, { authorization: 'Bearer tls-test-token' })).status, 200);
  t.is((await httpsGet(`${api.url}/api/v1/campaigns`, {})).status, 401);
  t.is((await httpsGet(`${api.url}/readyz`, {})).status, 200);
  await t.throwsAsync(startOperatorApi({ ...common, config: { ...config, tls: { certFile: join(directory, 'missing.pem'), keyFile: key } } }), { code: 'INVALID_CONFIG', message: /^api\.tls\.certFile: expected a readable PEM file, got ".*missing\.pem" \(ENOENT\)$/ });
});

test('api.grpcListen: the operator API also serves gRPC, with the same tokens, and close stops both', async (t) => {
  const w = await serviceWorld();
  const common = { engine: w.engine, store: w.store, events: w.hub, admit: async () => ({ spec: w.spec, block: w.block }), clock: w.clock, ready: () => ({ store: true }), env: { OPS_TOKEN: 'grpc-ops-token' } };
  const config = { listen: '127.0.0.1:0', grpcListen: '127.0.0.1:0', tokens: [{ name: 'ops', scope: 'admin' as const, token: 'env:OPS_TOKEN' }], allowAnonymous: false, bodyLimitBytes: 1 << 20 };
  const api = await startOperatorApi({ ...common, config });
  t.teardown(() => w.close());
  t.regex(api.grpcAddress ?? '', /^127\.0\.0\.1:\d+$/);
  const Campaigns = makeGenericClientConstructor(serviceDefinition(API_PROTO_PATH, 'fuota.api.v1.CampaignService'), 'CampaignService');
  const client = new Campaigns(api.grpcAddress!, credentials.createInsecure()) as unknown as Record<string, Function>;
  try {
    const listed = await call<{ campaigns: unknown[] }>(client, 'ListCampaigns', {}, 'grpc-ops-token');
    t.true(Array.isArray(listed.campaigns));
    const refused = await t.throwsAsync(call(client, 'ListCampaigns', {}, null));
    t.is((refused as unknown as { code: number }).code, grpcStatus.UNAUTHENTICATED);
  } finally {
    (client as unknown as { close(): void }).close();
  }
  await api.close();
  // Both listeners are gone: the gRPC port refuses connections.
  const after = new Campaigns(api.grpcAddress!, credentials.createInsecure()) as unknown as Record<string, Function>;
  const gone = await t.throwsAsync(call(after, 'ListCampaigns', {}, 'grpc-ops-token'));
  t.is((gone as unknown as { code: number }).code, grpcStatus.UNAVAILABLE);
  (after as unknown as { close(): void }).close();
});
