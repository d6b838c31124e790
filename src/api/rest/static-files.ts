import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

// The dashboard's files (src/web/public/), found relative to this module so that a clean
// checkout serves them wherever it is started from. Only plain names (letters, digits, . _ -,
// sub-directories allowed, no leading dot): nothing outside the directory can be named.

export const DASHBOARD_DIRECTORY = fileURLToPath(new URL('../../web/public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function registerStaticFiles(app: FastifyInstance, directory = DASHBOARD_DIRECTORY): void {
  const send = async (name: string, reply: import('fastify').FastifyReply) => {
    if (!SAFE_PATH.test(name) || name.split('/').includes('..')) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `file: expected a dashboard file name, got ${JSON.stringify(name)}` } });
    try {
      const bytes = await readFile(join(directory, name));
      return reply.type(CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(bytes);
    } catch {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `file: expected a file of the dashboard (${directory}), got ${JSON.stringify(name)}` } });
    }
  };
  app.get('/', (_request, reply) => send('index.html', reply));
  app.get('/*', (request, reply) => send((request.params as { '*': string })['*'], reply));
}
