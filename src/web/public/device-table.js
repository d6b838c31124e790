// The per-device table: filter by text and state, sort by any column, a device's log on click.
// Stream updates replace one row's data; rendering is batched to one pass per animation frame.
import { api } from './api.js';
import { el, listOf, lower, time } from './format.js';

/** Rows drawn at most: a 100 000-device fleet must not freeze the page; the filter narrows it. */
const MAX_ROWS = 500;

const COLUMNS = [
  { key: 'devEui', label: 'DevEUI', value: (d) => d.devEui },
  { key: 'wave', label: 'Wave', value: (d) => (d.wave ?? 0) + 1, num: true },
  { key: 'state', label: 'State', value: (d) => stateOf(d) },
  { key: 'lastAnswer', label: 'Last answer', value: (d) => d.lastAnswer?.atMs ?? -1, show: (d) => (d.lastAnswer ? `${d.lastAnswer.command} · ${time(d.lastAnswer.atMs)}` : '–') },
  { key: 'fragments', label: 'Fragments rx / missing', value: (d) => d.fragmentsReceived ?? -1, show: (d) => (d.fragmentsReceived === undefined ? '–' : `${d.fragmentsReceived} / ${d.fragmentsMissing ?? 0}`), num: true },
  { key: 'uplinks', label: 'Uplinks', value: (d) => d.uplinks ?? 0, num: true },
  { key: 'pending', label: 'Waiting for', value: (d) => d.pendingRequest ?? '', show: (d) => (d.pendingRequest ? `${d.pendingRequest} (try ${d.pendingAttempts ?? 1})` : '–') },
  { key: 'error', label: 'Error', value: (d) => d.error ?? '' },
];

/** What the operator calls a device's state: its outcome once it has one, else its phase. */
export function stateOf(d) {
  return lower(d.outcome ?? d.phase);
}

