import test from 'ava';
import { APP, downEvent, DUTY_CYCLE_ERROR, failedEvent, T0, upEvent, world } from './tts-adapter-world.js';

// A class A request is never twice in a device's queue in The Things Stack (tts-unicast.ts,
// queued-unicasts.ts): TTS cannot take one item out of a queue, and each copy costs the gateway's
// duty cycle when it goes out at an uplink of its own (`demo --network tts --devices 1000` ran
// the single gateway out of duty cycle on such copies).

const DEV = '70b3d57ed0000001';
const DEVICE = 'sensor-1';
const PUSH_TOPIC = `v3/${APP}/devices/${DEVICE}/down/push`;
const request = (id: string, payloadHex = '0a0b') => ({ type: 'unicast' as const, id, devEui: DEV, fPort: 201, payloadHex });

async function started(t: Parameters<typeof world>[0], txAckTimeoutMs = 60_000) {
  // The asks left to a copy TTS still lists: the engine counts no attempt for them (device-progress.ts answeredByQueuedCopy).
  const queuedCopies: string[] = [];
  const w = world(t, { txAckTimeoutMs, onUnicastQueuedCopy: (devEui, commandId) => void queuedCopies.push(`${devEui} ${commandId}`) });
  w.http.devices.set(DEVICE, { devEui: DEV, queue: [] }); // looked up again after a failure
  await w.network.start();
  await w.mqtt.deliver(DEVICE, 'up', upEvent(DEVICE, DEV, { fPort: 201, payloadHex: '00', receivedAtMs: T0 }));
  const pushes = () => w.mqtt.published.filter((p) => p.topic === PUSH_TOPIC).map((p) => JSON.parse(p.payload).downlinks[0].correlation_ids[0] as string);
  return { w, pushes, queuedCopies };
}

/** What TTS's `GET …/down` lists for the device: our item with the AS's own correlation id after it. */
function queueHolds(w: Awaited<ReturnType<typeof started>>['w'], ...ids: string[]): void {
  w.http.devices.get(DEVICE)!.queue = ids.map((id, fCnt) => ({ fCnt, fPort: 201, correlationIds: [`fuota:${id}`, `as:downlink:0${fCnt}`] }));
}

/** r-1 pushed and still listed by TTS, then `againId` carried out with the same request: what was pushed and reported. */
async function askedAgainWhileListed(t: Parameters<typeof world>[0], againId: string) {
  const asked = await started(t);
  const { w } = asked;
  await w.network.sendUnicast(request('r-1'));
  await w.settle();
  queueHolds(w, 'r-1');
  await w.network.sendUnicast(request(againId));
  await w.settle();
  return asked;
}

