import test from 'ava';
import fc from 'fast-check';
import { OutboxQueue } from '../../src/campaign/outbox-queue.js';
import type { OutboxItem } from '../../src/campaign/ports.js';

function item(seq: number): OutboxItem {
  return { seq, command: { type: 'delete-multicast-group', groupName: `g${seq}` } };
}

test('an empty queue has nothing to peek or take', (t) => {
  const queue = new OutboxQueue();
  t.is(queue.length, 0);
  t.is(queue.peek(), undefined);
  t.is(queue.shift(), undefined);
  t.deepEqual(queue.toArray(), []);
});

test('keeps the items it starts with, in order, and does not share the array given', (t) => {
  const given = [item(1), item(2), item(3)];
  const queue = new OutboxQueue(given);
  given.pop();
  t.deepEqual(queue.toArray().map((i) => i.seq), [1, 2, 3]);
  t.is(queue.shift()!.seq, 1);
  t.deepEqual(given.map((i) => i.seq), [1, 2]);
});

// Long runs of takes and pushes, past the point (1 024 taken, half the array) where the queue
// drops its taken part: the queue must behave exactly as an array with push and shift.
test('behaves as an array with push and shift (property)', (t) => {
  const op = fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 3000 }) }), fc.record({ take: fc.integer({ min: 1, max: 3000 }) }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const queue = new OutboxQueue();
      const model: OutboxItem[] = [];
      let seq = 0;
      for (const o of ops) {
        if ('push' in o) {
          for (let k = 0; k < o.push; k++) {
            const it = item(++seq);
            queue.push(it);
            model.push(it);
          }
        } else {
          for (let k = 0; k < o.take; k++) {
            if (queue.peek() !== model[0]) return false;
            if (queue.shift() !== model.shift()) return false;
            if (queue.length !== model.length) return false;
          }
        }
        if (queue.length !== model.length || queue.peek() !== model[0]) return false;
      }
      const rest = queue.toArray();
      return rest.length === model.length && rest.every((it, i) => it === model[i]);
    }),
    { numRuns: 200 },
  );
  t.pass();
});
