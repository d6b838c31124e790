import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MulticastGroupServiceService } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import test from 'ava';
import { isFuotaError, type FuotaError } from '../../../src/core/errors.js';
import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import { API_TOKEN, classCGroup, startWorld, type World } from '../sim/sim-chirpstack-world.js';

// TLS (createSsl with our CA) and per-call deadlines.

async function failure(promise: Promise<unknown>): Promise<FuotaError> {
  try {
    await promise;
  } catch (error) {
    if (isFuotaError(error)) return error;
    throw new Error(`expected a FuotaError, got ${String(error)}`);
  }
  throw new Error('expected the call to fail');
}

test.serial('TLS: the client trusts the given CA; a plain-TCP client gets CHIRPSTACK_UNAVAILABLE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fuota-grpc-tls-'));
  let world: World | undefined;
  const clients: ChirpstackGrpcClient[] = [];
  try {
    // A self-signed certificate for 127.0.0.1: it is its own CA.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const certPem = readFileSync(join(dir, 'cert.pem'));
    world = await startWorld({ tls: { keyPem: readFileSync(join(dir, 'key.pem')), certPem } });
    // By name: Node warns when a TLS server name is an IP address (RFC 6066).
    const tls = new ChirpstackGrpcClient({ address: `localhost:${world.server.port}`, apiToken: API_TOKEN, transport: { kind: 'tls', caPem: certPem }, deadlineMs: 3_000 });
    const plain = new ChirpstackGrpcClient({ address: world.server.address, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: 3_000 });
    clients.push(tls, plain);
    const groupId = await tls.createMulticastGroup(classCGroup());
    t.deepEqual(await tls.listMulticastQueue(groupId), []);
    const error = await failure(plain.listMulticastQueue(groupId));
    t.is(error.code, 'CHIRPSTACK_UNAVAILABLE');
  } finally {
    for (const client of clients) client.close();
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('a server that never answers: CHIRPSTACK_DEADLINE_EXCEEDED after the deadline (per call)', async (t) => {
  const server = new Server();
  server.addService(MulticastGroupServiceService, { listQueue: () => {} });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new ChirpstackGrpcClient({ address: `127.0.0.1:${port}`, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: 5_000 });
  try {
    const startMs = Date.now();
    const error = await failure(client.listMulticastQueue('00000000-0000-4000-8000-000000000000', { deadlineMs: 200 }));
    const elapsedMs = Date.now() - startMs;
    t.is(error.code, 'CHIRPSTACK_DEADLINE_EXCEEDED');
    t.is(error.fault, 'peer');
    t.regex(error.message, /200 ms deadline/);
    t.true(elapsedMs >= 190 && elapsedMs < 2_000, `${elapsedMs} ms`);
    // Methods the server does not implement: UNIMPLEMENTED, still a FuotaError.
    const unimplemented = await failure(client.deleteMulticastGroup('00000000-0000-4000-8000-000000000000'));
    t.is(unimplemented.code, 'CHIRPSTACK_CALL_FAILED');
    t.regex(unimplemented.message, /UNIMPLEMENTED/);
  } finally {
    client.close();
    server.forceShutdown();
  }
});
