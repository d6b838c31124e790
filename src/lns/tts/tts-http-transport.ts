import { CallerError } from '../../core/errors.js';
import { ttsHttpError, ttsResponseError, ttsUnreachableError } from './tts-http-error.js';

// One HTTP call to The Things Stack's API: base URL + /api/v3, `Authorization: Bearer <API key>`,
// JSON in and out, a timeout, and every failure as a TtsApiError (tts-http-error.ts).

export interface TtsHttpTransportOptions {
  /** e.g. https://eu1.cloud.thethings.network (a trailing /api/v3 is accepted). */
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export const TTS_DEFAULT_TIMEOUT_MS = 15_000;

export type TtsQuery = Record<string, string | number | undefined>;

export interface TtsCallOptions {
  query?: TtsQuery;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (already JSON). */
  rawBody?: string;
}

export class TtsHttpTransport {
  private readonly apiBase: string;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  readonly timeoutMs: number;
  /** The host of the base URL: TTS's cluster address for NS/AS fields of new devices. */
  readonly serverHost: string;

  constructor(options: TtsHttpTransportOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new CallerError('TTS_CONFIG_INVALID', `networkServer.url: expected an http(s) URL like https://eu1.cloud.thethings.network, got ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallerError('TTS_CONFIG_INVALID', `networkServer.url: expected http: or https:, got ${url.protocol}`);
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') throw new CallerError('TTS_CONFIG_INVALID', 'networkServer.apiKey: expected a TTS API key, got nothing');
    this.apiBase = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '')}/api/v3`;
    this.apiKey = options.apiKey.trim();
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? TTS_DEFAULT_TIMEOUT_MS;
    this.serverHost = url.hostname;
  }

  /** The parsed JSON body of a 2xx answer ({} when empty). */
  async json(method: string, path: string, options: TtsCallOptions = {}): Promise<unknown> {
    return (await this.jsonWithHeaders(method, path, options)).body;
  }

  async jsonWithHeaders(method: string, path: string, options: TtsCallOptions = {}): Promise<{ body: unknown; headers: Headers }> {
    const { text, headers } = await this.send(method, path, options);
    if (text.trim() === '') return { body: {}, headers };
    try {
      return { body: JSON.parse(text), headers };
    } catch {
      throw ttsResponseError(`${method} /api/v3${path}`, 'expected a JSON body, got text that is not JSON');
    }
  }

  /** The raw text of a 2xx answer (streamed results: one JSON object per line). */
  async text(method: string, path: string, options: TtsCallOptions = {}): Promise<string> {
    return (await this.send(method, path, options)).text;
  }

  private async send(method: string, path: string, options: TtsCallOptions): Promise<{ text: string; headers: Headers }> {
    const request = `${method} /api/v3${path}`;
    const url = new URL(this.apiBase + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw ttsUnreachableError(request, error, this.timeoutMs);
    }
    if (!response.ok) throw ttsHttpError(request, response.status, text);
    return { text, headers: response.headers };
  }
}
