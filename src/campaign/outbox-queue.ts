import type { OutboxItem } from './ports.js';

// A campaign's outbox in memory (live-campaign.ts): commands in commit order, carried out from
// the head (outbox-runner.ts). A plain array's shift() moves every element behind the head, and
// an outbox may hold a whole wave's requests at once, so a flush cost the square of that. Counted
// in `bench/campaign.ts --one 10000:mix:adaptive:42:sqlite:500` (issue #17): 124 072 commands
// taken, 117 million elements moved, outboxes up to 9 900 long; at 100 000 devices a perf sample
// had 4.8 % in Array.prototype.shift and 4.2 % in the write barriers of what it moved. Here the
// head is an index: taking it costs O(1), and the array drops its taken part only once that part
// is at least half of it, so each item is moved at most once more on average.

export class OutboxQueue {
  private items: OutboxItem[];
  private head = 0;

  constructor(items: Iterable<OutboxItem> = []) {
    this.items = [...items];
  }

  /** Items not yet taken. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** The oldest item, without taking it. */
  peek(): OutboxItem | undefined {
    return this.items[this.head];
  }

  push(item: OutboxItem): void {
    this.items.push(item);
  }

  /** Takes the oldest item. */
  shift(): OutboxItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as OutboxItem; // not kept alive by the taken part
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The items not yet taken, oldest first (a copy). */
  toArray(): OutboxItem[] {
    return this.items.slice(this.head);
  }
}
