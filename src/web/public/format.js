// Small pure helpers shared by the views: text formatting and tolerant reading of API bodies.

/** A list body may come bare or wrapped ({ campaigns: [...] }, { devices: [...] }, { items: [...] }). */
export function listOf(body, key) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body[key])) return body[key];
  if (body && Array.isArray(body.items)) return body.items;
  return [];
}

/** CampaignDetail carries the status under `status`; the list and the stream give it bare. */
export function statusOf(body) {
  return body && typeof body === 'object' && body.status && typeof body.status === 'object' ? body.status : body;
}

export const lower = (name) => (name ?? '').toLowerCase().replaceAll('_', '-');

export function time(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function duration(ms) {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function seconds(ms) {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–';
}

export function percent(share) {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : '–';
}

export const OUTCOMES = ['confirmed', 'delivered', 'failed', 'absent', 'rejected', 'halted', 'cancelled', 'open'];
export const STAGES = ['setup', 'session', 'fragments', 'status', 'upgrade', 'teardown', 'done'];

/** Outcomes with a count, in a fixed order: "confirmed 12 · failed 1 · open 7". */
export function outcomeSummary(outcomes = {}) {
  return OUTCOMES.filter((k) => outcomes[k] || outcomes[k.toUpperCase()]).map((k) => `${k} ${outcomes[k] ?? outcomes[k.toUpperCase()]}`).join(' · ') || '–';
}

export function finishedCount(status) {
  const outcomes = status?.outcomes ?? {};
  return Object.entries(outcomes).filter(([k]) => lower(k) !== 'open').reduce((sum, [, n]) => sum + (n ?? 0), 0);
}

/**
 * Share of the campaign's way done, by wave and stage (devices finish in bursts at the end of a
 * wave, so their count alone says little early on).
 */
export function stageProgress(status) {
  if (!status) return 0;
  const phase = lower(status.phase);
  if (phase === 'completed' || phase === 'halted' || phase === 'cancelled') return 1;
  const waves = Math.max(1, status.waveCount ?? 1);
  const stage = Math.max(0, STAGES.indexOf(lower(status.stage)));
  return Math.min(1, ((status.wave ?? 0) + stage / STAGES.length) / waves);
}

/** Estimated finish: the API's, when it gives one, else extrapolated from the progress so far. */
export function eta(status, detail) {
  const given = detail?.etaMs ?? detail?.estimatedEndMs ?? status?.etaMs ?? status?.estimatedEndMs;
  if (Number.isFinite(given)) return { atMs: given, source: 'service' };
  const progress = stageProgress(status);
  if (!status || progress <= 0 || progress >= 1 || lower(status.phase) !== 'running') return undefined;
  const elapsed = status.updatedAtMs - status.createdAtMs;
  if (!(elapsed > 0)) return undefined;
  return { atMs: status.createdAtMs + elapsed / progress, source: 'extrapolated' };
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}
