import type { CampaignStatus, DeviceLogEntry, DeviceStatus } from '../../campaign-service-types.js';

// Our campaign and device views as chirpstack-fuota-server's GetDeploymentStatus and
// GetDeploymentDeviceLogs answers (docs/api.md "gRPC" says where each field comes from). Pure.

/** google.protobuf.Timestamp from ms since the epoch. */
export function timestamp(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round(ms - seconds * 1000) * 1_000_000 };
}

type Step = 'mcGroupSetup' | 'mcSession' | 'fragSessionSetup' | 'fragStatus';

/** The answer that completes each step, as our device log names it. */
const ANSWERS: Record<Step, RegExp> = {
  mcGroupSetup: /\bMcGroupSetupAns\b/,
  mcSession: /\bMc(ClassC|ClassB)SessionAns\b/,
  fragSessionSetup: /\bFragSessionSetupAns\b/,
  fragStatus: /\bFragSessionStatusAns\b/,
};

/**
 * When each step completed for a device: its answer in the log (the first, which may be in the
 * summary of the entries the store's retention dropped, the log's first entry; the last status
 * answer), else the status's timestamps (setup done; fragments status, else block complete, for a
 * device that said so with FragDataBlockReceivedReq rather than a status answer).
 */
export function deviceSteps(device: DeviceStatus, log: readonly DeviceLogEntry[]): Partial<Record<Step, number>> {
  const up = log.filter((e) => e.direction === 'up');
  const summarised = log[0]?.summary?.firstAnswers ?? [];
  const first = (step: Step) => summarised.find((a) => ANSWERS[step].test(a.command))?.atMs ?? up.find((e) => ANSWERS[step].test(e.text))?.atMs;
  const last = (step: Step) => up.filter((e) => ANSWERS[step].test(e.text)).at(-1)?.atMs;
  const setupDone = device.timestamps.setupDoneAtMs;
  const steps: Partial<Record<Step, number>> = {
    mcGroupSetup: first('mcGroupSetup') ?? setupDone,
    mcSession: first('mcSession'),
    fragSessionSetup: first('fragSessionSetup') ?? setupDone,
    fragStatus: last('fragStatus') ?? device.fragmentsStatusAtMs ?? device.timestamps.completeAtMs,
  };
  return Object.fromEntries(Object.entries(steps).filter(([, v]) => v !== undefined));
}

/** A step is complete for the deployment once every device has done it or ended; then at the latest device's time. */
function deploymentStep(devices: ReadonlyArray<{ status: DeviceStatus; steps: Partial<Record<Step, number>> }>, step: Step): number | undefined {
  const times = devices.map((d) => d.steps[step]).filter((t): t is number => t !== undefined);
  if (times.length === 0 || devices.some((d) => d.steps[step] === undefined && d.status.outcome === undefined)) return undefined;
  return Math.max(...times);
}

const FIELD_OF: Record<Step, string> = {
  mcGroupSetup: 'mcGroupSetupCompletedAt',
  mcSession: 'mcSessionCompletedAt',
  fragSessionSetup: 'fragSessionSetupCompletedAt',
  fragStatus: 'fragStatusCompletedAt',
};

function stepFields(steps: Partial<Record<Step, number>>): Record<string, { seconds: number; nanos: number }> {
  return Object.fromEntries(Object.entries(steps).map(([step, ms]) => [FIELD_OF[step as Step], timestamp(ms)]));
}

/**
 * GetDeploymentStatusResponse. `logs` holds each device's log (oldest first); enqueue completed =
 * the first FragSessionStatusReq sent to a device (we ask once the last fragment went out), else
 * the first fragment-status answer or block completion of any device (an upper bound).
 */
export function deploymentStatus(campaign: CampaignStatus, devices: readonly DeviceStatus[], logs: ReadonlyMap<string, readonly DeviceLogEntry[]>): object {
  const rows = devices.map((status) => ({ status, steps: deviceSteps(status, logs.get(status.devEui) ?? []) }));
  const deployment: Partial<Record<Step, number>> = {};
  for (const step of Object.keys(FIELD_OF) as Step[]) {
    const at = deploymentStep(rows, step);
    if (at !== undefined) deployment[step] = at;
  }
  const statusRequests = [...logs.values()].flatMap((log) => log.filter((e) => e.direction === 'down' && /\bFragSessionStatusReq\b/.test(e.text)).map((e) => e.atMs));
  // Asked by multicast (no unicast request in any log): the first device's answer bounds it.
  if (statusRequests.length === 0) statusRequests.push(...rows.flatMap((r) => (r.steps.fragStatus === undefined ? [] : [r.steps.fragStatus])));
  return {
    createdAt: timestamp(campaign.createdAtMs),
    updatedAt: timestamp(campaign.updatedAtMs),
    ...stepFields(deployment),
    ...(statusRequests.length > 0 ? { enqueueCompletedAt: timestamp(Math.min(...statusRequests)) } : {}),
    deviceStatus: rows.map(({ status, steps }) => ({
      devEui: Buffer.from(status.devEui, 'hex'),
      createdAt: timestamp(campaign.createdAtMs),
      updatedAt: timestamp(status.timestamps.lastUplinkAtMs ?? status.timestamps.startedAtMs ?? campaign.createdAtMs),
      ...stepFields(steps),
    })),
  };
}

/** GetDeploymentDeviceLogsResponse: command = our log text (the command names), fields = direction, payload, text. */
export function deploymentDeviceLogs(log: readonly DeviceLogEntry[]): object {
  return {
    logs: log.map((entry) => ({
      createdAt: timestamp(entry.atMs),
      fPort: entry.fPort ?? 0,
      command: entry.direction === 'note' ? 'note' : entry.text,
      fields: {
        direction: entry.direction,
        ...(entry.payloadHex === undefined ? {} : { payload: entry.payloadHex }),
        ...(entry.direction === 'note' ? { text: entry.text } : {}),
      },
    })),
  };
}
