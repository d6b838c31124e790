import test from 'ava';
import { RealTimeDriver } from '../../../src/lns/sim/real-time-driver.js';
import { SimClock } from '../../../src/lns/sim/sim-clock.js';

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

test('ticks on its own in real time; events scheduled by events run in order', async (t) => {
  const clock = new SimClock(Date.now());
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  const order: string[] = [];
  const startMs = clock.now();
  clock.at(startMs + 30, () => {
    order.push('a');
    clock.at(clock.now(), () => order.push('a-now'));
    clock.at(clock.now() + 20, () => order.push('b'));
  });
  driver.start();
  await new Promise((resolve) => setTimeout(resolve, 150));
  await driver.stop();
  t.deepEqual(order, ['a', 'a-now', 'b']);
  t.true(clock.now() - startMs >= 100, `sim time moved ${clock.now() - startMs} ms`);
});

test('an event that throws stops the driver and is kept as its failure', async (t) => {
  const clock = new SimClock(Date.now());
  const driver = new RealTimeDriver(clock, { tickMs: 5 });
  clock.at(clock.now() + 10, () => {
    throw new Error('boom');
  });
  driver.start();
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.false(driver.started);
  t.is((driver.failure as Error).message, 'boom');
});
