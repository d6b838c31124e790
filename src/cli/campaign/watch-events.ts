import type { CampaignStatus, DeviceStatus } from '../../api/campaign-service-types.js';
import { FuotaError, PeerError } from '../../core/errors.js';
import type { ApiClient } from './api-client.js';
import { campaignEventLine, deviceEventLine } from './campaign-views.js';
import { sseEvents } from './sse-events.js';

// `fuota campaign watch`: follows GET /api/v1/events and prints one line per event (the event as
// one JSON line with --json) until Ctrl-C (exit 0), the --limit is reached, or the server ends
// the stream (an error: the watch was meant to go on).

export interface WatchOptions {
  campaignId?: string;
  limit?: number;
  json: boolean;
}

export async function watchEvents(client: ApiClient, options: WatchOptions): Promise<void> {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const response = await client.stream('/events', { campaign: options.campaignId, limit: options.limit }, abort.signal);
    if (!response.body) throw new PeerError('API_BAD_RESPONSE', `GET ${client.base}/api/v1/events: expected an event stream, got no body`);
    let seen = 0;
    for await (const event of sseEvents(response.body)) {
      if (event.event === 'error') {
        const message = (JSON.parse(event.data) as { message?: string }).message ?? event.data;
        throw new PeerError('API_STREAM_ERROR', `API_STREAM_ERROR: ${message}`);
      }
      if (event.event !== 'campaign' && event.event !== 'device') continue;
      const data = JSON.parse(event.data) as CampaignStatus | DeviceStatus;
      const line = options.json ? JSON.stringify({ event: event.event, data }) : event.event === 'campaign' ? campaignEventLine(data as CampaignStatus) : deviceEventLine(data as DeviceStatus);
      process.stdout.write(`${line}\n`);
      seen++;
    }
    if (options.limit === undefined || seen < options.limit) {
      throw new PeerError('API_STREAM_CLOSED', `API_STREAM_CLOSED: ${client.base}/api/v1/events: expected the stream to stay open, got it closed by the server`);
    }
  } catch (error) {
    if (abort.signal.aborted) return;
    if (error instanceof FuotaError) throw error;
    // undici's "terminated": the server went away mid-stream.
    throw new PeerError('API_STREAM_CLOSED', `API_STREAM_CLOSED: ${client.base}/api/v1/events: expected the stream to stay open, got ${(error as Error).message}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
