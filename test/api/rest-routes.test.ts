import test from 'ava';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBody, restWorld, ADMIN_TOKEN } from './rest-world.js';

// The REST transport through fastify.inject (no sockets): status codes, error bodies naming the
// field, scopes, and the same views as the service.

test('a campaign through REST: create 201, list, get, devices, log, budget, pause, resume, cancel, retry', async (t) => {
  const w = await restWorld({ seed: 21 });
  t.teardown(() => w.close());
  const created = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: createBody(w) });
  t.is(created.statusCode, 201, created.body);
  t.is(created.json().status.id, 'demo');
  const list = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns?phase=running', headers: w.reader });
  t.is(list.statusCode, 200);
  t.deepEqual(list.json().map((c: { id: string }) => c.id), ['demo']);
  t.deepEqual((await w.app.inject({ method: 'GET', url: '/api/v1/campaigns?phase=paused', headers: w.reader })).json(), []);
  t.is((await w.app.inject({ method: 'GET', url: '/api/v1/campaigns/demo', headers: w.reader })).json().status.phase, 'RUNNING');
  const devices = (await w.app.inject({ method: 'GET', url: '/api/v1/campaigns/demo/devices', headers: w.reader })).json();
  t.is(devices.length, 8);
  const log = await w.app.inject({ method: 'GET', url: `/api/v1/campaigns/demo/devices/${devices[0].devEui}/log?limit=3`, headers: w.reader });
  t.is(log.statusCode, 200);
  t.true(log.json().length <= 3);
  const budget = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns/demo/budget', headers: w.reader });
  t.is(budget.json().windowMs, 3_600_000);
  t.is((await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/demo/pause', headers: w.admin })).json().status.phase, 'PAUSED');
  const again = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/demo/pause', headers: w.admin });
  t.is(again.statusCode, 409);
  t.is(again.json().error.code, 'CAMPAIGN_NOT_RUNNING');
  t.is((await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/demo/resume', headers: w.admin })).json().status.phase, 'RUNNING');
  t.is((await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/demo/cancel', headers: w.admin })).json().status.phase, 'CANCELLED');
  const retry = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/demo/retry', headers: w.admin, payload: { newId: 'second' } });
  t.is(retry.statusCode, 201, retry.body);
  t.is(retry.json().status.id, 'second');
  const text = JSON.stringify([created.json(), retry.json()]);
  t.false(text.includes((w.spec as { multicast: { mcKey: string } }).multicast.mcKey));
});

test('401 without or with an unknown token, 403 for a read token on POST, never echoing the token', async (t) => {
  const w = await restWorld({ seed: 22 });
  t.teardown(() => w.close());
  const none = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns' });
  t.is(none.statusCode, 401);
  t.is(none.json().error.code, 'UNAUTHENTICATED');
  const unknown = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: { authorization: 'Bearer not-a-token' } });
  t.is(unknown.statusCode, 401);
  t.false(unknown.body.includes('not-a-token'));
  t.is((await w.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  const forbidden = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.reader, payload: createBody(w) });
  t.is(forbidden.statusCode, 403);
  t.is(forbidden.json().error.code, 'FORBIDDEN');
  t.false(forbidden.body.includes('read-token'));
  t.deepEqual(await w.store.list(), []);
  t.is((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  t.is((await w.app.inject({ method: 'GET', url: '/readyz' })).json().status, 'ready');
  t.is((await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode, 200);
  t.false(JSON.stringify((await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()).includes(ADMIN_TOKEN));
});

test('404 for an unknown campaign, device or route; 400 naming the field of a bad body or query; 413 over the size limit', async (t) => {
  const w = await restWorld({ seed: 23, bodyLimitBytes: 64 * 1024 });
  t.teardown(() => w.close());
  const missing = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns/nope', headers: w.reader });
  t.is(missing.statusCode, 404);
  t.deepEqual(Object.keys(missing.json().error).sort(), ['code', 'message']);
  t.is(missing.json().error.code, 'CAMPAIGN_NOT_FOUND');
  t.is((await w.app.inject({ method: 'POST', url: '/api/v1/campaigns/nope/pause', headers: w.admin })).statusCode, 404);
  t.is((await w.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: w.reader })).statusCode, 404);

  const noPackage = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { spec: w.spec } });
  t.is(noPackage.statusCode, 400);
  t.is(noPackage.json().error.field, 'body.package');
  t.regex(noPackage.json().error.message, /^body\.package: expected exactly one of package/);
  const badBase64 = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { spec: w.spec, package: '***' } });
  t.is(badBase64.json().error.field, 'body.package');
  const unknownKey = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { ...createBody(w), rolout: 1 } });
  t.is(unknownKey.statusCode, 400);
  t.regex(unknownKey.json().error.message, /"rolout"/);
  const badSpec = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { ...createBody(w), spec: { ...(w.spec as object), multicast: { dr: 99 } } } });
  t.is(badSpec.statusCode, 400);
  t.is(badSpec.json().error.code, 'INVALID_CAMPAIGN_SPEC');
  t.regex(badSpec.json().error.field, /^spec\.multicast\./);
  const badPhase = await w.app.inject({ method: 'GET', url: '/api/v1/campaigns?phase=sleeping', headers: w.reader });
  t.is(badPhase.statusCode, 400);
  t.is(badPhase.json().error.field, 'query.phase');
  t.regex(badPhase.json().error.message, /got "sleeping"/);
  const badJson = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: { ...w.admin, 'content-type': 'application/json' }, payload: '{"spec":' });
  t.is(badJson.statusCode, 400);
  t.false(badJson.body.includes('at '), 'no stack trace');
  const tooLarge = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { spec: w.spec, package: Buffer.alloc(100 * 1024).toString('base64') } });
  t.is(tooLarge.statusCode, 413);
  t.is(tooLarge.json().error.code, 'BODY_TOO_LARGE');
  t.deepEqual(await w.store.list(), []);
});

test('the dashboard: / serves index.html, other files by name, 404 for a missing one or a path out of the directory', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'fuota-web-'));
  await writeFile(join(directory, 'index.html'), '<!doctype html><title>fuota</title>');
  await writeFile(join(directory, 'app.js'), 'console.log(1)');
  const w = await restWorld({ seed: 24, dashboardDirectory: directory });
  t.teardown(async () => {
    await w.close();
    await rm(directory, { recursive: true, force: true });
  });
  const index = await w.app.inject({ method: 'GET', url: '/' });
  t.is(index.statusCode, 200);
  t.regex(String(index.headers['content-type']), /text\/html/);
  t.regex(index.body, /<title>fuota/);
  const js = await w.app.inject({ method: 'GET', url: '/app.js' });
  t.regex(String(js.headers['content-type']), /javascript/);
  t.is((await w.app.inject({ method: 'GET', url: '/style.css' })).statusCode, 404);
  t.is((await w.app.inject({ method: 'GET', url: '/../package.json' })).statusCode, 404);
  t.is((await w.app.inject({ method: 'GET', url: '/%2e%2e/package.json' })).statusCode, 404);
});

test('a package path the admission refuses is 403 naming packagePath; nothing is stored', async (t) => {
  const w = await restWorld({ seed: 25 });
  t.teardown(() => w.close());
  const response = await w.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: w.admin, payload: { spec: w.spec, packagePath: '../etc/fuota.yaml' } });
  // service-world's admission reads no files: it refuses every path as admission does outside campaigns.directory.
  t.is(response.statusCode, 403, response.body);
  t.is(response.json().error.code, 'PACKAGE_PATH_REFUSED');
  t.is(response.json().error.field, 'packagePath');
  t.deepEqual(await w.store.list(), []);
});
