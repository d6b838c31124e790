// campaigns.directory: operators drop a campaign file (a spec and the path of its signed
// package) and the service creates the campaign once, leaving a trace beside the file.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import type { CampaignEngine } from '../campaign/engine.js';
import type { FuotaConfig } from '../config/load-config.js';
import { CallerError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import { withRootKeys, type RootKeySource } from './root-key-source.js';

/** A campaign file in campaigns.directory: a spec and the signed package it sends. */
interface CampaignFile {
  spec: Record<string, unknown>;
  /** Path of the package (block) file, relative to the campaign file's directory. */
  package: string;
}

const CAMPAIGN_FILE = /\.(json|ya?ml)$/i;
/** A file modified more recently may still be being written. */
const INTAKE_SETTLE_MS = 500;

/**
 * Creates the campaigns dropped into a directory, each once: `x.json` becomes `x.json.accepted`,
 * or `x.json.rejected` with `x.json.error.txt` holding the one-line reason. With a RootKeySource,
 * devices listed without `rootKey` get it from the network server first; without one, a missing
 * rootKey fails the spec's validation.
 */
export class CampaignIntake {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly directory: string,
    private readonly defaults: IntakeDefaults,
    private readonly engine: Pick<CampaignEngine, 'create'>,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly rootKeys?: RootKeySource,
  ) {}

  start(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  private tick(): void {
    if (this.stopped) return;
    this.scanning = this.scan()
      .catch((error: unknown) => this.log.error({ err: error, directory: this.directory }, 'campaign intake: directory scan failed'))
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.intervalMs);
      });
  }

  private async scan(): Promise<void> {
    const names = (await readdir(this.directory)).filter((n) => CAMPAIGN_FILE.test(n)).sort();
    for (const name of names) {
      if (this.stopped) return;
      const file = join(this.directory, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || Date.now() - info.mtimeMs < INTAKE_SETTLE_MS) continue;
      try {
        const id = await this.create(file);
        await rename(file, `${file}.accepted`);
        this.log.info({ campaignId: id, file }, 'campaign accepted');
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
        await writeFile(`${file}.error.txt`, `${reason}\n`);
        await rename(file, `${file}.rejected`);
        this.log.warn({ file, reason }, 'campaign rejected');
      }
    }
  }

  private async create(file: string): Promise<string> {
    const text = await readFile(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new CallerError('CAMPAIGN_FILE_SYNTAX', `campaign file ${basename(file)}: expected ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}, got ${(error as Error).message}`);
    }
    const campaign = campaignFileOf(parsed, basename(file));
    const packagePath = resolve(dirname(file), campaign.package);
    let block: Uint8Array;
    try {
      block = await readFile(packagePath);
    } catch (error) {
      throw new CallerError('CAMPAIGN_PACKAGE_UNREADABLE', `campaign file ${basename(file)} package: expected a readable file ${JSON.stringify(packagePath)}, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let spec = campaign.spec;
    if (this.rootKeys) {
      const filled = await withRootKeys(spec, this.rootKeys);
      if (filled.read > 0) this.log.info({ file, devices: filled.read }, 'campaign intake: root keys read from the network server');
      spec = filled.spec;
    }
    return this.engine.create(withDefaults(spec, this.defaults), block);
  }
}

function campaignFileOf(value: unknown, name: string): CampaignFile {
  const object = value as Partial<CampaignFile> | null;
  if (object === null || typeof object !== 'object' || typeof object.spec !== 'object' || object.spec === null || Array.isArray(object.spec)) {
    throw new CallerError('CAMPAIGN_FILE_INVALID', `campaign file ${name}: expected an object with "spec" (an object) and "package" (a path), got ${object === null || typeof object !== 'object' ? typeof object : `keys ${Object.keys(object).join(', ') || 'none'}`}`);
  }
  if (typeof object.package !== 'string' || object.package === '') {
    throw new CallerError('CAMPAIGN_FILE_INVALID', `campaign file ${name} package: expected a path to the package file, got ${JSON.stringify(object.package)}`);
  }
  return object as CampaignFile;
}

/**
 * campaigns.defaults, networkServer.gateways for multicast.gateways (the ledger then budgets each
 * of them) and networkServer.multicastClassCMarginMs for multicast.classCMarginMs.
 */
export type IntakeDefaults = FuotaConfig['campaigns']['defaults'] & { gateways?: readonly string[]; classCMarginMs?: number };

/** The defaults where the spec leaves them out; a random McKey when it gives none. */
function withDefaults(spec: Record<string, unknown>, defaults: IntakeDefaults): Record<string, unknown> {
  const given = spec['multicast'];
  const multicast = given !== null && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
  if (given !== undefined && multicast !== given) return spec; // let the spec's own validation name the problem
  return {
    ...spec,
    budgetShare: spec['budgetShare'] ?? defaults.budgetShare,
    multicast: {
      ...multicast,
      region: multicast['region'] ?? defaults.region,
      dr: multicast['dr'] ?? defaults.dr,
      mcKey: multicast['mcKey'] ?? bytesToHex(randomBytes(16)),
      ...(multicast['classCMarginMs'] === undefined && defaults.classCMarginMs !== undefined ? { classCMarginMs: defaults.classCMarginMs } : {}),
      ...(multicast['gateways'] === undefined && defaults.gateways !== undefined && defaults.gateways.length > 0 ? { gateways: [...defaults.gateways] } : {}),
    },
  };
}
