import { z } from 'zod';
import * as schemas from './request-schemas.js';

// The OpenAPI 3.1 document of the REST API, generated from the zod schemas the routes validate
// with (request-schemas.ts). OpenAPI 3.1 schemas are JSON Schema 2020-12, which is zod's default
// target. Responses are registered once under components/schemas and referenced.

type Json = Record<string, unknown>;

const components = z.registry<{ id: string }>();
const named = {
  CampaignStatus: schemas.campaignStatusSchema,
  DeviceStatus: schemas.deviceStatusSchema,
  CampaignDetail: schemas.campaignDetailSchema,
  ValidationResult: schemas.validationSchema,
  DeviceLogEntry: schemas.logEntrySchema,
  BudgetView: schemas.budgetSchema,
  Error: schemas.errorSchema,
} as const;
for (const [id, schema] of Object.entries(named)) components.add(schema, { id });

const ref = (id: keyof typeof named): Json => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const inputSchema = (schema: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

function parameters(schema: z.ZodObject, where: 'path' | 'query'): Json[] {
  const shape = inputSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(shape.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (shape.required ?? []).includes(name), schema: s }));
}

const errors = (...codes: number[]): Json => Object.fromEntries(codes.map((code) => [String(code), { description: ERROR_TEXT[code] ?? 'error', content: json(ref('Error')) }]));
const ERROR_TEXT: Record<number, string> = { 400: 'bad request (the field is named)', 401: 'no or unknown bearer token', 403: 'token scope too small, or a path outside the campaigns directory', 404: 'unknown campaign or device', 409: 'not allowed in the campaign\'s phase', 413: 'body too large' };

const ok = (description: string, schema: Json, status = '200'): Json => ({ [status]: { description, content: json(schema) } });

function operation(summary: string, responses: Json, extra: Json = {}): Json {
  return { summary, security: [{ bearer: [] }], responses, ...extra };
}

export function openApiDocument(): Json {
  const { schemas: componentSchemas } = z.toJSONSchema(components, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(componentSchemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  const idPath = parameters(schemas.idParams, 'path');
  const requestBody = { required: true, content: json(inputSchema(schemas.campaignRequestBody)) };
  return {
    openapi: '3.1.0',
    info: { title: 'lorawan-fuota campaign API', version: '1', description: 'Campaigns of firmware updates over LoRaWAN multicast (docs/api.md).' },
    servers: [{ url: '/api/v1' }],
    components: { schemas: componentSchemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/campaigns': {
        get: operation('List campaigns, newest first', { ...ok('campaigns', { type: 'array', items: ref('CampaignStatus') }), ...errors(400, 401) }, { parameters: parameters(schemas.listQuery, 'query') }),
        post: operation('Create and start a campaign', { ...ok('created', ref('CampaignDetail'), '201'), ...errors(400, 401, 403, 409, 413) }, { requestBody }),
      },
      '/campaigns/validate': {
        post: operation('Dry run: what a campaign would send, to whom, and how long it would take; nothing is stored', { ...ok('the plan', ref('ValidationResult')), ...errors(400, 401, 403, 413) }, { requestBody }),
      },
      '/campaigns/{id}': {
        get: operation('One campaign', { ...ok('the campaign', ref('CampaignDetail')), ...errors(401, 404) }, { parameters: idPath }),
      },
      ...Object.fromEntries(
        (['pause', 'resume', 'cancel'] as const).map((action) => [`/campaigns/{id}/${action}`, { post: operation(`${action[0]!.toUpperCase()}${action.slice(1)} a campaign`, { ...ok('the campaign after it', ref('CampaignDetail')), ...errors(401, 403, 404, 409) }, { parameters: idPath }) }]),
      ),
      '/campaigns/{id}/retry': {
        post: operation('The devices of a finished campaign that did not get the image, as a new campaign', { ...ok('the new campaign', ref('CampaignDetail'), '201'), ...errors(400, 401, 403, 404, 409) }, { parameters: idPath, requestBody: { required: false, content: json(inputSchema(schemas.retryBody)) } }),
      },
      '/campaigns/{id}/devices': {
        get: operation('Every device of a campaign', { ...ok('devices', { type: 'array', items: ref('DeviceStatus') }), ...errors(401, 404) }, { parameters: idPath }),
      },
      '/campaigns/{id}/devices/{devEui}/log': {
        get: operation('A device\'s log, oldest first', { ...ok('log entries', { type: 'array', items: ref('DeviceLogEntry') }), ...errors(400, 401, 404) }, { parameters: [...parameters(schemas.deviceParams, 'path'), ...parameters(schemas.logQuery, 'query')] }),
      },
      '/campaigns/{id}/budget': {
        get: operation('Duty-cycle budget per gateway and sub-band over the sliding hour', { ...ok('budget', ref('BudgetView')), ...errors(401, 404) }, { parameters: idPath }),
      },
      '/events': {
        get: operation('Server-Sent Events: `campaign` (CampaignStatus) and `device` (DeviceStatus) after every change', { '200': { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(400, 401) }, { parameters: parameters(schemas.eventsQuery, 'query') }),
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
      },
    },
  };
}
