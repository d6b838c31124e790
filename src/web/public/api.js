// The dashboard's only way to the service: the REST API under /api/v1 with the operator's bearer
// token. The live stream is read with fetch, not EventSource, because EventSource cannot send an
// Authorization header.

const TOKEN_KEY = 'fuota.apiToken';
const BASE = '/api/v1';
const RECONNECT_MS = 2000;

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(accept) {
  const result = { accept };
  const value = token();
  if (value) result.authorization = `Bearer ${value}`;
  return result;
}

export async function api(path, { method = 'GET' } = {}) {
  const response = await fetch(`${BASE}${path}`, { method, headers: headers('application/json') });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    // docs/api.md: every refusal is { error: { code, message, field? } }.
    const error = body && typeof body === 'object' ? body.error : undefined;
    const message = (error && typeof error === 'object' ? error.message : error) || response.statusText;
    throw new ApiError(response.status, `${response.status}: ${message}`, error?.code);
  }
  return body;
}

/** One SSE block ("event: x\ndata: {...}") → { type, data }; comments and empty blocks → undefined. */
export function parseSseBlock(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  try {
    return { type, data: JSON.parse(text) };
  } catch {
    return { type, data: text };
  }
}

/**
 * Follows /events?campaign=id until stopped; reconnects after a drop. `onStatus` hears
 * 'connecting' | 'live' | 'offline' (with the error), so the page can say whether it is live.
 */
export function subscribe(campaignId, onEvent, onStatus) {
  const controller = new AbortController();
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        onStatus('connecting');
        const response = await fetch(`${BASE}/events?campaign=${encodeURIComponent(campaignId)}`, { headers: headers('text/event-stream'), signal: controller.signal });
        if (!response.ok || !response.body) throw new ApiError(response.status, `${response.status}: ${response.statusText}`);
        onStatus('live');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const event = parseSseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            if (event) onEvent(event);
          }
        }
        if (!stopped) onStatus('offline', new Error('stream ended'));
      } catch (error) {
        if (stopped) return;
        onStatus('offline', error);
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  };
  void loop();
  return () => {
    stopped = true;
    controller.abort();
  };
}
