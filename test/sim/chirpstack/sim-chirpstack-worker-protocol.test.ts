import test from 'ava';
import { TurnReport, type SimWorkerTurn } from '../../../src/sim/chirpstack/sim-chirpstack-worker-protocol.js';

// The worker reports what its wire did in one message per turn (issue #17): each postMessage wakes
// the main thread, and the demo's settle window waits on every one. Acknowledgements alone wait
// for a later turn (or the `later` flush, played here by hand).

function reporter(): { report: TurnReport; posted: SimWorkerTurn[]; runLater: () => void; scheduled: () => number } {
  const posted: SimWorkerTurn[] = [];
  let pending: Array<() => void> = [];
  let scheduled = 0;
  const report = new TurnReport(
    (turn) => posted.push(turn),
    (flush) => {
      scheduled++;
      pending.push(flush);
      return () => (pending = pending.filter((f) => f !== flush));
    },
  );
  const runLater = (): void => {
    const now = pending;
    pending = [];
    for (const flush of now) flush();
  };
  return { report, posted, runLater, scheduled: () => scheduled };
}

test('a turn of commands, results and watcher counts goes out as one message, in arrival order', async (t) => {
  const { report, posted } = reporter();
  report.command({ kind: 'other', topic: 'application/a/command/down' });
  report.result(1);
  report.watched();
  report.result(2, { message: 'no PUBACK', code: 'MQTT_PUBLISH_FAILED' });
  report.command({ kind: 'other', topic: 'application/b/command/down' });
  report.watched();
  t.deepEqual(posted, [], 'nothing is posted before the turn ends');
  await Promise.resolve();
  t.deepEqual(posted, [
    {
      type: 'turn',
      commands: [
        { kind: 'other', topic: 'application/a/command/down' },
        { kind: 'other', topic: 'application/b/command/down' },
      ],
      results: [{ id: 1 }, { id: 2, error: { message: 'no PUBACK', code: 'MQTT_PUBLISH_FAILED' } }],
      watched: 2,
    },
  ]);
});

test('acknowledgements alone wait: they ride on the next turn with a command, and the later flush is cancelled', async (t) => {
  const { report, posted, runLater, scheduled } = reporter();
  report.result(7);
  report.result(8);
  await Promise.resolve();
  t.deepEqual(posted, [], 'no wake-up of the main thread for acknowledgements alone');
  t.is(scheduled(), 1);
  report.watched();
  await Promise.resolve();
  t.deepEqual(posted, [{ type: 'turn', commands: [], results: [{ id: 7 }, { id: 8 }], watched: 1 }]);
  runLater();
  t.is(posted.length, 1, 'the later flush was cancelled');
});

test('acknowledgements alone go out at the later flush; a failed publish goes at once', async (t) => {
  const { report, posted, runLater } = reporter();
  report.result(1);
  runLater();
  t.deepEqual(posted, [{ type: 'turn', commands: [], results: [{ id: 1 }], watched: 0 }]);
  report.result(2);
  report.result(3, { message: 'connection closed' });
  await Promise.resolve();
  t.deepEqual(posted[1], { type: 'turn', commands: [], results: [{ id: 2 }, { id: 3, error: { message: 'connection closed' } }], watched: 0 });
  runLater();
  t.is(posted.length, 2);
});
