import type { CampaignEngine } from '../campaign/engine.js';
import { campaignContext } from '../campaign/context.js';
import type { CampaignStore } from '../campaign/ports.js';
import { campaignReport } from '../campaign/report.js';
import { parseCampaignSpec, type CampaignSpec } from '../campaign/spec.js';
import type { CampaignState, DeviceOutcome, DeviceState } from '../campaign/state.js';
import { CallerError, ValueError } from '../core/errors.js';
import type { LedgerSnapshot } from '../radio/duty-cycle-ledger.js';
import { campaignStatus, deviceStatus } from '../status/status-events.js';
import { budgetView } from './campaign-budget.js';
import { dryRun } from './campaign-dry-run.js';
import { outcomeCounts, type CampaignEventHub } from './campaign-event-hub.js';
import type { Admit, BudgetView, CampaignDetail, CampaignListener, CampaignRequest, DeviceLogEntry, DeviceStatus, ListQuery, RetryOptions, ValidationResult } from './campaign-service-types.js';
import { redactSpec } from './redact-spec.js';

// The one application service over the engine and the store: every transport (REST, gRPC, the
// CLI through REST) calls these methods and nothing else, so refusals and views are the same
// everywhere. Live campaigns are read from the engine (its in-memory state is the newest);
// finished ones that are not loaded, from the store.

export interface CampaignServiceOptions {
  engine: CampaignEngine;
  store: CampaignStore;
  events: CampaignEventHub;
  admit: Admit;
  /** The engine's clock (simulated in the demo). */
  clock: { now(): number };
  /** Several instances: the instance that drives a running campaign this one has not loaded (docs/high-availability.md). */
  ownerOf?: (campaignId: string) => Promise<string | undefined>;
}

interface Loaded {
  spec: CampaignSpec;
  block: Uint8Array;
  campaign: CampaignState;
  devices: ReadonlyMap<string, DeviceState>;
  ledger?: LedgerSnapshot;
}

/** Outcomes a retry serves again: the devices that did not get the image (a `rejected` device refuses this package). */
const RETRIED_OUTCOMES: ReadonlySet<DeviceOutcome> = new Set(['failed', 'absent', 'halted', 'cancelled']);
const TERMINAL: ReadonlySet<CampaignState['phase']> = new Set(['completed', 'halted', 'cancelled']);
const DEFAULT_LOG_LIMIT = 200;
const MAX_LOG_LIMIT = 10_000;

export class CampaignService {
  private readonly blocks = new Map<string, Uint8Array>();

  constructor(private readonly options: CampaignServiceOptions) {}

  async create(request: CampaignRequest): Promise<CampaignDetail> {
    const admitted = await this.options.admit(request);
    const id = await this.options.engine.create(admitted.spec, admitted.block);
    return this.get(id);
  }

  /** A dry run of create: admission and spec checks, then what would be sent. Nothing is stored. */
  async validate(request: CampaignRequest): Promise<ValidationResult> {
    const admitted = await this.options.admit(request);
    const spec = parseCampaignSpec(admitted.spec);
    return dryRun(spec, admitted.block, this.options.clock.now());
  }

