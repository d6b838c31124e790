import fs from 'node:fs';
import test from 'ava';
import Sqlite from 'better-sqlite3';
import { SqliteTokenVerifier, storeTokenVerifiers } from '../../src/api/sqlite-token-verifier.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { SqliteTokenStore } from '../../src/store/sqlite-token-store.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../store/temp-dir.js';

// `fuota token create|list|revoke` as a user runs them, against a temporary store, and the
// service's SqliteTokenVerifier reading the same file: it accepts a created token and refuses it
// once revoked, while the verifier stays open (as in a running `fuota serve`).

test.serial('token create prints a new token once, stores only its digest; list shows names and scopes; revoke makes the verifier refuse it', async (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  const store = temp.file('fuota.sqlite');

  const created = await runCli(['token', 'create', '--name', 'ci', '--scope', 'admin', '--store', store]);
  t.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  t.regex(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.regex(created.stderr, /token ci \(scope admin\) created/);
  const reader = await runCli(['token', 'create', '--name', 'grafana', '--scope', 'read', '--store', store, '--json']);
  t.is(reader.code, 0, reader.stderr);
  const readToken = (JSON.parse(reader.stdout) as { token: string; scope: string }).token;
  t.not(readToken, token);

  // Neither token is in the file, in any form but its SHA-256.
  const bytes = fs.readFileSync(store).toString('latin1') + (fs.existsSync(`${store}-wal`) ? fs.readFileSync(`${store}-wal`).toString('latin1') : '');
  t.false(bytes.includes(token));
  t.false(bytes.includes(readToken));

  const listed = await runCli(['token', 'list', '--store', store]);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^NAME\s+SCOPE\s+CREATED\n/);
  t.regex(listed.stdout, /\nci\s+admin\s+\d{4}-\d\d-\d\dT/);
  t.regex(listed.stdout, /\ngrafana\s+read\s+/);
  t.false(listed.stdout.includes(token));
  const json = JSON.parse((await runCli(['token', 'list', '--store', store, '--json'])).stdout) as Array<Record<string, unknown>>;
  t.deepEqual(json.map((e) => [e['name'], e['scope'], Object.keys(e).sort().join(',')]), [['ci', 'admin', 'createdAtMs,name,scope'], ['grafana', 'read', 'createdAtMs,name,scope']]);

  const tokens = SqliteTokenStore.open(store);
  t.teardown(() => tokens.close());
  const verifier = new SqliteTokenVerifier(tokens);
  t.deepEqual(verifier.verify(token), { name: 'ci', scope: 'admin' });
  t.deepEqual(verifier.verify(readToken), { name: 'grafana', scope: 'read' });
  t.is(verifier.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), undefined, 'a near miss is unknown');
  t.is(verifier.verify(''), undefined);

  const revoked = await runCli(['token', 'revoke', 'ci', '--store', store]);
  t.is(revoked.code, 0, revoked.stderr);
  t.is(revoked.stdout, 'token ci revoked\n');
  t.is(verifier.verify(token), undefined, 'revoked in another process: refused at the next request');
  t.deepEqual(verifier.verify(readToken), { name: 'grafana', scope: 'read' });

  const again = await runCli(['token', 'revoke', 'ci', '--store', store]);
  t.is(again.code, 1);
  t.is(again.stderr, 'fuota: token name: expected the name of a stored token, got "ci"\n');
});

test.serial('token create refuses a name in use, a bad name and a bad scope, one line each', async (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  const store = temp.file('fuota.sqlite');
  t.is((await runCli(['token', 'create', '--name', 'ci', '--scope', 'read', '--store', store])).code, 0);
  const taken = await runCli(['token', 'create', '--name', 'ci', '--scope', 'admin', '--store', store]);
  t.is(taken.code, 1);
  t.is(taken.stdout, '', 'no token printed');
  t.is(taken.stderr, 'fuota: token name: expected a name not in use, got "ci" (revoke it first)\n');
  const badName = await runCli(['token', 'create', '--name', 'a b', '--scope', 'read', '--store', store]);
  t.is(badName.code, 1);
  t.is(badName.stderr, 'fuota: token name: expected letters, digits, . _ - (1..64), got "a b"\n');
  const badScope = await runCli(['token', 'create', '--name', 'x', '--scope', 'root', '--store', store]);
  t.not(badScope.code, 0);
  t.regex(badScope.stderr, /--scope <scope>.*root.*read, admin/s);
});

test.serial('token commands find the store through the config (store.path beside the config file) and keep a campaign store\'s data', async (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  // A service's store at the schema version before the token table (and the later ones), holding a campaign row.
  const storeFile = temp.file('state.sqlite');
  const raw = new Sqlite(storeFile);
  migrate(raw, storeFile, MIGRATIONS.slice(0, 2));
  raw.exec(`INSERT INTO campaigns (id, spec_json, block) VALUES ('kept', '{}', x'00')`);
  raw.close();
  const config = temp.file('fuota.yaml');
  fs.writeFileSync(config, 'store:\n  path: state.sqlite\nnetworkServer:\n  kind: chirpstack\n  applicationId: env:NOT_NEEDED_HERE\n');

  const created = await runCli(['token', 'create', '--name', 'ops', '--scope', 'read', '--config', config]);
  t.is(created.code, 0, created.stderr);
  t.regex(created.stderr, /state\.sqlite/);
  const db = new Sqlite(storeFile, { readonly: true });
  t.teardown(() => db.close());
  t.is(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  t.deepEqual(db.prepare(`SELECT id FROM campaigns`).pluck().all(), ['kept']);
  t.deepEqual(db.prepare(`SELECT name, scope, length(token_sha256) AS hex FROM api_tokens`).all(), [{ name: 'ops', scope: 'read', hex: 64 }]);

  const listed = await runCli(['token', 'list', '--config', config]);
  t.regex(listed.stdout, /\nops\s+read\s+/);
  const missing = await runCli(['token', 'list', '--config', temp.file('nope.yaml')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^fuota: --config .*nope\.yaml: expected a readable YAML file, got .*\n$/);
});

test.serial('storeTokenVerifiers (fuota serve): none for an in-memory or token-less store, the store verifier once it holds a token', (t) => {
  const temp = tempDir();
  t.teardown(temp.remove);
  const file = temp.file('fuota.sqlite');
  t.deepEqual(storeTokenVerifiers(':memory:').verifiers, []);
  const empty = storeTokenVerifiers(file);
  t.deepEqual(empty.verifiers, [], 'no token yet: the API may stay anonymous on loopback');
  empty.close();
  const tokens = SqliteTokenStore.open(file);
  const { token } = tokens.create('ops', 'admin');
  tokens.close();
  const found = storeTokenVerifiers(file);
  t.teardown(() => found.close());
  t.is(found.verifiers.length, 1);
  t.deepEqual(found.verifiers[0]!.verify(token), { name: 'ops', scope: 'admin' });
  t.is(found.verifiers[0]!.verify('not-a-token'), undefined);
});
