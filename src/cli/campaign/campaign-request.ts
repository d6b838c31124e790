import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { CallerError } from '../../core/errors.js';

// The body of POST /api/v1/campaigns (and /validate) from `--spec FILE` and either
// `--package FILE` (uploaded, base64) or `--package-path PATH` (inside the server's
// campaigns.directory; the server checks that).

export interface CampaignFileFlags {
  spec: string;
  package?: string;
  packagePath?: string;
}

async function read(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CallerError('FILE_UNREADABLE', `${flag} ${file}: expected a readable file, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function campaignRequest(flags: CampaignFileFlags): Promise<{ spec: unknown; package: string } | { spec: unknown; packagePath: string }> {
  if ((flags.package === undefined) === (flags.packagePath === undefined)) {
    throw new CallerError('INVALID_ARGUMENT', '--package: expected exactly one of --package FILE and --package-path PATH');
  }
  let spec: unknown;
  try {
    spec = parseYaml((await read('--spec', flags.spec)).toString('utf8'));
  } catch (error) {
    if (error instanceof CallerError) throw error;
    throw new CallerError('INVALID_CAMPAIGN_SPEC', `--spec ${flags.spec}: expected JSON or YAML, got ${(error as Error).message.split('\n')[0]}`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new CallerError('INVALID_CAMPAIGN_SPEC', `--spec ${flags.spec}: expected an object (a campaign spec), got ${Array.isArray(spec) ? 'a list' : JSON.stringify(spec)}`);
  if (flags.packagePath !== undefined) return { spec, packagePath: flags.packagePath };
  return { spec, package: (await read('--package', flags.package!)).toString('base64') };
}
