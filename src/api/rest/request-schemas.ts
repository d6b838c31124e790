import { z } from 'zod';
import { CallerError } from '../../core/errors.js';

// The zod schemas of every request (body, query, path) and response. Requests are validated with
// them (`parseRequest`), and openapi.ts turns the same objects into the OpenAPI document, so the
// document cannot drift from what the server accepts.

const campaignPhase = z.enum(['running', 'paused', 'halted', 'cancelled', 'completed']);
const campaignId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected letters, digits, . _ - (1..64)');
const devEui = z.string().regex(/^[0-9a-fA-F]{16}$/, 'expected 16 hex digits');
const digits = (what: string) => z.string().regex(/^\d{1,9}$/, `expected ${what}`);

const specObject = z.record(z.string(), z.unknown()).meta({ description: 'A campaign spec (docs/campaign.md); keys and defaults as in src/campaign/spec.ts' });

export const campaignRequestBody = z
  .strictObject({
    spec: specObject,
    /** The signed package, base64. */
    package: z.base64('expected the package as base64').optional().meta({ description: 'the signed package, base64' }),
    packagePath: z.string().min(1, 'expected a path').optional().meta({ description: 'a package file inside campaigns.directory' }),
  })
  .refine((body) => (body.package === undefined) !== (body.packagePath === undefined), { message: 'expected exactly one of package (base64) and packagePath', path: ['package'] });

export const retryBody = z.strictObject({ newId: campaignId.optional() });
export const listQuery = z.strictObject({ phase: campaignPhase.optional() });
export const idParams = z.strictObject({ id: campaignId });
export const deviceParams = z.strictObject({ id: campaignId, devEui });
export const logQuery = z.strictObject({ limit: digits('a number of entries 1..10000').optional() });
export const eventsQuery = z.strictObject({
  campaign: campaignId.optional(),
  /** Close the stream after this many events (tests, scripts). */
  limit: digits('a number of events').optional(),
  /** For EventSource, which cannot send headers; prefer the Authorization header. */
  access_token: z.string().optional(),
});

const outcomeCounts = z.record(z.string(), z.number().int());
const airtime = z.object({ fragmentsSent: z.number(), airtimeMs: z.number(), unicastSent: z.number(), gatewayOverflows: z.number() });

export const campaignStatusSchema = z
  .object({
    id: z.string(),
    phase: z.enum(['RUNNING', 'PAUSED', 'HALTED', 'CANCELLED', 'COMPLETED']),
    haltReason: z.string().optional(),
    wave: z.number().int(),
    waveCount: z.number().int(),
    stage: z.enum(['SETUP', 'SESSION', 'FRAGMENTS', 'STATUS', 'UPGRADE', 'TEARDOWN', 'DONE']).optional(),
    statusRound: z.number().int().optional(),
    devices: z.number().int(),
    outcomes: outcomeCounts,
    airtime,
    createdAtMs: z.number(),
    updatedAtMs: z.number(),
  })
  .meta({ title: 'CampaignStatus' });

export const deviceStatusSchema = z
  .object({
    campaignId: z.string(),
    devEui: z.string(),
    wave: z.number().int(),
    phase: z.string(),
    outcome: z.string().optional(),
    error: z.string().optional(),
    fragmentsReceived: z.number().optional(),
    fragmentsMissing: z.number().optional(),
    clockOffsetS: z.number().optional(),
    firmwareBefore: z.number().optional(),
    firmwareAfter: z.number().optional(),
    timestamps: z.record(z.string(), z.number()),
    lastAnswer: z.object({ command: z.string(), atMs: z.number() }).optional(),
    pendingRequest: z.string().optional(),
    pendingAttempts: z.number().optional(),
    uplinks: z.number(),
    downlinks: z.number(),
    updatedAtMs: z.number(),
  })
  .meta({ title: 'DeviceStatus' });

export const campaignDetailSchema = z
  .object({
    status: campaignStatusSchema,
    spec: z.record(z.string(), z.unknown()).meta({ description: 'the spec without multicast.mcKey and devices[].rootKey' }),
    packageBytes: z.number().int(),
    report: z.object({
      reasons: z.array(z.object({ reason: z.string(), devices: z.number().int() })),
      waves: z.array(z.record(z.string(), z.number())),
      ignoredUplinks: z.record(z.string(), z.number()),
      durationMs: z.number(),
    }),
    nextWakeMs: z.number().optional(),
  })
  .meta({ title: 'CampaignDetail' });

export const validationSchema = z
  .object({
    id: z.string(),
    devices: z.object({ count: z.number().int(), devEuis: z.array(z.string()), byWave: z.array(z.number().int()), byStack: z.record(z.string(), z.number()) }),
    package: z.object({ bytes: z.number().int() }),
    fragments: z.object({ fragmentSizeBytes: z.number(), paddingBytes: z.number(), uncoded: z.number(), initial: z.number(), max: z.number(), airtimePerFragmentMs: z.number() }),
    multicast: z.object({ class: z.enum(['B', 'C']), region: z.string(), dr: z.number(), frequencyHz: z.number(), gateways: z.array(z.string()), subBand: z.string(), allowedFraction: z.number() }),
    airtimeMs: z.object({ initial: z.number(), max: z.number() }),
    estimatedDurationMs: z.object({ likely: z.number(), worstCase: z.number() }),
    steps: z.array(z.string()),
    warnings: z.array(z.string()),
  })
  .meta({ title: 'ValidationResult' });

/** On the first entry only, when the store's retention dropped older entries (src/store/device-log-retention.ts). */
const logSummarySchema = z
  .object({
    up: z.number(),
    down: z.number(),
    note: z.number(),
    fromMs: z.number(),
    toMs: z.number(),
    firstAnswers: z.array(z.object({ command: z.string(), atMs: z.number(), fPort: z.number().optional(), payloadHex: z.string().optional() })),
  })
  .meta({ title: 'DeviceLogSummary' });

export const logEntrySchema = z
  .object({
    devEui: z.string(),
    atMs: z.number(),
    direction: z.enum(['down', 'up', 'note']),
    fPort: z.number().optional(),
    payloadHex: z.string().optional(),
    text: z.string(),
    summary: logSummarySchema.optional(),
  })
  .meta({ title: 'DeviceLogEntry' });

export const budgetSchema = z
  .object({
    campaignId: z.string(),
    atMs: z.number(),
    windowMs: z.number(),
    gateways: z.array(
      z.object({
        gatewayId: z.string(),
        subBands: z.array(z.object({ subBandId: z.string(), dutyCycle: z.number(), budgetShare: z.number(), allowedMs: z.number(), usedMs: z.number(), otherMs: z.number(), remainingMs: z.number() })),
      }),
    ),
  })
  .meta({ title: 'BudgetView' });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) })
  .meta({ title: 'Error' });

/** Parses with a request schema; a failure names the field (`body.spec`, `query.phase`), what was expected and what came. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].join('.');
  let actual: unknown = value;
  for (const key of issue.path) actual = actual !== null && typeof actual === 'object' ? (actual as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  if (issue.code === 'unrecognized_keys') return fail(`${field}`, `no key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (${issue.message})`, 'an unknown key');
  return fail(field, issue.message.replace(/^expected /i, ''), describe(actual));
}

/** A request that fails its schema: `field` is the path in the request (`body.spec`). */
export class InvalidRequestError extends CallerError {
  constructor(readonly field: string, expected: string, actual: string) {
    super('INVALID_REQUEST', `${field}: expected ${expected}, got ${actual}`);
  }
}

function fail(field: string, expected: string, actual: string): never {
  throw new InvalidRequestError(field, expected, actual);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
