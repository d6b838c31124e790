import fs from 'node:fs';
import test from 'ava';
import { PostgresTokenVerifier, postgresTokenVerifiers } from '../../src/api/postgres-token-verifier.js';
import { CallerError, PeerError, ValueError } from '../../src/core/errors.js';
import { PostgresTokenStore } from '../../src/store/postgres-token-store.js';
import { runCli } from '../helpers/run-cli.js';
import { freshSchema, storeOptions } from './postgres-test-db.js';
import { tempDir } from './temp-dir.js';

// `fuota token` on a PostgreSQL store: the SQLite token store's behaviour (test/cli/token.test.ts),
// and the verifier of `fuota serve`, which reads the digests again every refreshMs.

test('postgres token store: create returns the token once and keeps its digest; list, revoke; names, scopes and duplicates refused alike', async (t) => {
  const db = await freshSchema();
  t.teardown(db.drop);
  const store = await PostgresTokenStore.open(storeOptions(db));
  t.teardown(() => store.close());
  const created = await store.create('ci', 'admin', 1_763_700_000_000);
  t.regex(created.token, /^[A-Za-z0-9_-]{43}$/);
  await store.create('grafana', 'read', 1_763_700_000_001);
  t.deepEqual(await store.list(), [
    { name: 'ci', scope: 'admin', createdAtMs: 1_763_700_000_000 },
    { name: 'grafana', scope: 'read', createdAtMs: 1_763_700_000_001 },
  ]);
  const rows = (await db.admin.query<{ token_sha256: string }>(`SELECT token_sha256 FROM "${db.schema}".api_tokens`)).rows;
  t.false(JSON.stringify(rows).includes(created.token), 'only the digest is stored');
  t.is((await store.digests()).length, 2);

  const taken = await t.throwsAsync(store.create('ci', 'read'), { instanceOf: CallerError });
  t.is(taken?.code, 'TOKEN_EXISTS');
  t.is(taken?.message, 'token name: expected a name not in use, got "ci" (revoke it first)');
  t.is((await t.throwsAsync(store.create('bad name', 'read'), { instanceOf: ValueError }))?.code, 'INVALID_TOKEN_NAME');
  t.is((await t.throwsAsync(store.create('x', 'write' as 'read'), { instanceOf: ValueError }))?.code, 'INVALID_TOKEN_SCOPE');

  await store.revoke('ci');
  t.deepEqual((await store.list()).map((token) => token.name), ['grafana']);
  const gone = await t.throwsAsync(store.revoke('ci'), { instanceOf: CallerError });
  t.is(gone?.code, 'TOKEN_NOT_FOUND');
  t.is(gone?.message, 'token name: expected the name of a stored token, got "ci"');
});

test('postgres token verifier: none while the store has no token; then it accepts a token and refuses it after revoke once it re-reads', async (t) => {
  const db = await freshSchema();
  t.teardown(db.drop);
  const store = await PostgresTokenStore.open(storeOptions(db));
  t.teardown(() => store.close());
  t.deepEqual((await postgresTokenVerifiers(store)).verifiers, []);
  const { token } = await store.create('ops', 'admin');
  const found = await postgresTokenVerifiers(store);
  t.teardown(() => found.close());
  t.is(found.verifiers.length, 1);
  t.deepEqual(found.verifiers[0]!.verify(token), { name: 'ops', scope: 'admin' });
  t.is(found.verifiers[0]!.verify('not-a-token'), undefined);

  // The timer re-reads by itself: polled with a generous deadline, never a fixed sleep.
  const verifier = await PostgresTokenVerifier.start(store, { refreshMs: 50 });
  t.teardown(() => verifier.close());
  await store.revoke('ops');
  const deadline = Date.now() + 60_000;
  while (verifier.verify(token) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(verifier.verify(token), undefined, 'revoked: refused after the next read');
});

test('postgres token store: an unreachable server is STORE_UNAVAILABLE without the password', async (t) => {
  const error = await t.throwsAsync(PostgresTokenStore.open({ url: 'postgresql://fuota:hunter2@127.0.0.1:1/fuota' }), { instanceOf: PeerError });
  t.is(error?.code, 'STORE_UNAVAILABLE');
  t.false(error!.message.includes('hunter2'));
  t.true(error!.message.startsWith('campaign store postgresql://fuota:***@127.0.0.1:1/fuota: open failed: '), error!.message);
});

test('fuota token create/list/revoke --config with store.url work on PostgreSQL (flags unchanged)', async (t) => {
  const db = await freshSchema();
  t.teardown(db.drop);
  const temp = tempDir();
  t.teardown(temp.remove);
  const config = temp.file('fuota.yaml');
  fs.writeFileSync(config, `store:\n  url: env:FUOTA_TEST_STORE_URL\n  schema: ${db.schema}\n`);
  process.env['FUOTA_TEST_STORE_URL'] = db.url;
  const created = await runCli(['token', 'create', '--name', 'ci', '--scope', 'read', '--config', config]);
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  t.regex(created.stderr, /^token ci \(scope read\) created in postgres/);
  const listed = await runCli(['token', 'list', '--config', config, '--json']);
  t.is(listed.code, 0, listed.stderr);
  t.deepEqual((JSON.parse(listed.stdout) as Array<{ name: string }>).map((e) => e.name), ['ci']);
  const revoked = await runCli(['token', 'revoke', 'ci', '--config', config]);
  t.is(revoked.stdout, 'token ci revoked\n');
  t.deepEqual((await db.admin.query(`SELECT name FROM "${db.schema}".api_tokens`)).rows, []);
  const both = temp.file('both.yaml');
  fs.writeFileSync(both, `store:\n  path: ./x.sqlite\n  url: postgres://db/x\n`);
  const refused = await runCli(['token', 'list', '--config', both]);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'fuota: store.url: expected either store.path (SQLite) or store.url (PostgreSQL), got both\n');
});
