// The duty-cycle view: per gateway and sub-band, FUOTA's budget used / remaining over the sliding
// hour (a bar), and how the used share moved over the last hour (a line), from successive
// /budget readings. Times are the campaign's clock (atMs), so a simulated run draws correctly.
import { el, percent, seconds, time } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 360;
const H = 90;

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

export function createDutyChart() {
  const history = new Map(); // "gateway/subBand" → [{ atMs, share }]
  const body = el('div', { class: 'duty-grid' }, el('p', { class: 'muted', text: 'No budget reading yet.' }));
  const caption = el('p', { class: 'muted' });
  const root = el('section', { class: 'duty', 'aria-labelledby': 'duty-title' }, el('h2', { id: 'duty-title', text: 'Duty-cycle budget per gateway and sub-band' }), caption, body);

  return {
    root,
    update(view) {
      if (!view || !Array.isArray(view.gateways)) return;
      const windowMs = view.windowMs ?? 3_600_000;
      caption.textContent = `Sliding ${Math.round(windowMs / 60_000)} min window ending ${time(view.atMs)}; FUOTA may use its share of each sub-band's duty cycle.`;
      const cards = [];
      for (const gateway of view.gateways) {
        if (gateway.subBands.length === 0) {
          cards.push(el('figure', { class: 'duty-card', 'data-gateway': gateway.gatewayId }, el('figcaption', { text: `Gateway ${gateway.gatewayId}` }), el('p', { class: 'muted', text: 'No FUOTA airtime in the window.' })));
          continue;
        }
        for (const band of gateway.subBands) {
          const key = `${gateway.gatewayId}/${band.subBandId}`;
          const share = band.allowedMs > 0 ? band.usedMs / band.allowedMs : 0;
          const points = (history.get(key) ?? []).filter((p) => p.atMs > view.atMs - windowMs && p.atMs < view.atMs);
          points.push({ atMs: view.atMs, share });
          history.set(key, points);
          cards.push(card(gateway.gatewayId, band, share, points, view.atMs, windowMs));
        }
      }
      body.replaceChildren(...cards);
    },
  };
}

function card(gatewayId, band, share, points, atMs, windowMs) {
  const label = `Gateway ${gatewayId}, sub-band ${band.subBandId}: ${seconds(band.usedMs)} used of ${seconds(band.allowedMs)} (${percent(share)}), ${seconds(band.remainingMs)} remaining`;
  const used = Math.min(1, share);
  const other = band.allowedMs > 0 ? Math.min(1 - used, (band.otherMs ?? 0) / band.allowedMs) : 0;
  const bar = svg(
    'svg',
    { viewBox: `0 0 ${W} 14`, class: 'duty-bar', role: 'img', 'aria-label': label },
    svg('rect', { x: 0, y: 0, width: W, height: 14, class: 'remaining' }),
    svg('rect', { x: 0, y: 0, width: W * used, height: 14, class: used >= 0.9 ? 'used high' : 'used' }),
    svg('rect', { x: W * used, y: 0, width: W * other, height: 14, class: 'other' }),
  );
  const x = (t) => ((t - (atMs - windowMs)) / windowMs) * W;
  const y = (s) => H - 12 - Math.min(1.05, s) * (H - 26);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.atMs).toFixed(1)},${y(p.share).toFixed(1)}`).join(' ');
  const area = points.length ? `${line} L${x(points.at(-1).atMs).toFixed(1)},${y(0)} L${x(points[0].atMs).toFixed(1)},${y(0)} Z` : '';
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'duty-line', role: 'img', 'aria-label': `Used share of the budget over the last hour, now ${percent(share)}` },
    svg('line', { x1: 0, x2: W, y1: y(1), y2: y(1), class: 'limit' }),
    svg('text', { x: 2, y: y(1) - 3, class: 'axis' }, '100 % of budget'),
    svg('text', { x: 2, y: H - 2, class: 'axis' }, `−${Math.round(windowMs / 60_000)} min`),
    svg('text', { x: W - 2, y: H - 2, class: 'axis end' }, 'now'),
    svg('line', { x1: 0, x2: W, y1: y(0), y2: y(0), class: 'limit zero' }),
    svg('path', { d: area, class: 'area' }),
    svg('path', { d: line, class: 'trace' }),
    // A dot per reading: in a simulated run, readings are far apart on the campaign's clock.
    ...points.map((p) => svg('circle', { cx: x(p.atMs).toFixed(1), cy: y(p.share).toFixed(1), r: 2, class: 'sample' })),
  );
  return el(
    'figure',
    { class: 'duty-card', 'data-gateway': gatewayId, 'data-sub-band': band.subBandId },
    el('figcaption', {}, el('strong', { text: `Gateway ${gatewayId}` }), ` · sub-band ${band.subBandId} (${percent(band.dutyCycle)} duty cycle, FUOTA share ${percent(band.budgetShare)})`),
    bar,
    el('p', { class: 'duty-numbers' }, el('span', { class: 'used-text', text: `used ${seconds(band.usedMs)} (${percent(share)})` }), el('span', { text: `remaining ${seconds(band.remainingMs)}` }), band.otherMs ? el('span', { text: `other ${seconds(band.otherMs)}` }) : ''),
    chart,
  );
}
