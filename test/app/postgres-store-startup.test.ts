import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import { checkPostgres } from '../../src/app/startup-checks.js';
import { openServiceStore } from '../../src/app/open-store.js';
import { PeerError } from '../../src/core/errors.js';
import { PostgresGroupRegistry } from '../../src/store/postgres-group-registry.js';
import { runCli } from '../helpers/run-cli.js';
import { createRecord } from '../store/fixtures.js';
import { freshSchema } from '../store/postgres-test-db.js';

// `fuota serve` with store.url: the start-up check (one line, exit 1, no password) and the
// service's store on PostgreSQL (openServiceStore: store, tokens, group registry on one pool).

test('checkPostgres: a reachable server passes; an unreachable one is one line naming store.url without its password', async (t) => {
  const db = await freshSchema();
  t.teardown(db.drop);
  await t.notThrowsAsync(checkPostgres(db.url));
  const error = await t.throwsAsync(checkPostgres('postgres://fuota:hunter2@127.0.0.1:1/fuota'), { instanceOf: PeerError });
  t.is(error?.code, 'STARTUP_STORE_UNREACHABLE');
  t.regex(error!.message, /^config store\.url postgres:\/\/fuota:\*\*\*@127\.0\.0\.1:1\/fuota: expected a reachable PostgreSQL that accepts the login and has the database, got .*ECONNREFUSED/);
  t.false(error!.message.includes('hunter2'));
  t.false(error!.message.includes('\n'));
});

test('fuota serve with an unreachable store.url exits 1 with that one line', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-pg-startup-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fuota.yaml');
  fs.writeFileSync(file, ['store:', '  url: postgres://fuota:hunter2@127.0.0.1:1/fuota', 'networkServer:', '  kind: chirpstack', '  applicationId: 6d3b2c1a-0000-4000-8000-00000000c0de', '  api:', '    token: x', ''].join('\n'));
  const result = await runCli(['serve', '--config', file]);
  t.is(result.code, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  t.is(lines.length, 1, result.stderr);
  t.regex(lines[0]!, /config store\.url postgres:\/\/fuota:\*\*\*@127\.0\.0\.1:1\/fuota: expected a reachable PostgreSQL/);
  t.false(result.stderr.includes('hunter2'));
});

test('openServiceStore on store.url: ready() migrates and loads the registry; the store, tokens and registry share one pool; close() flushes the registry', async (t) => {
  const db = await freshSchema();
  t.teardown(db.drop);
  const backend = openServiceStore({ url: db.url, schema: db.schema }, pino({ level: 'silent' }));
  await backend.ready();
  t.true(backend.groupRegistry instanceof PostgresGroupRegistry);
  t.truthy(backend.pool);
  await backend.store.create(createRecord('c1', 1));
  t.deepEqual((await backend.tokenVerifiers()).verifiers, [], 'no token yet: none');
  const registry = backend.groupRegistry as PostgresGroupRegistry;
  registry.set('c1-w0', { id: 'g' });
  await backend.close();
  t.true(backend.pool!.ended, 'the pool is ended with the store');
  t.deepEqual((await db.admin.query(`SELECT group_name FROM "${db.schema}".multicast_groups`)).rows, [{ group_name: 'c1-w0' }]);
  t.deepEqual((await db.admin.query(`SELECT id FROM "${db.schema}".campaigns`)).rows, [{ id: 'c1' }]);
});