test('asked again while TTS still lists its copy (no down/sent yet): not pushed a second time, and reported as left to the copy; the copy\'s down/sent settles both asks', async (t) => {
  // r-2: the engine's early retry (two uplinks without the answer: the gateway had no duty cycle left for it).
  const { w, pushes, queuedCopies } = await askedAgainWhileListed(t, 'r-2');
  t.deepEqual(pushes(), ['fuota:r-1']);
  t.true(w.http.calls.includes(`queue ${DEVICE}`), 'asked TTS whether the copy is still queued');
  t.deepEqual(queuedCopies, [`${DEV} r-2`], 'the engine hears that r-2 put nothing new in the queue');
  t.is(w.network.pendingUnicasts, 1);
  await w.mqtt.deliver(DEVICE, 'down/sent', downEvent(DEVICE, 'downlink_sent', ['fuota:r-1']));
  queueHolds(w);
  t.is(w.network.pendingUnicasts, 0);
  await w.clock.run({ untilMs: T0 + 3_600_000, settle: w.settle });
  t.deepEqual(w.failed, []);
  // Sent, and asked again (the downlink or its answer lost on air): a real retry, pushed without asking.
  const listings = w.http.calls.length;
  await w.network.sendUnicast(request('r-3'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-3']);
  t.is(w.http.calls.length, listings);
  t.deepEqual(queuedCopies, [`${DEV} r-2`], 'r-3 was pushed: not reported');
});

test('a copy silent past txAckTimeoutMs is reported; TTS still lists it, so the ask again is not pushed and the copy is tracked again', async (t) => {
  const { w, pushes } = await started(t);
  await w.network.sendUnicast(request('r-1'));
  await w.settle();
  queueHolds(w, 'r-1');
  await w.clock.run({ untilMs: T0 + 60_000, settle: w.settle });
  t.is(w.failed.length, 1, 'the engine hears of the silence and asks again');
  await w.network.sendUnicast(request('r-2'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1']);
  t.is(w.network.pendingUnicasts, 1, 'the copy is tracked for the new ask');
  await w.clock.run({ untilMs: T0 + 120_000, settle: w.settle });
  t.is(w.failed.length, 2, 'silence again after another txAckTimeoutMs');
  await w.network.sendUnicast(request('r-3'));
  await w.settle();
  await w.mqtt.deliver(DEVICE, 'down/sent', downEvent(DEVICE, 'downlink_sent', ['fuota:r-1', 'as:downlink:00']));
  t.deepEqual(pushes(), ['fuota:r-1']);
  t.is(w.network.pendingUnicasts, 0);
  t.deepEqual(w.errors, []);
});

test('a copy TTS no longer lists (its down/sent lost with the broker, or the push lost: MQTT QoS 0): the ask again is pushed', async (t) => {
  const { w, pushes, queuedCopies } = await started(t);
  await w.network.sendUnicast(request('r-1'));
  await w.clock.run({ untilMs: T0 + 60_000, settle: w.settle });
  t.is(w.failed.length, 1);
  await w.network.sendUnicast(request('r-2'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-2']);
  t.deepEqual(queuedCopies, [], 'r-2 went to TTS anew: an attempt');
  // And r-2 is now the copy a further ask is checked against.
  queueHolds(w, 'r-2');
  await w.network.sendUnicast(request('r-3'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-2']);
  t.deepEqual(queuedCopies, [`${DEV} r-3`]);
});

test('the queue listing fails: the ask again is pushed (a duplicate costs airtime, a lost request the device), and the failure reported', async (t) => {
  const { w, pushes, queuedCopies } = await started(t);
  await w.network.sendUnicast(request('r-1'));
  await w.settle();
  queueHolds(w, 'r-1');
  w.http.failQueueListings = 1;
  await w.network.sendUnicast(request('r-2'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-2']);
  t.deepEqual(queuedCopies, []);
  t.is(w.errors.length, 1);
  t.regex(w.errors[0]!.context, /^GET down \(the queue\) of 70b3d57ed0000001, to know whether fuota:r-1 is still queued: pushing again$/);
});

test('a copy that left the queue without going out (down/failed, down/invalidated): the ask again is pushed', async (t) => {
  const { w, pushes } = await started(t);
  await w.network.sendUnicast(request('r-1'));
  await w.settle();
  queueHolds(w, 'r-1');
  await w.mqtt.deliver(DEVICE, 'down/failed', failedEvent(DEVICE, ['fuota:r-1'], DUTY_CYCLE_ERROR));
  await w.network.sendUnicast(request('r-2'));
  await w.settle();
  queueHolds(w, 'r-2');
  await w.mqtt.deliver(DEVICE, 'down/invalidated', { end_device_ids: { device_id: DEVICE, application_ids: { application_id: APP } }, downlink_queue_invalidated: { downlinks: [], last_f_cnt_down: 3 } });
  await w.network.sendUnicast(request('r-3'));
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-2', 'fuota:r-3']);
});

test('another request on the same FPort (another payload) is pushed behind the queued one: it is not a copy', async (t) => {
  const { w, pushes } = await started(t);
  await w.network.sendUnicast(request('r-1', '0a0b'));
  await w.settle();
  queueHolds(w, 'r-1');
  await w.network.sendUnicast(request('r-2', '0a0c'));
  await w.network.sendUnicast({ ...request('r-3', '0a0b'), fPort: 202 });
  await w.settle();
  t.deepEqual(pushes(), ['fuota:r-1', 'fuota:r-2', 'fuota:r-3']);
});

test('the same command carried out again (an outbox retry) while its item is queued: not pushed, and not reported as left to a copy (it went to TTS anew)', async (t) => {
  const { w, pushes, queuedCopies } = await askedAgainWhileListed(t, 'r-1');
  t.deepEqual(pushes(), ['fuota:r-1']);
  t.deepEqual(queuedCopies, []);
  t.is(w.network.pendingUnicasts, 1);
});
