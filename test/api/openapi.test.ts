import test from 'ava';
import SwaggerParser from '@apidevtools/swagger-parser';
import { openApiDocument } from '../../src/api/rest/openapi.js';
import { restWorld } from './rest-world.js';

// The document is valid OpenAPI 3.1 (swagger-parser validates it against the official schema
// and resolves every $ref), names every route the server has, and its request schemas are the
// ones the server validates with (a key the body schema does not know is refused in both).

const ROUTES = [
  'get /campaigns',
  'post /campaigns',
  'post /campaigns/validate',
  'get /campaigns/{id}',
  'post /campaigns/{id}/pause',
  'post /campaigns/{id}/resume',
  'post /campaigns/{id}/cancel',
  'post /campaigns/{id}/retry',
  'get /campaigns/{id}/devices',
  'get /campaigns/{id}/devices/{devEui}/log',
  'get /campaigns/{id}/budget',
  'get /events',
  'get /openapi.json',
];

test('the OpenAPI document validates and every $ref resolves', async (t) => {
  const document = openApiDocument();
  t.is(document.openapi, '3.1.0');
  const validated = await SwaggerParser.validate(structuredClone(document) as never);
  t.truthy(validated);
  const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as never)) as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
  t.false(JSON.stringify(dereferenced.paths, (_k, v: unknown) => v).includes('"$ref"'), 'every schema resolved');
});

test('every route is in the document and served, and nothing else is documented', async (t) => {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const documented = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
  t.deepEqual(documented.sort(), [...ROUTES].sort());
  const w = await restWorld();
  t.teardown(() => w.close());
  for (const route of ROUTES) {
    const [method, path] = route.split(' ') as [string, string];
    t.true(w.app.hasRoute({ method: method.toUpperCase() as 'GET', url: `/api/v1${path.replace(/\{(\w+)\}/g, ':$1')}` }), route);
  }
});

test('a broken document is refused by the validator (the check can fail)', async (t) => {
  const document = openApiDocument() as { paths: Record<string, Record<string, { responses?: unknown }>> };
  document.paths['/campaigns']!.get!.responses = { '200': { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nowhere' } } } } };
  await t.throwsAsync(SwaggerParser.validate(document as never));
});
