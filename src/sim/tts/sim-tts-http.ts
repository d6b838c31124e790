import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PeerError } from '../../core/errors.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import { readDownlinks, downlinkJson } from './sim-tts-downlink.js';
import type { SimTtsDownlinks } from './sim-tts-downlinks.js';
import { SimTtsError } from './sim-tts-errors.js';
import type { SimTtsStats } from './sim-tts-events.js';
import { queryMaskPaths } from './sim-tts-field-mask.js';
import { checkDeviceId, SimTtsDeviceRoutes, type Component } from './sim-tts-http-devices.js';
import { defaultAssociationsJson, packagesJson, type SimTtsStorage } from './sim-tts-storage.js';
import type { SimTtsTraffic } from './sim-tts-traffic.js';

// The simulated TTS's HTTP API (/api/v3, grpc-gateway JSON; api/api.md), the subset our adapter
// calls: auth_info; the IS, NS, AS and JS end device registries (sim-tts-http-devices.ts); AS
// down/push, down/replace and the queue listing; package list and default associations; the
// Storage Integration. Every call needs `Authorization: Bearer <API key>` (else 401 with
// pkg/rpcmetadata unauthenticated, or the IS's api_key_not_found for another key); an
// application other than ours → 403 no_application_rights. Errors are TTS error bodies
// (sim-tts-errors.ts) with grpc-gateway's HTTP status of their code.

export interface SimTtsHttpOptions {
  apiKey: string;
  applicationId: string;
  devices: SimTtsDeviceRoutes;
  downlinks: SimTtsDownlinks;
  storage: SimTtsStorage;
  alcsync: boolean;
  startedAt: string;
  stats: SimTtsStats;
  traffic: SimTtsTraffic;
  driver?: RealTimeDriver;
  /** host or host:port; default 127.0.0.1 on a free port. */
  bindAddress?: string;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string>; raw?: string };

const COMPONENT_PREFIX: Readonly<Record<string, Component>> = { ns: 'ns', as: 'as', js: 'js' };

