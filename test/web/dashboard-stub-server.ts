import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignService } from '../../src/api/campaign-service.js';
import { isFuotaError } from '../../src/core/errors.js';

// A STUB of the REST transport, for the dashboard test only: the routes of docs/api.md that the
// page calls, over the real CampaignService, on node:http. It stands in while the Fastify server
// (src/api/rest/) is not there; the page is written against docs/api.md, not against this file.

const PUBLIC = fileURLToPath(new URL('../../src/web/public/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export interface StubApi {
  url: string;
  close(): Promise<void>;
}

export async function startStubApi(service: CampaignService, token: string): Promise<StubApi> {
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    handle(service, token, streams, request, response).catch((error: unknown) => send(response, ...errorOf(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function handle(service: CampaignService, token: string, streams: Set<ServerResponse>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stub');
  const path = url.pathname;
  if (!path.startsWith('/api/v1/')) {
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!/^[\w.-]+$/.test(name)) return send(response, 404, { error: { code: 'NOT_FOUND', message: path } });
    const body = await readFile(join(PUBLIC, name)).catch(() => undefined);
    if (!body) return send(response, 404, { error: { code: 'NOT_FOUND', message: path } });
    response.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' }).end(body);
    return;
  }
  if (request.headers.authorization !== `Bearer ${token}`) return send(response, 401, { error: { code: 'UNAUTHENTICATED', message: 'bearer token: expected a known token' } });
  const parts = path.slice('/api/v1/'.length).split('/').map(decodeURIComponent);
  const post = request.method === 'POST';
  if (parts[0] === 'events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.write(': connected\n\n');
    streams.add(response);
    const campaignId = url.searchParams.get('campaign');
    const stop = service.subscribe((event) => {
      response.write(`event: ${event.type}\ndata: ${JSON.stringify(event.type === 'campaign' ? event.campaign : event.device)}\n\n`);
    }, campaignId ? { campaignId } : {});
    response.on('close', () => {
      stop();
      streams.delete(response);
    });
    return;
  }
  if (parts[0] !== 'campaigns') return send(response, 404, { error: { code: 'NOT_FOUND', message: path } });
  const [, id, what, devEui, log] = parts;
  if (id === undefined) return send(response, 200, await service.list());
  if (what === undefined) return send(response, 200, await service.get(id));
  if (post && what === 'pause') return send(response, 200, await service.pause(id));
  if (post && what === 'resume') return send(response, 200, await service.resume(id));
  if (post && what === 'cancel') return send(response, 200, await service.cancel(id));
  if (what === 'devices' && devEui === undefined) return send(response, 200, await service.devices(id));
  if (what === 'devices' && devEui !== undefined && log === 'log') return send(response, 200, await service.deviceLog(id, devEui));
  if (what === 'budget') return send(response, 200, await service.budget(id));
  return send(response, 404, { error: { code: 'NOT_FOUND', message: path } });
}

function errorOf(error: unknown): [number, unknown] {
  if (!isFuotaError(error)) return [500, { error: { code: 'INTERNAL', message: String(error) } }];
  const status = error.code.endsWith('NOT_FOUND') ? 404 : error.fault === 'caller' ? 409 : 500;
  return [status, { error: { code: error.code, message: error.message } }];
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
