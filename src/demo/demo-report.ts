import type { CampaignState, DeviceState } from '../campaign/state.js';
import type { FleetMember } from '../sim/sim-fleet.js';
import type { DeviceOutcome } from '../campaign/state.js';

export interface AirtimeComparison {
  fragmentsSent: number;
  /** Σ over waves and fragmentation sessions of the N at which the last completing device completed. */
  oracleFragments: number;
  ratio: number;
}

/**
 * The least the realised losses allowed: in each wave and fragmentation session, the fragments
 * sent up to the moment the worst-served device that completed had its block.
 */
export function airtimeComparison(campaign: CampaignState, devices: ReadonlyMap<string, DeviceState>, members: readonly FleetMember[]): AirtimeComparison {
  const worst = new Map<string, number>();
  for (const member of members) {
    const state = devices.get(member.device.devEui);
    if (!state) continue;
    for (const [fragIndex, n] of member.device.completedAtN) {
      const key = `${state.wave}/${fragIndex}`;
      worst.set(key, Math.max(worst.get(key) ?? 0, n));
    }
  }
  const oracleFragments = [...worst.values()].reduce((a, b) => a + b, 0);
  const fragmentsSent = campaign.airtime.fragmentsSent;
  return { fragmentsSent, oracleFragments, ratio: oracleFragments > 0 ? fragmentsSent / oracleFragments : 0 };
}

function formatVersion(v: number | undefined): string {
  return v === undefined ? '-' : `${v >>> 24}.${(v >>> 16) & 0xff}.${v & 0xffff}`;
}

/** One row per device: what happened, what was expected. */
export function deviceTable(devices: readonly DeviceState[], expected: ReadonlyMap<string, DeviceOutcome>, kinds: ReadonlyMap<string, string>, limit: number): string {
  const header = ['DevEUI', 'kind', 'wave', 'FEC', 'outcome', 'expected', 'rx/missing', 'clock s', 'firmware', 'detail'];
  const rows = devices.slice(0, limit).map((d) => [
    d.devEui,
    kinds.get(d.devEui) ?? '',
    String(d.wave),
    d.fecScheme ?? '-',
    d.outcome ?? d.phase,
    expected.get(d.devEui) ?? '',
    d.fragments.received === undefined ? '-' : `${d.fragments.received}/${d.fragments.missing ?? '?'}`,
    d.clockOffsetS === undefined ? '-' : String(d.clockOffsetS),
    `${formatVersion(d.firmwareBefore)} → ${formatVersion(d.firmwareAfter)}`,
    d.error ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(60, r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c.slice(0, 80) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (devices.length > limit) out.push(`... ${devices.length - limit} more devices (--json for all)`);
  return out.join('\n');
}

/** One row per device stack: how its devices ended, and how many ended otherwise than expected. */
export function stackTable(devices: readonly DeviceState[], expected: ReadonlyMap<string, DeviceOutcome>, members: readonly FleetMember[]): string {
  const stackOf = new Map(members.map((m) => [m.device.devEui, m.stack]));
  const outcomes: Array<DeviceOutcome | 'open'> = ['confirmed', 'delivered', 'failed', 'rejected', 'absent', 'halted', 'cancelled', 'open'];
  const rows = new Map<string, { devices: number; counts: Map<string, number>; unexpected: number }>();
  for (const d of devices) {
    const stack = stackOf.get(d.devEui) ?? '?';
    const row = rows.get(stack) ?? { devices: 0, counts: new Map(), unexpected: 0 };
    row.devices++;
    const outcome = d.outcome ?? 'open';
    row.counts.set(outcome, (row.counts.get(outcome) ?? 0) + 1);
    if (d.outcome !== expected.get(d.devEui)) row.unexpected++;
    rows.set(stack, row);
  }
  const used = outcomes.filter((o) => [...rows.values()].some((r) => r.counts.has(o)));
  const header = ['stack', 'devices', ...used, 'unexpected'];
  const body = [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([stack, r]) => [stack, String(r.devices), ...used.map((o) => String(r.counts.get(o) ?? 0)), String(r.unexpected)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
