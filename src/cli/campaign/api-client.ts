import { CallerError, PeerError } from '../../core/errors.js';

// The REST API of `fuota serve` (docs/api.md) as `fuota campaign` calls it, with Node's fetch.
// A refusal becomes an ApiError whose message is `CODE: message` as the server sent it, so the
// CLI prints `fuota: CODE: message`; a server that cannot be reached is one line naming the URL.

/** The listen address of docs/api.md and config/fuota.yaml's example (api.listen: 127.0.0.1:8090). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8090';
export const API_TOKEN_ENV = 'FUOTA_API_TOKEN';

/** A refusal from the API: `code` is the server's (CAMPAIGN_NOT_FOUND, UNAUTHENTICATED, ...). */
export class ApiError extends CallerError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, `${code}: ${message}`);
  }
}

export interface ApiClientOptions {
  url: string;
  token?: string;
}

export class ApiClient {
  readonly base: string;
  private readonly token: string | undefined;

  constructor(options: ApiClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new CallerError('INVALID_ARGUMENT', `--url: expected an http(s) URL like ${DEFAULT_API_URL}, got ${JSON.stringify(options.url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CallerError('INVALID_ARGUMENT', `--url: expected an http(s) URL like ${DEFAULT_API_URL}, got ${JSON.stringify(options.url)}`);
    this.base = options.url.replace(/\/+$/, '');
    this.token = options.token === '' ? undefined : options.token;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.json<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  /** The raw response of a streaming GET (SSE); an error status is thrown as for json(). */
  async stream(path: string, query: Record<string, string | number | undefined>, signal: AbortSignal): Promise<Response> {
    const response = await this.fetch('GET', path, undefined, query, signal, 'text/event-stream');
    if (!response.ok) throw await refusal(response);
    return response;
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body: unknown, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const response = await this.fetch(method, path, body, query, undefined, 'application/json');
    if (!response.ok) throw await refusal(response);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new PeerError('API_BAD_RESPONSE', `${method} ${this.base}${path}: expected JSON, got ${JSON.stringify(text.slice(0, 60))}`);
    }
  }

  private async fetch(method: string, path: string, body: unknown, query: Record<string, string | number | undefined>, signal: AbortSignal | undefined, accept: string): Promise<Response> {
    const url = new URL(`${this.base}/api/v1${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CallerError('API_UNREACHABLE', `API_UNREACHABLE: --url ${this.base}: expected a fuota API there (fuota serve, api.listen), got ${why}`);
    }
  }
}

async function refusal(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string') return new ApiError(body.error.code, body.error.message, response.status);
  } catch {
    // Not our JSON (a proxy's page): said below with the status.
  }
  return new ApiError(`HTTP_${response.status}`, `expected a fuota API answer, got HTTP ${response.status} ${response.statusText}`.trim(), response.status);
}
