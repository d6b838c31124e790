import test from 'ava';
import { DigestTokenVerifier, anyOf, digestEntries, sha256Hex } from '../../src/api/token-verifier.js';
import { startRestApi } from '../../src/api/rest/rest-server.js';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { serviceWorld } from './service-world.js';

// Config tokens are kept and compared as SHA-256 digests; an anonymous API refuses to listen
// beyond loopback unless allowed.

test('digests verify the right token with its scope, nothing else', (t) => {
  const verifier = new DigestTokenVerifier([
    { name: 'ops', scope: 'admin', tokenSha256: sha256Hex('a') },
    { name: 'viewer', scope: 'read', tokenSha256: sha256Hex('b').toUpperCase() },
  ]);
  t.deepEqual(verifier.verify('a'), { name: 'ops', scope: 'admin' });
  t.deepEqual(verifier.verify('b'), { name: 'viewer', scope: 'read' });
  t.is(verifier.verify('c'), undefined);
  t.is(verifier.verify(''), undefined);
  const combined = anyOf([new DigestTokenVerifier([]), verifier]);
  t.deepEqual(combined.verify('b'), { name: 'viewer', scope: 'read' });
});

test('token: env:NAME is resolved to a digest; an unset variable is named, its value never shown', (t) => {
  const entries = digestEntries([{ name: 'ops', scope: 'admin', token: 'env:OPS_TOKEN' }, { name: 'lit', scope: 'read', token: 'already-resolved' }], { OPS_TOKEN: 's3cret' });
  t.deepEqual(entries, [
    { name: 'ops', scope: 'admin', tokenSha256: sha256Hex('s3cret') },
    { name: 'lit', scope: 'read', tokenSha256: sha256Hex('already-resolved') },
  ]);
  const error = t.throws(() => digestEntries([{ name: 'ops', scope: 'admin', token: 'env:MISSING' }], {}));
  t.is(error?.message, 'api.tokens.0.token: expected environment variable MISSING to hold the token of "ops", got it unset or empty');
});

test('without tokens the API refuses a non-loopback address unless allowAnonymous', async (t) => {
  const w = await serviceWorld();
  t.teardown(() => w.close());
  const base = { service: w.service, metrics: createMetrics(w.service), ready: () => ({}), bodyLimitBytes: 1024 };
  await t.throwsAsync(startRestApi({ ...base, listen: '0.0.0.0:0' }), { code: 'API_ANONYMOUS_REFUSED', message: /^api\.listen: expected a loopback address .* got "0\.0\.0\.0:0"$/ });
  const loopback = await startRestApi({ ...base, listen: '127.0.0.1:0' });
  t.regex(loopback.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is((await fetch(`${loopback.url}/api/v1/campaigns`)).status, 200);
  await loopback.close();
  const allowed = await startRestApi({ ...base, listen: '0.0.0.0:0', allowAnonymous: true });
  await allowed.close();
  await t.throwsAsync(startRestApi({ ...base, listen: 'nowhere' }), { code: 'INVALID_ARGUMENT', message: /^api\.listen: expected host:port/ });
});
