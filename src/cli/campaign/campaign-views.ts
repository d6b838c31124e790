import type { CampaignDetail, CampaignStatus, DeviceLogEntry, DeviceStatus, ValidationResult } from '../../api/campaign-service-types.js';
import { formatFirmwareVersion } from '../../manifest/firmware-version.js';
import { formatTable } from './text-table.js';

// The human forms of the API's answers for `fuota campaign` (the --json forms are the answers).
// Times are the engine's clock (simulated in the demo), shown as UTC.

const time = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;

function outcomeText(outcomes: Partial<Record<string, number>>): string {
  const parts = Object.entries(outcomes).filter((e): e is [string, number] => e[1] !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

function firmwareText(version: unknown): string {
  if (typeof version === 'number') return `, firmware ${formatFirmwareVersion(version)}`;
  return typeof version === 'string' ? `, firmware ${version}` : '';
}

function waveText(status: CampaignStatus): string {
  return `${status.wave + 1}/${status.waveCount}`;
}

export function campaignListTable(statuses: readonly CampaignStatus[]): string {
  if (statuses.length === 0) return 'no campaigns\n';
  return formatTable(
    ['ID', 'PHASE', 'WAVE', 'STAGE', 'DEVICES', 'OUTCOMES', 'FRAGMENTS', 'AIRTIME', 'UPDATED'],
    statuses.map((s) => [s.id, s.phase, waveText(s), s.stage, s.devices, outcomeText(s.outcomes), s.airtime.fragmentsSent, seconds(s.airtime.airtimeMs), time(s.updatedAtMs)]),
  );
}

export function campaignDetailText(detail: CampaignDetail): string {
  const s = detail.status;
  const spec = detail.spec as { name?: unknown; firmware?: { version?: unknown } };
  const lines = [
    `campaign     ${s.id}${typeof spec.name === 'string' ? ` (${spec.name})` : ''}`,
    `phase        ${s.phase}${s.haltReason ? ` (${s.haltReason})` : ''}`,
    `wave         ${waveText(s)}${s.stage ? ` ${s.stage}` : ''}${s.statusRound !== undefined ? `, status round ${s.statusRound}` : ''}`,
    `devices      ${s.devices}: ${outcomeText(s.outcomes)}`,
    `package      ${detail.packageBytes} bytes${firmwareText(spec.firmware?.version)}`,
    `airtime      ${s.airtime.fragmentsSent} fragments, ${s.airtime.unicastSent} unicast, ${seconds(s.airtime.airtimeMs)} on air, ${s.airtime.gatewayOverflows} gateway overflows`,
    `created      ${time(s.createdAtMs)}`,
    `updated      ${time(s.updatedAtMs)}`,
  ];
  if (detail.nextWakeMs !== undefined) lines.push(`next step    ${time(detail.nextWakeMs)}`);
  lines.push(`duration     ${hours(detail.report.durationMs)}`);
  if (detail.report.reasons.length > 0) {
    lines.push('', 'why devices did not confirm:');
    for (const r of detail.report.reasons) lines.push(`  ${r.devices}  ${r.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `--state X`: a device's outcome, its phase, or `open` (no outcome yet); any case. */
export function deviceMatches(device: DeviceStatus, state: string): boolean {
  const wanted = state.toUpperCase();
  return device.outcome === wanted || device.phase === wanted || (wanted === 'OPEN' && device.outcome === undefined);
}

export function deviceTable(devices: readonly DeviceStatus[]): string {
  if (devices.length === 0) return 'no devices\n';
  return formatTable(
    ['DEVEUI', 'WAVE', 'PHASE', 'OUTCOME', 'FRAGMENTS', 'LAST ANSWER', 'PENDING', 'UP', 'DOWN', 'ERROR'],
    devices.map((d) => [
      d.devEui,
      d.wave + 1,
      d.phase,
      d.outcome,
      d.fragmentsReceived === undefined ? undefined : `${d.fragmentsReceived}${d.fragmentsMissing === undefined ? '' : ` (-${d.fragmentsMissing})`}`,
      d.lastAnswer ? `${d.lastAnswer.command} ${time(d.lastAnswer.atMs)}` : undefined,
      d.pendingRequest === undefined ? undefined : `${d.pendingRequest}${d.pendingAttempts ? ` x${d.pendingAttempts}` : ''}`,
      d.uplinks,
      d.downlinks,
      d.error,
    ]),
  );
}

export function logTable(entries: readonly DeviceLogEntry[]): string {
  if (entries.length === 0) return 'no log entries\n';
  return formatTable(
    ['TIME', 'DIR', 'FPORT', 'PAYLOAD', 'WHAT'],
    entries.map((e) => [time(e.atMs), e.direction, e.fPort, e.payloadHex, e.text]),
  );
}

export function validationText(result: ValidationResult): string {
  const f = result.fragments;
  const m = result.multicast;
  const lines = [
    `campaign     ${result.id} (valid; nothing stored)`,
    `devices      ${result.devices.count} in ${result.devices.byWave.length} wave(s): ${result.devices.byWave.join(' + ')}`,
    `package      ${result.package.bytes} bytes`,
    `fragments    ${f.uncoded} of ${f.fragmentSizeBytes} bytes (+${f.paddingBytes} padding), ${f.initial} sent first, at most ${f.max}`,
    `multicast    class ${m.class}, ${m.region} DR${m.dr} ${(m.frequencyHz / 1e6).toFixed(3)} MHz, sub-band ${m.subBand}, gateways ${m.gateways.join(', ') || '-'}`,
    `airtime      ${seconds(result.airtimeMs.initial)} per gateway first, at most ${seconds(result.airtimeMs.max)}`,
    `duration     likely ${hours(result.estimatedDurationMs.likely)}, worst case ${hours(result.estimatedDurationMs.worstCase)}`,
  ];
  if (result.steps.length > 0) lines.push('', 'steps:', ...result.steps.map((s) => `  ${s}`));
  if (result.warnings.length > 0) lines.push('', 'warnings:', ...result.warnings.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n`;
}

/** One line per event of `fuota campaign watch`. */
export function campaignEventLine(s: CampaignStatus): string {
  return `${time(s.updatedAtMs)} campaign ${s.id} ${s.phase} wave ${waveText(s)}${s.stage ? ` ${s.stage}` : ''}: ${outcomeText(s.outcomes)}; ${s.airtime.fragmentsSent} fragments`;
}

export function deviceEventLine(d: DeviceStatus): string {
  const fragments = d.fragmentsReceived === undefined ? '' : `, ${d.fragmentsReceived} fragments`;
  const answer = d.lastAnswer ? `, last ${d.lastAnswer.command}` : '';
  return `${time(d.updatedAtMs)} device ${d.campaignId} ${d.devEui} ${d.phase}${d.outcome ? ` ${d.outcome}` : ''}${fragments}${answer}${d.error ? ` (${d.error})` : ''}`;
}
