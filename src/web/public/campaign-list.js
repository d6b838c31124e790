// The campaign list: one row per campaign with its phase, stage and outcome counts.
import { api } from './api.js';
import { el, finishedCount, listOf, lower, outcomeSummary, stageProgress, statusOf, time } from './format.js';

export async function renderCampaignList(root, { onError }) {
  const tbody = el('tbody');
  const table = el(
    'table',
    { class: 'campaigns', 'aria-describedby': 'campaigns-caption' },
    el('caption', { id: 'campaigns-caption', text: 'Campaigns' }),
    el('thead', {}, el('tr', {}, ...['Campaign', 'Phase', 'Wave / stage', 'Devices', 'Finished', 'Outcomes', 'Updated'].map((h) => el('th', { scope: 'col', text: h })))),
    tbody,
  );
  const refresh = el('button', { type: 'button', text: 'Refresh' });
  root.replaceChildren(el('section', { 'aria-labelledby': 'list-title' }, el('div', { class: 'bar' }, el('h2', { id: 'list-title', text: 'Campaigns' }), refresh), table));
  const load = async () => {
    try {
      const campaigns = listOf(await api('/campaigns'), 'campaigns').map(statusOf);
      tbody.replaceChildren(...(campaigns.length === 0 ? [el('tr', {}, el('td', { colspan: 7, text: 'No campaigns yet.' }))] : campaigns.map(row)));
      onError(undefined);
    } catch (error) {
      onError(error);
    }
  };
  refresh.addEventListener('click', load);
  await load();
  // The list is a page one glances at: a slow poll keeps it current without a stream per campaign.
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}

function row(c) {
  const progress = stageProgress(c);
  return el(
    'tr',
    { 'data-campaign': c.id },
    el('th', { scope: 'row' }, el('a', { href: `#/campaigns/${encodeURIComponent(c.id)}`, text: c.id })),
    el('td', {}, el('span', { class: `phase phase-${lower(c.phase)}`, text: lower(c.phase) })),
    el('td', {}, `${(c.wave ?? 0) + 1}/${c.waveCount ?? 1} · ${lower(c.stage) || '–'} `, el('progress', { max: 100, value: Math.round(progress * 100), 'aria-label': `${c.id} progress` })),
    el('td', { class: 'num', text: String(c.devices ?? 0) }),
    el('td', { class: 'num', text: String(finishedCount(c)) }),
    el('td', { text: outcomeSummary(c.outcomes) }),
    el('td', { text: time(c.updatedAtMs) }),
  );
}
