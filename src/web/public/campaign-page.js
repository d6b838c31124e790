// One campaign: live progress by stage from the event stream, outcome counts, airtime, an ETA,
// the operator's Pause / Resume / Cancel, the duty-cycle view and the device table.
import { api, subscribe } from './api.js';
import { createDeviceTable } from './device-table.js';
import { createDutyChart } from './duty-chart.js';
import { duration, el, eta, finishedCount, listOf, lower, OUTCOMES, seconds, STAGES, stageProgress, statusOf, time } from './format.js';

/** The budget's window slides even when nothing happens: read it again at least this often. */
const BUDGET_POLL_MS = 5000;
/** Campaign events can come by the hundred per second in a simulated run: one budget read per this. */
const BUDGET_MIN_GAP_MS = 1000;
/** A safety net while the stream is down. */
const STATUS_POLL_MS = 10_000;

export async function renderCampaignPage(root, id, { onError }) {
  const path = `/campaigns/${encodeURIComponent(id)}`;
  let status;
  let detail;
  const title = el('h2', { id: 'campaign-title', text: `Campaign ${id}` });
  const phase = el('span', { class: 'phase', 'data-testid': 'phase' });
  const live = el('span', { class: 'live', role: 'status', text: 'connecting…' });
  const message = el('p', { class: 'message', role: 'status' });
  const buttons = {
    pause: el('button', { type: 'button', text: 'Pause' }),
    resume: el('button', { type: 'button', text: 'Resume' }),
    cancel: el('button', { type: 'button', class: 'danger', text: 'Cancel campaign' }),
  };
  const stages = el('ol', { class: 'stages', 'aria-label': 'Stages of the current wave' }, ...STAGES.map((s) => el('li', { 'data-stage': s, text: s })));
  const waveText = el('p', { class: 'wave' });
  const progress = el('progress', { max: 100, value: 0, 'aria-labelledby': 'progress-label' });
  const finished = el('progress', { max: 1, value: 0, 'aria-labelledby': 'finished-label' });
  const facts = el('dl', { class: 'facts' });
  const outcomes = el('dl', { class: 'outcomes', 'aria-label': 'Devices by outcome' });
  const duty = createDutyChart();
  const table = createDeviceTable(id);

  root.replaceChildren(
    el('p', {}, el('a', { href: '#/', text: '← All campaigns' })),
    el('section', { class: 'campaign-head', 'aria-labelledby': 'campaign-title' }, el('div', { class: 'bar' }, title, phase, live, el('div', { class: 'controls', role: 'group', 'aria-label': 'Campaign controls' }, buttons.pause, buttons.resume, buttons.cancel)), message),
    el(
      'div',
      { class: 'cards' },
      el('section', { class: 'card', 'aria-labelledby': 'progress-title' }, el('h2', { id: 'progress-title', text: 'Progress' }), waveText, stages, el('label', { id: 'progress-label', text: 'Campaign progress (by stage)' }), progress, el('label', { id: 'finished-label', text: 'Devices finished' }), finished),
      el('section', { class: 'card', 'aria-labelledby': 'outcomes-title' }, el('h2', { id: 'outcomes-title', text: 'Outcomes' }), outcomes),
      el('section', { class: 'card', 'aria-labelledby': 'airtime-title' }, el('h2', { id: 'airtime-title', text: 'Airtime and timing' }), facts),
    ),
    duty.root,
    table.root,
  );

  const showStatus = (next) => {
    if (!next || next.id !== id) return;
    // Stream events and responses may cross: keep the newest by the campaign's clock.
    if (status && next.updatedAtMs < status.updatedAtMs) return;
    status = next;
    const p = lower(status.phase);
    phase.textContent = p;
    phase.className = `phase phase-${p}`;
    buttons.pause.disabled = p !== 'running';
    buttons.resume.disabled = p !== 'paused';
    buttons.cancel.disabled = p !== 'running' && p !== 'paused';
    const stage = lower(status.stage);
    for (const li of stages.children) {
      const current = li.dataset.stage === stage;
      li.classList.toggle('current', current);
      li.classList.toggle('past', STAGES.indexOf(li.dataset.stage) < STAGES.indexOf(stage));
      if (current) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    }
    waveText.textContent = `Wave ${status.wave + 1} of ${status.waveCount}${status.wave === 0 && status.waveCount > 1 ? ' (canary)' : ''} · stage ${stage || '–'}${status.statusRound ? ` · status round ${status.statusRound}` : ''}${status.haltReason ? ` · halted: ${status.haltReason}` : ''}`;
    progress.value = Math.round(stageProgress(status) * 100);
    finished.max = Math.max(1, status.devices);
    finished.value = finishedCount(status);
    outcomes.replaceChildren(...OUTCOMES.flatMap((k) => [el('dt', { text: k }), el('dd', { 'data-outcome': k, text: String(status.outcomes?.[k] ?? 0) })]));
    const estimate = eta(status, detail);
    const a = status.airtime ?? {};
    facts.replaceChildren(
      ...fact('Fragments sent', String(a.fragmentsSent ?? 0), 'fragments-sent'),
      ...fact('Airtime on multicast + status', seconds(a.airtimeMs)),
      ...fact('Unicast downlinks', String(a.unicastSent ?? 0)),
      ...fact('Duty-cycle overflows', String(a.gatewayOverflows ?? 0)),
      ...fact('Started', time(status.createdAtMs)),
      ...fact('Last change', `${time(status.updatedAtMs)} (${duration(status.updatedAtMs - status.createdAtMs)} in)`),
      ...fact('Estimated finish', estimate ? `${time(estimate.atMs)} (${estimate.source === 'service' ? 'from the service' : 'extrapolated from the stages done'})` : p === 'running' ? 'not yet known' : '–', 'eta'),
      ...fact('Devices', `${status.devices} (${finishedCount(status)} finished)`, 'devices'),
    );
  };

  let budgetAt = 0;
  let budgetTimer;
  const loadBudget = async () => {
    clearTimeout(budgetTimer);
    budgetTimer = undefined;
    budgetAt = Date.now();
    try {
      duty.update(await api(`${path}/budget`));
    } catch (error) {
      onError(error);
    }
  };
  const budgetSoon = () => {
    if (budgetTimer) return;
    budgetTimer = setTimeout(loadBudget, Math.max(0, BUDGET_MIN_GAP_MS - (Date.now() - budgetAt)));
  };
  const loadAll = async () => {
    try {
      const [got, devices] = await Promise.all([api(path), api(`${path}/devices`)]);
      detail = got;
      showStatus(statusOf(got));
      table.setAll(listOf(devices, 'devices'));
      onError(undefined);
    } catch (error) {
      onError(error);
    }
    await loadBudget();
  };

  const act = (verb, label) => async () => {
    if (verb === 'cancel' && !confirm(`Cancel campaign ${id}? Unfinished devices end cancelled.`)) return;
    for (const b of Object.values(buttons)) b.disabled = true;
    message.textContent = `${label}…`;
    try {
      const got = await api(`${path}/${verb}`, { method: 'POST' });
      detail = got;
      showStatus(statusOf(got));
      message.textContent = `${label}: done, the campaign is ${lower(statusOf(got)?.phase)}.`;
    } catch (error) {
      message.textContent = `${label} refused: ${error.message}`;
      showStatus(status);
    }
  };
  buttons.pause.addEventListener('click', act('pause', 'Pause'));
  buttons.resume.addEventListener('click', act('resume', 'Resume'));
  buttons.cancel.addEventListener('click', act('cancel', 'Cancel'));

  await loadAll();
  let airtimeSeen = status?.airtime?.airtimeMs;
  const stop = subscribe(
    id,
    (event) => {
      // docs/api.md: `event: campaign` carries a CampaignStatus, `event: device` a DeviceStatus.
      const data = event.data ?? {};
      if (event.type === 'device' && data.devEui) table.update(data);
      if (event.type === 'campaign') {
        showStatus(data);
        if (status?.airtime?.airtimeMs !== airtimeSeen) {
          airtimeSeen = status?.airtime?.airtimeMs;
          budgetSoon();
        }
      }
    },
    (state, error) => {
      live.textContent = state === 'live' ? '● live' : state === 'connecting' ? 'connecting…' : `offline (${error?.message ?? 'stream ended'}), retrying`;
      live.className = `live live-${state}`;
      // Catch up on what the stream missed while it was down.
      if (state === 'live') void loadAll();
    },
  );
  const budgetPoll = setInterval(loadBudget, BUDGET_POLL_MS);
  const statusPoll = setInterval(() => {
    if (!live.classList.contains('live-live')) void loadAll();
  }, STATUS_POLL_MS);
  return () => {
    stop();
    clearInterval(budgetPoll);
    clearInterval(statusPoll);
    clearTimeout(budgetTimer);
  };
}

function fact(term, value, testid) {
  return [el('dt', { text: term }), el('dd', { 'data-fact': testid, text: value })];
}
