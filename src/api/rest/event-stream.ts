import type { FastifyReply } from 'fastify';
import type { CampaignService } from '../campaign-service.js';
import type { CampaignStreamEvent } from '../campaign-service-types.js';

// GET /api/v1/events as Server-Sent Events. It opens with the current status of the campaigns
// asked for, then sends every change. A client that reads slower than the engine changes (the
// demo runs hours per second) loses device events while its socket buffer is full, never
// campaign events: the dashboard's totals stay right, the per-device table catches up at the
// next change of each device.

const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 1 << 20;

export async function streamEvents(service: CampaignService, reply: FastifyReply, options: { campaignId?: string; limit?: number }): Promise<void> {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let sent = 0;
  let closed = false;
  let unsubscribe = (): void => {};
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    raw.end();
  };
  const write = (event: CampaignStreamEvent): void => {
    if (closed) return;
    if (event.type === 'device' && raw.writableLength > MAX_BUFFERED_BYTES) return;
    const data = event.type === 'campaign' ? event.campaign : event.device;
    raw.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
    sent++;
    if (options.limit !== undefined && sent >= options.limit) close();
  };
  raw.on('close', close);
  raw.write(': fuota events\n\n');
  // Subscribed before the snapshot is read, so no change falls between the two.
  unsubscribe = service.subscribe(write, options.campaignId === undefined ? {} : { campaignId: options.campaignId });
  try {
    const snapshot = options.campaignId === undefined ? await service.list() : [(await service.get(options.campaignId)).status];
    for (const campaign of snapshot) write({ type: 'campaign', campaignId: campaign.id, campaign });
  } catch (error) {
    const message = error instanceof Error ? error.message : 'internal error';
    if (!closed) raw.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
    close();
  }
}
