import type { DeviceLogEntry } from '../campaign/draft.js';
import type { CampaignReport } from '../campaign/report.js';
import type { CampaignPhase } from '../campaign/state.js';
import type { CampaignStatus, DeviceStatus } from '../status/status-events.js';

// What the campaign service (campaign-service.ts) takes and returns. Transports (REST, gRPC,
// the CLI) map these one to one; the shapes of statuses are those already published on MQTT
// (src/status/status-events.ts), so a dashboard reads the same objects from either.

/** A campaign to create or check: the spec (JSON) and the package, as bytes or as a path. */
export interface CampaignRequest {
  spec: unknown;
  packageBytes?: Uint8Array;
  /** A path the admission resolves (it refuses paths outside campaigns.directory). */
  packagePath?: string;
}

/**
 * Admission (src/admission/, wired in src/app/): checks the package and the spec and returns
 * the spec to create (version taken from the manifest, ...) and the block to send; throws a
 * FuotaError on refusal. Nothing is stored before it has agreed.
 */
export type Admit = (request: CampaignRequest) => Promise<{ spec: unknown; block: Uint8Array }>;

/** The spec as an operator may see it: no McKey, no device root keys. */
export type RedactedSpec = Record<string, unknown>;

export interface CampaignDetail {
  status: CampaignStatus;
  spec: RedactedSpec;
  packageBytes: number;
  /** Why devices did not confirm, most frequent first; waves; ignored uplinks. */
  report: Pick<CampaignReport, 'reasons' | 'waves' | 'ignoredUplinks' | 'durationMs'>;
  /** When the campaign's next timed step is due (absent once finished). */
  nextWakeMs?: number;
}

export interface ListQuery {
  phase?: CampaignPhase;
}

/** A dry run: what a campaign would send, to whom, and for how long. Nothing is stored. */
export interface ValidationResult {
  id: string;
  devices: { count: number; devEuis: string[]; byWave: number[]; byStack: Record<string, number> };
  package: { bytes: number };
  fragments: {
    fragmentSizeBytes: number;
    paddingBytes: number;
    /** M: uncoded fragments. */
    uncoded: number;
    /** M + initial redundancy: sent before the first status round. */
    initial: number;
    /** The most the spec allows over all rounds. */
    max: number;
    airtimePerFragmentMs: number;
  };
  multicast: { class: 'B' | 'C'; region: string; dr: number; frequencyHz: number; gateways: string[]; subBand: string; allowedFraction: number };
  /** Airtime per gateway (ms) for the initial and the most fragments. */
  airtimeMs: { initial: number; max: number };
  /** Rough bounds: likely (no retries, initial redundancy) and worst (every deadline and round used). */
  estimatedDurationMs: { likely: number; worstCase: number };
  /** What goes to each device, in order (unicast), and what goes by multicast. */
  steps: string[];
  warnings: string[];
}

export interface RetryOptions {
  /** Default `<id>-retry-<n>`, the first n not taken. */
  newId?: string;
}

export interface SubBandBudget {
  subBandId: string;
  /** The regulatory duty cycle (0.01 = 1 %). */
  dutyCycle: number;
  budgetShare: number;
  /** What FUOTA may use per window: dutyCycle · budgetShare · window. */
  allowedMs: number;
  /** FUOTA airtime in the window ending now. */
  usedMs: number;
  /** Airtime counted for traffic the gateway reported and we did not send (duty-cycle overflows). */
  otherMs: number;
  remainingMs: number;
}

export interface BudgetView {
  campaignId: string;
  atMs: number;
  windowMs: number;
  gateways: Array<{ gatewayId: string; subBands: SubBandBudget[] }>;
}

export type CampaignStreamEvent =
  | { type: 'campaign'; campaignId: string; campaign: CampaignStatus }
  | { type: 'device'; campaignId: string; device: DeviceStatus };

export type CampaignListener = (event: CampaignStreamEvent) => void;

export type { DeviceLogEntry, DeviceStatus, CampaignStatus };