  async list(query: ListQuery = {}): Promise<CampaignDetail['status'][]> {
    const summaries = await this.options.store.list();
    const rows = [];
    for (const summary of summaries) {
      if (query.phase !== undefined && summary.phase !== query.phase && this.options.engine.view(summary.id)?.campaign.phase !== query.phase) continue;
      const loaded = await this.load(summary.id);
      if (query.phase !== undefined && loaded.campaign.phase !== query.phase) continue;
      rows.push(campaignStatus(loaded.campaign, outcomeCounts(loaded.devices.values())));
    }
    return rows.sort((a, b) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<CampaignDetail> {
    const loaded = await this.load(id);
    const report = campaignReport(loaded.campaign, loaded.devices.values());
    return {
      status: campaignStatus(loaded.campaign, { devices: report.devices, outcomes: report.outcomes }),
      spec: redactSpec(loaded.spec),
      packageBytes: loaded.block.length,
      report: { reasons: report.reasons, waves: report.waves, ignoredUplinks: report.ignoredUplinks, durationMs: report.durationMs },
      ...(loaded.campaign.nextWakeMs !== undefined && !TERMINAL.has(loaded.campaign.phase) ? { nextWakeMs: loaded.campaign.nextWakeMs } : {}),
    };
  }

  async pause(id: string): Promise<CampaignDetail> {
    const phase = (await this.live(id)).campaign.phase;
    if (phase !== 'running') throw new CallerError('CAMPAIGN_NOT_RUNNING', `campaign ${id}: expected a running campaign to pause, got phase ${phase}`);
    await this.options.engine.pause(id);
    return this.get(id);
  }

  async resume(id: string): Promise<CampaignDetail> {
    const phase = (await this.live(id)).campaign.phase;
    if (phase !== 'paused') throw new CallerError('CAMPAIGN_NOT_PAUSED', `campaign ${id}: expected a paused campaign to resume, got phase ${phase}`);
    await this.options.engine.resumePaused(id);
    return this.get(id);
  }

  /** The engine's cancel: unfinished devices end `cancelled`, scheduled reboots are cancelled, the wave is torn down. */
  async cancel(id: string): Promise<CampaignDetail> {
    const phase = (await this.live(id)).campaign.phase;
    if (TERMINAL.has(phase)) throw new CallerError('CAMPAIGN_FINISHED', `campaign ${id}: expected a running or paused campaign to cancel, got phase ${phase}`);
    await this.options.engine.cancel(id);
    return this.get(id);
  }

  /** The devices of a finished campaign that did not get the image, as a new campaign with the same package (already admitted once). */
  async retry(id: string, options: RetryOptions = {}): Promise<CampaignDetail> {
    const loaded = await this.load(id);
    if (!TERMINAL.has(loaded.campaign.phase)) throw new CallerError('CAMPAIGN_NOT_FINISHED', `campaign ${id}: expected a finished campaign to retry, got phase ${loaded.campaign.phase}`);
    const retried = new Set([...loaded.devices.values()].filter((d) => d.outcome !== undefined && RETRIED_OUTCOMES.has(d.outcome)).map((d) => d.devEui));
    if (retried.size === 0) throw new CallerError('NOTHING_TO_RETRY', `campaign ${id}: expected devices that ended failed, absent, halted or cancelled, got none`);
    const newId = options.newId ?? (await this.freeRetryId(id));
    const { select: _select, ...spec } = loaded.spec;
    // TS004 devices refuse a FragSessionSetupReq whose SessionCnt is not above the last one they
    // took (SessionCntReplay): the retry counts on from the highest the campaign used.
    const usedCnt = Math.max(spec.fragmentation.sessionCnt, ...[...loaded.devices.values()].map((d) => d.sessionCnt ?? 0));
    const fragmentation = { ...spec.fragmentation, sessionCnt: (usedCnt + 1) & 0xffff };
    const next = { ...spec, id: newId, fragmentation, devices: loaded.spec.devices.filter((d) => retried.has(d.devEui)) };
    await this.options.engine.create(next, loaded.block);
    return this.get(newId);
  }

  async devices(id: string): Promise<DeviceStatus[]> {
    const loaded = await this.load(id);
    return [...loaded.devices.values()].map((d) => deviceStatus(id, d, loaded.campaign.updatedAtMs));
  }

  async deviceLog(id: string, devEui: string, limit = DEFAULT_LOG_LIMIT): Promise<DeviceLogEntry[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LIMIT) throw new ValueError('limit', `an integer in 1..${MAX_LOG_LIMIT}`, limit);
    const loaded = await this.load(id);
    const eui = devEui.toLowerCase();
    if (!loaded.devices.has(eui)) throw new CallerError('DEVICE_NOT_FOUND', `devEui: expected a device of campaign ${id}, got ${JSON.stringify(devEui)}`);
    return this.options.store.deviceLog(id, eui, limit);
  }

  async budget(id: string): Promise<BudgetView> {
    const loaded = await this.load(id, { ledger: true });
    const ctx = campaignContext(loaded.spec, loaded.block);
    const fallback = { region: loaded.spec.multicast.region, budgetShare: loaded.spec.budgetShare, gateways: ctx.gateways, subBandId: ctx.worstCasePlan.subBand.id };
    return budgetView(id, loaded.ledger, fallback, this.options.clock.now());
  }

  /** Live campaign and device status changes; returns the unsubscribe function. */
  subscribe(listener: CampaignListener, filter: { campaignId?: string } = {}): () => void {
    return this.options.events.subscribe(listener, filter);
  }

  private async live(id: string): Promise<Loaded> {
    const loaded = await this.load(id);
    if (!this.options.engine.view(id)) {
      const owner = TERMINAL.has(loaded.campaign.phase) ? undefined : await this.options.ownerOf?.(id);
      if (owner !== undefined) throw new CallerError('CAMPAIGN_OWNED_ELSEWHERE', `campaign ${id}: expected a campaign this instance drives, got one driven by instance ${owner}; send the request to it`);
      // Stored but not loaded: finished before this process started (resumeAll loads the others).
      throw new CallerError('CAMPAIGN_FINISHED', `campaign ${id}: expected a running or paused campaign, got phase ${loaded.campaign.phase}`);
    }
    return loaded;
  }

  private async load(id: string, needs: { ledger?: boolean } = {}): Promise<Loaded> {
    const view = this.options.engine.view(id);
    // A live campaign is read from the engine; the store is read (every device row) only for
    // what the engine's view lacks: the block once (it never changes), the ledger when asked.
    const block = this.blocks.get(id);
    if (view && block && !needs.ledger) return { spec: view.spec, block, campaign: view.campaign, devices: view.devices };
    const stored = await this.options.store.load(id);
    if (!stored) throw new CallerError('CAMPAIGN_NOT_FOUND', `campaign: expected the id of a stored campaign, got ${JSON.stringify(id)}`);
    this.blocks.set(id, stored.block);
    if (view) return { spec: view.spec, block: stored.block, campaign: view.campaign, devices: view.devices, ...(stored.ledger ? { ledger: stored.ledger } : {}) };
    return { spec: parseCampaignSpec(JSON.parse(stored.specJson)), block: stored.block, campaign: stored.campaign, devices: new Map(stored.devices.map((d) => [d.devEui, d])), ...(stored.ledger ? { ledger: stored.ledger } : {}) };
  }

  private async freeRetryId(id: string): Promise<string> {
    const taken = new Set((await this.options.store.list()).map((c) => c.id));
    for (let n = 1; ; n++) {
      const candidate = `${id}-retry-${n}`.slice(-64);
      if (!taken.has(candidate)) return candidate;
    }
  }
}

/** Admission for tests and the demo: takes the bytes, or reads the path as given (no checks). */
export function passThroughAdmit(readFile: (path: string) => Promise<Uint8Array>): Admit {
  return async (request) => {
    if (request.packageBytes) return { spec: request.spec, block: request.packageBytes };
    if (request.packagePath !== undefined) return { spec: request.spec, block: await readFile(request.packagePath) };
    throw new CallerError('PACKAGE_MISSING', 'package: expected package bytes or packagePath, got neither');
  };
}
