import { STATUS_ROUND_US, type SendPlan } from './send-planner.js';
import { sessionSecondsFor } from './session-timeout.js';
import { formatMHz, formatMHzRange } from './sub-bands.js';

// Human-readable plan summary (what `fuota plan` prints) and a JSON form with times in ms.

/** 1822571520 µs → "30 min 22.572 s"; keeps three decimals of seconds, drops zero parts. */
export function formatDurationUs(us: number): string {
  const totalMs = Math.round(us / 1000);
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const seconds = (totalMs % 60_000) / 1000;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (seconds > 0 || parts.length === 0) parts.push(`${Number(seconds.toFixed(3))} s`);
  return parts.join(' ');
}

/** `1 extra fragment`, `2 extra fragments`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(4))} %`;
}

function ms(us: number): string {
  return `${us / 1000} ms`;
}

const BINDING_TEXT: Record<SendPlan['bindingConstraint'], string> = {
  'duty-cycle': 'duty cycle',
  'budget-share': 'budget share (no duty-cycle limit here: FUOTA keeps to its share of airtime)',
  'ping-slots': 'ping slots',
  'server-spacing': "the network server's own spacing of multicast frames",
  airtime: 'airtime (fragments go back to back)',
};

export function formatPlanSummary(plan: SendPlan): string {
  const lines: Array<[string, string]> = [];
  const sizeWhy =
    plan.fragmentSizeLimitedBy === 'requested'
      ? 'requested'
      : plan.fragmentSizeLimitedBy === 'dwell-time'
        ? `auto, reduced to fit the ${plan.dwellTimeLimitMs} ms dwell time`
        : `auto: max FRMPayload ${plan.maxFrmPayloadBytes} − 3-byte DataFragment header`;
  lines.push(['block', `${plan.blockBytes} bytes in ${count(plan.uncodedFragments, 'fragment')} (${count(plan.paddingBytes, 'byte')} of padding)`]);
  lines.push(['fragment size', `${plan.fragmentSizeBytes} bytes (${sizeWhy})`]);
  lines.push(['redundancy', `${count(plan.redundantFragments, 'extra fragment')} → ${count(plan.totalFragments, 'downlink')} per gateway`]);
  lines.push(['downlink', `FRMPayload ${plan.frmPayloadBytes} B, PHYPayload ${plan.phyPayloadBytes} B, time on air ${ms(plan.airtimePerFragmentUs)}`]);
  const source = plan.frequencySource === 'requested' ? 'requested' : plan.frequencySource === 'rx2-default' ? 'RX2 default' : 'ping-slot default';
  const band = plan.subBand;
  lines.push([
    'frequency',
    `${formatMHz(plan.frequencyHz)} (${source}), sub-band ${band.id} ${formatMHzRange(band.minFrequencyHz, band.maxFrequencyHz)}, duty cycle ${band.dutyCycle >= 1 ? 'none' : percent(band.dutyCycle)}`,
  ]);
  lines.push([
    'budget',
    `share ${plan.budgetShare} → FUOTA may transmit ${percent(plan.allowedFraction)} of the time (${formatDurationUs(plan.allowedFraction * 3_600_000_000)} per hour per gateway)`,
  ]);
  lines.push(['dwell time', plan.dwellTimeLimitMs === null ? 'no limit' : `${plan.dwellTimeLimitMs} ms per downlink`]);
  if (plan.deviceClass === 'B' && plan.periodicity !== null && plan.pingPeriodUs !== null) {
    lines.push(['ping slots', `periodicity ${plan.periodicity}: one every ${plan.pingPeriodUs / 1e6} s (${2 ** (7 - plan.periodicity)} per 128 s beacon period)`]);
  }
  lines.push(['gateways', `${plan.gateways.length} (${plan.gateways.map((g) => g.gatewayId).join(', ')})`]);
  lines.push(['airtime', `${formatDurationUs(plan.airtimePerGatewayUs)} per gateway`]);
  lines.push(['duration', `${formatDurationUs(plan.durationUs)} (airtime / allowed share = ${formatDurationUs(plan.minimumDurationUs)})`]);
  const waited =
    plan.bindingConstraint === 'airtime'
      ? ''
      : ` (waits: ${plan.subBand.dutyCycle >= 1 ? 'budget share' : 'duty cycle'} ${formatDurationUs(plan.waitsUs.dutyCycle)}${plan.deviceClass === 'B' ? `, ping slots ${formatDurationUs(plan.waitsUs.pingSlots)}` : ''}${plan.waitsUs.serverSpacing > 0 ? `, server spacing ${formatDurationUs(plan.waitsUs.serverSpacing)}` : ''})`;
  lines.push(['binding', `${BINDING_TEXT[plan.bindingConstraint]}${waited}`]);
  const st = plan.sessionTimeout;
  const field = plan.deviceClass === 'C' ? 'SessionTimeOut' : 'TimeOut';
  const formula = plan.deviceClass === 'C' ? `2^${st.field} s` : `128·2^${st.field} s`;
  lines.push([
    'session',
    `class ${plan.deviceClass} ${field} ${st.field} → ${formula} = ${formatDurationUs(sessionSecondsFor(plan.deviceClass, st.field) * 1e6)}${st.covers ? ' covers' : ' does NOT cover'} the sends and one status round (${STATUS_ROUND_US / 1e6} s)`,
  ]);
  for (const warning of plan.warnings) lines.push(['warning', warning]);
  const width = Math.max(...lines.map(([key]) => key.length)) + 2;
  const head = `fuota plan: ${plan.region} DR${plan.dr} (${plan.modulation}), class ${plan.deviceClass}`;
  return [head, ...lines.map(([key, value]) => `  ${key.padEnd(width)}${value}`)].join('\n') + '\n';
}

/** The plan as JSON-ready data, times in milliseconds. */
export function planToJson(plan: SendPlan): Record<string, unknown> {
  const { gateways, ...rest } = plan;
  return {
    ...rest,
    gateways: gateways.map((g) => ({
      gatewayId: g.gatewayId,
      airtimeMs: g.airtimeUs / 1000,
      endMs: g.endUs / 1000,
      waitsMs: { dutyCycle: g.waitsUs.dutyCycle / 1000, pingSlots: g.waitsUs.pingSlots / 1000, serverSpacing: g.waitsUs.serverSpacing / 1000 },
      sends: g.sends.map((s) => ({ fragmentIndex: s.fragmentIndex, startMs: s.startUs / 1000, endMs: s.endUs / 1000 })),
    })),
  };
}
