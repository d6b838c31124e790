// campaigns.directory: operators drop a campaign file (a spec and the path of its signed
// package) and the service creates the campaign once, leaving a trace beside the file. Every
// file passes admission first (src/admission/): the same checks as REST and gRPC.
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import type { AdmissionRequest, Admitted } from '../admission/admit-campaign.js';
import type { CampaignEngine } from '../campaign/engine.js';
import type { CampaignStore } from '../campaign/ports.js';
import { parseCampaignSpec } from '../campaign/spec.js';
import { CallerError, isFuotaError } from '../core/errors.js';

/** A campaign file in campaigns.directory: a spec and the signed package it sends. */
interface CampaignFile {
  spec: Record<string, unknown>;
  /** Path of the package file, relative to campaigns.directory (or absolute inside it). */
  package: string;
}

const CAMPAIGN_FILE = /\.(json|ya?ml)$/i;
/** A file modified more recently may still be being written. */
const INTAKE_SETTLE_MS = 500;
/** Admission failed for want of an answer from the network server (grpc-errors.ts): not the file's fault. */
const TRANSIENT: ReadonlySet<string> = new Set(['CHIRPSTACK_UNAVAILABLE', 'CHIRPSTACK_DEADLINE_EXCEEDED']);

/**
 * Creates the campaigns dropped into a directory, each once: `x.json` becomes `x.json.accepted`,
 * or `x.json.rejected` with `x.json.error.txt` holding the one-line reason. `admit` checks the
 * file's spec and package and fills in what the network server and the config know (root keys,
 * defaults, the version); nothing reaches the engine unless it agreed.
 */
export class CampaignIntake {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly directory: string,
    private readonly admit: (request: AdmissionRequest) => Promise<Admitted>,
    private readonly engine: Pick<CampaignEngine, 'create'>,
    /** Where a campaign created before a kill is found again (the intake's idempotence). */
    private readonly store: Pick<CampaignStore, 'load'>,
    private readonly log: Logger,
    private readonly intervalMs: number,
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
        if (isFuotaError(error) && TRANSIENT.has(error.code)) {
          // The network server could not be asked: the file is fine as far as we know; next scan.
          this.log.warn({ file, reason }, 'campaign intake: network server unavailable, the file is tried again');
          continue;
        }
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
    const admitted = await this.admit({ spec: campaign.spec, packagePath: campaign.package });
    if (admitted.rootKeysRead > 0) this.log.info({ file, devices: admitted.rootKeysRead }, 'campaign intake: root keys read from the network server');
    if (admitted.unchecked.length > 0) this.log.info({ file, unchecked: admitted.unchecked }, 'campaign intake: admitted with checks not made');
    try {
      return await this.engine.create(admitted.spec, admitted.block);
    } catch (error) {
      if (!isFuotaError(error) || error.code !== 'CAMPAIGN_EXISTS') throw error;
      return this.alreadyCreated(admitted, error);
    }
  }

  /**
   * The campaign is stored and its file was not renamed: a kill between engine.create and the
   * rename. The very same spec and package mean this file made it: accepted, not a duplicate
   * (issue #14). Anything else under that id is a duplicate, refused as before.
   */
  private async alreadyCreated(admitted: Admitted, exists: Error): Promise<string> {
    // engine.create stores JSON.stringify(parseCampaignSpec(spec)): compare in that form.
    const spec = parseCampaignSpec(admitted.spec);
    const stored = await this.store.load(spec.id);
    if (stored === undefined) throw exists;
    if (stored.specJson !== JSON.stringify(spec) || Buffer.compare(stored.block, admitted.block) !== 0) {
      throw new CallerError('CAMPAIGN_EXISTS', `campaign ${spec.id}: expected a new campaign id or the very spec and package stored under it, got another ${stored.specJson !== JSON.stringify(spec) ? 'spec' : 'package'}`);
    }
    this.log.info({ campaignId: spec.id }, 'campaign intake: campaign already stored from this file (stopped before its rename)');
    return spec.id;
  }
}

function campaignFileOf(value: unknown, name: string): CampaignFile {
  const object = value as Partial<CampaignFile> | null;
  if (object === null || typeof object !== 'object' || typeof object.spec !== 'object' || object.spec === null || Array.isArray(object.spec)) {
    throw new CallerError('CAMPAIGN_FILE_INVALID', `campaign file ${name}: expected an object with "spec" (an object) and "package" (a path), got ${object === null || typeof object !== 'object' ? typeof object : `keys ${Object.keys(object).join(', ') || 'none'}`}`);
  }
  const unknown = Object.keys(object).filter((key) => key !== 'spec' && key !== 'package');
  if (unknown.length > 0) throw new CallerError('CAMPAIGN_FILE_INVALID', `campaign file ${name} ${unknown[0]}: expected only "spec" and "package" (unknown keys are errors), got ${JSON.stringify(unknown[0])}`);
  if (typeof object.package !== 'string' || object.package === '') {
    throw new CallerError('CAMPAIGN_FILE_INVALID', `campaign file ${name} package: expected a path to the package file, got ${JSON.stringify(object.package)}`);
  }
  return object as CampaignFile;
}
