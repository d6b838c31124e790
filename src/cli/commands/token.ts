import { Command, Option } from 'commander';
import type { StoreFlags, TokenStore } from '../token/with-token-store.js';

// `fuota token create|list|revoke`: API bearer tokens kept (as SHA-256 digests) in the service's
// store (SQLite file or PostgreSQL: store.path / store.url), read by `fuota serve` at every request. The token itself is printed once, by
// create, on stdout alone (so that `TOKEN=$(fuota token create ...)` works) and never again.

function storeOptions(command: Command): Command {
  return command
    .option('--config <file>', "the service's configuration file: tokens go to its store.path or store.url (default store /var/lib/fuota/fuota.sqlite)")
    .option('--store <file>', 'the SQLite store file itself (or a postgres:// URL), instead of --config')
    .option('--json', 'machine-readable output');
}

/** Runs `action` on the token store the flags name (the stores are imported only now: `fuota --help` must not load them, issue #17). */
async function withStore<T>(flags: StoreFlags, action: (store: TokenStore) => T | Promise<T>): Promise<T> {
  const { withTokenStore } = await import('../token/with-token-store.js');
  return withTokenStore(flags, action);
}

export function register(program: Command): void {
  const group = program.command('token').description('API bearer tokens of fuota serve (stored hashed in its store)');
  storeOptions(
    group
      .command('create')
      .description('create a token and print it once (only its SHA-256 is kept)')
      .requiredOption('--name <name>', 'a unique name (letters, digits, . _ -)')
      .addOption(new Option('--scope <scope>', 'read: every GET; admin: everything').choices(['read', 'admin']).makeOptionMandatory()),
  ).action(async (flags: StoreFlags & { name: string; scope: string }) => {
    const { checkTokenScope } = await import('../../store/api-token-rules.js');
    const created = await withStore(flags, (store) => store.create(flags.name, checkTokenScope(flags.scope)));
    if (flags.json) process.stdout.write(`${JSON.stringify(created)}\n`);
    else {
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`token ${created.name} (scope ${created.scope}) created in ${flags.store}; it is shown only now\n`);
    }
  });
  storeOptions(group.command('list').description('names, scopes and creation times of the stored tokens (never the tokens)')).action(async (flags: StoreFlags) => {
    const tokens = await withStore(flags, (store) => store.list());
    if (flags.json) process.stdout.write(`${JSON.stringify(tokens)}\n`);
    else if (tokens.length === 0) process.stdout.write('no tokens\n');
    else process.stdout.write((await import('../campaign/text-table.js')).formatTable(['NAME', 'SCOPE', 'CREATED'], tokens.map((t) => [t.name, t.scope, new Date(t.createdAtMs).toISOString()])));
  });
  storeOptions(group.command('revoke').description('delete a token: it is refused from the next request on').argument('<name>', 'the token name')).action(
    async (name: string, flags: StoreFlags) => {
      await withStore(flags, (store) => store.revoke(name));
      if (flags.json) process.stdout.write(`${JSON.stringify({ revoked: name })}\n`);
      else process.stdout.write(`token ${name} revoked\n`);
    },
  );
}