export class SimTtsHttp {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: SimTtsHttpOptions): Promise<SimTtsHttp> {
    const server = createServer((req, res) => void handle(options, req, res));
    const [host, portText] = (options.bindAddress ?? '127.0.0.1:0').split(':');
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(portText ?? 0), host, () => resolve((server.address() as AddressInfo).port));
    }).catch((error: unknown) => {
      throw new PeerError('SIM_TTS_HTTP_NOT_STARTED', `simulated TTS HTTP: expected to listen on ${options.bindAddress ?? '127.0.0.1:0'}, got ${(error as Error).message}`, { cause: error });
    });
    return new SimTtsHttp(server, `http://${host}:${port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SimTtsError('unmarshal', { reason: (error as Error).message });
  }
}

async function handle(options: SimTtsHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  options.stats.httpCalls++;
  const url = new URL(req.url ?? '/', 'http://sim');
  let answer: Answer;
  try {
    await options.driver?.advance();
    answer = await route(options, req, url);
  } catch (error) {
    // Anything but a TTS error is the simulator's own fault: 500 with gRPC's Internal code.
    answer = error instanceof SimTtsError ? { status: error.httpStatus(), body: error.httpBody() } : { status: 500, body: { code: 13, message: String(error), details: [] } };
  }
  options.traffic.add('http', `${req.method} ${url.pathname} → ${answer.status}`);
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(answer.raw ?? JSON.stringify(answer.body));
}

function checkAuth(options: SimTtsHttpOptions, req: IncomingMessage): void {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer (\S+)$/i.exec(header);
  if (!m) throw new SimTtsError('unauthenticated');
  if (m[1] !== options.apiKey) throw new SimTtsError('apiKeyNotFound');
}

async function route(options: SimTtsHttpOptions, req: IncomingMessage, url: URL): Promise<Answer> {
  checkAuth(options, req);
  const method = req.method ?? 'GET';
  const parts = url.pathname.replace(/\/+$/, '').split('/').slice(1).map(decodeURIComponent);
  if (parts[0] !== 'api' || parts[1] !== 'v3') throw new SimTtsError('routeNotFound');
  const rest = parts.slice(2);
  const ok = (body: unknown): Answer => ({ status: 200, body });
  if (rest.join('/') === 'auth_info' && method === 'GET') {
    return ok({ api_key: { api_key: { id: options.apiKey.split('.')[1] ?? 'sim', rights: ['RIGHT_APPLICATION_ALL'] }, entity_ids: { application_ids: { application_id: options.applicationId } } } });
  }
  // [component]/applications/{app}/...
  const component = COMPONENT_PREFIX[rest[0] ?? ''];
  const path = component ? rest.slice(1) : rest;
  if (path[0] !== 'applications' || path[1] === undefined) throw new SimTtsError('routeNotFound');
  if (path[1] !== options.applicationId) throw new SimTtsError('noApplicationRights', { application_uid: path[1] });
  const tail = path.slice(2);
  const mask = queryMaskPaths(url.searchParams);
  const { devices, downlinks, storage } = options;

  if (!component && tail.length === 1 && tail[0] === 'devices') {
    if (method === 'POST') return ok(devices.create(await readBody(req)));
    if (method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 0);
      const page = Number(url.searchParams.get('page') ?? 1);
      if (!Number.isInteger(limit) || limit < 0) throw new SimTtsError('validation', { field: 'limit', reason: 'expected a non-negative integer' });
      if (!Number.isInteger(page) || page < 1) throw new SimTtsError('validation', { field: 'page', reason: 'expected a positive integer' });
      const { devices: list, total } = devices.list(mask, limit, page);
      return { status: 200, body: list.length > 0 ? { end_devices: list } : {}, headers: { 'x-total-count': String(total) } };
    }
  }
  if (tail[0] === 'devices' && tail[1] !== undefined) {
    const deviceId = tail[1];
    const sub = tail.slice(2).join('/');
    const c: Component = component ?? 'is';
    if (sub === '') {
      checkDeviceId(deviceId);
      if (method === 'GET') return ok(devices.get(c, deviceId, mask));
      if (method === 'DELETE') return ok(devices.delete(c, deviceId));
      if (method === 'PUT') return ok(devices.set(c, deviceId, await readBody(req)));
    }
    if (component === 'as' && (sub === 'down/push' || sub === 'down/replace') && method === 'POST') {
      const items = readDownlinks(await readBody(req));
      downlinks.enqueue(deviceId, items, sub === 'down/push' ? 'push' : 'replace');
      return ok({});
    }
    if (component === 'as' && sub === 'down' && method === 'GET') {
      // proto3 JSON omits an empty repeated field: an empty queue is {}.
      const queue = downlinks.queue(deviceId).map(downlinkJson);
      return ok(queue.length > 0 ? { downlinks: queue } : {});
    }
    if (component === 'as' && sub === 'packages/storage/uplink_message' && method === 'GET') return { status: 200, body: null, raw: storage.query(url.searchParams, deviceId) };
    if (component === 'as' && sub === 'packages/associations' && method === 'GET') return ok({});
  }
  if (component === 'as' && method === 'GET') {
    const sub = tail.join('/');
    if (sub === 'packages') return ok(packagesJson(storage.enabled));
    if (sub === 'packages/associations') return ok(defaultAssociationsJson(options.applicationId, options.alcsync, options.startedAt));
    if (sub === 'packages/associations/202' && options.alcsync) return ok((defaultAssociationsJson(options.applicationId, true, options.startedAt)['defaults'] as unknown[])[0]);
    if (sub === 'packages/storage/uplink_message') return { status: 200, body: null, raw: storage.query(url.searchParams) };
  }
  throw new SimTtsError('routeNotFound');
}