export function createDeviceTable(campaignId) {
  const devices = new Map();
  let sort = { key: 'devEui', dir: 1 };
  let frame = 0;
  let knownStates = '';
  const filter = el('input', { id: 'device-filter', type: 'search', placeholder: 'DevEUI, state, error…' });
  const stateSelect = el('select', { id: 'device-state' }, el('option', { value: '', text: 'all states' }));
  const shown = el('p', { class: 'muted', role: 'status' });
  const headRow = el('tr');
  const tbody = el('tbody');
  const logPanel = el('section', { class: 'device-log', 'aria-labelledby': 'log-title', 'aria-live': 'polite' }, el('h3', { id: 'log-title', text: 'Device log' }), el('p', { class: 'muted', text: 'Choose a device to read its log.' }));
  const root = el(
    'section',
    { class: 'devices', 'aria-labelledby': 'devices-title' },
    el('h2', { id: 'devices-title', text: 'Devices' }),
    el('div', { class: 'filters' }, el('label', { for: 'device-filter', text: 'Filter' }), filter, el('label', { for: 'device-state', text: 'State' }), stateSelect, shown),
    el('div', { class: 'table-scroll' }, el('table', { class: 'device-table' }, el('thead', {}, headRow), tbody)),
    logPanel,
  );

  const draw = () => {
    frame = 0;
    headRow.replaceChildren(...COLUMNS.map(header));
    const states = [...new Set([...devices.values()].map(stateOf))].sort();
    const chosen = stateSelect.value;
    // Rebuilt only when the states present change: a list the operator has open must not flicker.
    if (states.join() !== knownStates) {
      knownStates = states.join();
      stateSelect.replaceChildren(el('option', { value: '', text: 'all states' }), ...[...new Set([...states, chosen].filter(Boolean))].sort().map((s) => el('option', { value: s, text: s, selected: s === chosen })));
    }
    const text = filter.value.trim().toLowerCase();
    const column = COLUMNS.find((c) => c.key === sort.key);
    const rows = [...devices.values()]
      .filter((d) => (!chosen || stateOf(d) === chosen) && (!text || searchText(d).includes(text)))
      .sort((a, b) => compare(column.value(a), column.value(b)) * sort.dir || a.devEui.localeCompare(b.devEui));
    tbody.replaceChildren(...rows.slice(0, MAX_ROWS).map(row));
    shown.textContent = `${Math.min(rows.length, MAX_ROWS)} of ${devices.size} devices shown${rows.length > MAX_ROWS ? ' (narrow the filter for the rest)' : ''}`;
  };
  const schedule = () => {
    frame ||= requestAnimationFrame(draw);
  };
  const header = (c) => {
    const active = sort.key === c.key;
    const button = el('button', { type: 'button', class: 'sort', text: c.label + (active ? (sort.dir > 0 ? ' ▲' : ' ▼') : '') });
    button.addEventListener('click', () => {
      sort = { key: c.key, dir: active ? -sort.dir : 1 };
      draw();
      // The header was redrawn: give the keyboard focus back to the same column's button.
      headRow.querySelector(`[data-key="${c.key}"] button`)?.focus();
    });
    return el('th', { scope: 'col', 'data-key': c.key, 'aria-sort': active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none', class: c.num ? 'num' : undefined }, button);
  };
  const row = (d) =>
    el(
      'tr',
      { 'data-dev-eui': d.devEui, class: `state-${stateOf(d)}`, onclick: () => void showLog(d.devEui) },
      ...COLUMNS.map((c, i) =>
        i === 0
          ? el('td', {}, el('button', { type: 'button', class: 'link', 'aria-label': `Show the log of ${d.devEui}`, text: d.devEui }))
          : el('td', { class: c.num ? 'num' : undefined, text: String(c.show ? c.show(d) : c.value(d) ?? '–') || '–' }),
      ),
    );
  const showLog = async (devEui) => {
    logPanel.replaceChildren(el('h3', { id: 'log-title', text: `Log of ${devEui}` }), el('p', { class: 'muted', text: 'Loading…' }));
    try {
      const entries = listOf(await api(`/campaigns/${encodeURIComponent(campaignId)}/devices/${encodeURIComponent(devEui)}/log`), 'entries');
      const list = el('ol', { class: 'log' }, ...entries.map((e) => el('li', { class: `dir-${e.direction}` }, el('time', { text: time(e.atMs) }), ` ${e.direction === 'down' ? '↓' : e.direction === 'up' ? '↑' : '•'} `, e.fPort === undefined ? '' : `port ${e.fPort} `, e.text, e.payloadHex ? el('code', { text: ` ${e.payloadHex}` }) : '')));
      logPanel.replaceChildren(el('h3', { id: 'log-title', text: `Log of ${devEui} (${entries.length} entries)` }), entries.length ? list : el('p', { class: 'muted', text: 'No entries.' }));
    } catch (error) {
      logPanel.replaceChildren(el('h3', { id: 'log-title', text: `Log of ${devEui}` }), el('p', { class: 'error', role: 'alert', text: String(error.message ?? error) }));
    }
  };
  filter.addEventListener('input', schedule);
  stateSelect.addEventListener('change', draw);

  return {
    root,
    setAll(list) {
      // A list read while stream events arrived may be older than some of them: keep the newest.
      const previous = new Map(devices);
      devices.clear();
      for (const d of list) devices.set(d.devEui, newer(previous.get(d.devEui), d));
      schedule();
    },
    update(device) {
      // A DeviceStatus is whole and unset fields are absent: replace, or a cleared field would stay.
      devices.set(device.devEui, newer(devices.get(device.devEui), device));
      schedule();
    },
  };
}

function newer(old, next) {
  return old && old.updatedAtMs > next.updatedAtMs ? old : next;
}

function searchText(d) {
  return `${d.devEui} ${stateOf(d)} ${d.error ?? ''} ${d.lastAnswer?.command ?? ''} ${d.pendingRequest ?? ''}`.toLowerCase();
}

function compare(a, b) {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}
