import test from 'ava';
import { RealTimeDriver } from '../../src/sim/real-time-driver.js';
import { SimClock } from '../../src/sim/sim-clock.js';

test('advance runs what is due by the wall clock and lands now() on it, nothing later', async (t) => {
  let wallMs = 50_000;
  const clock = new SimClock(1_000);
  const driver = new RealTimeDriver(clock, { wallNowMs: () => wallMs, tickMs: 60_000 });
  const ran: number[] = [];
  clock.at(1_040, () => ran.push(clock.now()));
  clock.at(1_100, () => ran.push(clock.now()));
  driver.start();
  wallMs += 60;
  await driver.advance();
  t.deepEqual(ran, [1_040]);
  t.is(clock.now(), 1_060, 'idle time moves too');
  wallMs += 40;
  await driver.advance();
  t.deepEqual(ran, [1_040, 1_100]);
  t.is(clock.now(), 1_100);
  await driver.stop();
  wallMs += 1_000;
  await driver.advance();
  t.is(clock.now(), 1_100, 'a stopped driver does not move the clock');
});

/**
 * Waits, one timer turn at a time, until `condition` holds: for what the driver's own interval
 * does, without assuming how soon it runs. The bound counts turns of the event loop, not
 * milliseconds (a busy machine makes both the interval and these turns late alike); 10 000 turns
 * of a 1 ms interval are far more than a working driver needs.
 */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn === 10_000) throw new Error(`${what}: still not after ${turn} timer turns`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

// The wall clock is the test's (wallNowMs): it moves only when the test moves it, so what the
// driver does is the same on any machine. Nothing here calls advance(): only the driver's own
// interval can run the events.
test('ticks on its own: its interval runs what the wall clock made due, events scheduled by events in order', async (t) => {
  let wallMs = 0;
  const clock = new SimClock(10_000);
  const driver = new RealTimeDriver(clock, { wallNowMs: () => wallMs, tickMs: 1 });
  const order: string[] = [];
  clock.at(10_030, () => {
    order.push('a');
    clock.at(clock.now(), () => order.push('a-now'));
    clock.at(clock.now() + 20, () => order.push('b'));
  });
  clock.at(10_070, () => order.push('c'));
  driver.start();
  wallMs = 60; // 60 ms of wall time since start
  await until(() => order.length >= 3, 'the interval runs the due events');
  t.deepEqual(order, ['a', 'a-now', 'b'], 'c (at +70 ms) is not due yet');
  t.is(clock.now(), 10_060, 'the clock lands on the wall time, not on the next event');
  wallMs = 75;
  await until(() => order.length >= 4, 'the next tick runs the next event');
  t.deepEqual(order, ['a', 'a-now', 'b', 'c']);
  t.is(clock.now(), 10_075);
  await driver.stop();
});

test('an event that throws stops the driver and is kept as its failure', async (t) => {
  let wallMs = 0;
  const clock = new SimClock(10_000);
  const driver = new RealTimeDriver(clock, { wallNowMs: () => wallMs, tickMs: 1 });
  const ran: number[] = [];
  clock.at(10_010, () => {
    throw new Error('boom');
  });
  clock.at(10_020, () => ran.push(clock.now()));
  driver.start();
  wallMs = 30;
  await until(() => !driver.started, 'the driver stops');
  t.is((driver.failure as Error).message, 'boom');
  t.deepEqual(ran, [], 'nothing after the failing event ran');
  t.is(clock.now(), 10_010);
  wallMs = 100;
  await driver.advance();
  t.deepEqual(ran, [], 'a stopped driver runs nothing more');
  await clock.run({ untilMs: 10_020 });
  t.deepEqual(ran, [10_020], 'the later event stayed on the clock');
});
