import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { bytesToHex } from '../../src/core/hex.js';
import { eventually, fuota, logLines, tail, type Child } from '../helpers/fuota-child.js';
import { networkServerLines, SIGNED_PACKAGE, startInProcessChirpstack, VENDOR_KEY_LINES, writeVendorKey } from '../helpers/in-process-chirpstack.js';
import { mqttConnection, wireCampaignSpec, WIRE_TARGET_VERSION } from '../lns/chirpstack/chirpstack-wire-world.js';
import { startBroker, type Broker } from '../lns/mqtt/mosquitto.js';
import { freshSchema, type TestSchema } from '../store/postgres-test-db.js';

// docs/high-availability.md, end to end: two `fuota serve` children on one PostgreSQL (a schema
// of their own) and one mosquitto, against the simulated ChirpStack (gRPC + MQTT) and 4 devices
// in real time. Instance A takes the campaign file and drives the campaign; in the fragment stage
// it is killed with SIGKILL. Instance B must take the campaign over once A's lease expired and
// finish it with every device on the new firmware; no downlink may be sent by both instances
// (every multicast frame reaching the simulated ChirpStack and every unicast command on the
// broker is recorded), beyond the commands A's outbox still held when it died. All waits are
// conditions with generous limits (a busy 2-core machine).

const DEVICES = 4;
const LEASE_MS = 4_000;

let broker: Broker;

test.before(async () => {
  broker = await startBroker();
});

test.after.always(async () => {
  await broker?.dispose();
});

/** Polls an async condition (a database read) until it holds. */
async function eventuallyAsync(check: () => Promise<boolean>, limitMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function writeConfig(dir: string, name: string, db: TestSchema, sim: { applicationId: string; grpcAddress: string }, withCampaigns: boolean): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [
    'store:',
    `  url: ${db.url}`,
    `  schema: ${db.schema}`,
    'highAvailability:',
    '  enabled: true',
    `  instanceId: ${name}`,
    `  leaseMs: ${LEASE_MS}`,
    '  inboxPollMs: 200',
    ...networkServerLines(sim, { url: broker.plainUrl, clientId: `fuota-ha-${process.pid}`, username: broker.username, password: broker.password }),
    'statusEvents:',
    '  enabled: false',
    'campaigns:',
    ...(withCampaigns ? ['  directory: ./campaigns'] : []),
    ...VENDOR_KEY_LINES,
    '',
  ].join('\n'));
  return file;
}

