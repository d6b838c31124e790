import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MulticastGroupServiceService } from '@chirpstack/chirpstack-api/api/multicast_group_grpc_pb.js';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import test from 'ava';
import { isFuotaError, type FuotaError } from '../../../src/core/errors.js';
import { ChirpstackGrpcClient } from '../../../src/lns/chirpstack/grpc-client.js';
import { API_TOKEN, classCGroup, startWorld, type World } from '../../sim/chirpstack/sim-chirpstack-world.js';

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
    const tls = new ChirpstackGrpcClient({ address: `localhost:${world.server.port}`, apiToken: API_TOKEN, transport: { kind: 'tls', caPem: certPem }, deadlineMs: 30_000 });
    const plain = new ChirpstackGrpcClient({ address: world.server.address, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: 30_000 });
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

// The outcome and the deadline the call carried are checked, not how fast the machine is: the
// wall time is only bounded below (no answer before the deadline; 10 ms for timer rounding) and
// above by half the client's 60 s default, a margin no busy machine uses up, so a call that
// fell back to the default deadline still fails the test. The server records how far away the
// call's deadline was when the call reached it (grpc-js sends the time left as grpc-timeout,
// gRPC over HTTP/2 spec): at most the 200 ms asked for, never the 60 s default; a busy machine
// only makes it smaller.
test.serial('a server that never answers: CHIRPSTACK_DEADLINE_EXCEEDED after the deadline (per call)', async (t) => {
  const server = new Server();
  const leftAtServerMs: number[] = [];
  server.addService(MulticastGroupServiceService, {
    listQueue: (call: { getDeadline(): Date | number }) => {
      const deadline = call.getDeadline();
      leftAtServerMs.push((deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new ChirpstackGrpcClient({ address: `127.0.0.1:${port}`, apiToken: API_TOKEN, transport: { kind: 'insecure' }, deadlineMs: 60_000 });
  try {
    const startMs = Date.now();
    const error = await failure(client.listMulticastQueue('00000000-0000-4000-8000-000000000000', { deadlineMs: 200 }));
    const elapsedMs = Date.now() - startMs;
    t.is(error.code, 'CHIRPSTACK_DEADLINE_EXCEEDED');
    t.is(error.fault, 'peer');
    t.regex(error.message, /200 ms deadline/);
    t.true(elapsedMs >= 190, `gave up after ${elapsedMs} ms, before the 200 ms deadline`);
    t.true(elapsedMs < 30_000, `${elapsedMs} ms: the client's 60 s default deadline was used, not the call's`);
    // The call usually reaches the server first; on a very busy machine it may not (then only the
    // bounds above speak for the deadline).
    for (const leftMs of leftAtServerMs) t.true(leftMs <= 200, `the server saw ${leftMs} ms left`);
    t.log(`the server saw ${leftAtServerMs.join(', ') || 'no call'} ms left; the client gave up after ${elapsedMs} ms`);
    // Methods the server does not implement: UNIMPLEMENTED, still a FuotaError.
    const unimplemented = await failure(client.deleteMulticastGroup('00000000-0000-4000-8000-000000000000'));
    t.is(unimplemented.code, 'CHIRPSTACK_CALL_FAILED');
    t.regex(unimplemented.message, /UNIMPLEMENTED/);
  } finally {
    client.close();
    server.forceShutdown();
  }
});
