// `fuota demo --network tts`: what crossed the wire to the simulated The Things Stack, as counts
// and the first lines of its traffic log (uplinks, pushes, down/sent, HTTP calls).
import type { TtsWireSummary } from '../app/wire-tts-world.js';
import type { SimTts } from '../sim/tts/sim-tts.js';

/** Lines of the traffic log printed per kind (the log keeps the last 500 entries). */
const LINES_PER_KIND = 3;
const KINDS = ['up', 'down/push', 'down/queued', 'down/sent', 'down/failed', 'http'] as const;

export function ttsTrafficReport(wire: TtsWireSummary, tts: Pick<SimTts, 'stats' | 'traffic'>): string {
  const s = tts.stats;
  const lines = [
    `wire: embedded MQTT broker ${wire.brokerUrl} (MQTT 3.1.1, QoS 0 as TTS), simulated The Things Stack HTTP API ${wire.httpUrl}/api/v3, application ${wire.applicationId}@${wire.tenantId}`,
    `  ${s.uplinksPublished} up, ${s.pushes} down/push, ${s.queued} down/queued, ${s.sent} down/sent, ${s.failed} down/failed (${s.dutyCycleRefusals} duty cycle), ${s.httpCalls} HTTP calls`,
    `  a sample of the last ${tts.traffic.length} logged:`,
    ...KINDS.flatMap((kind) => tts.traffic.filter((entry) => entry.kind === kind).slice(0, LINES_PER_KIND)).map((entry) => `    ${entry.at} ${entry.kind.padEnd(11)} ${entry.text}`),
  ];
  return `${lines.join('\n')}\n`;
}