test('two instances on one PostgreSQL: the owner is killed mid-fragments, the other takes the campaign over and finishes it; no downlink is sent by both', async (t) => {
  t.timeout(480_000);
  const db = await freshSchema();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuota-ha-'));
  fs.mkdirSync(path.join(dir, 'campaigns'));
  writeVendorKey(dir);
  const devEuis = Array.from({ length: DEVICES }, (_, i) => `70b3d57ed00007${String(i + 1).padStart(2, '0')}`);
  const sim = await startInProcessChirpstack(broker, devEuis, 47);
  const { applicationId, chirpstack, devices } = sim;

  // Every multicast frame handed to ChirpStack (by either instance), by group and payload.
  const multicastFrames: string[] = [];
  const multicast = chirpstack.grpc.multicast;
  const enqueue = multicast.enqueue.bind(multicast);
  multicast.enqueue = (id, item) => {
    multicastFrames.push(`${multicast.get(id).name}:${bytesToHex(item.data)}`);
    return enqueue(id, item);
  };
  // Every unicast command on the broker, by the id our adapter gives it.
  const watcher = mqttConnection(broker, 'ha-watch');
  const unicastIds: string[] = [];
  watcher.onMessage((message) => {
    const body = JSON.parse(Buffer.from(message.payload).toString('utf8')) as { id?: string; data?: string };
    unicastIds.push(`${message.topic}:${body.id ?? ''}:${body.data ?? ''}`);
  });
  await watcher.connect();
  await watcher.subscribe(`application/${applicationId}/device/+/command/down`, 1);

  const children: Child[] = [];
  t.teardown(async () => {
    for (const child of children) child.kill('SIGKILL');
    await watcher.close();
    await sim.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const a = fuota(['serve', '--config', writeConfig(dir, 'fuota-a', db, { applicationId, grpcAddress: chirpstack.grpcAddress }, true)]);
  children.push(a);
  await eventually(() => a.stdout().includes('fuota service started'), 60_000, () => `A started; stdout:\n${tail(a.stdout())}\nstderr:\n${a.stderr()}`);
  const b = fuota(['serve', '--config', writeConfig(dir, 'fuota-b', db, { applicationId, grpcAddress: chirpstack.grpcAddress }, false)]);
  children.push(b);
  await eventually(() => b.stdout().includes('fuota service started'), 60_000, () => `B started; stdout:\n${tail(b.stdout())}\nstderr:\n${b.stderr()}`);

  const campaignId = `ha-${process.pid}`;
  const startedAt = Date.now();
  fs.writeFileSync(path.join(dir, 'campaigns', 'block.bin'), SIGNED_PACKAGE);
  const spec = wireCampaignSpec(campaignId, devEuis);
  const campaignFile = path.join(dir, 'campaigns', 'update.json');
  fs.writeFileSync(`${campaignFile}.part`, JSON.stringify({ spec, package: 'block.bin' }));
  fs.renameSync(`${campaignFile}.part`, campaignFile);

  const why = () => `A stdout:\n${tail(a.stdout())}\nA stderr:\n${a.stderr()}\nB stdout:\n${tail(b.stdout())}\nB stderr:\n${b.stderr()}`;
  const progress = (child: Child) => logLines(child.stdout()).filter((line) => line['msg'] === 'campaign progress' && line['campaignId'] === campaignId);
  await eventually(() => progress(a).some((line) => line['stage'] === 'fragments'), 240_000, () => `A in the fragment stage; ${why()}`, [a, b]);
  t.deepEqual(progress(b), [], 'B does not drive the campaign while A holds its lease');
  // Let some fragments go out, then kill A where it stands.
  const framesBefore = multicastFrames.length;
  await eventually(() => multicastFrames.length >= framesBefore + 2, 120_000, () => `fragments from A; ${why()}`, [a, b]);
  a.kill('SIGKILL');
  await a.exited;
  const killedAt = Date.now();
  const fragmentsAfterMs = killedAt - startedAt;
  const pendingAtKill = await db.admin.query<{ command_json: string }>(`SELECT command_json FROM "${db.schema}".outbox WHERE campaign_id = $1`, [campaignId]);
  const framesAtKill = multicastFrames.length;

  await eventually(() => logLines(b.stdout()).some((line) => line['msg'] === 'campaign taken over' && line['campaignId'] === campaignId), 60_000, () => `B took over; ${why()}`, [b]);
  const takeoverMs = Date.now() - killedAt;
  await eventually(() => progress(b).some((line) => line['phase'] === 'completed'), 300_000, () => `B completed the campaign; ${why()}`, [b]);
  const completedAfterMs = Date.now() - killedAt;

  for (const device of devices) t.is(device.firmwareVersion, WIRE_TARGET_VERSION, `${device.devEui} runs the new firmware`);
  const states = await db.admin.query<{ dev_eui: string; state_json: string }>(`SELECT dev_eui, state_json FROM "${db.schema}".devices WHERE campaign_id = $1`, [campaignId]);
  t.deepEqual(Object.fromEntries(states.rows.map((row) => [row.dev_eui, (JSON.parse(row.state_json) as { outcome?: string }).outcome])), Object.fromEntries(devEuis.map((devEui) => [devEui, 'confirmed'])));
  // At B's next renewal (every leaseMs / 3) the finished campaign's lease and inbox are given up.
  const leaseRows = async () => (await db.admin.query(`SELECT owner FROM "${db.schema}".campaign_leases WHERE campaign_id = $1`, [campaignId])).rowCount;
  await eventuallyAsync(async () => (await leaseRows()) === 0, 60_000, () => 'the finished campaign\'s lease given back');
  const inbox = await db.admin.query(`SELECT count(*) AS n FROM "${db.schema}".uplink_inbox`);
  t.is(Number(inbox.rows[0].n), 0, 'every uplink in the inbox was consumed or discarded');

  // No downlink twice, except what A's outbox still held (the outbox's at-least-once promise).
  const pending = new Set(pendingAtKill.rows.map((row) => row.command_json));
  const repeated = (items: string[]) => items.filter((item, i) => items.indexOf(item) !== i);
  // Fragments (TS004 DataFragment, CID 0x08) are unique by their index N; a status request (0x01) repeats by design.
  const repeatedFrames = repeated(multicastFrames.filter((frame) => frame.split(':')[1]!.startsWith('08')));
  t.true(repeatedFrames.length <= pending.size, `multicast frames sent twice: ${repeatedFrames.join(', ')}; A's outbox held ${pending.size} command(s) at the kill`);
  t.deepEqual(repeated(unicastIds).filter(() => pending.size === 0), [], 'no unicast command twice');
  t.true(multicastFrames.length > framesAtKill, 'B sent the rest');
  t.log(`A killed ${(fragmentsAfterMs / 1000).toFixed(0)} s after the campaign file was dropped; B completed it ${(completedAfterMs / 1000).toFixed(0)} s after the kill`);
  t.log(`takeover ${(takeoverMs / 1000).toFixed(1)} s after the kill (lease ${LEASE_MS / 1000} s); frames ${framesAtKill} from A, ${multicastFrames.length - framesAtKill} after; repeated ${repeatedFrames.length}; outbox at kill ${pending.size}`);
  t.is(b.stderr(), '');
});
