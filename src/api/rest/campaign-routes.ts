import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CampaignService } from '../campaign-service.js';
import type { CampaignRequest } from '../campaign-service-types.js';
import type { TokenVerifier } from '../token-verifier.js';
import { authorize, type Access } from './bearer-auth.js';
import { streamEvents } from './event-stream.js';
import { openApiDocument } from './openapi.js';
import { campaignRequestBody, deviceParams, eventsQuery, idParams, listQuery, logQuery, parseRequest, retryBody } from './request-schemas.js';

// The /api/v1 routes: parse the request with its zod schema, check the token's scope, call the
// service, send what it returns. Nothing else happens here.

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function toServiceRequest(body: ReturnType<typeof parseCampaignBody>): CampaignRequest {
  return body.package !== undefined ? { spec: body.spec, packageBytes: new Uint8Array(Buffer.from(body.package, 'base64')) } : { spec: body.spec, packagePath: body.packagePath! };
}

function parseCampaignBody(body: unknown) {
  return parseRequest(campaignRequestBody, body, 'body');
}

export function registerCampaignRoutes(app: FastifyInstance, service: CampaignService, verifier: TokenVerifier | undefined): void {
  const route = (method: 'GET' | 'POST', url: string, access: Access, handler: Handler): void => {
    app.route({
      method,
      url: `/api/v1${url}`,
      handler: async (request, reply) => {
        authorize(request, verifier, access);
        return handler(request, reply);
      },
    });
  };
  const id = (request: FastifyRequest) => parseRequest(idParams, request.params, 'params').id;

  const document = openApiDocument();
  route('GET', '/openapi.json', 'public', async () => document);
  route('GET', '/campaigns', 'read', async (request) => service.list(parseRequest(listQuery, request.query, 'query')));
  route('POST', '/campaigns', 'admin', async (request, reply) => {
    const detail = await service.create(toServiceRequest(parseCampaignBody(request.body)));
    return reply.code(201).send(detail);
  });
  route('POST', '/campaigns/validate', 'admin', async (request) => service.validate(toServiceRequest(parseCampaignBody(request.body))));
  route('GET', '/campaigns/:id', 'read', async (request) => service.get(id(request)));
  route('POST', '/campaigns/:id/pause', 'admin', async (request) => service.pause(id(request)));
  route('POST', '/campaigns/:id/resume', 'admin', async (request) => service.resume(id(request)));
  route('POST', '/campaigns/:id/cancel', 'admin', async (request) => service.cancel(id(request)));
  route('POST', '/campaigns/:id/retry', 'admin', async (request, reply) => {
    const body = parseRequest(retryBody, request.body, 'body');
    const detail = await service.retry(id(request), body.newId === undefined ? {} : { newId: body.newId });
    return reply.code(201).send(detail);
  });
  route('GET', '/campaigns/:id/devices', 'read', async (request) => service.devices(id(request)));
  route('GET', '/campaigns/:id/devices/:devEui/log', 'read', async (request) => {
    const params = parseRequest(deviceParams, request.params, 'params');
    const query = parseRequest(logQuery, request.query, 'query');
    return service.deviceLog(params.id, params.devEui, query.limit === undefined ? undefined : Number(query.limit));
  });
  route('GET', '/campaigns/:id/budget', 'read', async (request) => service.budget(id(request)));
  app.get('/api/v1/events', async (request, reply) => {
    // EventSource cannot send headers: the token may come as ?access_token= here only.
    authorize(request, verifier, 'read', true);
    const query = parseRequest(eventsQuery, request.query, 'query');
    await streamEvents(service, reply, { ...(query.campaign === undefined ? {} : { campaignId: query.campaign }), ...(query.limit === undefined ? {} : { limit: Number(query.limit) }) });
  });
}
