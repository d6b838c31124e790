import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { CallerError } from '../../core/errors.js';
import type { SigningKey } from '../../manifest/keys.js';
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from '../../manifest/types.js';

// `fuota keys generate`: a signing key pair for update manifests. The private key is written
// with mode 0600 and nothing is ever overwritten (an overwritten signing key would orphan every
// device that trusts the old public key). What the action needs is imported inside it:
// `fuota --help` must not load it (issue #17).

export const KEY_FILES = { privateKey: 'update-key.pem', publicKey: 'update-pub.pem', header: 'update-pubkey.h' } as const;

function generate(algorithm: SignatureAlgorithm): SigningKey {
  const { privateKey } = algorithm === 'es256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { algorithm, privateKey };
}

export function register(program: Command): void {
  const group = program.command('keys').description('signing keys for update manifests');
  group
    .command('generate')
    .description(`write ${KEY_FILES.privateKey} (0600), ${KEY_FILES.publicKey} and ${KEY_FILES.header} (public key for firmware) into DIR`)
    .requiredOption('--out <dir>', 'directory for the key files (created if missing)')
    .addOption(new Option('--alg <alg>', 'signature algorithm').choices(SIGNATURE_ALGORITHMS).default('es256'))
    .action(async (flags: { out: string; alg: SignatureAlgorithm }) => {
      const { bytesToHex } = await import('../../core/hex.js');
      const { publicKeyCHeader } = await import('../../manifest/c-header.js');
      const { sha256 } = await import('../../manifest/digest.js');
      const { privateKeyToPem, publicKeyToPem, rawPublicKey, verifyingKeyOf } = await import('../../manifest/keys.js');
      const paths = Object.values(KEY_FILES).map((name) => join(flags.out, name));
      const existing = paths.filter((path) => existsSync(path));
      if (existing.length > 0) throw new CallerError('FILE_EXISTS', `refusing to overwrite ${existing.join(', ')}`);
      mkdirSync(flags.out, { recursive: true });
      const key = generate(flags.alg);
      const publicKey = verifyingKeyOf(key);
      const [privatePath, publicPath, headerPath] = paths as [string, string, string];
      try {
        // 'wx' fails if the file appeared meanwhile; chmod because the umask only ever narrows.
        writeFileSync(privatePath, privateKeyToPem(key), { mode: 0o600, flag: 'wx' });
        chmodSync(privatePath, 0o600);
        writeFileSync(publicPath, publicKeyToPem(publicKey), { mode: 0o644, flag: 'wx' });
        writeFileSync(headerPath, publicKeyCHeader(publicKey), { mode: 0o644, flag: 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new CallerError('FILE_UNWRITABLE', `--out ${flags.out}: cannot write key files (${code})`);
      }
      const fingerprint = bytesToHex(sha256(rawPublicKey(publicKey))).slice(0, 16);
      process.stdout.write(
        `${flags.alg} key pair (public key SHA-256 ${fingerprint}...)\n` +
          `private key  ${privatePath} (mode 0600; keep it off line)\n` +
          `public key   ${publicPath}\n` +
          `C header     ${headerPath}\n`,
      );
    });
}
